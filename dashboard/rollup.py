"""Roll the daily tallies and the client stages up per station, for the network view (see dashboard/models.py)."""

import datetime

from django.db import transaction
from django.db.models import Count, Min, Sum
from django.utils import timezone

from pipeline.models import Client
from quota.models import DailyTally

from .models import StationDayTotal, StationStageTotal, TotalsRefresh

# Each refresh recomputes this many days back: leads rejected as fake or duplicates a few weeks late still
# lower the counted totals of their day. Older corrections wait for `refresh_dashboard_totals --since`.
RECOMPUTE_DAYS = 35


def refresh_day_totals(*, first: datetime.date, last: datetime.date) -> int:
    """Recompute StationDayTotal for [first, last] from the tallies, in one transaction."""
    with transaction.atomic():
        StationDayTotal.objects.filter(day__range=(first, last)).delete()
        rows = [
            StationDayTotal(station_id=station_id, day=day, leads=leads, counted=counted)
            for station_id, day, leads, counted in DailyTally.objects.filter(day__range=(first, last))
            .values_list("station_id", "day")
            .annotate(leads_sum=Sum("leads"), counted_sum=Sum("counted"))
            .order_by()
        ]
        StationDayTotal.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def refresh_stage_totals() -> int:
    with transaction.atomic():
        StationStageTotal.objects.all().delete()
        rows = [
            StationStageTotal(station_id=station_id, stage=stage, clients=n)
            for station_id, stage, n in Client.objects.active()
            .values_list("station_id", "stage")
            .annotate(n=Count("pk"))
            .order_by()
        ]
        StationStageTotal.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def refresh_totals(*, today: datetime.date, since: datetime.date | None = None) -> TotalsRefresh:
    """Bring the totals up to `today - 1`: the last RECOMPUTE_DAYS days, any gap since the last refresh, or
    everything from `since`. Safe to run twice or concurrently (the last writer wins with the same numbers)."""
    last = today - datetime.timedelta(days=1)
    state, _ = TotalsRefresh.objects.get_or_create(pk=1)
    first = last - datetime.timedelta(days=RECOMPUTE_DAYS - 1)
    if state.through is None:
        first = DailyTally.objects.aggregate(first=Min("day"))["first"] or first
    elif state.through < first:
        first = state.through + datetime.timedelta(days=1)
    if since is not None:
        first = min(first, since)
    if first <= last:
        refresh_day_totals(first=first, last=last)
    refresh_stage_totals()
    TotalsRefresh.objects.filter(pk=1).update(through=last, refreshed_at=timezone.now())
    state.refresh_from_db()
    return state


def totals_through() -> tuple[datetime.date | None, datetime.datetime | None]:
    row = TotalsRefresh.objects.filter(pk=1).values_list("through", "refreshed_at").first()
    return row or (None, None)
