"""Reads of the volume feed shared by the client page, the API, relationship health, the dashboards and the jobs."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum

from pipeline.models import Contract

from .models import MonthlyVolume
from .months import month_end, months_back

# A signed client shipping less than its commitment this many complete months running is warned about.
SHORTFALL_MONTHS = 2


@dataclass(frozen=True)
class MonthTotal:
    month: datetime.date
    parcels: int
    revenue: Decimal
    committed: int | None = None

    @property
    def short(self) -> bool:
        return self.committed is not None and self.parcels < self.committed


def _committed(client_ids, months: list[datetime.date]) -> dict[tuple[int, datetime.date], int]:
    """{(client, month): the committed monthly volume of the latest contract signed that runs in the month}."""
    if not months:
        return {}
    found = {}
    contracts = Contract.objects.filter(
        client_id__in=client_ids, starts_on__lte=month_end(max(months)), ends_on__gte=min(months)
    ).order_by("client_id", "signed_on", "pk")
    for client_id, starts_on, ends_on, committed in contracts.values_list(
        "client_id", "starts_on", "ends_on", "committed_monthly_volume"
    ):
        for month in months:
            if starts_on <= month_end(month) and ends_on >= month:
                found[(client_id, month)] = committed  # later signatures overwrite earlier ones
    return found


def recent_months(client, *, today: datetime.date, count: int = 6) -> list[MonthTotal]:
    """The client's last `count` months (newest first) that have volumes, all sources added, with the commitment."""
    rows = list(
        MonthlyVolume.objects.filter(client=client, month__lte=today)
        .values("month")
        .annotate(parcels=Sum("parcels"), revenue=Sum("revenue"))
        .order_by("-month")[:count]
    )
    committed = _committed([client.pk], [row["month"] for row in rows])
    return [MonthTotal(committed=committed.get((client.pk, row["month"])), **row) for row in rows]


def shortfalls(client_ids, *, today: datetime.date) -> dict[int, list[MonthTotal]]:
    """Signed clients below their commitment in each of the last SHORTFALL_MONTHS complete months (before
    `today`'s month): {client id: those months, newest first}. A month without any volume row is not judged (no
    figures is not a shortfall); a month without a contract running has no commitment to miss."""
    months = [months_back(today.replace(day=1), n) for n in range(1, SHORTFALL_MONTHS + 1)]
    parcels = {
        (client_id, month): total
        for client_id, month, total in MonthlyVolume.objects.filter(
            client_id__in=client_ids, month__in=months
        )
        .values("client_id", "month")
        .annotate(total=Sum("parcels"))
        .values_list("client_id", "month", "total")
    }
    if not parcels:
        return {}
    committed = _committed({client_id for client_id, _month in parcels}, months)
    found = {}
    for client_id in {client_id for client_id, _month in parcels}:
        totals = [
            MonthTotal(month, parcels[(client_id, month)], Decimal(0), committed.get((client_id, month)))
            for month in months
            if (client_id, month) in parcels
        ]
        if len(totals) == SHORTFALL_MONTHS and all(t.short for t in totals):
            found[client_id] = totals
    return found


def parcel_trends(client_ids, *, today: datetime.date, months: int = 3) -> dict[int, tuple[int, int]]:
    """{client id: (parcels of the last `months` complete months, of the `months` before them)} in one query, for
    the clients that shipped anything in the earlier window."""
    this_month = today.replace(day=1)
    recent_from, earlier_from = months_back(this_month, months), months_back(this_month, 2 * months)
    rows = (
        MonthlyVolume.objects.filter(client_id__in=client_ids, month__gte=earlier_from, month__lt=this_month)
        .values("client_id")
        .annotate(
            recent=Sum("parcels", filter=Q(month__gte=recent_from)),
            earlier=Sum("parcels", filter=Q(month__lt=recent_from)),
        )
        .values_list("client_id", "recent", "earlier")
    )
    return {client_id: (recent or 0, earlier) for client_id, recent, earlier in rows if earlier}


def revenue_by(group: str, *, month: datetime.date, **filters) -> dict[int | None, Decimal]:
    """Revenue of `month` per station or area ("client__station" or "client__area"), in one aggregate query."""
    totals = defaultdict(Decimal)
    for key, amount in (
        MonthlyVolume.objects.filter(month=month, **filters)
        .values(group)
        .annotate(amount=Sum("revenue"))
        .values_list(group, "amount")
    ):
        totals[key] += amount or 0
    return dict(totals)
