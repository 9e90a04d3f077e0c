"""The dashboard API agrees with direct counts of leads and clients, for several roles and several days."""

import datetime

import pytest
import time_machine
from django.db.models import Count

from pipeline.models import Client, Lead
from quota.models import DailyTally, Leave, QuotaFlag, QuotaSettings, StationDay
from tests.factories_leads import ClientFactory, collect

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 18)  # a Wednesday, a working day
MON, TUE = datetime.date(2026, 11, 16), datetime.date(2026, 11, 17)
SAT = datetime.date(2026, 11, 14)


@pytest.fixture
def frozen():
    with time_machine.travel(datetime.datetime(2026, 11, 18, 15, 0, tzinfo=datetime.UTC), tick=False):
        yield


def rule(*stations, weekdays="12345", starts_on=datetime.date(2026, 1, 1), quota=1):
    """The quota rule of the stations: Monday to Friday here, in force all year."""
    for station in stations:
        QuotaSettings.objects.update_or_create(
            station=station,
            defaults={"working_weekdays": weekdays, "starts_on": starts_on, "quota_per_day": quota},
        )


@pytest.fixture
def history(org, frozen):
    """Leads over three working days and a Saturday, in both areas of station A and in station B."""
    rule(org.station_a, org.station_b)
    collect(org.courier, MON, 2)
    collect(org.courier, TUE, 1)
    collect(org.courier, TODAY, 3)
    collect(org.marketer, MON, 1)
    collect(org.marketer, SAT, 1)
    collect(org.courier_a2, TUE, 4)
    collect(org.courier_b, TODAY, 5)
    return org


def _leads(**filters):
    return Lead.objects.filter(**filters).count()


def _get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content
    return response.json()


@pytest.mark.parametrize("day", [MON, TUE, TODAY, SAT])
def test_station_master_sees_each_days_leads_per_person_and_area(history, api_as, day):
    org = history
    data = _get(api_as(org.station_master), f"/api/v1/dashboard/?date={day}&period=day")

    people = {p["person"]: p for p in data["people"]}
    assert set(people) == {org.courier.pk, org.marketer.pk, org.courier_a2.pk, org.marketer_a2.pk}
    for person_id, row in people.items():
        assert row["leads"] == _leads(collected_by_id=person_id, collected_on=day)
    areas = {a["area"]: a for a in data["areas"]}
    assert set(areas) == {org.a1.pk, org.a2.pk}
    for area_id, row in areas.items():
        assert row["leads"] == _leads(area_id=area_id, collected_on=day)
        assert row["leads_period"] == _leads(area_id=area_id, collected_on=day)
    assert data["totals"]["leads"] == _leads(station=org.station_a, collected_on=day)
    assert (data["date"], data["start"], data["end"]) == (day.isoformat(),) * 3


def test_who_met_the_quota_today_and_over_the_period(history, api_as):
    org = history
    org.marketer_a2.date_joined = datetime.date(2026, 11, 13)  # a Friday
    org.marketer_a2.save()
    data = _get(api_as(org.station_master), "/api/v1/dashboard/?start=2026-11-16&end=2026-11-18")

    people = {p["person"]: p for p in data["people"]}
    # Today is not over: the courier has met it, the others not yet.
    assert people[org.courier.pk]["met_quota"] is True
    assert people[org.marketer.pk]["met_quota"] is False
    # Three working days, judged live (no evaluation ran): courier 3 of 3, marketer 1, courier_a2 1, marketer_a2 0.
    assert [
        (people[p.pk]["due_days"], people[p.pk]["met_days"])
        for p in (org.courier, org.marketer, org.courier_a2, org.marketer_a2)
    ] == [(3, 3), (3, 1), (3, 1), (3, 0)]
    assert people[org.courier.pk]["leads_period"] == _leads(
        collected_by=org.courier, collected_on__range=(MON, TODAY)
    )
    # Missed in a row up to today, today not counting until it is over: marketer missed Tuesday only.
    assert people[org.marketer.pk]["miss_streak"] == 1
    assert people[org.marketer_a2.pk]["miss_streak"] == 3  # Friday, Monday, Tuesday (not judged yet: live)
    assert people[org.courier.pk]["miss_streak"] == 0
    areas = {a["area"]: a for a in data["areas"]}
    assert (areas[org.a1.pk]["due_days"], areas[org.a1.pk]["met_days"]) == (6, 4)
    assert areas[org.a1.pk]["compliance"] == round(4 / 6, 4)
    assert data["totals"]["leads_period"] == _leads(station=org.station_a, collected_on__range=(MON, TODAY))
    assert (data["totals"]["met_today"], data["totals"]["due_today"]) == (1, 4)
    assert data["totals"]["compliance_today"] == 0.25


def test_evaluated_days_follow_the_evaluation_not_the_calendar(history, api_as):
    """Once the daily evaluation has judged a day, its verdict is what the dashboard shows."""
    org = history
    evaluated = datetime.datetime(2026, 11, 17, 1, tzinfo=datetime.UTC)
    # Monday was judged a rest day at station A (a station exception); Tuesday judged normally.
    StationDay.objects.create(station=org.station_a, day=MON, working_day=False, evaluated_at=evaluated)
    StationDay.objects.create(station=org.station_a, day=TUE, working_day=True, evaluated_at=evaluated)
    DailyTally.objects.filter(station=org.station_a, day=MON).update(
        working_day=False, met=None, evaluated_at=evaluated
    )
    for person in (org.courier, org.marketer, org.courier_a2, org.marketer_a2):
        tally, _ = DailyTally.objects.get_or_create(
            person=person, day=TUE, defaults={"station": org.station_a, "area": person.area}
        )
        tally.working_day, tally.met, tally.evaluated_at = True, tally.counted >= 1, evaluated
        tally.miss_streak = 0 if tally.met else 1
        tally.save()

    data = _get(api_as(org.station_master), "/api/v1/dashboard/?start=2026-11-16&end=2026-11-17")

    people = {p["person"]: p for p in data["people"]}
    assert (people[org.courier.pk]["due_days"], people[org.courier.pk]["met_days"]) == (1, 1)
    assert (people[org.marketer.pk]["due_days"], people[org.marketer.pk]["met_days"]) == (1, 0)
    assert data["totals"]["compliance_period"] == 0.5  # courier and courier_a2 met Tuesday, of four
    # The evaluation's streak on Tuesday plus Wednesday is not over yet: one day for those who missed Tuesday.
    assert people[org.marketer.pk]["miss_streak"] == 1
    assert people[org.courier.pk]["miss_streak"] == 0


def test_live_days_follow_the_stations_rule_quota_and_leave(history, api_as):
    """Not judged yet: the station's quota per day, its working days and people's leave decide who is due."""
    org = history
    rule(org.station_a, weekdays="123456", quota=2)  # Saturdays too, two leads a day
    Leave.objects.create(person=org.marketer_a2, first_day=MON, last_day=TODAY)

    data = _get(api_as(org.station_master), "/api/v1/dashboard/?start=2026-11-14&end=2026-11-18")

    people = {p["person"]: p for p in data["people"]}
    # courier: Sat 0, Mon 2, Tue 1, Wed 3 -> met Mon and Wed of four working days.
    assert (people[org.courier.pk]["due_days"], people[org.courier.pk]["met_days"]) == (4, 2)
    # marketer_a2 on leave Mon-Wed: due Saturday only.
    assert (people[org.marketer_a2.pk]["due_days"], people[org.marketer_a2.pk]["met_days"]) == (1, 0)
    assert people[org.marketer_a2.pk]["met_quota"] is None
    assert data["quota_per_day"] == 2


def test_area_manager_sees_only_their_area(history, api_as):
    org = history
    client = api_as(org.manager)

    data = _get(client, "/api/v1/dashboard/?period=30d")

    assert data["area"] == {"id": org.a1.pk, "name": org.a1.name}
    assert {p["person"] for p in data["people"]} == {org.courier.pk, org.marketer.pk}
    assert [a["area"] for a in data["areas"]] == [org.a1.pk]
    assert data["totals"]["leads_period"] == _leads(
        area=org.a1, collected_on__range=(TODAY - datetime.timedelta(days=29), TODAY)
    )
    _get(client, f"/api/v1/dashboard/?area={org.a2.pk}", status=404)
    _get(client, f"/api/v1/dashboard/?station={org.station_b.pk}", status=404)


@pytest.mark.parametrize("role", ["executive", "admin"])
def test_headquarters_choose_any_station(history, api_as, role):
    org = history
    client = api_as(getattr(org, role))

    data = _get(client, f"/api/v1/dashboard/?station={org.station_b.pk}&period=day")
    assert data["totals"]["leads"] == _leads(station=org.station_b, collected_on=TODAY) == 5
    assert [p["person"] for p in data["people"]] == [org.courier_b.pk, org.marketer_b.pk]

    area = _get(client, f"/api/v1/dashboard/?area={org.a2.pk}&date={TUE}&period=day")
    assert area["totals"]["leads"] == 4
    assert "station" in _get(client, "/api/v1/dashboard/", status=400)


def test_funnel_counts_clients_per_stage_in_scope(history, api_as):
    org = history
    for stage, n in (("collect", 3), ("screen", 2), ("proposal", 1), ("contract", 1), ("dropped", 2)):
        ClientFactory.create_batch(n, area=org.a1, stage=stage)
    ClientFactory(area=org.a2, stage="screen")
    ClientFactory(area=org.b1, stage="screen")

    station = _get(api_as(org.station_master), "/api/v1/dashboard/")
    area = _get(api_as(org.manager), "/api/v1/dashboard/")

    expected = dict(
        Client.objects.filter(station=org.station_a).values_list("stage").annotate(n=Count("pk")).order_by()
    )
    assert {k: v for k, v in station["funnel"].items() if v} == expected
    assert area["funnel"]["screen"] == 2
    steps = {s["stage"]: s for s in station["funnel_steps"]}
    # 3 at screen (2 in a1, 1 in a2) + 1 proposal + 1 contract reached screen or further: 5 of 8 past collect.
    assert steps["collect"]["reached"] == 8
    assert steps["collect"]["conversion"] == round(5 / 8, 4)
    assert steps["proposal"]["conversion"] == 0.5  # of the two at proposal or further, one got past it
    assert steps["visit"]["conversion"] == 1.0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date=2026-13-01", "date"),
        ("date=yesterday", "date"),
        ("date=2026-11-19", "date"),  # the future
        ("start=2026-11-10&end=2026-11-01", "start"),  # reversed
        ("end=2026-12-01", "end"),
        ("period=fortnight", "period"),
    ],
)
def test_bad_periods_are_400_with_the_reason(org, frozen, api_as, query, field):
    response = api_as(org.station_master).get(f"/api/v1/dashboard/?{query}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert field in response.json()


def test_an_absurd_period_is_capped_with_a_note(org, frozen, api_as):
    data = _get(api_as(org.station_master), "/api/v1/dashboard/?start=1900-01-01&end=2026-11-18")

    assert (data["start"], data["end"]) == ("2025-11-18", "2026-11-18")
    assert "366" in data["notes"][0]


def test_unknown_station_is_404(org, api_as):
    assert api_as(org.station_master).get("/api/v1/dashboard/?station=999999").status_code == 404


def test_query_count_does_not_grow_with_people(org, frozen, api_as, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory

    client = api_as(org.station_master)
    ClientFactory(area=org.a1, stage="screen")
    client.get("/api/v1/dashboard/")  # creates the station's quota settings on first use
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/dashboard/")
    for i in range(20):
        person = UserFactory(username=f"extra{i}", role="courier", area=org.a2)
        collect(person, TODAY, 1)
        collect(person, MON, 1)
        ClientFactory(area=org.a2, stage="screen")
    with django_assert_max_num_queries(len(few)):
        data = _get(client, "/api/v1/dashboard/")
    # Computed (a cache miss): the station, the cache version, 18 reads, the scheduled jobs' state (two), the
    # month's targets (one read when none are set) and the month's revenue per area (one aggregate).
    assert len(few) <= 24
    assert len(data["people"]) == 24
    assert data["totals"]["leads"] == _leads(station=org.station_a, collected_on=TODAY)


def test_open_flags_contracts_and_return_visits(history, api_as):
    org = history
    from pipeline.models.loop import Contract
    from visits.models import VisitPlan

    now = datetime.datetime(2026, 11, 18, 1, tzinfo=datetime.UTC)
    flag = QuotaFlag.objects.create(
        person=org.marketer_a2,
        station=org.station_a,
        area=org.a2,
        first_missed_on=datetime.date(2026, 11, 12),
        last_missed_on=TUE,
        days_missed=4,
        raised_on=datetime.date(2026, 11, 16),
        created_at=now,
        updated_at=now,
    )
    QuotaFlag.objects.create(
        person=org.courier,
        station=org.station_a,
        area=org.a1,
        first_missed_on=datetime.date(2026, 10, 1),
        last_missed_on=datetime.date(2026, 10, 5),
        days_missed=3,
        raised_on=datetime.date(2026, 10, 5),
        status="resolved",
        created_at=now,
        updated_at=now,
    )
    signed = ClientFactory(area=org.a1, stage="follow_up", our_monthly=300, competitor_monthly_total=700)
    Contract.objects.create(
        client=signed,
        signed_on=datetime.date(2026, 11, 2),
        starts_on=datetime.date(2026, 11, 2),
        ends_on=datetime.date(2027, 11, 1),
        price_terms="月结",
        committed_monthly_volume=800,
        settlement_mode="monthly",
    )
    Contract.objects.create(
        client=signed,
        signed_on=datetime.date(2025, 1, 2),
        starts_on=datetime.date(2025, 1, 2),
        ends_on=datetime.date(2026, 1, 1),
        price_terms="月结",
        committed_monthly_volume=500,
        settlement_mode="monthly",
    )
    for planned_for in (datetime.date(2026, 11, 10), datetime.date(2026, 11, 20)):
        VisitPlan.objects.create(client=signed, kind="return", planned_for=planned_for, assignee=org.kam)

    data = _get(api_as(org.station_master), "/api/v1/dashboard/")
    area = _get(api_as(org.manager), "/api/v1/dashboard/")

    assert [f["id"] for f in data["open_flags"]] == [flag.pk]
    assert data["totals"]["open_flags"] == 1 and area["totals"]["open_flags"] == 0
    assert {p["person"]: p["open_flag"] for p in data["people"]}[org.marketer_a2.pk] == flag.pk
    assert data["contracts"] == {
        "signed": 1,
        "signed_monthly_volume": 800,
        "active": 1,
        "committed_monthly_volume": 800,
    }
    assert data["share"]["our_share"] == 0.3
    assert (data["return_visits"]["overdue"], data["return_visits"]["due_week"]) == (1, 1)
    assert data["return_visits"]["overdue_list"][0]["days_overdue"] == 8


def test_complaints_and_satisfaction_of_the_stations_clients(history, api_as):
    from satisfaction.models import Complaint

    org = history
    client_a = ClientFactory(area=org.a1, stage="follow_up")
    client_b = ClientFactory(area=org.b1, stage="follow_up")
    now = datetime.datetime(2026, 11, 18, 15, 0, tzinfo=datetime.UTC)
    for client, status, due in (
        (client_a, "open", now - datetime.timedelta(hours=2)),
        (client_a, "in_progress", now + datetime.timedelta(days=1)),
        (client_a, "resolved", now - datetime.timedelta(days=3)),
        (client_b, "open", now - datetime.timedelta(days=1)),
    ):
        Complaint.objects.create(
            client=client,
            channel="phone",
            category="delay",
            severity="medium",
            description="慢",
            received_at=now - datetime.timedelta(days=4),
            due_at=due,
            status=status,
            created_by=org.kam,
        )

    data = _get(api_as(org.station_master), "/api/v1/dashboard/")

    assert data["satisfaction"] == {
        "open_complaints": 2,
        "overdue_complaints": 1,
        "responses": 0,
        "average": None,
        "open_warnings": 0,
    }


@pytest.mark.parametrize("param", ["station=abc", "station=-1", "area=x1", "station=²"])
def test_a_malformed_station_or_area_is_400(org, api_as, param):
    response = api_as(org.station_master).get(f"/api/v1/dashboard/?{param}")
    assert response.status_code == 400
