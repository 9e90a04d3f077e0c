"""Tasks for the tests, written as the rules and the services write them."""

import datetime

from agenda.models import Task, TaskKind


def make_task(assignee, due_on: datetime.date, *, title: str = "跟进报价", client=None, **fields) -> Task:
    station = client.station if client is not None else assignee.station
    return Task.objects.create(
        kind=fields.pop("kind", TaskKind.MANUAL),
        title=title,
        station=station,
        client=client,
        assignee=assignee,
        due_on=due_on,
        show_on=fields.pop("show_on", due_on),
        **fields,
    )
