"""The quota's REST API: a flag's steps (investigate → assess → resolve) with refusals that change nothing,
flag filters and history, tallies, leave, the station calendar and settings."""

import datetime

import pytest
from django.core import mail

from accounts.models import Notification, User
from quota.evaluation import evaluate_station_through
from quota.models import CalendarDay, DailyTally, FlagEvent, Leave, QuotaFlag, QuotaSettings
from tests.factories_leads import collect
from tests.factories_quota import day, quota_settings

pytestmark = pytest.mark.django_db

MONDAY = day("2026-03-02")


@pytest.fixture
def flagged(org):
    """The courier of a1 missed Monday to Wednesday; everybody else collected every day."""
    quota_settings(org.station_a, starts_on=MONDAY)
    quota_settings(org.station_b, starts_on=MONDAY)
    for person in (org.marketer, org.courier_a2, org.marketer_a2):
        for i in range(3):
            collect(person, MONDAY + datetime.timedelta(days=i))
    evaluate_station_through(station=org.station_a, through=day("2026-03-04"))
    return QuotaFlag.objects.get(person=org.courier)


def _flag_state(flag):
    flag.refresh_from_db()
    return flag.status, flag.penalty, list(flag.events.values_list("kind", "by", "note", "penalty"))


@pytest.mark.usefixtures("eager_tasks")
def test_the_flag_lifecycle_keeps_every_step(org, api_as, flagged, django_capture_on_commit_callbacks):
    User.objects.filter(pk=org.station_master.pk).update(email="master@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        r = api_as(org.manager).post(
            f"/api/v1/flags/{flagged.pk}/investigate/", {"note": "家中有事，已补假条"}, format="json"
        )
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["step"]) == ("open", "investigated")
    assert Notification.objects.filter(
        recipient=org.station_master, dedupe_key=f"quota_flag:{flagged.pk}:investigated"
    ).exists()

    master = api_as(org.station_master)
    r = master.post(
        f"/api/v1/flags/{flagged.pk}/assess/", {"penalty": False, "note": "情况属实，不扣罚"}, format="json"
    )
    assert (r.status_code, r.json()["step"], r.json()["penalty"]) == (200, "assessed", False)
    r = master.post(f"/api/v1/flags/{flagged.pk}/resolve/", {"note": "已归档"}, format="json")
    assert (r.status_code, r.json()["status"]) == (200, "resolved")
    assert [(h["kind"], h["by"], h["note"]) for h in r.json()["history"]] == [
        ("raised", None, ""),
        ("investigated", org.manager.pk, "家中有事，已补假条"),
        ("assessed", org.station_master.pk, "情况属实，不扣罚"),
        ("resolved", org.station_master.pk, "已归档"),
    ]
    assert _flag_state(flagged)[:2] == ("resolved", False)
    assert [m.to for m in mail.outbox] == [["master@example.com"]]  # told when the investigation was recorded


def test_resolving_an_already_resolved_flag_is_400_and_changes_nothing(org, api_as, flagged):
    QuotaFlag.objects.filter(pk=flagged.pk).update(status="resolved")
    before = _flag_state(flagged)
    r = api_as(org.station_master).post(
        f"/api/v1/flags/{flagged.pk}/resolve/", {"note": "再次"}, format="json"
    )
    assert r.status_code == 400 and "detail" in r.json()
    assert _flag_state(flagged) == before


@pytest.mark.parametrize(
    "step, payload, status",
    [
        ("assess", {"penalty": True, "note": "跳过调查"}, "open"),  # needs the investigation first
        ("resolve", {"note": ""}, "open"),  # closing needs a note
        ("investigate", {"note": ""}, "open"),  # a note is required
        ("investigate", {}, "open"),
    ],
)
def test_steps_out_of_order_or_without_a_note_are_400(org, api_as, flagged, step, payload, status):
    before = _flag_state(flagged)
    r = api_as(org.station_master).post(f"/api/v1/flags/{flagged.pk}/{step}/", payload, format="json")
    assert r.status_code == 400
    assert _flag_state(flagged) == before


def test_an_assessment_needs_a_penalty_answer(org, api_as, flagged):
    api_as(org.manager).post(f"/api/v1/flags/{flagged.pk}/investigate/", {"note": "查明"}, format="json")
    before = _flag_state(flagged)
    r = api_as(org.station_master).post(
        f"/api/v1/flags/{flagged.pk}/assess/", {"note": "扣罚"}, format="json"
    )
    assert r.status_code == 400 and "penalty" in r.json()
    assert _flag_state(flagged) == before


def test_a_flag_of_another_station_is_404_and_unchanged(org, api_as, flagged):
    before = _flag_state(flagged)
    client = api_as(org.station_master_b)
    assert client.get(f"/api/v1/flags/{flagged.pk}/").status_code == 404
    assert (
        client.post(f"/api/v1/flags/{flagged.pk}/resolve/", {"note": "x"}, format="json").status_code == 404
    )
    assert (
        client.post(f"/api/v1/flags/{flagged.pk}/investigate/", {"note": "x"}, format="json").status_code
        == 404
    )
    assert _flag_state(flagged) == before


def test_the_flagged_courier_sees_the_flag_but_may_not_act(org, api_as, flagged):
    client = api_as(org.courier)
    assert [f["id"] for f in client.get("/api/v1/flags/").json()["results"]] == [flagged.pk]
    before = _flag_state(flagged)
    assert (
        client.post(f"/api/v1/flags/{flagged.pk}/investigate/", {"note": "我没事"}, format="json").status_code
        == 403
    )
    assert _flag_state(flagged) == before


def test_flag_filters(org, api_as, flagged):
    client = api_as(org.station_master)
    ids = lambda query: [f["id"] for f in client.get(f"/api/v1/flags/?{query}").json()["results"]]  # noqa: E731
    assert ids("status=open") == [flagged.pk]
    assert ids("status=resolved") == []
    assert ids(f"person={org.courier.pk}") == [flagged.pk]
    assert ids(f"person={org.marketer.pk}") == []
    assert ids("missed_from=2026-03-04&missed_to=2026-03-02") == [flagged.pk]
    assert ids("missed_from=2026-03-05") == []
    assert client.get("/api/v1/flags/?status=bogus").status_code == 400
    first = client.get("/api/v1/flags/").json()["results"][0]
    assert {
        k: first[k] for k in ("person", "first_missed_on", "last_missed_on", "days_missed", "status")
    } == {
        "person": org.courier.pk,
        "first_missed_on": "2026-03-02",
        "last_missed_on": "2026-03-04",
        "days_missed": 3,
        "status": "open",
    }


def test_the_flag_list_costs_the_same_queries_for_many_flags(
    org, api_as, flagged, django_assert_max_num_queries
):
    for i in range(15):
        QuotaFlag.objects.create(
            person=org.courier,
            station=org.station_a,
            area=org.a1,
            first_missed_on=day("2025-01-01") + datetime.timedelta(days=10 * i),
            last_missed_on=day("2025-01-03") + datetime.timedelta(days=10 * i),
            days_missed=3,
            raised_on=day("2025-01-03") + datetime.timedelta(days=10 * i),
            created_at=flagged.created_at,
            updated_at=flagged.created_at,
        )
    client = api_as(org.station_master)
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/v1/flags/").json()["results"]) == 16


def test_tallies_are_scoped_and_filterable(org, api_as, flagged):
    mine = api_as(org.courier).get("/api/v1/quota/tallies/").json()["results"]
    assert {t["person"] for t in mine} == {org.courier.pk}
    assert [(t["day"], t["met"], t["miss_streak"]) for t in mine] == [
        ("2026-03-04", False, 3),
        ("2026-03-03", False, 2),
        ("2026-03-02", False, 1),
    ]
    master = (
        api_as(org.station_master).get("/api/v1/quota/tallies/?day=2026-03-04&met=true").json()["results"]
    )
    assert {t["person"] for t in master} == {org.marketer.pk, org.courier_a2.pk, org.marketer_a2.pk}
    assert api_as(org.station_master_b).get("/api/v1/quota/tallies/").json()["results"] == []


def test_leave_through_the_api(org, api_as, flagged):
    client = api_as(org.manager)
    r = client.post(
        "/api/v1/quota/leave/",
        {"person": org.courier.pk, "first_day": "2026-03-09", "last_day": "2026-03-10", "note": "病假"},
        format="json",
    )
    assert r.status_code == 201, r.content
    leave = Leave.objects.get()
    assert (leave.person, leave.first_day, leave.last_day, leave.created_by) == (
        org.courier,
        day("2026-03-09"),
        day("2026-03-10"),
        org.manager,
    )
    # Days already evaluated are final; overlapping leave and people outside the area are refused.
    for payload, code in [
        ({"person": org.courier.pk, "first_day": "2026-03-04", "last_day": "2026-03-05"}, 400),
        ({"person": org.courier.pk, "first_day": "2026-03-10", "last_day": "2026-03-11"}, 400),
        ({"person": org.courier.pk, "first_day": "2026-03-12", "last_day": "2026-03-11"}, 400),
        ({"person": org.courier_a2.pk, "first_day": "2026-03-12", "last_day": "2026-03-12"}, 400),
        ({"person": org.manager.pk, "first_day": "2026-03-12", "last_day": "2026-03-12"}, 400),
    ]:
        assert client.post("/api/v1/quota/leave/", payload, format="json").status_code == code, payload
    assert Leave.objects.count() == 1
    assert client.get("/api/v1/quota/leave/?covers=2026-03-10").json()["count"] == 1
    assert api_as(org.courier).delete(f"/api/v1/quota/leave/{leave.pk}/").status_code == 403
    assert api_as(org.courier).post("/api/v1/quota/leave/", {}, format="json").status_code == 403
    assert api_as(org.manager).delete(f"/api/v1/quota/leave/{leave.pk}/").status_code == 204
    assert not Leave.objects.exists()


def test_leave_on_evaluated_days_cannot_be_removed(org, api_as, flagged):
    leave = Leave.objects.create(person=org.courier, first_day=day("2026-03-04"), last_day=day("2026-03-04"))
    assert api_as(org.manager).delete(f"/api/v1/quota/leave/{leave.pk}/").status_code == 400
    assert Leave.objects.filter(pk=leave.pk).exists()


def test_station_calendar_and_settings_through_the_api(org, api_as, flagged):
    master = api_as(org.station_master)
    r = master.post(
        "/api/v1/quota/calendar-days/",
        {"station": org.station_a.pk, "day": "2026-03-14", "working": False, "note": "站内调休"},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert (
        master.post(
            "/api/v1/quota/calendar-days/",
            {"station": org.station_a.pk, "day": "2026-03-03", "working": False},
            format="json",
        ).status_code
        == 400
    )  # already evaluated
    assert list(CalendarDay.objects.values_list("day", "working")) == [(day("2026-03-14"), False)]
    days = master.get(
        f"/api/v1/quota/working-days/?station={org.station_a.pk}&from=2026-03-13&to=2026-03-15"
    ).json()
    assert [(d["day"], d["working"], d["reason"]) for d in days["days"]] == [
        ("2026-03-13", True, "weekday"),
        ("2026-03-14", False, "station_rest"),
        ("2026-03-15", False, "weekly_rest"),
    ]
    assert (
        master.get(
            f"/api/v1/quota/working-days/?station={org.station_a.pk}&from=2026-03-15&to=2026-03-13"
        ).status_code
        == 400
    )
    assert (
        master.get(
            f"/api/v1/quota/working-days/?station={org.station_b.pk}&from=2026-03-13&to=2026-03-15"
        ).status_code
        == 404
    )

    r = master.patch(
        f"/api/v1/quota/settings/{org.station_a.pk}/",
        {"quota_per_day": 2, "reminder_hour": 16},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert QuotaSettings.objects.filter(station=org.station_a, quota_per_day=2, reminder_hour=16).exists()
    for bad in (
        {"quota_per_day": 0},
        {"evaluation_hour": 24},
        {"working_weekdays": "89"},
        {"starts_on": "2026-03-03"},
    ):
        assert (
            master.patch(f"/api/v1/quota/settings/{org.station_a.pk}/", bad, format="json").status_code == 400
        ), bad
    assert QuotaSettings.objects.get(station=org.station_a).quota_per_day == 2
    assert api_as(org.station_master_b).get(f"/api/v1/quota/settings/{org.station_a.pk}/").status_code == 404
    assert (
        api_as(org.manager)
        .patch(f"/api/v1/quota/settings/{org.station_a.pk}/", {"quota_per_day": 3}, format="json")
        .status_code
        == 403
    )


def test_verdicts_are_never_rewritten_by_settings_changes(org, api_as, flagged):
    before = sorted(DailyTally.objects.values_list("person", "day", "met", "quota"))
    api_as(org.station_master).patch(
        f"/api/v1/quota/settings/{org.station_a.pk}/", {"quota_per_day": 3}, format="json"
    )
    assert sorted(DailyTally.objects.values_list("person", "day", "met", "quota")) == before
    assert FlagEvent.objects.count() == 1


def test_a_station_master_may_resolve_an_open_flag_with_a_note(org, api_as, flagged):
    # Given a flag nobody has investigated yet, and one under investigation
    client = api_as(org.station_master)
    assert [f["id"] for f in client.get("/api/v1/flags/?status=open").json()["results"]] == [flagged.pk]

    # When the station master resolves it with a note (a justified absence)
    r = client.post(f"/api/v1/flags/{flagged.pk}/resolve/", {"note": "病假，已核实"}, format="json")

    # Then it is resolved, and the history shows it was closed without the middle steps
    assert (r.status_code, r.json()["status"], r.json()["step"]) == (200, "resolved", "resolved")
    assert [h["kind"] for h in r.json()["history"]] == ["raised", "resolved"]
    assert client.get("/api/v1/flags/?status=open").json()["results"] == []
    assert [f["id"] for f in client.get("/api/v1/flags/?status=resolved").json()["results"]] == [flagged.pk]


def test_open_means_not_resolved_whatever_the_step(org, api_as, flagged):
    api_as(org.manager).post(f"/api/v1/flags/{flagged.pk}/investigate/", {"note": "查明"}, format="json")
    client = api_as(org.station_master)
    assert [f["id"] for f in client.get("/api/v1/flags/?status=open").json()["results"]] == [flagged.pk]
    assert [f["id"] for f in client.get("/api/v1/flags/?step=investigated").json()["results"]] == [flagged.pk]
    assert client.get("/api/v1/flags/?status=investigated").status_code == 400
