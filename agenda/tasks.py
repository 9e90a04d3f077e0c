"""Celery jobs of the task rules. Beat calls `agenda_tick` every quarter of an hour (config/celery.py); it reads
the clock once and queues one run per station with that station's business date and the instant, explicitly,
so a late, repeated or replayed run is harmless (agenda/rules.py)."""

import datetime

from celery import shared_task
from django.utils import timezone

from accounts.models import Station

from . import rules


@shared_task
def agenda_tick(at: str | None = None) -> list[str]:
    """Queue the rules' run of every station at the instant `at` (ISO 8601; default: now); returns the task ids."""
    instant = datetime.datetime.fromisoformat(at) if at else timezone.now()
    return [
        sync_station.delay(station.pk, station.local_date(instant).isoformat(), instant.isoformat()).id
        for station in Station.objects.order_by("pk")
    ]


@shared_task(acks_late=True)
def sync_station(station_id: int, on: str, at: str) -> dict:
    """Run the station's task rules for its business date `on` (YYYY-MM-DD) at the instant `at`."""
    station = Station.objects.filter(pk=station_id).first()
    if station is None:
        return {}
    return rules.sync_station(
        station=station, on=datetime.date.fromisoformat(on), now=datetime.datetime.fromisoformat(at)
    )
