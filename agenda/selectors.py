"""Reads of tasks: the list (page and API alike), a person's day, and the clients waiting longest in each step."""

import datetime

from django.db.models import Case, CharField, Count, F, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.models import Role, User
from pipeline.models import Client
from pipeline.models.loop import Stage
from visits.models import PlanStatus, VisitPlan

from .models import Task, TaskStatus

UPCOMING = datetime.timedelta(days=7)  # "coming up" on the day page
SHOWN = 30  # tasks per list on the day page (a phone screen or two); the task list has them all
SECTIONS = ("overdue", "due_today", "upcoming", "escalated")
# Steps in which a client waits for somebody to move it on (a signed client is maintained, not waiting).
WAITING_STAGES = [
    Stage.COLLECT,
    Stage.SCREEN,
    Stage.SURVEY,
    Stage.NEEDS,
    Stage.PROPOSAL,
    Stage.VISIT,
    Stage.TRIAL_SHIPMENT,
    Stage.CONTRACT,
]
WAITING_PER_STAGE = 3


class Status:
    """The status a task shows: `snoozed` is an open task hidden until a later day."""

    OPEN = "open"
    DONE = "done"
    SNOOZED = "snoozed"
    ALL = (OPEN, DONE, SNOOZED)


def status_of(task: Task, today: datetime.date) -> str:
    if task.status == TaskStatus.DONE:
        return Status.DONE
    if task.snoozed_until and task.snoozed_until > today:
        return Status.SNOOZED
    return Status.OPEN


def status_q(status: str, today: datetime.date) -> Q:
    if status == Status.DONE:
        return Q(status=TaskStatus.DONE)
    snoozed = Q(snoozed_until__gt=today)
    if status == Status.SNOOZED:
        return Q(status=TaskStatus.OPEN) & snoozed
    return Q(status=TaskStatus.OPEN) & ~snoozed


def task_list(
    user: User,
    *,
    today: datetime.date,
    assignee: User | int | None = None,
    status: str | None = None,
    due_before: datetime.date | None = None,
):
    """The tasks `user` may see, filtered; open ones first by the day they ask for attention."""
    qs = Task.objects.visible_to(user).select_related("client", "assignee", "area", "station", "escalated_to")
    if assignee is not None:
        qs = qs.filter(assignee=assignee)
    if status:
        qs = qs.filter(status_q(status, today))
    if due_before is not None:
        qs = qs.filter(due_on__lt=due_before)
    # Open ones first, by the day they ask for attention.
    return qs.order_by(Case(When(status=TaskStatus.OPEN, then=0), default=1), "show_on", "pk")


def day_of(user: User, *, today: datetime.date) -> dict:
    """What `user` has to do: overdue, today's and coming tasks (their own), those escalated to them, the visits
    planned for today, and the clients waiting longest in each step. Each list holds its first SHOWN tasks, with
    how many there are in all (`counts`); a fixed number of queries whatever the number of tasks."""
    section = Case(
        When(~Q(assignee=user), then=Value("escalated")),
        When(show_on__lt=today, then=Value("overdue")),
        When(show_on=today, then=Value("due_today")),
        default=Value("upcoming"),
        output_field=CharField(),
    )
    open_tasks = Task.objects.filter(Q(assignee=user) | Q(escalated_to=user), status=TaskStatus.OPEN).filter(
        show_on__lte=today + UPCOMING
    )
    counts = dict.fromkeys(SECTIONS, 0)
    counts.update(
        open_tasks.annotate(section=section).values_list("section").annotate(n=Count("pk")).order_by()
    )
    shown = (
        open_tasks.annotate(
            section=section,
            place=Window(RowNumber(), partition_by=[section], order_by=[F("show_on").asc(), F("pk").asc()]),
        )
        .filter(place__lte=SHOWN)
        .select_related("client", "area", "station", "assignee")
        .order_by("show_on", "pk")
    )
    lists = {name: [] for name in SECTIONS}
    for task in shown:
        task.days_late = (today - task.show_on).days
        lists[task.section].append(task)
    visits = list(
        VisitPlan.objects.filter(
            Q(assignee=user) | Q(companions=user), status=PlanStatus.PLANNED, planned_for=today
        )
        .select_related("client")
        .distinct()
        .order_by(F("planned_time").asc(nulls_last=True), "pk")
    )
    return {
        "today": today,
        **lists,
        "counts": counts,
        "visits": visits,
        "waiting": waiting_clients(user, today=today),
    }


def waiting_clients(user: User, *, today: datetime.date) -> list[dict]:
    """Per step, the clients that have been in it longest: a key-account manager's own clients, an area
    marketer's area's. [{stage, label, clients: [client with `rank`]}] in the loop's order, empty steps left out."""
    clients = Client.objects.active().filter(stage__in=WAITING_STAGES)
    if user.role == Role.KEY_ACCOUNT_MANAGER:
        clients = clients.filter(owner=user)
    elif user.role == Role.AREA_MARKETER and user.area_id:
        clients = clients.filter(area_id=user.area_id)
    else:
        return []
    ranked = (
        clients.annotate(
            rank=Window(
                RowNumber(), partition_by=[F("stage")], order_by=[F("stage_entered_at").asc(), F("pk").asc()]
            )
        )
        .filter(rank__lte=WAITING_PER_STAGE)
        .only("pk", "name", "stage", "stage_entered_at")
    )
    by_stage = {}
    for client in ranked:
        client.days_waiting = max(0, (today - timezone.localdate(client.stage_entered_at)).days)
        by_stage.setdefault(client.stage, []).append(client)
    return [
        {
            "stage": stage,
            "label": Stage(stage).label,
            "clients": sorted(by_stage[stage], key=lambda c: c.rank),
        }
        for stage in WAITING_STAGES
        if stage in by_stage
    ]
