"""What people, areas and stations actually achieved in a month, from the records that exist.

- leads: leads collected in the month (by the collector, in the area, at the station);
- accepted_leads: of those, the ones accepted at review;
- contracts, committed_parcels, revenue: contracts signed in the month, credited to the client's owner (the
  person who recorded the contract when the client has none) and to the client's area and station; the parcels
  they commit to a month, and the revenue those parcels bring at the station's average price per parcel (the
  screening setting behind expected revenue).

Parcels and revenue will come from the volumes actually shipped once a volume feed exists: `parcels_and_revenue`
is the one function to change then.
"""

import calendar
import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from pipeline.models import Contract, Lead, ScreeningSettings
from pipeline.models.leads import LeadStatus
from pipeline.services.screening import average_price_for

from .models import Level, Metric

# The field naming the person, area and station of a lead and of a contract (through its client).
LEAD_KEY = {Level.PERSON: "collected_by_id", Level.AREA: "area_id", Level.STATION: "station_id"}
CONTRACT_KEY = {
    Level.PERSON: Coalesce("client__owner_id", "by_id"),
    Level.AREA: F("client__area_id"),
    Level.STATION: F("client__station_id"),
}


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def leads(level: str, ids, first: datetime.date, last: datetime.date) -> dict:
    key = LEAD_KEY[level]
    rows = (
        Lead.objects.filter(**{f"{key}__in": ids}, collected_on__range=(first, last))
        .values_list(key)
        .annotate(n=Count("pk"), accepted=Count("pk", filter=Q(status=LeadStatus.ACCEPTED)))
        .order_by()
    )
    result = {}
    for subject, n, accepted in rows:
        result[subject, Metric.LEADS] = n
        result[subject, Metric.ACCEPTED_LEADS] = accepted
    return result


def contracts(level: str, ids, first: datetime.date, last: datetime.date) -> dict:
    rows = (
        Contract.objects.filter(signed_on__range=(first, last), client__merged_into__isnull=True)
        .annotate(subject=CONTRACT_KEY[level])
        .filter(subject__in=ids)
        .values_list("subject")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(subject, Metric.CONTRACTS): n for subject, n in rows}


def parcels_and_revenue(level: str, ids, first: datetime.date, last: datetime.date) -> dict:
    """Parcels a month and the revenue they bring, from the contracts signed in the month (their committed
    volume, at the station's average price per parcel)."""
    rows = (
        Contract.objects.filter(signed_on__range=(first, last), client__merged_into__isnull=True)
        .annotate(subject=CONTRACT_KEY[level])
        .filter(subject__in=ids)
        .values_list("subject", "client__station_id")
        .annotate(parcels=Sum("committed_monthly_volume"))
        .order_by()
    )
    rows = list(rows)
    stations = {station_id for _subject, station_id, _parcels in rows}
    prices = dict(
        ScreeningSettings.objects.filter(station_id__in=stations).values_list(
            "station_id", "average_parcel_price"
        )
    )
    default = average_price_for(None) if stations - set(prices) else Decimal(0)
    result = defaultdict(int)
    for subject, station_id, parcels in rows:
        result[subject, Metric.COMMITTED_PARCELS] += parcels
        result[subject, Metric.REVENUE] += Decimal(parcels) * prices.get(station_id, default)
    return dict(result)


def actuals(level: str, ids, month: datetime.date) -> dict:
    """{(subject id, metric): achieved} for the subjects `ids` of `level` in `month`; missing means nothing."""
    ids = list(ids)
    if not ids:
        return {}
    first, last = month_bounds(month)
    return {
        **leads(level, ids, first, last),
        **contracts(level, ids, first, last),
        **parcels_and_revenue(level, ids, first, last),
    }
