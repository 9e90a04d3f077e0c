"""Reads for the quota pages: one person's quota (today, streaks, the month) and the flags awaiting someone."""

import calendar as pycalendar
import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Role, User
from accounts.roles import QUOTA_ROLES

from .calendar import station_calendar
from .models import DailyTally, FlagStatus, Leave, QuotaFlag

STREAK_LOOKBACK = 370  # evaluated working days read to count a streak of days met


class DayState:
    MET = "met"
    MISSED = "missed"
    REST = "rest"
    LEAVE = "leave"
    NOT_COUNTED = "not_counted"  # before joining or before the rule applied, or not on the quota that day
    PENDING = "pending"  # finished but not evaluated yet
    TODAY = "today"
    FUTURE = "future"


@dataclass
class MonthDay:
    day: datetime.date
    state: str
    leads: int = 0
    note: str = ""


@dataclass
class PersonQuota:
    person: object
    today: datetime.date
    quota: int
    today_counted: int
    today_working: bool
    today_note: str
    on_leave_today: bool
    reminder_due: bool
    met_streak: int
    miss_streak: int
    missed_since: datetime.date | None
    month: datetime.date
    weeks: list = field(default_factory=list)  # lists of 7 MonthDay | None, Monday first
    met_days: int = 0
    missed_days: int = 0
    flags: list = field(default_factory=list)

    @property
    def previous_month(self) -> datetime.date:
        return (self.month - datetime.timedelta(days=1)).replace(day=1)

    @property
    def next_month(self) -> datetime.date | None:
        following = (self.month + datetime.timedelta(days=32)).replace(day=1)
        return following if following <= self.today else None


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    return first, first.replace(day=pycalendar.monthrange(first.year, first.month)[1])


def person_quota(person, *, now: datetime.datetime, month: datetime.date | None = None) -> PersonQuota:
    """Today, the streaks and one month of a person on the quota, in a fixed handful of queries."""
    from .calendar import settings_for

    station = person.station
    quota_settings = settings_for(station)
    today = station.local_date(now)
    first, last = month_bounds(month or today)
    span_start = min(first, today)
    entries = {e.day: e for e in station_calendar(station, span_start, max(last, today))}
    tallies = {t.day: t for t in DailyTally.objects.filter(person=person, day__range=(first, last))}
    today_tally = tallies.get(today) or DailyTally.objects.filter(person=person, day=today).first()
    leaves = list(
        Leave.objects.filter(person=person, first_day__lte=max(last, today), last_day__gte=span_start)
    )

    def on_leave(day):
        return any(leave.first_day <= day <= leave.last_day for leave in leaves)

    def counted_by_rule(day):
        return day >= person.date_joined and day >= quota_settings.starts_on and person.role in QUOTA_ROLES

    month_days = []
    met_days = missed_days = 0
    for offset in range((last - first).days + 1):
        day = first + datetime.timedelta(days=offset)
        tally = tallies.get(day)
        entry = entries[day]
        leads = tally.leads if tally else 0
        if tally is not None and tally.evaluated_at is not None:
            if tally.working_day:
                state = DayState.MET if tally.met else DayState.MISSED
                met_days += bool(tally.met)
                missed_days += not tally.met
            elif not entry.working:
                state = DayState.REST
            elif on_leave(day):
                state = DayState.LEAVE
            else:
                state = DayState.NOT_COUNTED
        elif day > today:
            state = DayState.FUTURE if entry.working else DayState.REST
        elif not entry.working:
            state = DayState.REST
        elif on_leave(day):
            state = DayState.LEAVE
        elif not counted_by_rule(day):
            state = DayState.NOT_COUNTED
        elif day == today:
            state = DayState.TODAY
        else:
            state = DayState.PENDING
        month_days.append(MonthDay(day, state, leads, entry.note))
    weeks, week = [], [None] * first.weekday()
    for cell in month_days:
        week.append(cell)
        if len(week) == 7:
            weeks.append(week)
            week = []
    if week:
        weeks.append(week + [None] * (7 - len(week)))

    recent = list(
        DailyTally.objects.filter(person=person, working_day=True, evaluated_at__isnull=False)
        .order_by("-day")
        .values_list("met", "miss_streak", "missed_since")[:STREAK_LOOKBACK]
    )
    met_streak = 0
    for met, _streak, _since in recent:
        if not met:
            break
        met_streak += 1
    miss_streak, missed_since = (recent[0][1], recent[0][2]) if recent else (0, None)

    today_entry = entries[today]
    today_counted = today_tally.counted if today_tally else 0
    on_leave_today = on_leave(today)
    on_duty_today = today_entry.working and not on_leave_today and counted_by_rule(today)
    local_hour = timezone.localtime(now, station.tz).hour
    return PersonQuota(
        person=person,
        today=today,
        quota=quota_settings.quota_per_day,
        today_counted=today_counted,
        today_working=today_entry.working,
        today_note=today_entry.note or str(today_entry.reason_label),
        on_leave_today=on_leave_today,
        reminder_due=on_duty_today
        and local_hour >= quota_settings.reminder_hour
        and today_counted < quota_settings.quota_per_day,
        met_streak=met_streak,
        miss_streak=miss_streak or 0,
        missed_since=missed_since,
        month=first,
        weeks=weeks,
        met_days=met_days,
        missed_days=missed_days,
        flags=list(QuotaFlag.objects.filter(person=person).order_by("-last_missed_on")[:10]),
    )


def awaiting_q(user) -> Q | None:
    """The flags waiting for this user's step, or None when the role takes no step. Station masters also
    investigate the flags of areas without an area manager (the evaluation notifies them of those)."""
    if user.role == Role.AREA_MANAGER:
        return Q(status=FlagStatus.OPEN)
    if user.role in (Role.STATION_MASTER, Role.ADMIN):
        managed = User.objects.filter(area=OuterRef("area"), role=Role.AREA_MANAGER, is_active=True)
        return Q(status__in=[FlagStatus.INVESTIGATED, FlagStatus.ASSESSED]) | Q(
            ~Exists(managed), status=FlagStatus.OPEN
        )
    return None


def awaiting_count(user) -> int:
    q = awaiting_q(user)
    return 0 if q is None else QuotaFlag.objects.visible_to(user).filter(q).count()
