"""Two workers evaluating the same station and day at the same moment on PostgreSQL: one does the work, the
other waits for it to commit and then finds nothing left to do; the result is the same as one run."""

import threading

import pytest
from django.db import connection, connections, transaction

from accounts.models import Notification
from quota.evaluation import Outcome, evaluate_station_day, evaluate_station_through
from quota.models import DailyTally, FlagEvent, QuotaFlag, StationDay
from tests.factories_leads import collect
from tests.factories_quota import day, quota_settings

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MONDAY = day("2026-03-02")


def _in_thread(target, results, key):
    def run():
        try:
            results[key] = target()
        except Exception as exc:  # surfaced by the assertions below
            results[key] = exc
        finally:
            connections.close_all()

    return threading.Thread(target=run)


def _expected_state(org):
    flags = sorted(
        QuotaFlag.objects.values_list("person__username", "first_missed_on", "last_missed_on", "days_missed")
    )
    return {
        "station_days": StationDay.objects.filter(evaluated_at__isnull=False).count(),
        "tallies": DailyTally.objects.count(),
        "evaluated": DailyTally.objects.filter(evaluated_at__isnull=False).count(),
        "flags": flags,
        "events": FlagEvent.objects.count(),
        "notifications": Notification.objects.filter(kind="quota_flag").count(),
    }


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_the_second_worker_waits_for_the_first_and_then_does_nothing(org):
    quota_settings(org.station_a, starts_on=MONDAY)
    collect(org.courier, MONDAY)
    results, first_done, release = {}, threading.Event(), threading.Event()

    def first():
        with transaction.atomic():  # holds the day's claim until released, as a slow worker would
            outcome = evaluate_station_day(station=org.station_a, day=MONDAY)
            first_done.set()
            release.wait(20)
        return outcome

    a = _in_thread(first, results, "a")
    a.start()
    assert first_done.wait(20)
    b = _in_thread(lambda: evaluate_station_day(station=org.station_a, day=MONDAY), results, "b")
    b.start()
    for _ in range(400):  # until the second worker blocks on the first one's claim (at most ~20 s)
        if _waiting_on_a_lock():
            break
        threading.Event().wait(0.05)
    else:
        pytest.fail("the second worker never waited for the first")
    release.set()
    a.join(20)
    b.join(20)
    assert results["a"].outcome == Outcome.EVALUATED and results["a"].on_duty == 4
    assert results["b"].outcome == Outcome.ALREADY
    assert StationDay.objects.get(station=org.station_a, day=MONDAY).on_duty == 4
    assert DailyTally.objects.filter(day=MONDAY).count() == 4


def test_two_workers_catching_up_at_once_give_the_result_of_one(org):
    quota_settings(org.station_a, starts_on=MONDAY)
    collect(org.courier, day("2026-03-03"))
    through = day("2026-03-07")
    results, start = {}, threading.Barrier(2)

    def worker():
        start.wait(10)
        return evaluate_station_through(station=org.station_a, through=through)

    threads = [_in_thread(worker, results, key) for key in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for key in ("a", "b"):
        assert not isinstance(results[key], Exception), results[key]
    evaluated = [r.day for key in ("a", "b") for r in results[key] if r.outcome == Outcome.EVALUATED]
    assert sorted(evaluated) == [day(f"2026-03-0{d}") for d in range(2, 8)]  # each day exactly once
    concurrent = _expected_state(org)

    # The same history evaluated by one worker, from scratch.
    QuotaFlag.objects.all().delete()
    DailyTally.objects.filter(leads=0).delete()
    DailyTally.objects.update(
        working_day=None,
        quota=None,
        counted_at_evaluation=None,
        met=None,
        miss_streak=None,
        missed_since=None,
        evaluated_at=None,
    )
    StationDay.objects.all().delete()
    Notification.objects.all().delete()
    evaluate_station_through(station=org.station_a, through=through)
    assert _expected_state(org) == concurrent
    assert concurrent["flags"] == [
        ("courier", day("2026-03-04"), day("2026-03-07"), 4),
        ("courier_a2", MONDAY, day("2026-03-07"), 6),
        ("marketer", MONDAY, day("2026-03-07"), 6),
        ("marketer_a2", MONDAY, day("2026-03-07"), 6),
    ]
