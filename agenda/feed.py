"""A person's calendar feed (iCalendar): their open tasks as all-day events on the day they ask for attention,
and their planned visits (as the one who goes or a colleague going along) at their time, so both show in the
phone's calendar. A planned return visit, a task too, appears once: as the visit."""

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from accounts.models import User
from visits.models import PlanStatus, VisitKind, VisitPlan

from .display import link_of
from .models import Task, TaskKind, TaskStatus

PAST = datetime.timedelta(days=30)
AHEAD = datetime.timedelta(days=180)
MOST = 500  # events of each sort; a feed stays small whatever the history
VISIT_LENGTH = datetime.timedelta(hours=1)


def _event(uid: str, summary: str, *, start, end, url: str = "", description: str = "", location: str = ""):
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now())
    event.add("summary", summary)
    event.add("dtstart", start)
    event.add("dtend", end)
    if url:
        event.add("url", url)
    if description:
        event.add("description", description)
    if location:
        event.add("location", location)
    return event


def calendar_of(user: User, *, today: datetime.date, absolute) -> bytes:
    """The feed's body. `absolute(path)` makes a link absolute (the request's host)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Lantou//Tasks and visits//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Lantou · %(name)s") % {"name": user})
    host = absolute("/").split("//", 1)[-1].strip("/") or "lantou"
    one_day = datetime.timedelta(days=1)
    tasks = (
        Task.objects.filter(
            assignee=user, status=TaskStatus.OPEN, show_on__range=(today - PAST, today + AHEAD)
        )
        .exclude(kind=TaskKind.RETURN_VISIT)
        .select_related("client", "area", "station")
        .order_by("show_on", "pk")[:MOST]
    )
    for task in tasks:
        calendar.add_component(
            _event(
                f"task-{task.pk}@{host}",
                task.display_title,
                start=task.show_on,
                end=task.show_on + one_day,
                url=absolute(link_of(task)),
                description=str(TaskKind(task.kind).label),
            )
        )
    visits = (
        VisitPlan.objects.filter(
            Q(assignee=user) | Q(companions=user),
            status=PlanStatus.PLANNED,
            planned_for__range=(today - PAST, today + AHEAD),
        )
        .select_related("client", "client__station")
        .distinct()
        .order_by("planned_for", "pk")[:MOST]
    )
    for plan in visits:
        if plan.planned_time is not None:
            start = datetime.datetime.combine(
                plan.planned_for, plan.planned_time, tzinfo=plan.client.station.tz
            )
            end = start + VISIT_LENGTH
        else:
            start, end = plan.planned_for, plan.planned_for + one_day
        calendar.add_component(
            _event(
                f"visit-{plan.pk}@{host}",
                f"{VisitKind(plan.kind).label} · {plan.client.name}",
                start=start,
                end=end,
                url=absolute(reverse("visits:plan_detail", args=[plan.pk])),
                description=plan.key_points,
                location=plan.client.address,
            )
        )
    calendar.add_missing_timezones()
    return calendar.to_ical()
