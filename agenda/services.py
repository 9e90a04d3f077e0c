"""Writes of tasks, of a station's task settings and of a person's calendar feed. Pages, the API, the admin and
the jobs call these; the rules' own run is agenda/rules.py."""

import datetime
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Station, User, today_for
from accounts.roles import TASK_RULE_KEEPERS
from pipeline.models import Client

from .models import CalendarFeed, CloseReason, Task, TaskKind, TaskSettings, TaskStatus

MAX_TITLE = 200
MAX_AHEAD = datetime.timedelta(days=366)  # a task due later than a year ahead is a typing mistake
MAX_SNOOZE = datetime.timedelta(days=90)


def assignable_by(user: User):
    """Whom `user` may give a task to: themself and the people they answer for, if active."""
    from django.db.models import Q

    return User.objects.filter(Q(pk=user.pk) | Q(pk__in=User.objects.managed_by(user).values("pk"))).filter(
        is_active=True
    )


def _require_visible(task: Task, by: User) -> None:
    if not Task.objects.visible_to(by).filter(pk=task.pk).exists():
        raise PermissionDenied(_("This task is outside your scope."))


@transaction.atomic
def task_create(
    *, by: User, title: str, assignee: User | None = None, due_on: datetime.date, client: Client | None = None
) -> Task:
    """A task by hand, for oneself or for one of one's people, about a client both may see (or none)."""
    assignee = assignee or by
    if not assignable_by(by).filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": _("You may give tasks only to yourself and to your people.")})
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Say what is to be done.")})
    if len(title) > MAX_TITLE:
        raise ValidationError({"title": _("At most %(max)s characters.") % {"max": MAX_TITLE}})
    if client is not None:
        if not Client.objects.visible_to(by).filter(pk=client.pk).exists():
            raise ValidationError({"client": _("Choose a client from your list.")})
        if not Client.objects.visible_to(assignee).filter(pk=client.pk).exists():
            raise ValidationError(
                {"client": _("%(person)s does not work on this client.") % {"person": assignee}}
            )
    today = today_for(assignee)
    if due_on is None:
        raise ValidationError({"due_on": _("Choose the day it is due.")})
    if due_on < today:
        raise ValidationError({"due_on": _("A new task is due today or later.")})
    if due_on > today + MAX_AHEAD:
        raise ValidationError({"due_on": _("A task is due at most a year ahead.")})
    task = Task(
        kind=TaskKind.MANUAL,
        title=title,
        station_id=client.station_id if client is not None else assignee.station_id,
        client=client,
        assignee=assignee,
        due_on=due_on,
        show_on=due_on,
        created_by=by,
    )
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def task_done(*, task: Task, by: User) -> Task:
    """Mark a task done. Marking it again changes nothing (a double tap on a phone)."""
    _require_visible(task, by)
    now = timezone.now()
    Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
        status=TaskStatus.DONE, close_reason=CloseReason.DONE, closed_at=now, closed_by=by
    )
    task.refresh_from_db()
    return task


@transaction.atomic
def task_snooze(*, task: Task, by: User, until: datetime.date) -> Task:
    """Hide an open task until `until` (a later day, at most 90 days ahead); it then shows as due that day."""
    _require_visible(task, by)
    today = today_for(task.assignee)
    if until is None:
        raise ValidationError({"until": _("Choose the day it should come back.")})
    if until <= today:
        raise ValidationError({"until": _("Snooze until a day after today.")})
    if until > today + MAX_SNOOZE:
        raise ValidationError({"until": _("A task is snoozed at most 90 days.")})
    show_on = max(until, task.due_on)
    if not Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
        snoozed_until=until, show_on=show_on
    ):
        raise ValidationError(_("This task is done already."))
    task.refresh_from_db()
    return task


# --- Station settings ------------------------------------------------------------------------------------------


def _require_rule_keeper(by: User, station: Station) -> None:
    if not (by.is_authenticated and by.role in TASK_RULE_KEEPERS):
        raise PermissionDenied(_("Only the station master and administrators set the task rules."))
    if not Station.objects.visible_to(by).filter(pk=station.pk).exists():
        raise PermissionDenied(_("This station is outside your scope."))


@transaction.atomic
def settings_update(*, by: User, station: Station, **fields) -> TaskSettings:
    _require_rule_keeper(by, station)
    current = TaskSettings.objects.select_for_update().filter(station=station).first()
    current = current or TaskSettings(station=station)
    for name, value in fields.items():
        setattr(current, name, value)
    current.updated_by = by
    if current.contract_second_days >= current.contract_first_days:
        raise ValidationError(
            {
                "contract_second_days": _(
                    "The second reminder comes after the first: fewer days before the end."
                )
            }
        )
    current.full_clean(exclude=["station"])
    current.save()
    return current


# --- Calendar feed -------------------------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_reset(*, user: User) -> str:
    """A new secret link for the person's calendar feed; the previous link stops working. Returns the secret,
    which is shown once (only its digest is kept)."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        user=user, defaults={"digest": _digest(token), "hint": token[-4:], "last_fetched_at": None}
    )
    return token


def feed_delete(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()


def feed_owner(token: str) -> User | None:
    """The active person whose feed `token` opens (and note when it was read), or None."""
    if not token or len(token) > 100:
        return None
    feed = CalendarFeed.objects.select_related("user", "user__station").filter(digest=_digest(token)).first()
    if feed is None or not feed.user.is_active:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())
    return feed.user
