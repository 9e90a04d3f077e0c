"""The funnel of the ten-step loop: how many clients are in each step now, how many reached each step, and the
conversion from one step to the next. Two queries whatever the number of clients: the clients counted by their
stage, the furthest step they reached and why they were dropped (all three kept on the client by
pipeline/services/transitions.py), and the average days per step. For the whole network both read running
totals (LoopTally, StepTotal) instead of the clients and their history."""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Avg, Case, Count, F, IntegerField, Sum, Value, When

from ..models import LoopTally, StageChange, StepTotal
from ..models.loop import LOOP, DropReason, Stage


def stage_ordinal(field_name: str) -> Case:
    """The position of a stage in the loop (0 = collect … 9 = archive); -1 for dropped."""
    return Case(
        *[When(**{field_name: stage}, then=Value(i)) for i, stage in enumerate(LOOP)],
        default=Value(-1),
        output_field=IntegerField(),
    )


def _ordinal(stage: str) -> int:
    return LOOP.index(stage) if stage in LOOP else -1


def forward_moves(changes):
    """The moves forward out of a step among `changes` (stage changes): to a later step, dropping aside."""
    return (
        changes.filter(from_stage__in=LOOP)
        .exclude(to_stage=Stage.DROPPED)
        .alias(from_o=stage_ordinal("from_stage"), to_o=stage_ordinal("to_stage"))
        .filter(to_o__gt=F("from_o"))
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


def loop_counts(clients, *, network: bool = False):
    """The given clients (scoped and filtered by the caller) counted by step, furthest step and drop reason, with
    their expected monthly revenue: rows of (stage, furthest_stage, drop_reason, clients, revenue). `network`
    says they are every active client there is (headquarters, unfiltered): on PostgreSQL the rows then come from
    the tally its triggers keep (LoopTally), a few hundred rows instead of every client."""
    if network and connection.vendor == "postgresql":
        return (
            LoopTally.objects.values_list("stage", "furthest_stage", "drop_reason")
            .annotate(n=Sum("clients"), revenue=Sum("revenue"))
            .filter(n__gt=0)
            .order_by()
        )
    return (
        clients.order_by()
        .values_list("stage", "furthest_stage", "drop_reason")
        .annotate(n=Count("pk"), revenue=Sum("expected_revenue"))
    )


def _average_days(clients, *, network: bool) -> dict[str, float]:
    """Days spent in each step by the moves forward out of it, on average, over the clients' history."""
    if network:
        # Every active client of the network: its running totals, ten rows (StepTotal).
        return {t.stage: t.days / t.moves for t in StepTotal.objects.filter(moves__gt=0)}
    return dict(
        forward_moves(StageChange.objects.filter(client__in=clients.values("pk")))
        .values_list("from_stage")
        .annotate(d=Avg("days_in_previous"))
        .order_by()
    )


def funnel(clients, *, network: bool = False) -> Funnel:
    """The funnel of the given clients (already scoped and filtered by the caller). `network` says they are every
    active client there is (headquarters, unfiltered): the average days then come from the running totals."""
    clients = clients.order_by()
    now, reached_furthest, reasons = {}, {}, {}
    for stage, furthest_stage, drop_reason, n, _revenue in loop_counts(clients, network=network):
        now[stage] = now.get(stage, 0) + n
        # The furthest step the client reached, or its current one if further (a client written with a stage
        # around transitions.move(), as in tests and bulk loads).
        furthest = max(_ordinal(stage), _ordinal(furthest_stage))
        reached_furthest[furthest] = reached_furthest.get(furthest, 0) + n
        if stage == Stage.DROPPED:
            reasons[drop_reason] = reasons.get(drop_reason, 0) + n
    reached_at_least = []
    running = 0
    for i in reversed(range(len(LOOP))):
        running += reached_furthest.get(i, 0)
        reached_at_least.append(running)
    reached_at_least.reverse()
    avg_days = _average_days(clients, network=network)
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
    drop_reasons = [
        (str(label), reasons.get(value, 0)) for value, label in DropReason.choices if reasons.get(value)
    ]
    return Funnel(
        steps=steps,
        total=sum(now.values()),
        dropped=now.get(Stage.DROPPED, 0),
        drop_reasons=drop_reasons,
    )
