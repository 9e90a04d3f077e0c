"""The daily evaluation: the run-of-misses rule table-driven, which leads count, double and resumed runs,
catch-up, a person moving area mid-run, notifications, and a query count that does not grow with people."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Notification, User
from pipeline.models import Lead
from quota import evaluation
from quota.evaluation import Outcome, evaluate_station_day, evaluate_station_through
from quota.models import DailyTally, FlagEvent, QuotaFlag, StationDay
from quota.schedule import run_quota_check
from tests.factories import UserFactory
from tests.factories_leads import collect
from tests.factories_quota import LeaveFactory, at, day, quota_settings, reject

pytestmark = pytest.mark.django_db

MONDAY = day("2026-03-02")  # 03-08 and 03-15 are Sundays


def _play(org, pattern: str, person=None):
    """Day i of `pattern` is MONDAY + i: '+' a lead, '.' nothing, 'l' on leave, 'L' on leave with a lead."""
    person = person or org.courier
    quota_settings(org.station_a, starts_on=MONDAY)
    for i, char in enumerate(pattern):
        today = MONDAY + datetime.timedelta(days=i)
        if char in "+L":
            collect(person, today)
        if char in "lL":
            LeaveFactory(person=person, first_day=today, last_day=today)
    evaluate_station_through(
        station=org.station_a, through=MONDAY + datetime.timedelta(days=len(pattern) - 1)
    )
    return [
        (f.first_missed_on.isoformat()[5:], f.last_missed_on.isoformat()[5:], f.days_missed)
        for f in QuotaFlag.objects.filter(person=person).order_by("first_missed_on")
    ]


@pytest.mark.parametrize(
    "pattern, flags",
    [
        ("++++++", []),
        ("..", []),
        ("...", [("03-02", "03-04", 3)]),
        ("..+..", []),
        (".....", [("03-02", "03-06", 5)]),
        ("....+", [("03-02", "03-05", 4)]),
        ("...+....", [("03-02", "03-04", 3), ("03-06", "03-09", 3)]),  # Sunday 03-08 between
        ("..+...", [("03-05", "03-07", 3)]),  # a day with a lead ends the run; the next three make a new one
        ("..l.", [("03-02", "03-05", 3)]),  # leave neither breaks nor extends the run
        ("..L.", [("03-02", "03-05", 3)]),  # a lead collected on leave does not break it either
        ("......+.", [("03-02", "03-09", 7)]),  # a lead on Sunday (rest day) does not end the run
        (".l.l.", [("03-02", "03-06", 3)]),
        ("..ll+..", []),
        ("......." + "......." + ".", [("03-02", "03-16", 13)]),  # one long run, one flag
    ],
)
def test_runs_of_missed_working_days(org, pattern, flags):
    assert _play(org, pattern) == flags


def test_only_the_third_day_raises_and_each_further_day_extends_with_a_history_row(org):
    _play(org, ".....")
    flag = QuotaFlag.objects.get(person=org.courier)
    assert flag.raised_on == day("2026-03-04")
    assert list(flag.events.values_list("kind", "day", "days_missed")) == [
        ("raised", day("2026-03-04"), 3),
        ("extended", day("2026-03-05"), 4),
        ("extended", day("2026-03-06"), 5),
    ]


def test_tallies_record_the_verdict_and_the_run(org):
    _play(org, "+..")
    rows = DailyTally.objects.filter(person=org.courier).order_by("day")
    assert list(
        rows.values_list(
            "day", "working_day", "quota", "counted_at_evaluation", "met", "miss_streak", "missed_since"
        )
    ) == [
        (day("2026-03-02"), True, 1, 1, True, 0, None),
        (day("2026-03-03"), True, 1, 0, False, 1, day("2026-03-03")),
        (day("2026-03-04"), True, 1, 0, False, 2, day("2026-03-03")),
    ]
    assert all(r.evaluated_at is not None for r in rows)


def test_a_higher_quota_needs_more_leads(org):
    quota_settings(org.station_a, starts_on=MONDAY, quota_per_day=2)
    collect(org.courier, MONDAY, n=1)
    collect(org.marketer, MONDAY, n=2)
    evaluate_station_day(station=org.station_a, day=MONDAY)
    assert DailyTally.objects.get(person=org.courier, day=MONDAY).met is False
    assert DailyTally.objects.get(person=org.marketer, day=MONDAY).met is True


def test_leads_rejected_as_fake_or_duplicate_before_the_evaluation_do_not_count(org):
    quota_settings(org.station_a, starts_on=MONDAY)
    (fake,) = collect(org.courier, MONDAY)
    (dup,) = collect(org.marketer, MONDAY)
    (elsewhere,) = collect(org.courier_a2, MONDAY)
    reject(fake, "fake")
    reject(dup, "duplicate")
    reject(elsewhere, "out_of_area")  # rejected for another reason: it was still collected
    evaluate_station_day(station=org.station_a, day=MONDAY)
    verdicts = dict(DailyTally.objects.filter(day=MONDAY).values_list("person__username", "met"))
    assert verdicts == {"courier": False, "marketer": False, "courier_a2": True, "marketer_a2": False}


def test_a_verdict_is_final_whatever_happens_to_the_leads_afterwards(org):
    quota_settings(org.station_a, starts_on=MONDAY)
    (lead,) = collect(org.courier, MONDAY)
    evaluate_station_day(station=org.station_a, day=MONDAY)
    reject(lead, "fake")  # rejected after the evaluation
    collect(org.marketer, MONDAY)  # imported late for a day already evaluated
    assert run_quota_check(now=at(day("2026-03-03"), 9), day=MONDAY)[0].outcome == Outcome.ALREADY
    courier = DailyTally.objects.get(person=org.courier, day=MONDAY)
    marketer = DailyTally.objects.get(person=org.marketer, day=MONDAY)
    assert (courier.counted, courier.counted_at_evaluation, courier.met) == (0, 1, True)
    assert (marketer.counted, marketer.counted_at_evaluation, marketer.met) == (1, 0, False)


def _state():
    return {
        "tallies": sorted(
            DailyTally.objects.values_list(
                "person_id", "day", "leads", "counted", "working_day", "met", "miss_streak", "missed_since"
            )
        ),
        "flags": sorted(
            QuotaFlag.objects.values_list(
                "person_id", "first_missed_on", "last_missed_on", "days_missed", "status"
            )
        ),
        "events": sorted(FlagEvent.objects.values_list("flag__person_id", "kind", "day", "days_missed")),
        "notifications": sorted(Notification.objects.values_list("recipient_id", "dedupe_key")),
        "days": sorted(
            StationDay.objects.values_list("station_id", "day", "working_day", "on_duty", "met", "missed")
        ),
    }


def test_evaluating_twice_changes_nothing(org):
    quota_settings(org.station_a, starts_on=MONDAY)
    collect(org.courier, MONDAY)
    collect(org.marketer, day("2026-03-05"))
    evaluate_station_through(station=org.station_a, through=day("2026-03-07"))
    before = _state()
    again = [
        evaluate_station_day(station=org.station_a, day=MONDAY + datetime.timedelta(days=i)) for i in range(6)
    ]
    assert {r.outcome for r in again} == {Outcome.ALREADY}
    assert evaluate_station_through(station=org.station_a, through=day("2026-03-07")) == []
    # (station A only: station B has judged nothing yet, so asking for a day there would start its rule)
    repeat = run_quota_check(now=at(day("2026-03-08"), 12), day=day("2026-03-04"), stations=[org.station_a])
    assert repeat[0].outcome == Outcome.ALREADY
    assert _state() == before
    assert (
        QuotaFlag.objects.count() == 4
    )  # courier_a2, marketer_a2, marketer (raised 03-04) and courier (03-05)


def test_a_run_stopped_half_way_is_completed_by_the_next(org, monkeypatch):
    quota_settings(org.station_a, starts_on=MONDAY)
    real_flag = evaluation._flag

    def killed(day, now):
        real_flag(day, now)
        raise RuntimeError("worker lost")

    evaluate_station_day(station=org.station_a, day=MONDAY)
    evaluate_station_day(station=org.station_a, day=day("2026-03-03"))
    monkeypatch.setattr(evaluation, "_flag", killed)
    with pytest.raises(RuntimeError):
        evaluate_station_day(station=org.station_a, day=day("2026-03-04"))
    # Nothing of the interrupted day survived: no verdict, no flag, the day still pending.
    assert not DailyTally.objects.filter(day=day("2026-03-04"), evaluated_at__isnull=False).exists()
    assert not QuotaFlag.objects.exists()
    assert evaluation.pending_days(org.station_a, day("2026-03-04")) == [day("2026-03-04")]
    monkeypatch.setattr(evaluation, "_flag", real_flag)
    (result,) = evaluate_station_through(station=org.station_a, through=day("2026-03-04"))
    assert (result.day, result.outcome, result.flags_raised) == (day("2026-03-04"), Outcome.EVALUATED, 4)


def test_catch_up_after_days_without_a_run(org):
    quota_settings(org.station_a, starts_on=MONDAY)
    collect(org.courier, day("2026-03-03"))
    evaluate_station_through(station=org.station_a, through=day("2026-03-03"))
    # The job stopped for a week; at 02:00 on Tuesday 03-10 the next run catches up, oldest day first.
    results = run_quota_check(now=at(day("2026-03-10"), 2))
    station_a = [r for r in results if r.station == org.station_a]
    assert [r.day for r in station_a] == [day("2026-03-04") + datetime.timedelta(days=i) for i in range(6)]
    assert [r.working_day for r in station_a] == [True, True, True, True, False, True]
    flag = QuotaFlag.objects.get(person=org.courier)
    assert (flag.first_missed_on, flag.last_missed_on, flag.days_missed) == (
        day("2026-03-04"),
        day("2026-03-09"),
        5,
    )
    # Station B's settings were created today with the defaults: its rule starts today, March stays untouched.
    assert not StationDay.objects.filter(station=org.station_b).exists()


def test_the_evaluation_hour_decides_whether_yesterday_is_due(org):
    quota_settings(org.station_a, starts_on=MONDAY, evaluation_hour=6)
    quota_settings(org.station_b, starts_on=day("2026-03-10"))
    assert [r.day for r in run_quota_check(now=at(day("2026-03-04"), 5, 59))] == [MONDAY]
    assert [r.day for r in run_quota_check(now=at(day("2026-03-04"), 6))] == [day("2026-03-03")]


def test_a_person_changing_area_mid_run_keeps_the_run_and_the_new_area_investigates(org):
    quota_settings(org.station_a, starts_on=MONDAY)
    manager_a2 = UserFactory(username="manager_a2", role="area_manager", area=org.a2)
    evaluate_station_through(station=org.station_a, through=day("2026-03-03"))
    User.objects.filter(pk=org.courier.pk).update(area=org.a2)
    evaluate_station_day(station=org.station_a, day=day("2026-03-04"))
    flag = QuotaFlag.objects.get(person=org.courier)
    assert (flag.area, flag.first_missed_on, flag.days_missed) == (org.a2, MONDAY, 3)
    areas = dict(DailyTally.objects.filter(person=org.courier).values_list("day", "area"))
    assert areas == {MONDAY: org.a1.pk, day("2026-03-03"): org.a1.pk, day("2026-03-04"): org.a2.pk}
    told = Notification.objects.filter(dedupe_key=f"quota_flag:{flag.pk}:raised")
    assert list(told.values_list("recipient", flat=True)) == [manager_a2.pk]


@pytest.mark.usefixtures("eager_tasks")
def test_a_new_flag_tells_the_area_manager_in_the_app_and_by_mail(org, django_capture_on_commit_callbacks):
    quota_settings(org.station_a, starts_on=MONDAY)
    User.objects.filter(pk=org.manager.pk).update(email="manager@example.com")
    for other in (org.marketer, org.courier_a2, org.marketer_a2):
        for i in range(3):
            collect(other, MONDAY + datetime.timedelta(days=i))
    with django_capture_on_commit_callbacks(execute=True):
        evaluate_station_through(station=org.station_a, through=day("2026-03-05"))
    flag = QuotaFlag.objects.get()
    notification = Notification.objects.get(kind="quota_flag")
    assert (notification.recipient, notification.link) == (org.manager, f"/quota/flags/{flag.pk}/")
    assert "courier" in notification.message and "2026-03-02" in notification.message
    assert [m.to for m in mail.outbox] == [["manager@example.com"]]


def test_an_area_without_a_manager_sends_the_flag_to_the_station_master(org):
    quota_settings(org.station_a, starts_on=MONDAY)
    for other in (org.courier, org.marketer, org.marketer_a2):
        for i in range(3):
            collect(other, MONDAY + datetime.timedelta(days=i))
    evaluate_station_through(station=org.station_a, through=day("2026-03-04"))
    assert list(Notification.objects.values_list("recipient", flat=True)) == [org.station_master.pk]


def _crowd(org, n: int) -> list[User]:
    """`n` couriers in area a1 (on top of the org's), a third of them without any lead on three days."""
    people = User.objects.bulk_create(
        [
            User(
                username=f"c{n}_{i}",
                role="courier",
                station=org.station_a,
                area=org.a1,
                date_joined=day("2025-01-01"),
                password="!",
            )
            for i in range(n)
        ]
    )
    if not people[0].pk:
        people = list(User.objects.filter(username__startswith=f"c{n}_"))
    leads = [
        Lead(
            company_name=f"公司{p.pk}-{d}",
            contact_phone="13800000000",
            collected_by=p,
            collected_at=at(MONDAY + datetime.timedelta(days=d), 10),
            collected_on=MONDAY + datetime.timedelta(days=d),
            station=org.station_a,
            area=org.a1,
        )
        for i, p in enumerate(people)
        if i % 3
        for d in range(3)
    ]
    Lead.objects.bulk_create(leads, batch_size=500)
    return people


@pytest.mark.parametrize("n", [10, 1000])
def test_a_day_costs_the_same_queries_for_10_or_1000_people(org, n, django_assert_max_num_queries):
    quota_settings(org.station_a, starts_on=MONDAY)
    _crowd(org, n)
    evaluate_station_through(station=org.station_a, through=day("2026-03-03"))
    with django_assert_max_num_queries(20) as captured:
        result = evaluate_station_day(station=org.station_a, day=day("2026-03-04"))
    expected_flags = len(range(0, n, 3)) + 4  # every third crowd courier, plus the org's four without leads
    assert (result.on_duty, result.flags_raised) == (n + 4, expected_flags)
    assert QuotaFlag.objects.count() == expected_flags
    assert Notification.objects.filter(kind="quota_flag").count() == expected_flags
    queries_per_size[n] = len(captured)
    if len(queries_per_size) == 2:
        assert queries_per_size[10] == queries_per_size[1000]


queries_per_size: dict[int, int] = {}


def test_with_captured_queries_a_rest_day_is_cheap(org):
    quota_settings(org.station_a, starts_on=day("2026-03-08"))
    with CaptureQueriesContext(connection) as captured:
        evaluate_station_day(station=org.station_a, day=day("2026-03-08"))
    assert len(captured) <= 10
