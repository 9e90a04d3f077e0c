"""The rules that make tasks from the loop, in one table (RULES), and the run that applies them to a station.

Each rule says, for one station and business day, which tasks should exist (`make`) and which of its open tasks
have got what they asked for (`resolved`: the visit happened, the answer came, the contract was renewed). A run
closes what is resolved, makes what is missing, hands client tasks to the client's current owner, and escalates
what stayed overdue past the station's grace. New tasks carry a `rule_key` under a unique constraint: a rule run
twice, or by two workers at once, makes each task once, and a task once closed is never made again.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import CharField, Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils.translation import ngettext

from accounts.models import Role, Station, User
from accounts.services import notify
from pipeline.models import Client, Contract, Lead, Proposal, StageChange, TrialShipment
from pipeline.models.leads import LeadStatus
from pipeline.models.loop import ProposalStatus, Stage
from quota.calendar import is_working_day
from visits.models import PlanStatus, VisitKind, VisitPlan, VisitRecord

from .models import CloseReason, Task, TaskKind, TaskSettings, TaskStatus

# Tasks are made up to two weeks ahead, so that they reach the calendar feed in time; and for dates at most a
# month past, so that switching a rule on does not bury people in reminders of long-gone dates.
HORIZON = datetime.timedelta(days=14)
LOOKBACK = datetime.timedelta(days=30)
# Customers we maintain (signed): the high-level visits are for the biggest of them.
MAINTAINED = (Stage.CONTRACT, Stage.FOLLOW_UP, Stage.ARCHIVE)
# Tasks about a client that follow it to its current owner.
OWNER_KINDS = (
    TaskKind.NEXT_STEP,
    TaskKind.PROPOSAL_UNANSWERED,
    TaskKind.TRIAL_RESULTS,
    TaskKind.CONTRACT_ENDING,
    TaskKind.HIGH_LEVEL_VISIT,
    TaskKind.WIN_BACK,
)


@dataclass(frozen=True)
class Run:
    station: Station
    settings: TaskSettings
    on: datetime.date  # the station's business date
    now: datetime.datetime

    @property
    def first(self) -> datetime.date:
        return self.on - LOOKBACK

    @property
    def last(self) -> datetime.date:
        return self.on + HORIZON

    def start_of(self, day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(), tzinfo=self.station.tz)

    def local_date(self, instant: datetime.datetime) -> datetime.date:
        return self.station.local_date(instant)

    @property
    def day_over(self) -> bool:
        """The working day has ended at the station (its end-of-day hour, local time, has passed)."""
        return self.now.astimezone(self.station.tz).hour >= self.settings.day_end_hour

    def task(
        self,
        *,
        kind,
        key,
        due_on,
        assignee_id,
        client_id=None,
        source_id=None,
        since=None,
        detail="",
        area_id=None,
    ):
        return Task(
            kind=kind,
            rule_key=f"{kind}:{key}",
            station=self.station,
            area_id=area_id,
            client_id=client_id,
            assignee_id=assignee_id,
            due_on=due_on,
            show_on=due_on,
            source_id=source_id,
            since=since,
            detail=(detail or "")[:300],
        )


def _new(qs, kind: str, suffix: str = ""):
    """`qs` less the rows a task of `kind` was made for already: their rule key (`<kind>:<pk><suffix>`, as
    `Run.task` writes it) built in the query, so that a run finds only what is new (the unique index answers)."""
    key = Concat(Value(f"{kind}:"), Cast("pk", CharField()), Value(suffix), output_field=CharField())
    # `~Q(rule_key="")` repeats the unique index's condition, so that PostgreSQL may use that (partial) index.
    made = Task.objects.filter(~Q(rule_key=""), rule_key=OuterRef("task_key"))
    return qs.annotate(task_key=key).exclude(Exists(made))


def _live(prefix: str = "client__") -> Q:
    """A client still in play: not merged into another, not dropped."""
    return Q(**{f"{prefix}merged_into__isnull": True}) & ~Q(**{f"{prefix}stage": Stage.DROPPED})


# --- The rules ----------------------------------------------------------------------------------------------------


def _next_steps(run: Run) -> Iterable[Task]:
    later = VisitRecord.objects.filter(client=OuterRef("client"), visited_at__gt=OuterRef("visited_at"))
    rows = (
        _new(VisitRecord.objects, TaskKind.NEXT_STEP)
        .filter(client__station=run.station, next_step_on__range=(run.first, run.last))
        .filter(_live())
        .exclude(Exists(later))
        .values_list(
            "pk", "client_id", "client__owner_id", "by_id", "next_step_on", "visited_at", "next_step"
        )
    )
    for pk, client_id, owner_id, by_id, due_on, visited_at, next_step in rows:
        yield run.task(
            kind=TaskKind.NEXT_STEP,
            key=pk,
            source_id=pk,
            client_id=client_id,
            assignee_id=owner_id or by_id,
            due_on=due_on,
            since=visited_at,
            detail=next_step,
        )


def _next_step_resolved() -> Q:
    # Any visit after the one that agreed the step is the follow-up it asked for.
    return Q(
        Exists(VisitRecord.objects.filter(client_id=OuterRef("client_id"), visited_at__gt=OuterRef("since")))
    )


def _proposals(run: Run) -> Iterable[Task]:
    days = datetime.timedelta(days=run.settings.proposal_days)
    newer = Proposal.objects.filter(client=OuterRef("client"), version__gt=OuterRef("version"))
    rows = (
        _new(Proposal.objects, TaskKind.PROPOSAL_UNANSWERED)
        .filter(
            client__station=run.station,
            status=ProposalStatus.SENT,
            sent_at__gte=run.start_of(run.first - days),
            sent_at__lt=run.start_of(run.last - days + datetime.timedelta(days=1)),
        )
        .filter(_live())
        .exclude(Exists(newer))
        .values_list("pk", "client_id", "client__owner_id", "by_id", "sent_at", "version", "title")
    )
    for pk, client_id, owner_id, by_id, sent_at, version, title in rows:
        yield run.task(
            kind=TaskKind.PROPOSAL_UNANSWERED,
            key=pk,
            source_id=pk,
            client_id=client_id,
            assignee_id=owner_id or by_id,
            due_on=run.local_date(sent_at) + days,
            since=sent_at,
            detail=f"{title} v{version}",
        )


def _proposal_resolved() -> Q:
    # Answered (accepted, declined, or taken back to draft), or replaced by a newer version.
    still_sent = Proposal.objects.filter(pk=OuterRef("source_id"), status=ProposalStatus.SENT)
    version = Proposal.objects.filter(pk=OuterRef(OuterRef("source_id"))).values("version")[:1]
    newer = Proposal.objects.filter(client_id=OuterRef("client_id"), version__gt=Subquery(version))
    return ~Q(Exists(still_sent)) | Q(Exists(newer))


def _trials(run: Run) -> Iterable[Task]:
    days = datetime.timedelta(days=run.settings.trial_days)
    rows = (
        _new(TrialShipment.objects, TaskKind.TRIAL_RESULTS)
        .filter(
            client__station=run.station,
            on_time_count__isnull=True,
            sent_on__range=(run.first - days, run.last - days),
        )
        .filter(_live())
        .values_list("pk", "client_id", "client__owner_id", "by_id", "sent_on")
    )
    for pk, client_id, owner_id, by_id, sent_on in rows:
        yield run.task(
            kind=TaskKind.TRIAL_RESULTS,
            key=pk,
            source_id=pk,
            client_id=client_id,
            assignee_id=owner_id or by_id,
            due_on=sent_on + days,
            detail=sent_on.isoformat(),
        )


def _trial_resolved() -> Q:
    return ~Q(Exists(TrialShipment.objects.filter(pk=OuterRef("source_id"), on_time_count__isnull=True)))


def _contracts(run: Run) -> Iterable[Task]:
    renewed = Contract.objects.filter(client=OuterRef("client"), ends_on__gt=OuterRef("ends_on"))
    # Keyed by the reminder's place (first, second) rather than its days, so a changed interval makes no twin.
    for place, days in ((1, run.settings.contract_first_days), (2, run.settings.contract_second_days)):
        notice = datetime.timedelta(days=days)
        rows = (
            _new(Contract.objects, TaskKind.CONTRACT_ENDING, f":{place}")
            .filter(client__station=run.station, ends_on__range=(run.first + notice, run.last + notice))
            .filter(_live())
            .exclude(Exists(renewed))
            .values_list("pk", "client_id", "client__owner_id", "by_id", "ends_on")
        )
        for pk, client_id, owner_id, by_id, ends_on in rows:
            yield run.task(
                kind=TaskKind.CONTRACT_ENDING,
                key=f"{pk}:{place}",
                source_id=pk,
                client_id=client_id,
                assignee_id=owner_id or by_id,
                due_on=ends_on - notice,
                detail=ends_on.isoformat(),
            )


def _contract_resolved() -> Q:
    # Renewed: the client has a contract running past this one's end.
    ends_on = Contract.objects.filter(pk=OuterRef(OuterRef("source_id"))).values("ends_on")[:1]
    return Q(Exists(Contract.objects.filter(client_id=OuterRef("client_id"), ends_on__gt=Subquery(ends_on))))


def _return_visits(run: Run) -> Iterable[Task]:
    # visits/services.py plans each maintained client's next return visit by its tier's cadence (and people plan
    # others by hand); the task is the planned return visit on its assignee's list, done when the plan is
    # (recording the visit marks it done) or cancelled.
    rows = (
        _new(VisitPlan.objects, TaskKind.RETURN_VISIT)
        .filter(
            client__station=run.station,
            kind=VisitKind.RETURN,
            status=PlanStatus.PLANNED,
            planned_for__range=(run.first, run.last),
        )
        .filter(_live())
        .values_list("pk", "client_id", "assignee_id", "planned_for")
    )
    for pk, client_id, assignee_id, planned_for in rows:
        yield run.task(
            kind=TaskKind.RETURN_VISIT,
            key=pk,
            source_id=pk,
            client_id=client_id,
            assignee_id=assignee_id,
            due_on=planned_for,
        )


def _return_visit_resolved() -> Q:
    return ~Q(Exists(VisitPlan.objects.filter(pk=OuterRef("source_id"), status=PlanStatus.PLANNED)))


def period_of(day: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """The block of `months` months (counted from January) that holds `day`: its first and last day."""
    first_month = (day.month - 1) // months * months + 1
    start = datetime.date(day.year, first_month, 1)
    end_month = first_month + months
    end = datetime.date(day.year + (end_month > 12), (end_month - 1) % 12 + 1, 1) - datetime.timedelta(days=1)
    return start, end


def _high_level_visits(run: Run) -> Iterable[Task]:
    start, end = period_of(run.on, run.settings.high_level_months)
    since = run.start_of(start)
    visited = VisitRecord.objects.filter(
        client=OuterRef("pk"), kind=VisitKind.HIGH_LEVEL, visited_at__gte=since
    )
    rows = (
        _new(Client.objects.active(), TaskKind.HIGH_LEVEL_VISIT, f":{start.isoformat()}")
        .filter(station=run.station, tier="A", stage__in=MAINTAINED, owner__isnull=False)
        .exclude(Exists(visited))
        .values_list("pk", "owner_id")
    )
    for client_id, owner_id in rows:
        yield run.task(
            kind=TaskKind.HIGH_LEVEL_VISIT,
            key=f"{client_id}:{start.isoformat()}",
            source_id=client_id,
            client_id=client_id,
            assignee_id=owner_id,
            due_on=end,
            since=since,
            detail=end.isoformat(),
        )


def _high_level_resolved() -> Q:
    visited = VisitRecord.objects.filter(
        client_id=OuterRef("client_id"), kind=VisitKind.HIGH_LEVEL, visited_at__gte=OuterRef("since")
    )
    return Q(Exists(visited))


def _high_level_obsolete() -> Q:
    # No longer an A-tier customer we maintain.
    return ~Q(client__tier="A") | ~Q(client__stage__in=MAINTAINED)


def _win_backs(run: Run) -> Iterable[Task]:
    days = datetime.timedelta(days=run.settings.win_back_days)
    later = StageChange.objects.filter(client=OuterRef("client"), at__gt=OuterRef("at"))
    rows = (
        _new(StageChange.objects, TaskKind.WIN_BACK)
        .filter(
            client__station=run.station,
            client__stage=Stage.DROPPED,
            client__merged_into__isnull=True,
            to_stage=Stage.DROPPED,
            at__gte=run.start_of(run.first - days),
            at__lt=run.start_of(run.last - days + datetime.timedelta(days=1)),
        )
        .exclude(Exists(later))
        .values_list("pk", "client_id", "client__owner_id", "by_id", "client__collected_by_id", "at")
    )
    for pk, client_id, owner_id, by_id, collector_id, at in rows:
        assignee = owner_id or by_id or collector_id
        if assignee is None:
            continue
        dropped_on = run.local_date(at)
        yield run.task(
            kind=TaskKind.WIN_BACK,
            key=pk,
            source_id=pk,
            client_id=client_id,
            assignee_id=assignee,
            due_on=dropped_on + days,
            since=at,
            detail=dropped_on.isoformat(),
        )


def _win_back_resolved() -> Q:
    # Re-opened: the client is back in the loop.
    return Q(Exists(Client.objects.filter(pk=OuterRef("client_id")).exclude(stage=Stage.DROPPED)))


def _unreviewed_leads(run: Run) -> Iterable[Task]:
    """At the end of a working day, for each area with leads still waiting for review: a task for its area
    marketers (its area manager when it has none, the station master for leads of no area). Overdue, it goes to
    their manager after the station's `leads_escalate_days` (the area manager, then the station master)."""
    if not run.day_over or not is_working_day(run.station, run.on):
        return
    waiting = dict(
        Lead.objects.filter(station=run.station, status=LeadStatus.SUBMITTED, collected_on__lte=run.on)
        .values_list("area_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    if not waiting:
        return
    reviewers = list(
        User.objects.filter(
            station=run.station,
            is_active=True,
            role__in=[Role.AREA_MARKETER, Role.AREA_MANAGER, Role.STATION_MASTER],
        )
        .order_by("pk")
        .values_list("pk", "role", "area_id")
    )
    masters = [pk for pk, role, _area in reviewers if role == Role.STATION_MASTER]
    for area_id, n in waiting.items():
        chosen = []
        if area_id is not None:
            for role in (Role.AREA_MARKETER, Role.AREA_MANAGER):
                chosen = [pk for pk, r, a in reviewers if r == role and a == area_id]
                if chosen:
                    break
        for assignee in chosen or masters:
            yield run.task(
                kind=TaskKind.LEADS_UNREVIEWED,
                key=f"{area_id or '-'}:{run.on.isoformat()}:{assignee}",
                area_id=area_id,
                assignee_id=assignee,
                due_on=run.on,
                detail=str(n),
            )


def _leads_resolved() -> Q:
    left = Lead.objects.filter(status=LeadStatus.SUBMITTED, collected_on__lte=OuterRef("due_on"))
    in_area = left.filter(area_id=OuterRef("area_id"))
    of_no_area = left.filter(station_id=OuterRef("station_id"), area__isnull=True)
    return (Q(area__isnull=False) & ~Q(Exists(in_area))) | (Q(area__isnull=True) & ~Q(Exists(of_no_area)))


@dataclass(frozen=True)
class Rule:
    kind: str
    switch: str  # the TaskSettings field that turns it on
    make: Callable[[Run], Iterable[Task]]
    resolved: Callable[[], Q]  # over Task: its open tasks whose ask has happened
    obsolete: Callable[[], Q] | None = None  # over Task: its open tasks that no longer apply


RULES = [
    Rule(TaskKind.NEXT_STEP, "next_step", _next_steps, _next_step_resolved),
    Rule(TaskKind.PROPOSAL_UNANSWERED, "proposal", _proposals, _proposal_resolved),
    Rule(TaskKind.TRIAL_RESULTS, "trial", _trials, _trial_resolved),
    Rule(TaskKind.CONTRACT_ENDING, "contract", _contracts, _contract_resolved),
    Rule(TaskKind.RETURN_VISIT, "return_visit", _return_visits, _return_visit_resolved),
    Rule(
        TaskKind.HIGH_LEVEL_VISIT,
        "high_level",
        _high_level_visits,
        _high_level_resolved,
        _high_level_obsolete,
    ),
    Rule(TaskKind.WIN_BACK, "win_back", _win_backs, _win_back_resolved),
    Rule(TaskKind.LEADS_UNREVIEWED, "leads_review", _unreviewed_leads, _leads_resolved),
]


# --- The run ------------------------------------------------------------------------------------------------------


def settings_for(station: Station) -> TaskSettings:
    """The station's task settings; the defaults (unsaved) until its master changes them."""
    return TaskSettings.objects.filter(station=station).first() or TaskSettings(station=station)


def _close(tasks, *, reason: str, now) -> int:
    return tasks.update(status=TaskStatus.DONE, close_reason=reason, closed_at=now)


def close_finished(run: Run) -> dict:
    """Close the station's open tasks whose ask has happened, or that no longer apply."""
    open_tasks = Task.objects.filter(station=run.station, status=TaskStatus.OPEN)
    resolved = obsolete = 0
    for rule in RULES:
        of_rule = open_tasks.filter(kind=rule.kind)
        resolved += _close(of_rule.filter(rule.resolved()), reason=CloseReason.RESOLVED, now=run.now)
        gone = Q(pk__in=[])
        if not getattr(run.settings, rule.switch):
            gone = Q(pk__isnull=False)  # the station switched the rule off
        if rule.obsolete is not None:
            gone |= rule.obsolete()
        obsolete += _close(of_rule.filter(gone), reason=CloseReason.OBSOLETE, now=run.now)
    # A client dropped or merged away: its reminders no longer apply (winning it back is a task of its own).
    obsolete += _close(
        open_tasks.filter(kind__in=[r.kind for r in RULES if r.kind != TaskKind.WIN_BACK]).filter(
            Q(client__stage=Stage.DROPPED) | Q(client__merged_into__isnull=False)
        ),
        reason=CloseReason.OBSOLETE,
        now=run.now,
    )
    # The second reminder of a contract's end replaces the first.
    later = Task.objects.filter(
        kind=TaskKind.CONTRACT_ENDING, source_id=OuterRef("source_id"), due_on__gt=OuterRef("due_on")
    )
    obsolete += _close(
        open_tasks.filter(kind=TaskKind.CONTRACT_ENDING).filter(Exists(later)),
        reason=CloseReason.OBSOLETE,
        now=run.now,
    )
    return {"resolved": resolved, "obsolete": obsolete}


def make_missing(run: Run) -> int:
    """Insert the tasks the station's rules ask for that were never made; returns how many were new."""
    wanted = {}
    for rule in RULES:
        if getattr(run.settings, rule.switch):
            for task in rule.make(run):
                if task.assignee_id is not None:
                    wanted.setdefault(task.rule_key, task)
    if not wanted:
        return 0
    existing = set(Task.objects.filter(rule_key__in=list(wanted)).values_list("rule_key", flat=True))
    active = set(
        User.objects.filter(pk__in={t.assignee_id for t in wanted.values()}, is_active=True).values_list(
            "pk", flat=True
        )
    )
    new = [t for key, t in wanted.items() if key not in existing and t.assignee_id in active]
    # A concurrent run may insert some of them first: the unique constraint keeps one of each.
    Task.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def follow_owners(run: Run) -> int:
    """Hand the open client tasks to the client's current owner when it changed."""
    owner = Client.objects.filter(pk=OuterRef("client_id")).order_by().values("owner_id")[:1]
    return (
        Task.objects.filter(
            station=run.station,
            status=TaskStatus.OPEN,
            kind__in=OWNER_KINDS,
            client__owner__isnull=False,
            client__owner__is_active=True,
        )
        .exclude(assignee_id=F("client__owner_id"))
        .update(assignee_id=Subquery(owner), escalated_to=None, escalated_at=None)
    )


def escalate_overdue(run: Run) -> int:
    """Hand the tasks still open a grace period after they were due to the assignee's manager, at the end of that
    day: the manager sees them on their day and list, and gets one notification (and e-mail) per run saying whose.
    A task made already overdue (a rule switched on, a record entered late) gets its whole grace from the day it
    was made, so switching a rule on does not flood the managers."""
    settings = run.settings
    slack = 0 if run.day_over else 1  # at the end of the day, that day counts as passed
    cutoffs = {
        True: run.on - datetime.timedelta(days=settings.leads_escalate_days + slack),
        False: run.on - datetime.timedelta(days=settings.escalate_days + slack),
    }
    one_day = datetime.timedelta(days=1)

    def overdue_by(cutoff: datetime.date) -> Q:
        return Q(show_on__lte=cutoff, created_at__lt=run.start_of(cutoff + one_day))

    overdue = Task.objects.filter(
        station=run.station, status=TaskStatus.OPEN, escalated_at__isnull=True
    ).filter(
        (Q(kind=TaskKind.LEADS_UNREVIEWED) & overdue_by(cutoffs[True]))
        | (~Q(kind=TaskKind.LEADS_UNREVIEWED) & overdue_by(cutoffs[False]))
    )
    handed = defaultdict(list)  # manager -> [(assignee, tasks)]
    for assignee in User.objects.filter(pk__in=overdue.values("assignee_id")).order_by("pk"):
        manager = User.objects.managers_of(assignee).first()
        if manager is None:
            continue
        # Conditional on `escalated_at`: of two runs at once, each task goes once.
        n = overdue.filter(assignee=assignee).update(escalated_to=manager, escalated_at=run.now)
        if n:
            handed[manager].append((assignee, n))
    for manager, people in handed.items():
        total = sum(n for _person, n in people)
        who = ", ".join(str(person) for person, _n in people[:3]) + ("…" if len(people) > 3 else "")
        notify(
            recipient=manager,
            kind="task_escalated",
            message=ngettext(
                "%(n)s overdue task came to you (%(who)s).",
                "%(n)s overdue tasks came to you (%(who)s).",
                total,
            )
            % {"n": total, "who": who},
            link=reverse("home"),
            dedupe_key=f"tasks-escalated:{run.station.pk}:{run.now.isoformat()}",
            email=True,
        )
    return sum(n for people in handed.values() for _person, n in people)


def sync_station(*, station: Station, on: datetime.date, now: datetime.datetime) -> dict:
    """One run of every rule at `station` for its business date `on` at the instant `now`; safe to repeat."""
    run = Run(station=station, settings=settings_for(station), on=on, now=now)
    made = make_missing(run)
    # Closing after making: a new task may replace an older one (a contract's second reminder its first).
    result = {"made": made, "reassigned": follow_owners(run), **close_finished(run)}
    result["escalated"] = escalate_overdue(run)
    return result
