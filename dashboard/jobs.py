"""Whether the scheduled jobs behind a station's figures are late, for the banner of the dashboard and its API.

Two causes: beat has not ticked for BEAT_LATE_MINUTES (no scheduled job runs anywhere: evaluations, reminders,
escalations), or this station's daily evaluation of a finished day is more than an hour past its hour (the day's
met/missed figures and its miss flags are not there yet). Read live, never cached with the figures.
"""

import datetime

from django.conf import settings
from django.db.models import Subquery

from accounts.models import Station
from health.services import BEAT, heartbeats
from quota.evaluation import ONE_DAY, last_due_day
from quota.models import QuotaSettings, StationDay

GRACE = datetime.timedelta(hours=1)  # the quota job runs every quarter of an hour


def _evaluation_overdue(station: Station, now: datetime.datetime) -> datetime.date | None:
    """The oldest finished day still waiting for an evaluation that was due more than GRACE ago."""
    last_evaluated = StationDay.objects.filter(station=station, evaluated_at__isnull=False).order_by("-day")
    quota_settings = (
        QuotaSettings.objects.filter(station=station)
        .annotate(last=Subquery(last_evaluated.values("day")[:1]))
        .first()
    )
    if quota_settings is None:  # the quota job has not seen this new station yet
        return None
    last = quota_settings.last
    pending = max(quota_settings.starts_on, last + ONE_DAY) if last else quota_settings.starts_on
    if pending > last_due_day(station, quota_settings, now):
        return None
    due = datetime.datetime.combine(
        pending + ONE_DAY, datetime.time(quota_settings.evaluation_hour), tzinfo=station.tz
    )
    return pending if now - due > GRACE else None


def scheduled_jobs(*, station: Station | None, now: datetime.datetime) -> dict:
    """{late, beat_late, beat_last_tick, evaluation_pending_day}: `late` when either cause above holds."""
    tick = heartbeats([BEAT]).get(BEAT)
    beat_late = tick is None or now - tick > datetime.timedelta(minutes=settings.BEAT_LATE_MINUTES)
    pending = _evaluation_overdue(station, now) if station is not None else None
    return {
        "late": beat_late or pending is not None,
        "beat_late": beat_late,
        "beat_last_tick": tick,
        "evaluation_pending_day": pending,
    }
