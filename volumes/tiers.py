"""The tier rule: A / B / C by each station's 80/20 rule on revenue from the volume feed.

Per station, over the last settings.TIER_MONTHS months (the current month included), the station's clients that
have ever had a volume row are ranked by revenue, largest first. Walking down the ranking, a client is A while the
revenue of the clients above it is below TIER_A_PERCENT % of the station's total (so the clients that make the
first 80 % are A, the first one always), B while it is below TIER_B_PERCENT %, and C after that; a client with no
revenue in the window is C. Ties are broken by the client's id, so a run is repeatable.

The computed tier is kept in `tier_computed`; the tier in force (`tier`) is the manual override while there is one
(pipeline/services/steps.py `tier_set`, with who, why and when), else the computed one. Clients without any volume
keep the tier they have. Safe to run twice: it writes only what changed.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from pipeline.models import Client

from .models import MonthlyVolume
from .months import months_back


def tier_for(before: Decimal, total: Decimal) -> str:
    """The tier of a client whose better-ranked clients make `before` of the station's `total` revenue."""
    if total <= 0:
        return "C"
    share = before * 100 / total
    if share < settings.TIER_A_PERCENT:
        return "A"
    if share < settings.TIER_B_PERCENT:
        return "B"
    return "C"


def ranked_tiers(revenue: dict[int, Decimal]) -> dict[int, str]:
    """{client id: revenue in the window} → {client id: tier}."""
    total = sum(revenue.values(), Decimal(0))
    tiers, before = {}, Decimal(0)
    for client_id, amount in sorted(revenue.items(), key=lambda item: (-item[1], item[0])):
        tiers[client_id] = tier_for(before, total) if amount > 0 else "C"
        before += amount
    return tiers


def tiers_compute(*, station_id: int, today: datetime.date) -> int:
    """Recompute the tiers of one station's clients as of `today`; returns how many clients changed."""
    since = months_back(today.replace(day=1), settings.TIER_MONTHS - 1)
    revenue = {
        client_id: amount or Decimal(0)
        for client_id, amount in MonthlyVolume.objects.filter(
            client__station_id=station_id, client__merged_into__isnull=True
        )
        .values("client_id")
        .annotate(amount=Sum("revenue", filter=Q(month__gte=since, month__lte=today)))
        .values_list("client_id", "amount")
    }
    tiers = ranked_tiers(revenue)
    changed = {"A": [], "B": [], "C": []}
    for pk, tier, computed, override in Client.objects.filter(pk__in=list(tiers)).values_list(
        "pk", "tier", "tier_computed", "tier_override"
    ):
        if computed != tiers[pk] or tier != (override or tiers[pk]):
            changed[tiers[pk]].append(pk)
    # One UPDATE per tier letter rather than a CASE per row: a station's first run changes thousands of clients.
    now = timezone.now()
    for letter, ids in changed.items():
        if ids:
            Client.objects.filter(pk__in=ids).update(
                tier_computed=letter,
                tier=Coalesce(NullIf("tier_override", Value("")), Value(letter)),
                updated_at=now,
            )
    return sum(len(ids) for ids in changed.values())
