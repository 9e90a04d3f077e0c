"""The task rules' job: beat's tick turns one UTC instant into each station's local date and hour, queues one run
per station with them, explicitly; a repeated tick changes nothing; and the real thing on a Celery worker."""

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from accounts.models import Notification, Station
from agenda.models import Task, TaskKind, TaskSettings
from agenda.tasks import agenda_tick, sync_station
from tests.factories_leads import LeadFactory
from tests.factories_quota import quota_settings

UTC = dt.UTC
CN = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def two_zones(org):
    """Station A in China, station B in Berlin, each with a lead left unreviewed on Tuesday 12 May 2026."""
    Station.objects.filter(pk=org.station_b.pk).update(timezone="Europe/Berlin")
    org.station_b.refresh_from_db()
    for station in (org.station_a, org.station_b):
        quota_settings(station, starts_on=dt.date(2026, 5, 1))
    LeadFactory(collected_by=org.courier, day=dt.date(2026, 5, 12))
    LeadFactory(collected_by=org.courier_b, day=dt.date(2026, 5, 12))
    return org


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks", "two_zones")
def test_the_tick_runs_each_station_at_its_own_hour_and_twice_changes_nothing():
    # 10:30 UTC on 12 May: 18:30 in China (the day is over there), 12:30 in Berlin (it is not).
    instant = dt.datetime(2026, 5, 12, 10, 30, tzinfo=UTC)
    with time_machine.travel(instant, tick=False):
        agenda_tick.apply(kwargs={"at": instant.isoformat()}).get()
        agenda_tick.apply(kwargs={"at": instant.isoformat()}).get()
    assert list(Task.objects.values_list("assignee__username", "kind", "due_on")) == [
        ("marketer", TaskKind.LEADS_UNREVIEWED, dt.date(2026, 5, 12))
    ]
    later = dt.datetime(2026, 5, 12, 17, 0, tzinfo=UTC)  # 19:00 in Berlin, 01:00 on the 13th in China
    with time_machine.travel(later, tick=False):
        agenda_tick.apply(kwargs={"at": later.isoformat()}).get()
    assert sorted(Task.objects.values_list("assignee__username", "due_on")) == [
        ("marketer", dt.date(2026, 5, 12)),
        ("marketer_b", dt.date(2026, 5, 12)),
    ]


@pytest.mark.django_db
def test_a_run_for_a_station_that_is_gone_does_nothing(org):
    assert sync_station.apply(args=[999999, "2026-05-12", "2026-05-12T10:30:00+00:00"]).get() == {}


def _eventually(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        threading.Event().wait(0.05)
    return True


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_beats_entry_runs_on_a_real_worker(org, celery_worker):
    from celery.result import AsyncResult

    from config.celery import app

    # Given a lead left unreviewed two days ago at station A, whose review task of that day is still open; a working
    # day every day ending at 01:00; and the area manager's e-mail.
    today = org.station_a.local_date()
    before = today - dt.timedelta(days=2)
    quota_settings(org.station_a, starts_on=before, working_weekdays="1234567", statutory_holidays=False)
    quota_settings(org.station_b, starts_on=today, working_weekdays="1234567", statutory_holidays=False)
    TaskSettings.objects.create(station=org.station_a, day_end_hour=1, leads_escalate_days=1)
    LeadFactory(collected_by=org.courier, day=before)
    type(org.manager).objects.filter(pk=org.manager.pk).update(email="manager@example.com")
    older = Task.objects.create(
        kind=TaskKind.LEADS_UNREVIEWED,
        rule_key=f"leads_unreviewed:{org.a1.pk}:{before}:{org.marketer.pk}",
        station=org.station_a,
        area=org.a1,
        assignee=org.marketer,
        detail="1",
        due_on=before,
        show_on=before,
    )
    made_on = dt.datetime.combine(before, dt.time(18, 30), tzinfo=CN)
    Task.objects.filter(pk=older.pk).update(created_at=made_on)  # made at that day's end

    # When beat sends its task-rules entry, twice.
    entry = app.conf.beat_schedule["agenda-tick"]
    for _ in range(2):
        for task_id in app.send_task(entry["task"]).get(timeout=30):
            AsyncResult(task_id, app=app).get(timeout=60)

    # Then the marketer has today's review task once (once today's 01:00 has passed), and the older one went to
    # the area manager, with one notification and one e-mail.
    day_over = dt.datetime.now(CN).hour >= 1
    today_task = Task.objects.filter(kind=TaskKind.LEADS_UNREVIEWED, assignee=org.marketer, due_on=today)
    assert today_task.count() == (1 if day_over else 0)
    older.refresh_from_db()
    assert (older.status, older.escalated_to) == ("open", org.manager)
    assert Notification.objects.filter(kind="task_escalated", recipient=org.manager).count() == 1
    assert _eventually(lambda: mail.outbox)
    assert [m.to for m in mail.outbox] == [["manager@example.com"]]
