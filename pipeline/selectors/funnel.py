"""The funnel of the ten-step loop: how many clients are in each step now, how many reached each step, and the
conversion from one step to the next. A handful of queries whatever the number of clients."""

from dataclasses import dataclass, field

from django.db.models import Avg, Case, Count, F, IntegerField, Max, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest

from ..models import StageChange
from ..models.loop import LOOP, DropReason, Stage


def _ordinal(field_name: str) -> Case:
    """The position of a stage in the loop (0 = collect … 9 = archive); -1 for dropped."""
    return Case(
        *[When(**{field_name: stage}, then=Value(i)) for i, stage in enumerate(LOOP)],
        default=Value(-1),
        output_field=IntegerField(),
    )


@dataclass
class FunnelStep:
    stage: str
    label: str
    now: int = 0  # clients in this step today
    reached: int = 0  # clients that got at least this far
    conversion: float | None = None  # reached the next step / reached this one
    avg_days: float | None = None  # days spent in this step by those who moved on


@dataclass
class Funnel:
    steps: list[FunnelStep]
    total: int
    dropped: int
    drop_reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Clients per stage today, dropped included (the dashboard contract's `funnel`)."""
        return {**{s.stage: s.now for s in self.steps}, Stage.DROPPED: self.dropped}


def furthest_reached(clients):
    """Annotate each client with `furthest`: the furthest step it ever reached (by its history and its stage)."""
    changes = StageChange.objects.filter(client=OuterRef("pk")).order_by()
    furthest_to = changes.annotate(o=_ordinal("to_stage")).values("client").annotate(m=Max("o")).values("m")
    furthest_from = (
        changes.annotate(o=_ordinal("from_stage")).values("client").annotate(m=Max("o")).values("m")
    )
    return clients.annotate(
        furthest=Greatest(
            _ordinal("stage"),
            Coalesce(Subquery(furthest_to, output_field=IntegerField()), Value(-1)),
            Coalesce(Subquery(furthest_from, output_field=IntegerField()), Value(-1)),
        )
    )


def funnel(clients) -> Funnel:
    """The funnel of the given clients (already scoped and filtered by the caller)."""
    clients = clients.order_by()
    now = dict(clients.values_list("stage").annotate(n=Count("pk")))
    furthest = dict(furthest_reached(clients).values_list("furthest").annotate(n=Count("pk")))
    reached_at_least = []
    running = 0
    for i in reversed(range(len(LOOP))):
        running += furthest.get(i, 0)
        reached_at_least.append(running)
    reached_at_least.reverse()
    avg_days = dict(
        StageChange.objects.filter(client__in=clients.values("pk"))
        .exclude(to_stage=Stage.DROPPED)
        .annotate(from_o=_ordinal("from_stage"), to_o=_ordinal("to_stage"))
        .filter(to_o__gt=F("from_o"))
        .values_list("from_stage")
        .annotate(d=Avg("days_in_previous"))
        .order_by()
    )
    steps = []
    for i, stage in enumerate(LOOP):
        reached = reached_at_least[i]
        nxt = reached_at_least[i + 1] if i + 1 < len(LOOP) else None
        steps.append(
            FunnelStep(
                stage=stage,
                label=str(Stage(stage).label),
                now=now.get(stage, 0),
                reached=reached,
                conversion=(nxt / reached) if nxt is not None and reached else None,
                avg_days=avg_days.get(stage),
            )
        )
    last_drop = (
        StageChange.objects.filter(client=OuterRef("pk"), to_stage=Stage.DROPPED)
        .order_by("-at", "-pk")
        .values("drop_reason")[:1]
    )
    reasons = dict(
        clients.filter(stage=Stage.DROPPED)
        .annotate(reason=Subquery(last_drop))
        .values_list("reason")
        .annotate(n=Count("pk"))
    )
    drop_reasons = [
        (str(label), reasons.get(value, 0)) for value, label in DropReason.choices if reasons.get(value)
    ]
    return Funnel(
        steps=steps,
        total=sum(now.values()),
        dropped=now.get(Stage.DROPPED, 0),
        drop_reasons=drop_reasons,
    )
