"""The beat tick: one UTC instant turned into each station's local business date; evaluations and reminders
queued with explicit dates; and the real thing end to end on a Celery worker with Redis."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notification, Station, User
from quota import schedule
from quota.models import QuotaFlag, StationDay
from quota.services import send_reminders
from quota.tasks import quota_tick
from tests.factories_leads import collect
from tests.factories_quota import LeaveFactory, day, quota_settings

UTC = datetime.UTC


@pytest.fixture
def two_zones(org):
    """Station A in China, station B in Berlin; both counting from Monday 2026-03-02."""
    Station.objects.filter(pk=org.station_b.pk).update(timezone="Europe/Berlin")
    org.station_b.refresh_from_db()
    quota_settings(org.station_a, starts_on=day("2026-03-02"))
    quota_settings(org.station_b, starts_on=day("2026-03-02"))
    return org


@pytest.mark.django_db
def test_the_plan_uses_each_stations_local_date_and_hours(two_zones):
    org = two_zones
    # 17:30 UTC on 03-05 is 01:30 on 03-06 in China and 18:30 on 03-05 in Berlin.
    plan = schedule.plan(now=datetime.datetime(2026, 3, 5, 17, 30, tzinfo=UTC))
    assert plan.evaluations == [(org.station_a.pk, day("2026-03-05")), (org.station_b.pk, day("2026-03-04"))]
    assert plan.reminders == [(org.station_b.pk, day("2026-03-05"))]  # 15:00 has passed only in Berlin
    # 16:30 UTC is 00:30 in China: before the evaluation hour (01:00), so only up to the day before yesterday.
    plan = schedule.plan(now=datetime.datetime(2026, 3, 5, 16, 30, tzinfo=UTC))
    assert plan.evaluations[0] == (org.station_a.pk, day("2026-03-04"))


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_the_tick_evaluates_and_reminds_once(two_zones):
    org = two_zones
    collect(org.courier_b, day("2026-03-05"))
    instant = datetime.datetime(2026, 3, 5, 17, 30, tzinfo=UTC).isoformat()
    queued = quota_tick.apply(kwargs={"at": instant}).get()
    assert (len(queued["evaluations"]), len(queued["reminders"])) == (2, 1)
    assert StationDay.objects.filter(station=org.station_a, evaluated_at__isnull=False).count() == 4
    assert StationDay.objects.filter(station=org.station_b, evaluated_at__isnull=False).count() == 3
    reminded = Notification.objects.filter(kind="quota_reminder")
    assert list(reminded.values_list("recipient__username", flat=True)) == ["marketer_b"]
    assert quota_tick.apply(kwargs={"at": instant}).get() == {"evaluations": [], "reminders": []}
    assert reminded.count() == 1


@pytest.mark.django_db
def test_reminders_go_to_people_on_duty_without_a_lead_today(org):
    quota_settings(org.station_a, starts_on=day("2026-03-02"))
    collect(org.courier, day("2026-03-05"))
    LeaveFactory(person=org.courier_a2, first_day=day("2026-03-05"))
    assert send_reminders(station=org.station_a, day=day("2026-03-05")) == 2
    reminded = Notification.objects.filter(kind="quota_reminder", dedupe_key="quota_reminder:2026-03-05")
    assert sorted(reminded.values_list("recipient__username", flat=True)) == ["marketer", "marketer_a2"]
    assert send_reminders(station=org.station_a, day=day("2026-03-05")) == 0
    assert reminded.count() == 2


@pytest.mark.django_db
def test_no_reminder_on_a_rest_day(org):
    quota_settings(org.station_a, starts_on=day("2026-03-02"))
    assert send_reminders(station=org.station_a, day=day("2026-03-08")) == 0
    assert not Notification.objects.exists()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_beat_scheduled_work_runs_on_a_real_worker(org, celery_worker):
    from celery.result import AsyncResult

    from config.celery import app

    # Given a station whose every day is a working day, counting from four days ago, evaluated just after
    # midnight; the courier collected nothing, the marketer something every day.
    today = org.station_a.local_date()
    first = today - datetime.timedelta(days=4)
    for station in (org.station_a, org.station_b):
        quota_settings(
            station,
            starts_on=first if station == org.station_a else today,
            working_weekdays="1234567",
            statutory_holidays=False,
            evaluation_hour=0,
            reminder_hour=0,
        )
    for person in (org.marketer, org.courier_a2, org.marketer_a2):
        for offset in range(5):
            collect(person, first + datetime.timedelta(days=offset))
    User.objects.filter(pk=org.manager.pk).update(email="manager@example.com")

    # When beat sends its quota entry.
    entry = app.conf.beat_schedule["quota-tick"]
    queued = app.send_task(entry["task"], args=entry.get("args", ()), kwargs=entry.get("kwargs", {})).get(
        timeout=30
    )
    for task_id in queued["evaluations"] + queued["reminders"]:
        AsyncResult(task_id, app=app).get(timeout=60)

    # Then the four finished days are evaluated and the courier's run has one flag, mailed to the area manager.
    assert StationDay.objects.filter(station=org.station_a, evaluated_at__isnull=False).count() == 4
    flag = QuotaFlag.objects.get()
    assert (flag.person, flag.first_missed_on, flag.last_missed_on, flag.days_missed) == (
        org.courier,
        first,
        today - datetime.timedelta(days=1),
        4,
    )
    assert _eventually(
        lambda: mail.outbox
    )  # the e-mail is queued once the day commits, then sent by the worker
    assert [m.to for m in mail.outbox] == [["manager@example.com"]]
    # And today's reminder reached the courier (the others collected today).
    reminded = Notification.objects.filter(kind="quota_reminder").values_list(
        "recipient__username", flat=True
    )
    assert "courier" in list(reminded) and "marketer" not in list(reminded)

    # A second tick finds nothing left to do.
    again = app.send_task(entry["task"]).get(timeout=30)
    assert again == {"evaluations": [], "reminders": []}


def _eventually(condition, seconds: float = 30):
    """Poll `condition` until it holds or `seconds` pass (work queued by a task runs after it, on the worker)."""
    import threading

    deadline = timezone.now() + datetime.timedelta(seconds=seconds)
    while not condition():
        if timezone.now() > deadline:
            return False
        threading.Event().wait(0.05)
    return True
