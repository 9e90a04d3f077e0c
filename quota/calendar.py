"""Which days are working days at a station.

In order of precedence: the station's own exceptions (CalendarDay), then China's statutory holidays (rest) and
their make-up working days (调休, work) as published by the State Council and maintained in the
`chinesecalendar` package, then the station's working weekdays (Monday to Saturday by default).
"""

import datetime
from dataclasses import dataclass

from chinese_calendar.constants import holidays as STATUTORY_HOLIDAYS
from chinese_calendar.constants import workdays as MAKEUP_WORKDAYS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import CalendarDay, QuotaSettings

KNOWN_YEARS = range(min(STATUTORY_HOLIDAYS).year, max(STATUTORY_HOLIDAYS).year + 1)

HOLIDAY_NAMES = {
    "New Year's Day": pgettext_lazy("holiday", "New Year's Day"),
    "Spring Festival": pgettext_lazy("holiday", "Spring Festival"),
    "Tomb-sweeping Day": pgettext_lazy("holiday", "Tomb-sweeping Day"),
    "Labour Day": pgettext_lazy("holiday", "Labour Day"),
    "Dragon Boat Festival": pgettext_lazy("holiday", "Dragon Boat Festival"),
    "National Day": pgettext_lazy("holiday", "National Day"),
    "Mid-autumn Festival": pgettext_lazy("holiday", "Mid-autumn Festival"),
    "Anti-Fascist 70th Day": pgettext_lazy("holiday", "Victory Day (70th anniversary)"),
}


class Reason:
    WEEKDAY = "weekday"
    WEEKLY_REST = "weekly_rest"
    HOLIDAY = "holiday"
    MAKEUP = "makeup"
    STATION_REST = "station_rest"
    STATION_WORK = "station_work"


REASON_LABELS = {
    Reason.WEEKDAY: _("Working day"),
    Reason.WEEKLY_REST: _("Weekly rest day"),
    Reason.HOLIDAY: _("Statutory holiday"),
    Reason.MAKEUP: _("Make-up working day"),
    Reason.STATION_REST: _("Station rest day"),
    Reason.STATION_WORK: _("Station working day"),
}


@dataclass(frozen=True)
class CalendarEntry:
    day: datetime.date
    working: bool
    reason: str
    note: str = ""  # the holiday's name or the station's note

    @property
    def reason_label(self):
        return REASON_LABELS[self.reason]

    @property
    def short_label(self) -> str:
        """What a month grid cell shows: the holiday's name, "make-up day", or the station's note."""
        if self.reason == Reason.MAKEUP:
            return str(pgettext_lazy("calendar cell", "Make-up"))
        if self.reason in (Reason.WEEKDAY, Reason.WEEKLY_REST):
            return ""
        return self.note or str(self.reason_label)


def settings_for(station) -> QuotaSettings:
    """The station's quota settings, created with the defaults the first time they are needed.

    The rule then starts that day (the beat creates them within a quarter of an hour of a new station): on an
    organisation loaded with history, nobody is judged on days before the quota was set up.
    """
    cached = getattr(station, "_quota_settings_cache", None)
    if cached is not None:
        return cached
    settings, _created = QuotaSettings.objects.get_or_create(
        station=station, defaults={"starts_on": station.local_date()}
    )
    station._quota_settings_cache = settings
    return settings


def entry_for(day: datetime.date, settings: QuotaSettings, override: CalendarDay | None) -> CalendarEntry:
    if override is not None:
        reason = Reason.STATION_WORK if override.working else Reason.STATION_REST
        return CalendarEntry(day, override.working, reason, override.note)
    if settings.statutory_holidays:
        if day in STATUTORY_HOLIDAYS:
            name = STATUTORY_HOLIDAYS[day]
            return CalendarEntry(day, False, Reason.HOLIDAY, str(HOLIDAY_NAMES.get(name, name)))
        if day in MAKEUP_WORKDAYS:
            name = MAKEUP_WORKDAYS[day]
            return CalendarEntry(day, True, Reason.MAKEUP, str(HOLIDAY_NAMES.get(name, name)))
    if day.isoweekday() in settings.weekdays:
        return CalendarEntry(day, True, Reason.WEEKDAY)
    return CalendarEntry(day, False, Reason.WEEKLY_REST)


def station_calendar(station, start: datetime.date, end: datetime.date) -> list[CalendarEntry]:
    """Every day of [start, end] at the station, in order (two queries at most, whatever the range)."""
    settings = settings_for(station)
    overrides = {o.day: o for o in CalendarDay.objects.filter(station=station, day__range=(start, end))}
    days = (end - start).days + 1
    return [
        entry_for(day, settings, overrides.get(day))
        for day in (start + datetime.timedelta(days=i) for i in range(max(days, 0)))
    ]


def calendar_entry(station, day: datetime.date) -> CalendarEntry:
    return station_calendar(station, day, day)[0]


def is_working_day(station, day: datetime.date) -> bool:
    return calendar_entry(station, day).working


def holidays_known(year: int) -> bool:
    """Whether the statutory holidays of `year` have been published and are known to the system."""
    return year in KNOWN_YEARS


def last_working_day(station, before: datetime.date, *, within_days: int = 31) -> datetime.date:
    """The last working day at the station before `before`: the last whole day of work (a notice opened on a
    Monday morning or a Sunday reports Friday's or Saturday's work, not a day still under way or a rest day).
    The day before `before` when none is found."""
    start = before - datetime.timedelta(days=within_days)
    for entry in reversed(station_calendar(station, start, before - datetime.timedelta(days=1))):
        if entry.working:
            return entry.day
    return before - datetime.timedelta(days=1)
