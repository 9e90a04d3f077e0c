"""Relationship health: one score per client, 0–100, from four components that are each shown and explained.

    satisfaction  S = (average score − 1) ÷ 4 × 100, over the answers of the last 12 months (pilots excluded)
    complaints    C = 100 − 40 per unresolved high, 20 per medium, 10 per low complaint, − 10 more per overdue one
    warnings      W = 100 − 25 per open early warning
    volume        V = min(actual ÷ committed, 1) × 100, over the last three months evaluated (within 12 months)
    trend         T = min(parcels of the last 3 complete months ÷ parcels of the 3 before, 1) × 100, from the volume
                      feed (volumes/): a customer shipping less than before is drifting away
    score         = (40·S + 25·C + 15·W + 20·V + 10·T) ÷ (sum of the weights of the components that have data)

C and W never fall below 0. S, V and T are left out, and the other weights count in full, when there is no survey
answer, no evaluated month or no fed volume in the earlier three months: a missing survey is not a bad survey. Clients below
settings.SATISFACTION_HEALTH_THRESHOLD are listed for their owner and their station.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pipeline.models import Evaluation
from volumes.selectors import parcel_trends

from .models import Answer, Complaint, IndicatorWarning, Severity
from .models.complaints import UNRESOLVED

WEIGHTS = {"satisfaction": 40, "complaints": 25, "warnings": 15, "volume": 20, "trend": 10}
LABELS = {
    "satisfaction": gettext_lazy("Satisfaction"),
    "complaints": gettext_lazy("Open complaints"),
    "warnings": gettext_lazy("Service-quality warnings"),
    "volume": gettext_lazy("Volume against commitment"),
    "trend": gettext_lazy("Volume trend"),
}
COMPLAINT_PENALTY = {Severity.HIGH: 40, Severity.MEDIUM: 20, Severity.LOW: 10}
OVERDUE_PENALTY = 10
WARNING_PENALTY = 25
SATISFACTION_DAYS = 365
VOLUME_MONTHS = 3


@dataclass
class Component:
    key: str
    value: float | None  # 0–100, or None when there is no data
    detail: str

    @property
    def label(self) -> str:
        return str(LABELS[self.key])

    @property
    def weight(self) -> int:
        return WEIGHTS[self.key]

    @property
    def counted(self) -> bool:
        return self.value is not None


@dataclass
class Health:
    client_id: int
    components: list[Component] = field(default_factory=list)

    @property
    def exact(self) -> float:
        counted = [c for c in self.components if c.counted]
        return sum(c.weight * c.value for c in counted) / sum(c.weight for c in counted)

    @property
    def score(self) -> int:
        # Python's round() goes to the even neighbour on .5; a score people check by hand rounds half up.
        return int(self.exact + 0.5)

    @property
    def formula(self) -> str:
        counted = [c for c in self.components if c.counted]
        terms = " + ".join(f"{c.weight}×{c.value:g}" for c in counted)
        total = sum(c.weight for c in counted)
        return f"({terms}) ÷ {total} = {self.exact:.2f} → {self.score}"

    def is_low(self, threshold: int | None = None) -> bool:
        return self.score < (settings.SATISFACTION_HEALTH_THRESHOLD if threshold is None else threshold)

    @property
    def by_key(self) -> dict[str, Component]:
        return {c.key: c for c in self.components}


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _satisfaction(stats) -> Component:
    if not stats or stats["avg"] is None:
        return Component("satisfaction", None, _("No survey answer in the last 12 months: not counted."))
    value = round((stats["avg"] - 1) / 4 * 100, 1)
    return Component(
        "satisfaction",
        value,
        _(
            "Average %(avg).2f of 5 over %(n)s responses in the last 12 months: (%(avg).2f − 1) ÷ 4 × 100 = %(v)g."
        )
        % {"avg": stats["avg"], "n": stats["n"], "v": value},
    )


def _complaints(items: list[tuple[str, bool]]) -> Component:
    if not items:
        return Component("complaints", 100, _("No unresolved complaint: 100."))
    severities = Counter(sev for sev, _overdue in items)
    overdue = sum(1 for _sev, late in items if late)
    penalty = sum(COMPLAINT_PENALTY[Severity(sev)] for sev, _overdue in items) + OVERDUE_PENALTY * overdue
    value = max(0, 100 - penalty)
    parts = ", ".join(
        f"{n} {Severity(sev).label}"
        for sev, n in sorted(severities.items(), key=lambda kv: -COMPLAINT_PENALTY[kv[0]])
    )
    return Component(
        "complaints",
        value,
        _("%(n)s unresolved (%(parts)s; %(overdue)s overdue): 100 − %(penalty)s = %(v)s.")
        % {"n": len(items), "parts": parts, "overdue": overdue, "penalty": penalty, "v": value},
    )


def _warnings(count: int) -> Component:
    value = max(0, 100 - WARNING_PENALTY * count)
    if not count:
        return Component("warnings", 100, _("No open early warning: 100."))
    return Component(
        "warnings",
        value,
        _("%(n)s open early warnings: 100 − %(n)s × %(p)s = %(v)s.")
        % {"n": count, "p": WARNING_PENALTY, "v": value},
    )


def _volume(months: list) -> Component:
    if not months:
        return Component("volume", None, _("No month evaluated against a contract yet: not counted."))
    actual = sum(m.actual_volume for m in months)
    committed = sum(m.committed_volume for m in months)
    if not committed:
        return Component("volume", None, _("No volume was committed in the months evaluated: not counted."))
    value = round(min(actual / committed, 1) * 100, 1)
    return Component(
        "volume",
        value,
        _(
            "%(actual)s of %(committed)s committed parcels over %(n)s evaluated months (%(first)s to %(last)s): %(v)g."
        )
        % {
            "actual": actual,
            "committed": committed,
            "n": len(months),
            "first": months[-1].month.strftime("%Y-%m"),
            "last": months[0].month.strftime("%Y-%m"),
            "v": value,
        },
    )


def _trend(parcels: tuple[int, int] | None) -> Component:
    if parcels is None:
        return Component(
            "trend", None, _("No shipped volume in the three months before the last three: not counted.")
        )
    recent, earlier = parcels
    value = round(min(recent / earlier, 1) * 100, 1)
    return Component(
        "trend",
        value,
        _(
            "%(recent)s parcels in the last three complete months against %(earlier)s in the three before: %(v)g."
        )
        % {"recent": recent, "earlier": earlier, "v": value},
    )


def _evaluations(client_ids, today: date) -> dict[int, list]:
    by_client = defaultdict(list)
    for evaluation in Evaluation.objects.filter(
        client_id__in=client_ids, month__gte=_months_back(today, 12)
    ).order_by("client_id", "-month"):
        if len(by_client[evaluation.client_id]) < VOLUME_MONTHS:
            by_client[evaluation.client_id].append(evaluation)
    return by_client


def health_for_clients(client_ids, *, now: datetime) -> dict[int, Health]:
    """Health of many clients in a constant number of queries."""
    client_ids = list(client_ids)
    if not client_ids:
        return {}
    satisfaction = {
        row["response__client_id"]: row
        for row in Answer.objects.filter(
            response__client_id__in=client_ids,
            response__is_pilot=False,
            response__submitted_at__gte=now - timedelta(days=SATISFACTION_DAYS),
            score__isnull=False,
        )
        .values("response__client_id")
        .annotate(avg=Avg("score"), n=Count("response", distinct=True))
    }
    complaints = defaultdict(list)
    for client_id, severity, due_at in Complaint.objects.filter(
        client_id__in=client_ids, status__in=UNRESOLVED
    ).values_list("client_id", "severity", "due_at"):
        complaints[client_id].append((severity, due_at < now))
    warnings = dict(
        IndicatorWarning.objects.open()
        .filter(client_id__in=client_ids)
        .values("client_id")
        .annotate(n=Count("pk"))
        .values_list("client_id", "n")
    )
    volume = _evaluations(client_ids, timezone.localdate(now))
    trends = parcel_trends(client_ids, today=timezone.localdate(now))
    return {
        client_id: Health(
            client_id,
            [
                _satisfaction(satisfaction.get(client_id)),
                _complaints(complaints.get(client_id, [])),
                _warnings(warnings.get(client_id, 0)),
                _volume(volume.get(client_id, [])),
                _trend(trends.get(client_id)),
            ],
        )
        for client_id in client_ids
    }


def health_for(client, *, now: datetime) -> Health:
    return health_for_clients([client.pk], now=now)[client.pk]


def clients_with_signals(clients, *, now: datetime) -> set[int]:
    """Ids of the clients (a queryset) with anything that can lower their health; the others score 100."""
    ids = clients.values("pk")
    since = now - timedelta(days=SATISFACTION_DAYS)
    found = set(
        Complaint.objects.filter(client_id__in=ids, status__in=UNRESOLVED).values_list("client_id", flat=True)
    )
    found |= set(
        IndicatorWarning.objects.open().filter(client_id__in=ids).values_list("client_id", flat=True)
    )
    found |= set(
        Answer.objects.filter(
            response__client_id__in=ids, response__is_pilot=False, response__submitted_at__gte=since
        ).values_list("response__client_id", flat=True)
    )
    found |= set(parcel_trends(ids, today=timezone.localdate(now)))
    found |= set(
        Evaluation.objects.filter(
            client_id__in=ids, month__gte=_months_back(timezone.localdate(now), 12)
        ).values_list("client_id", flat=True)
    )
    return found


def low_health(clients, *, now: datetime, threshold: int | None = None) -> list[tuple[object, Health]]:
    """(client, health) of the clients below the threshold, worst first."""
    ids = clients_with_signals(clients, now=now)
    scores = health_for_clients(ids, now=now)
    low = [pk for pk, health in scores.items() if health.is_low(threshold)]
    by_pk = clients.model.objects.select_related("owner", "area", "station").in_bulk(low)
    return sorted(((by_pk[pk], scores[pk]) for pk in low), key=lambda pair: (pair[1].exact, pair[0].name))
