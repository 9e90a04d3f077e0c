"""Celery tasks of the quota. Beat calls `quota_tick` (config/celery.py); the tick reads the clock once, turns
it into each station's local business date, and queues the work with those explicit dates."""

import datetime

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from accounts.models import Station
from accounts.tasks import send_notification_email
from health.services import QUOTA_EVALUATION, heartbeat_record
from outbox import services as outbox

from . import schedule
from .evaluation import evaluate_station_through
from .services import send_reminders


@shared_task
def quota_tick(at: str | None = None) -> dict:
    """What is due at the instant `at` (ISO 8601; default: now): evaluations and reminders, one task per station.

    Returns the ids of the queued tasks.
    """
    instant = datetime.datetime.fromisoformat(at) if at else timezone.now()
    plan = schedule.plan(now=instant)
    evaluations = [
        evaluate_station.delay(station_id, through.isoformat()).id for station_id, through in plan.evaluations
    ]
    reminders = [remind_station.delay(station_id, day.isoformat()).id for station_id, day in plan.reminders]
    return {"evaluations": evaluations, "reminders": reminders}


@shared_task(acks_late=True)
def evaluate_station(station_id: int, through: str) -> list[dict]:
    """Evaluate the station's days not evaluated yet, up to and including `through` (YYYY-MM-DD)."""
    station = Station.objects.filter(pk=station_id).first()
    if station is None:
        return []
    results = evaluate_station_through(station=station, through=datetime.date.fromisoformat(through))
    # The evaluation's own pulse for /readyz: the time it finished, whatever it found to do.
    heartbeat_record(name=QUOTA_EVALUATION, at=timezone.now())
    return [schedule.describe(result) for result in results]


@shared_task(acks_late=True)
def remind_station(station_id: int, day: str) -> int:
    """Remind the station's people without a lead on `day` (YYYY-MM-DD); once per station and day."""
    station = Station.objects.filter(pk=station_id).first()
    if station is None:
        return 0
    return send_reminders(station=station, day=datetime.date.fromisoformat(day))


@shared_task
def email_notifications(notification_ids: list[int]) -> int:
    """Queue the e-mail of each notification (one task each, so a failing address retries on its own), through the
    outbox so that a broker lost half-way loses none of them; each e-mail is sent once however often it is queued."""
    with transaction.atomic():
        for pk in notification_ids:
            outbox.task_enqueue(task=send_notification_email, args=[pk])
    return len(notification_ids)
