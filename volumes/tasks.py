"""Jobs of the volume feed: after a feed (queued by the feed through the outbox) and nightly, recompute the tiers
of the stations concerned and tell owners of signed clients shipping below their commitment. Thin, with explicit
dates, safe to run twice (tiers write only changes; notifications are de-duplicated per client and month)."""

import datetime

from celery import shared_task
from django.utils import timezone

from accounts.models import Station

from .services import shortfalls_notify
from .tiers import tiers_compute


@shared_task(acks_late=True)
def volumes_changed(station_ids: list[int], on: str) -> dict:
    """Tiers and commitment warnings of these stations as of `on` (YYYY-MM-DD)."""
    day = datetime.date.fromisoformat(on)
    changed = sum(tiers_compute(station_id=pk, today=day) for pk in station_ids)
    warned = shortfalls_notify(station_ids=station_ids, today=day)
    return {"tiers_changed": changed, "warned": warned}


@shared_task
def volumes_nightly(at: str | None = None) -> list[str]:
    """Every station's tiers and warnings at each station's local date (a month boundary moves the window)."""
    instant = datetime.datetime.fromisoformat(at) if at else timezone.now()
    return [
        volumes_changed.delay([station.pk], station.local_date(instant).isoformat()).id
        for station in Station.objects.all()
    ]
