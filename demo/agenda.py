"""Demo tasks for `make run`: the task rules run once on the loaded history (next steps, proposals awaiting an
answer, contracts ending, return visits, leads left unreviewed...), and a task by hand from the station master
to the key-account manager."""

import datetime

from django.utils import timezone

from accounts.models import Role
from agenda import rules, services


def seed(org, *, scale, today, rng) -> None:
    now = timezone.now()
    for station in org.stations:
        rules.sync_station(station=station, on=station.local_date(now), now=now)
    master = next(p for p in org.people if p.role == Role.STATION_MASTER)
    kam = next(p for p in org.people if p.role == Role.KEY_ACCOUNT_MANAGER)
    services.task_create(
        by=master, assignee=kam, title="整理本月重点客户拜访计划，周五前交站长", due_on=today
    )
    services.task_create(
        by=kam, title="准备季度高层互访的汇报材料", due_on=today + datetime.timedelta(days=3)
    )
