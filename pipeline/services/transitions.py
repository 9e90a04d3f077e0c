"""Every move of a client through the ten-step loop goes through `move()`: the page, the API, the admin and
every job. This is the one place where the rules can be read:

- forward to the next step, once the current step's gate holds (GATES below);
- back to any earlier step, with a reason;
- to `dropped` from any step, with a reason;
- from `dropped` back to the step it left (re-open);
- from `archive` into `follow_up` for secondary development (a move back, so with a reason).

Anything else is refused with a ValidationError that says why, and nothing changes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import LOOP_ROLES
from outbox.events import event_record

from ..models import Client, ClientContact, StageChange, StepTotal
from ..models.clients import ContactRole
from ..models.loop import LOOP, DropReason, Stage
from ..selectors.funnel import forward_moves

# The longest reason a move keeps (as long as a lead's free texts): it is shown in every history and timeline.
MAX_REASON = 5000


# --- Gates: what a client must have before it leaves a step ------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    label: Promise  # what is missing, as the refusal names it ("a needs analysis")
    holds: Callable[[Client], bool]


def _has_priority(client) -> bool:
    return client.has_priority


def _has_visit_plan(client) -> bool:
    return client.has_visit_plan or client.visit_plans.exists()


def _has_decision_maker(client) -> bool:
    return ClientContact.objects.filter(client=client, role=ContactRole.DECISION_MAKER).exists()


def _has_needs_analysis(client) -> bool:
    return client.needs_analyses.exists()


def _has_quoted_proposal(client) -> bool:
    return client.proposals.filter(lines__isnull=False).exists()


def _has_visit_with_outcome(client) -> bool:
    return client.visit_records.exclude(outcome="").exists()


def _has_trial_results(client) -> bool:
    return client.trial_shipments.filter(on_time_count__isnull=False).exists()


def _has_signed_contract(client) -> bool:
    return client.contracts.exists()


def _has_return_visit_or_evaluation(client) -> bool:
    # "return" is visits.VisitKind.RETURN, named by value: the loop sits below the visits app.
    return client.evaluations.exists() or client.visit_records.filter(kind="return").exists()


GATES: dict[str, list[Requirement]] = {
    Stage.SCREEN: [
        Requirement(gettext_lazy("a priority"), _has_priority),
        Requirement(gettext_lazy("a visit plan"), _has_visit_plan),
    ],
    Stage.SURVEY: [
        Requirement(gettext_lazy("the company type"), lambda c: bool(c.company_type)),
        Requirement(gettext_lazy("a key decision maker among the contacts"), _has_decision_maker),
    ],
    Stage.NEEDS: [Requirement(gettext_lazy("a needs analysis"), _has_needs_analysis)],
    Stage.PROPOSAL: [
        Requirement(gettext_lazy("a proposal with at least one quote line"), _has_quoted_proposal)
    ],
    Stage.VISIT: [Requirement(gettext_lazy("a visit record with an outcome"), _has_visit_with_outcome)],
    Stage.TRIAL_SHIPMENT: [
        Requirement(gettext_lazy("a trial shipment with its results"), _has_trial_results)
    ],
    Stage.CONTRACT: [Requirement(gettext_lazy("a signed contract"), _has_signed_contract)],
    Stage.FOLLOW_UP: [
        Requirement(gettext_lazy("a return visit or an evaluation"), _has_return_visit_or_evaluation)
    ],
}


def missing_for_next_step(client) -> list[str]:
    """What the client still lacks before it may leave its current step (empty: the gate is open)."""
    return [str(r.label) for r in GATES.get(client.stage, []) if not r.holds(client)]


# --- Legal moves ------------------------------------------------------------------------------------------


def _index(stage: str) -> int:
    return LOOP.index(stage)


def _ordinal(stage: str) -> int:
    """A stage's place in the loop (0 = collect … 9 = archive); -1 for dropped and for none."""
    return LOOP.index(stage) if stage in LOOP else -1


def furthest(*stages: str) -> str:
    """The step furthest along the loop among `stages`; "" when none of them is a step."""
    best = max(stages, key=_ordinal, default="")
    return best if _ordinal(best) >= 0 else ""


def next_stage(stage: str) -> str | None:
    if stage == Stage.DROPPED or stage == LOOP[-1]:
        return None
    return LOOP[_index(stage) + 1]


def reopen_stage(client) -> str | None:
    """The step a dropped client left, which is where re-opening takes it."""
    last_drop = (
        StageChange.objects.filter(client=client, to_stage=Stage.DROPPED).order_by("-at", "-pk").first()
    )
    if last_drop is None or last_drop.from_stage not in LOOP:
        return None
    return last_drop.from_stage


def legal_targets(client) -> list[str]:
    """Every stage the client may be moved to from where it is (gates aside), for menus and the kanban."""
    if client.stage == Stage.DROPPED:
        target = reopen_stage(client)
        return [target] if target else []
    i = _index(client.stage)
    targets = list(LOOP[:i])
    if i + 1 < len(LOOP):
        targets.append(LOOP[i + 1])
    return [*targets, Stage.DROPPED]


def needs_reason(from_stage: str, to_stage: str) -> bool:
    if to_stage == Stage.DROPPED:
        return True
    return from_stage in LOOP and to_stage in LOOP and _index(to_stage) < _index(from_stage)


def _label(stage: str) -> str:
    return str(Stage(stage).label)


def _check_move(client, to: str, reason: str, drop_reason: str) -> None:
    current = client.stage
    if to == current:
        raise ValidationError(_("The client is already in «%(stage)s».") % {"stage": _label(to)})
    if current == Stage.DROPPED:
        target = reopen_stage(client)
        if to != target:
            raise ValidationError(
                _("A dropped client re-opens at the step it left (%(stage)s).")
                % {"stage": _label(target) if target else "—"}
            )
        return
    if to == Stage.DROPPED:
        # The public contract sends only {"to", "reason"}: without a cause the drop counts as "other".
        if drop_reason and drop_reason not in DropReason.values:
            raise ValidationError(
                {
                    "drop_reason": _("Say why the client is dropped: %(choices)s.")
                    % {"choices": ", ".join(str(label) for label in DropReason.labels)}
                }
            )
        if not reason.strip():
            raise ValidationError({"reason": _("Dropping a client needs a reason.")})
        return
    if _index(to) < _index(current):
        if not reason.strip():
            raise ValidationError({"reason": _("Moving a client back needs a reason.")})
        return
    if _index(to) > _index(current) + 1:
        raise ValidationError(
            _("A client moves one step at a time: from «%(from)s» the next step is «%(next)s».")
            % {"from": _label(current), "next": _label(next_stage(current))}
        )
    missing = missing_for_next_step(client)
    if missing:
        raise ValidationError(
            _("«%(stage)s» is not finished: missing %(missing)s.")
            % {"stage": _label(current), "missing": _("; ").join(missing)}
        )


def can_move(user) -> bool:
    return user is not None and user.is_authenticated and user.role in LOOP_ROLES


def move(
    *,
    client: Client,
    to: str,
    by,
    reason: str = "",
    drop_reason: str = "",
    expected_from: str | None = None,
    at: datetime | None = None,
) -> StageChange:
    """Move `client` to stage `to`, or raise ValidationError naming what stands in the way.

    `by` is the person acting (None for a job). `expected_from` is the stage the caller saw: when somebody else
    moved the client meanwhile, the move is refused instead of applied to a state the caller never saw.
    `at` back-dates the move (history import, demo data); it must not lie in the future.
    """
    if to not in Stage.values:
        raise ValidationError({"to": _("Unknown stage «%(stage)s».") % {"stage": to}})
    if by is not None and not can_move(by):
        raise PermissionDenied(_("Your role does not move clients through the loop."))
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("At most %(max)s characters.") % {"max": MAX_REASON}})
    now = timezone.now()
    at = at or now
    if at > now:
        raise ValidationError({"at": _("A move cannot be dated in the future.")})

    with transaction.atomic():
        # The row lock makes concurrent moves of one client queue up; each then sees the other's result.
        query = Client.objects.select_for_update()
        if by is not None:
            query = query.filter(pk__in=Client.objects.visible_to(by).values("pk"))
        locked = query.filter(pk=client.pk).first()
        if locked is None:
            raise PermissionDenied(_("This client is outside your scope."))
        if expected_from is not None and locked.stage != expected_from:
            raise ValidationError(
                _("Somebody moved this client meanwhile: it is now in «%(stage)s».")
                % {"stage": _label(locked.stage)}
            )
        _check_move(locked, to, reason, drop_reason)
        days = max(0, (at - locked.stage_entered_at).days) if locked.stage_entered_at else 0
        change = StageChange.objects.create(
            client=locked,
            from_stage=locked.stage,
            to_stage=to,
            by=by,
            at=at,
            reason=reason,
            drop_reason=(drop_reason or DropReason.OTHER) if to == Stage.DROPPED else "",
            days_in_previous=days,
        )
        # The history's summary on the client (the kanban and the funnel count by it): the furthest step reached,
        # and why it is dropped (blank again once it is not).
        reached = furthest(locked.furthest_stage, locked.stage, to)
        Client.objects.filter(pk=locked.pk).update(
            stage=to,
            stage_entered_at=at,
            updated_at=now,
            furthest_stage=reached,
            drop_reason=change.drop_reason,
        )
        if _ordinal(to) > _ordinal(locked.stage) >= 0 and locked.merged_into_id is None:
            _step_total_add(locked.stage, days)
        event_record(
            type="client.stage_changed",
            data={
                "client": locked.pk,
                "from": change.from_stage,
                "to": to,
                "by": by.pk if by is not None else None,
                "at": timezone.localtime(at).isoformat(),
                "reason": reason,
                "station": locked.station_id,
                "area": locked.area_id,
            },
            station_id=locked.station_id,
        )
    client.stage = to
    client.stage_entered_at = at
    client.updated_at = now
    client.furthest_stage = reached
    client.drop_reason = change.drop_reason
    return change


# --- What the history adds up to -----------------------------------------------------------------------------


def _step_total_add(stage: str, days: int) -> None:
    """Count a move forward out of `stage`, after `days` in it, in the network's step totals (StepTotal)."""
    added = StepTotal.objects.filter(stage=stage).update(moves=F("moves") + 1, days=F("days") + days)
    if added:
        return
    try:
        with transaction.atomic():
            StepTotal.objects.create(stage=stage, moves=1, days=days)
    except IntegrityError:  # a concurrent move made the row first
        StepTotal.objects.filter(stage=stage).update(moves=F("moves") + 1, days=F("days") + days)


def step_totals_recount() -> None:
    """Rebuild the network's step totals from the stage changes of the active clients, for data written around
    `move()` (demo data loaded in bulk, moves made by an older release while this one was being deployed). Safe
    while people move clients: on PostgreSQL the moves wait for it, so each is counted exactly once."""
    totals = (
        forward_moves(StageChange.objects.filter(client__merged_into__isnull=True))
        .values_list("from_stage")
        .annotate(moves=Count("pk"), days=Sum("days_in_previous"))
        .order_by()
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Taken before the count: a move that has already added to the totals commits first (and is counted
            # by the query below), one that has not adds to the new rows after this transaction.
            with connection.cursor() as cursor:
                cursor.execute(f'LOCK TABLE "{StepTotal._meta.db_table}" IN SHARE ROW EXCLUSIVE MODE')
        StepTotal.objects.all().delete()
        StepTotal.objects.bulk_create(
            [StepTotal(stage=stage, moves=moves, days=days or 0) for stage, moves, days in totals]
        )


def history_refresh(client: Client) -> None:
    """Recompute the client's summary of its history (furthest step, drop reason) from every stage change it
    has, after a merge brought another client's history along."""
    changes = list(
        StageChange.objects.filter(client=client)
        .order_by("at", "pk")
        .values_list("from_stage", "to_stage", "drop_reason")
    )
    reached = furthest(client.stage, *[stage for f, t, _r in changes for stage in (f, t)])
    drops = [r for _f, t, r in changes if t == Stage.DROPPED]
    reason = drops[-1] if client.stage == Stage.DROPPED and drops else ""
    Client.objects.filter(pk=client.pk).update(furthest_stage=reached, drop_reason=reason)
    client.furthest_stage, client.drop_reason = reached, reason
