"""The tasks API of the public contract (shared/API.md, "Work"): list filters, a task by hand, done and snooze,
errors in the caller's language, the schema, and query counts that stay flat."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agenda.models import Task
from pipeline.models.loop import Stage
from tests.factories_agenda import make_task
from tests.factories_leads import ClientFactory

pytestmark = pytest.mark.django_db


def _today(org):
    return org.station_a.local_date()


def test_the_list_has_the_contracts_fields_and_filters(org, api_as):
    today = _today(org)
    acme = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.VISIT, name="顺达商贸")
    due = make_task(org.kam, today - dt.timedelta(days=1), title="催回复", client=acme)
    later = make_task(org.kam, today + dt.timedelta(days=5), title="准备续约")
    snoozed = make_task(
        org.kam,
        today,
        title="推迟的",
        snoozed_until=today + dt.timedelta(days=2),
        show_on=today + dt.timedelta(days=2),
    )
    done = make_task(org.kam, today, title="做完的", status="done", close_reason="done")
    api = api_as(org.kam)
    rows = api.get("/api/v1/tasks/?assignee=me").json()["results"]
    first = rows[0]
    for field in ("id", "kind", "title", "client", "assignee", "due_on", "status"):
        assert field in first
    assert (
        first["id"],
        first["kind"],
        first["title"],
        first["client"],
        first["assignee"],
        first["due_on"],
        first["status"],
    ) == (due.pk, "manual", "催回复", acme.pk, org.kam.pk, (today - dt.timedelta(days=1)).isoformat(), "open")
    assert first["overdue"] is True and first["link"].endswith(f"/clients/{acme.pk}/")

    def ids(query):
        return [r["id"] for r in api.get(f"/api/v1/tasks/?{query}").json()["results"]]

    assert ids("status=open") == [due.pk, later.pk]
    assert ids("status=snoozed") == [snoozed.pk]
    assert ids("status=done") == [done.pk]
    assert ids(f"due_before={today.isoformat()}") == [due.pk]
    assert ids(
        f"assignee={org.kam.pk}&status=open&due_before={(today + dt.timedelta(days=6)).isoformat()}"
    ) == [due.pk, later.pk]


@pytest.mark.parametrize("query", ["status=later", "assignee=boss", "due_before=2026-13-01"])
def test_bad_filters_are_a_400_in_the_callers_language(org, api_as, query):
    response = api_as(org.kam).get(f"/api/v1/tasks/?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    field = query.split("=")[0]
    assert field in response.json()


def test_a_task_by_hand_through_the_api(org, api_as):
    due = _today(org) + dt.timedelta(days=2)
    acme = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.NEEDS)
    response = api_as(org.manager).post(
        "/api/v1/tasks/",
        {"title": "带上报价单", "client": acme.pk, "assignee": org.marketer.pk, "due_on": due.isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["kind"],
        body["title"],
        body["assignee"],
        body["client"],
        body["due_on"],
        body["status"],
    ) == ("manual", "带上报价单", org.marketer.pk, acme.pk, due.isoformat(), "open")
    task = Task.objects.get()
    assert (task.created_by, task.station) == (org.manager, org.station_a)


def test_a_task_for_oneself_by_default(org, api_as):
    response = api_as(org.kam).post(
        "/api/v1/tasks/", {"title": "整理名片", "due_on": _today(org).isoformat()}, format="json"
    )
    assert response.status_code == 201 and response.json()["assignee"] == org.kam.pk


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"due_on": "2020-01-01"}, "due_on"),
        ({"due_on": "2099-01-01"}, "due_on"),
        ({"due_on": "tomorrow"}, "due_on"),
        ({"assignee": "other-station"}, "assignee"),
        ({"client": "other-station"}, "client"),
        ({"client": "not-the-assignees"}, "client"),
    ],
)
def test_a_bad_task_is_refused_and_nothing_is_written(org, api_as, change, field):
    a2_client = ClientFactory(area=org.a2, collected_by=org.courier_a2)
    b_client = ClientFactory(area=org.b1, owner=org.kam_b)
    values = {"other-station": None, "not-the-assignees": a2_client.pk}
    data = {"title": "跟进", "assignee": org.courier.pk, "due_on": _today(org).isoformat()}
    for key, value in change.items():
        if value == "other-station":
            value = org.courier_b.pk if key == "assignee" else b_client.pk
        data[key] = values.get(value, value) if value == "not-the-assignees" else value
    response = api_as(org.station_master).post("/api/v1/tasks/", data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Task.objects.exists()


def test_done_and_snooze(org, api_as):
    today = _today(org)
    task = make_task(org.kam, today)
    api = api_as(org.kam)
    snoozed = api.post(
        f"/api/v1/tasks/{task.pk}/snooze/",
        {"until": (today + dt.timedelta(days=3)).isoformat()},
        format="json",
    )
    assert snoozed.status_code == 200 and snoozed.json()["status"] == "snoozed"
    assert snoozed.json()["snoozed_until"] == (today + dt.timedelta(days=3)).isoformat()
    done = api.post(f"/api/v1/tasks/{task.pk}/done/")
    assert (
        done.status_code == 200 and done.json()["status"] == "done" and done.json()["close_reason"] == "done"
    )
    assert api.post(f"/api/v1/tasks/{task.pk}/done/").status_code == 200  # again: no change
    again = api.post(
        f"/api/v1/tasks/{task.pk}/snooze/",
        {"until": (today + dt.timedelta(days=3)).isoformat()},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert again.status_code == 400 and again.json() == {"detail": "This task is done already."}


@pytest.mark.parametrize("days, message", [(0, "请选择今天之后的日期。"), (91, "最多推迟 90 天。")])
def test_a_snooze_out_of_bounds_is_a_400_in_chinese(org, api_as, days, message):
    today = _today(org)
    task = make_task(org.kam, today)
    response = api_as(org.kam).post(
        f"/api/v1/tasks/{task.pk}/snooze/",
        {"until": (today + dt.timedelta(days=days)).isoformat()},
        format="json",
    )
    assert response.status_code == 400 and response.json() == {"until": [message]}
    task.refresh_from_db()
    assert task.snoozed_until is None


def test_the_schema_lists_the_work_endpoints(org, api_as):
    schema = api_as(org.admin).get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/tasks/",
        "/api/v1/tasks/{id}/",
        "/api/v1/tasks/{id}/done/",
        "/api/v1/tasks/{id}/snooze/",
        "/api/v1/targets/",
        "/api/v1/scorecards/",
    ):
        assert path in schema["paths"], path
    params = {p["name"] for p in schema["paths"]["/api/v1/tasks/"]["get"]["parameters"]}
    assert {"assignee", "status", "due_before"} <= params
    status = schema["components"]["schemas"]["Task"]["properties"]["status"]
    name = status["allOf"][0]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][name]["enum"] == ["open", "done", "snoozed"]


def test_the_list_costs_the_same_queries_for_many_tasks(org, api_as):
    today = _today(org)
    api = api_as(org.station_master)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/tasks/").status_code == 200
        return len(queries)

    make_task(org.kam, today, client=ClientFactory(area=org.a1, owner=org.kam))
    few = count()
    for person in (org.kam, org.courier, org.marketer, org.manager, org.courier_a2):
        for i in range(4):
            make_task(
                person,
                today + dt.timedelta(days=i),
                client=ClientFactory(area=person.area or org.a1, owner=org.kam),
            )
    assert count() == few
