"""Writes of the quota app that people make: the flag's steps, the station calendar, leave, the settings, and the
afternoon reminder. The evaluation itself lives in quota.evaluation."""

import datetime

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Value
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Notification, Role, Station, User
from accounts.roles import ASSESSORS, CALENDAR_KEEPERS, FLAG_INVESTIGATORS, LEAVE_KEEPERS, QUOTA_ROLES
from accounts.services import notify
from outbox.events import event_record

from .calendar import calendar_entry, settings_for
from .evaluation import _insert_select, counting_leads, flag_event_data, last_evaluated_day, on_duty_people
from .models import (
    CLOSED_FLAG_STATUSES,
    CalendarDay,
    DailyTally,
    FlagEvent,
    FlagEventKind,
    FlagStatus,
    Leave,
    QuotaFlag,
    QuotaSettings,
    StationDay,
)

NOTE_MAX = 2000
LEAVE_MAX_DAYS = 366


# --- The flag's steps ------------------------------------------------------------------------------------------


def _clean_note(note: str | None) -> str:
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write a note: it is kept with the flag.")})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("Keep the note under %(n)s characters.") % {"n": NOTE_MAX}})
    return note


def _step(
    *, flag: QuotaFlag, by: User, roles, expected, to: str, kind: str, note: str, event: str = "", **changes
):
    expected = (expected,) if isinstance(expected, str) else tuple(expected)
    if by.role not in roles:
        raise PermissionDenied(_("Your role may not take this step."))
    note = _clean_note(note)
    now = timezone.now()
    with transaction.atomic():
        # Conditional update: of two people acting at once only one moves the flag; the other is told why.
        moved = QuotaFlag.objects.filter(pk=flag.pk, status__in=expected).update(
            status=to, updated_at=now, **changes
        )
        if not moved:
            current = QuotaFlag.objects.filter(pk=flag.pk).values_list("status", flat=True).first()
            raise ValidationError(
                _("This flag is %(status)s; this step needs it to be %(expected)s.")
                % {
                    "status": FlagStatus(current).label if current else "—",
                    "expected": " / ".join(str(FlagStatus(e).label) for e in expected),
                }
            )
        FlagEvent.objects.create(flag=flag, kind=kind, by=by, note=note, at=now, **changes)
        flag.refresh_from_db()
        if event:
            event_record(type=event, data={**flag_event_data(flag), "by": by.pk}, station_id=flag.station_id)
    return flag


def _flag_url(flag) -> str:
    return reverse("quota:flag", args=[flag.pk])


def _person_name(person) -> str:
    return person.display_name or person.username


def flag_investigate(*, flag: QuotaFlag, by: User, note: str) -> QuotaFlag:
    """The area manager's investigation note; the flag then goes to the station master for assessment."""
    flag = _step(
        flag=flag,
        by=by,
        roles=FLAG_INVESTIGATORS,
        expected=FlagStatus.OPEN,
        to=FlagStatus.INVESTIGATED,
        kind=FlagEventKind.INVESTIGATED,
        note=note,
    )
    with translation.override(django_settings.LANGUAGE_CODE):
        message = _(
            "%(person)s's miss flag (%(days)s working days) was investigated and awaits your assessment."
        ) % {
            "person": _person_name(flag.person),
            "days": flag.days_missed,
        }
    for master in User.objects.filter(station=flag.station_id, role=Role.STATION_MASTER, is_active=True):
        notify(
            recipient=master,
            kind="quota_flag",
            message=message,
            link=_flag_url(flag),
            dedupe_key=f"quota_flag:{flag.pk}:investigated",
            email=True,
        )
    return flag


def flag_assess(*, flag: QuotaFlag, by: User, penalty: bool, note: str) -> QuotaFlag:
    """The station master's assessment: a penalty or none, with the reasons."""
    if penalty is None:
        raise ValidationError({"penalty": _("Say whether a penalty applies.")})
    return _step(
        flag=flag,
        by=by,
        roles=ASSESSORS,
        expected=FlagStatus.INVESTIGATED,
        to=FlagStatus.ASSESSED,
        kind=FlagEventKind.ASSESSED,
        note=note,
        penalty=bool(penalty),
    )


def flag_resolve(*, flag: QuotaFlag, by: User, note: str) -> QuotaFlag:
    """Close a flag with a note. Normally after the investigation and the assessment (the penalty, if any, has
    been applied); a station master may also close it earlier (a mistake, a justified absence) — the history
    then shows the steps that were skipped."""
    if flag.status == FlagStatus.RESOLVED:
        raise ValidationError(_("This flag is already resolved."))
    if flag.status == FlagStatus.WITHDRAWN:
        raise ValidationError(_("This flag was withdrawn: the days it rested on were met after all."))
    return _step(
        flag=flag,
        by=by,
        roles=ASSESSORS,
        expected=(FlagStatus.OPEN, FlagStatus.INVESTIGATED, FlagStatus.ASSESSED),
        to=FlagStatus.RESOLVED,
        kind=FlagEventKind.RESOLVED,
        note=note,
        event="flag.resolved",
    )


def actions_for(flag: QuotaFlag, user: User) -> set[str]:
    """The steps `user` may take on `flag` now (the pages show only those forms)."""
    steps = set()
    if flag.status == FlagStatus.OPEN and user.role in FLAG_INVESTIGATORS:
        steps.add("investigate")
    if flag.status == FlagStatus.INVESTIGATED and user.role in ASSESSORS:
        steps.add("assess")
    if flag.status not in CLOSED_FLAG_STATUSES and user.role in ASSESSORS:
        steps.add("resolve")
    return steps


# --- Evaluated days are final ------------------------------------------------------------------------------------


def _evaluated_station_days(station, first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return list(
        StationDay.objects.filter(
            station=station, day__range=(first, last), evaluated_at__isnull=False
        ).values_list("day", flat=True)
    )


def _refuse_evaluated(days: list[datetime.date], field: str) -> None:
    if days:
        raise ValidationError(
            {
                field: _(
                    "%(day)s has already been evaluated and its verdict is final. Explain the circumstances "
                    "on the flag instead."
                )
                % {"day": min(days).isoformat()}
            }
        )


# --- Station calendar and settings --------------------------------------------------------------------------------


def _require_station_keeper(by: User, station: Station, roles=CALENDAR_KEEPERS) -> None:
    if by.role not in roles:
        raise PermissionDenied(_("Only station masters and administrators change the station's calendar."))
    if by.role != Role.ADMIN and by.station_id != station.pk:
        raise PermissionDenied(_("You may change only your own station."))


def calendar_day_set(
    *, by: User, station: Station, day: datetime.date, working: bool, note: str = ""
) -> CalendarDay:
    """Mark a day as an extra rest day or an extra working day of the station."""
    _require_station_keeper(by, station)
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("Keep the note under %(n)s characters.") % {"n": 200}})
    with transaction.atomic():
        _refuse_evaluated(_evaluated_station_days(station, day, day), "day")
        entry, _created = CalendarDay.objects.update_or_create(
            station=station, day=day, defaults={"working": working, "note": note, "created_by": by}
        )
    return entry


def calendar_day_clear(*, by: User, station: Station, day: datetime.date) -> int:
    """Remove the station's exception for `day`: the day follows the default calendar again."""
    _require_station_keeper(by, station)
    with transaction.atomic():
        _refuse_evaluated(_evaluated_station_days(station, day, day), "day")
        deleted, _details = CalendarDay.objects.filter(station=station, day=day).delete()
    return deleted


SETTINGS_FIELDS = (
    "quota_per_day",
    "evaluation_hour",
    "reminder_hour",
    "working_weekdays",
    "statutory_holidays",
    "starts_on",
)


def settings_update(*, by: User, station: Station, **changes) -> QuotaSettings:
    """Change a station's quota settings; they apply to the days not evaluated yet."""
    _require_station_keeper(by, station)
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown settings: %(names)s") % {"names": ", ".join(sorted(unknown))})
    with transaction.atomic():
        current = settings_for(station)
        current = QuotaSettings.objects.select_for_update().get(pk=current.pk)
        if "working_weekdays" in changes:
            changes["working_weekdays"] = "".join(sorted(set(str(changes["working_weekdays"]))))
        for name, value in changes.items():
            setattr(current, name, value)
        current.full_clean(exclude=["station"])
        if not current.working_weekdays:
            raise ValidationError({"working_weekdays": _("Choose at least one working weekday.")})
        last = last_evaluated_day(station)
        if "starts_on" in changes and last is not None and current.starts_on <= last:
            raise ValidationError(
                {
                    "starts_on": _("Days up to %(day)s are already evaluated; the rule can only start later.")
                    % {"day": last.isoformat()}
                }
            )
        current.save()
    station._quota_settings_cache = current
    return current


# --- Leave -----------------------------------------------------------------------------------------------------


def _require_leave_keeper(by: User, person: User) -> None:
    if by.role not in LEAVE_KEEPERS:
        raise PermissionDenied(_("Only area managers, station masters and administrators record leave."))
    if not User.objects.visible_to(by).filter(pk=person.pk).exists():
        raise PermissionDenied(_("This person is not in your area or station."))


def leave_create(
    *, by: User, person: User, first_day: datetime.date, last_day: datetime.date, note: str = ""
) -> Leave:
    _require_leave_keeper(by, person)
    errors = {}
    if person.role not in QUOTA_ROLES:
        errors["person"] = _("Leave is recorded only for couriers and area marketers.")
    if last_day < first_day:
        errors["last_day"] = _("The last day cannot be before the first day.")
    elif (last_day - first_day).days + 1 > LEAVE_MAX_DAYS:
        errors["last_day"] = _("Record at most %(n)s days at once.") % {"n": LEAVE_MAX_DAYS}
    note = (note or "").strip()
    if len(note) > 200:
        errors["note"] = _("Keep the note under %(n)s characters.") % {"n": 200}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        evaluated = _evaluated_station_days(person.station_id, first_day, last_day)
        evaluated += list(
            DailyTally.objects.filter(
                person=person, day__range=(first_day, last_day), evaluated_at__isnull=False
            ).values_list("day", flat=True)
        )
        _refuse_evaluated(evaluated, "first_day")
        if Leave.objects.filter(person=person, first_day__lte=last_day, last_day__gte=first_day).exists():
            raise ValidationError(
                {"first_day": _("These days overlap leave already recorded for this person.")}
            )
        return Leave.objects.create(
            person=person, first_day=first_day, last_day=last_day, note=note, created_by=by
        )


def leave_delete(*, by: User, leave: Leave) -> None:
    _require_leave_keeper(by, leave.person)
    with transaction.atomic():
        evaluated = _evaluated_station_days(leave.person.station_id, leave.first_day, leave.last_day)
        evaluated += list(
            DailyTally.objects.filter(
                person=leave.person_id,
                day__range=(leave.first_day, leave.last_day),
                evaluated_at__isnull=False,
            ).values_list("day", flat=True)
        )
        _refuse_evaluated(evaluated, "first_day")
        leave.delete()


# --- The afternoon reminder ------------------------------------------------------------------------------------


def _lead_capture_url() -> str:
    try:
        return reverse("pipeline:lead_capture")
    except NoReverseMatch:
        return reverse("quota:mine")


def send_reminders(*, station: Station, day: datetime.date) -> int:
    """Remind everybody on duty at the station who has no lead yet on `day` (once per station and day).

    Returns how many people were reminded.
    """
    quota_settings = settings_for(station)
    entry = calendar_entry(station, day)
    now = timezone.now()
    with translation.override(django_settings.LANGUAGE_CODE):
        message = _("No lead recorded yet today (%(day)s). The quota is %(quota)s a working day.") % {
            "day": day.isoformat(),
            "quota": quota_settings.quota_per_day,
        }
    with transaction.atomic():
        StationDay.objects.bulk_create([StationDay(station=station, day=day)], ignore_conflicts=True)
        claimed = StationDay.objects.filter(station=station, day=day, reminded_at__isnull=True).update(
            reminded_at=now
        )
        if not claimed or not entry.working:
            return 0
        without_lead = on_duty_people(station, day).exclude(
            Exists(counting_leads(day).filter(collected_by=OuterRef("pk")))
        )
        return _insert_select(
            Notification,
            {
                "recipient": F("pk"),
                "kind": Value("quota_reminder"),
                "message": Value(message),
                "link": Value(_lead_capture_url()),
                "dedupe_key": Value(f"quota_reminder:{day.isoformat()}"),
                "created_at": Value(now),
            },
            without_lead,
        )
