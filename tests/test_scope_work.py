"""Who sees whose tasks, targets and scorecards, table-driven: every role against the tasks of each person of the
organisation, on the list, the detail, done, snooze (API and pages) and the calendar feed. Outside the scope:
404, and nothing changes."""

import datetime as dt

import pytest

from agenda import services
from agenda.models import Task
from targets.models import Target
from tests.factories_agenda import make_task

pytestmark = pytest.mark.django_db

PEOPLE = [
    "courier",
    "marketer",
    "manager",
    "courier_a2",
    "marketer_a2",
    "station_master",
    "kam",
    "courier_b",
    "marketer_b",
    "station_master_b",
    "kam_b",
]
A1 = {"courier", "marketer", "manager"}
STATION_A = A1 | {"courier_a2", "marketer_a2", "station_master", "kam"}
# role -> whose tasks it sees: its own, and its people's when it manages them.
SEES = {
    "courier": {"courier"},
    "area_marketer": {"marketer"},
    "area_manager": A1,
    "station_master": STATION_A,
    "key_account_manager": {"kam"},
    "executive": set(PEOPLE),
    "admin": set(PEOPLE),
}


@pytest.fixture
def tasks(org):
    today = org.station_a.local_date()
    return {name: make_task(getattr(org, name), today, title=f"{name}的任务") for name in PEOPLE}


@pytest.mark.parametrize("role", sorted(SEES))
def test_the_task_list_and_details_follow_scope(org, api_as, client, tasks, role):
    user = org.by_role()[role]
    api = api_as(user)
    listed = {r["title"] for r in api.get("/api/v1/tasks/?page_size=100").json()["results"]}
    assert listed == {f"{name}的任务" for name in SEES[role]}
    client.force_login(user)
    page = client.get("/tasks/").content.decode()
    for name, task in tasks.items():
        visible = name in SEES[role]
        assert (f"{name}的任务" in page) == visible, name
        assert api.get(f"/api/v1/tasks/{task.pk}/").status_code == (200 if visible else 404)
        assert client.get(f"/tasks/{task.pk}/").status_code == (200 if visible else 404)


@pytest.mark.parametrize("role", sorted(SEES))
def test_done_and_snooze_outside_scope_are_404_and_change_nothing(org, api_as, client, tasks, role):
    user = org.by_role()[role]
    api = api_as(user)
    client.force_login(user)
    tomorrow = (org.station_a.local_date() + dt.timedelta(days=1)).isoformat()
    for name, task in tasks.items():
        if name in SEES[role]:
            continue
        assert api.post(f"/api/v1/tasks/{task.pk}/done/").status_code == 404
        assert (
            api.post(f"/api/v1/tasks/{task.pk}/snooze/", {"until": tomorrow}, format="json").status_code
            == 404
        )
        assert client.post(f"/tasks/{task.pk}/done/").status_code == 404
        assert client.post(f"/tasks/{task.pk}/snooze/", {"days": "1"}).status_code == 404
    assert not Task.objects.exclude(status="open").exists()
    assert not Task.objects.filter(snoozed_until__isnull=False).exists()


def test_an_escalated_task_shows_to_the_manager_it_went_to(org, api_as, tasks):
    Task.objects.filter(pk=tasks["kam"].pk).update(escalated_to=org.manager)
    listed = {r["title"] for r in api_as(org.manager).get("/api/v1/tasks/?page_size=100").json()["results"]}
    assert "kam的任务" in listed


def test_a_feed_holds_its_owners_tasks_and_nobody_elses(org, client, tasks):
    token = services.feed_reset(user=org.manager)
    body = client.get(f"/tasks/calendar/{token}.ics").content.decode()
    assert "manager的任务" in body
    assert "courier的任务" not in body  # a manager's people's tasks are theirs, not in the manager's calendar


USERNAMES = {
    "station_master": "master",
    "station_master_b": "master_b",
}  # the others' names are their usernames
# role -> whose person targets and which area targets it sees.
TARGETS_SEEN = {
    "courier": {"courier", "片区A1"},
    "area_marketer": {"marketer", "片区A1"},
    "area_manager": {"courier", "marketer", "manager", "片区A1"},
    "station_master": STATION_A | {"片区A1", "片区A2", "站A"},
    "key_account_manager": {"kam"},
    "executive": set(PEOPLE) | {"片区A1", "片区A2", "片区B1", "站A", "站B"},
    "admin": set(PEOPLE) | {"片区A1", "片区A2", "片区B1", "站A", "站B"},
}


@pytest.fixture
def targets(org):
    month = dt.date(2026, 5, 1)
    made = {}
    for name in PEOPLE:
        person = getattr(org, name)
        made[name] = Target.objects.create(
            station=person.station, person=person, month=month, metric="leads", value=5
        )
    for area in (org.a1, org.a2, org.b1):
        made[area.name] = Target.objects.create(
            station=area.station, area=area, month=month, metric="leads", value=9
        )
    for station in (org.station_a, org.station_b):
        made[station.name] = Target.objects.create(station=station, month=month, metric="contracts", value=3)
    return made


@pytest.mark.parametrize("role", sorted(TARGETS_SEEN))
def test_targets_and_scorecards_follow_scope(org, api_as, targets, role):
    api = api_as(org.by_role()[role])
    expected = {USERNAMES.get(name, name) for name in TARGETS_SEEN[role]}
    listed = {t["name"] for t in api.get("/api/v1/targets/?month=2026-05&page_size=100").json()["results"]}
    assert listed == expected
    for name, target in targets.items():
        assert api.get(f"/api/v1/targets/{target.pk}/").status_code == (
            200 if name in TARGETS_SEEN[role] else 404
        )
    rows = []
    for level in ("person", "area", "station"):
        rows += api.get(f"/api/v1/scorecards/?month=2026-05&level={level}").json()["results"]
    assert {r["name"] for r in rows} == expected


@pytest.mark.parametrize("role", ["station_master", "area_manager", "courier", "key_account_manager"])
def test_another_stations_scorecard_page_and_workbook_reveal_nothing(org, client, targets, role):
    client.force_login(org.by_role()[role])
    for url in ("/targets/", "/targets/scorecard.xlsx"):
        assert client.get(f"{url}?month=2026-05&station={org.station_b.pk}").status_code == 404
    page = client.get("/targets/?month=2026-05").content.decode()
    assert "courier_b" not in page and "站B" not in page
