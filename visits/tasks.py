"""The daily return-visit job. Beat calls `plan_return_visits_all`; it takes each station's own business
date and hands it, explicitly, to one task per station, so a late, repeated or replayed run is harmless."""

from datetime import date

from celery import shared_task

from accounts.models import Station

from . import services


@shared_task
def plan_return_visits_all() -> list[str]:
    """Queue one task per station with that station's business date; returns the queued task ids."""
    return [
        plan_return_visits.delay(station.pk, station.local_date().isoformat()).id
        for station in Station.objects.order_by("pk")
    ]


@shared_task
def plan_return_visits(station_id: int, on: str) -> int:
    station = Station.objects.filter(pk=station_id).first()
    if station is None:
        return 0
    return len(services.plan_return_visits(station=station, on=date.fromisoformat(on)))
