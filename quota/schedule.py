"""What is due when. Beat keeps UTC; these functions turn one instant into each station's local business date
(stations may sit in different time zones) and decide which days to evaluate and where to remind."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Station

from .evaluation import (
    ONE_DAY,
    DayResult,
    Outcome,
    evaluate_station_through,
    has_finished,
    last_due_day,
    stations_with_settings,
)
from .models import QuotaSettings, StationDay


@dataclass
class Plan:
    evaluations: list = field(default_factory=list)  # (station id, evaluate through this day)
    reminders: list = field(default_factory=list)  # (station id, local day)


def plan(*, now: datetime.datetime) -> Plan:
    """The work due at `now`, in a fixed number of queries whatever the number of stations."""
    stations = stations_with_settings()
    last = dict(
        StationDay.objects.filter(evaluated_at__isnull=False)
        .values("station")
        .annotate(d=Max("day"))
        .values_list("station", "d")
    )
    local_days = {s.pk: s.local_date(now) for s in stations}
    reminded = set(
        StationDay.objects.filter(day__in=set(local_days.values()), reminded_at__isnull=False).values_list(
            "station", "day"
        )
    )
    result = Plan()
    for station in stations:
        quota_settings = station._quota_settings_cache
        through = last_due_day(station, quota_settings, now)
        start = quota_settings.starts_on
        if last.get(station.pk):
            start = max(start, last[station.pk] + ONE_DAY)
        if start <= through:
            result.evaluations.append((station.pk, through))
        today = local_days[station.pk]
        local_hour = timezone.localtime(now, station.tz).hour
        if (
            local_hour >= quota_settings.reminder_hour
            and today >= quota_settings.starts_on
            and (station.pk, today) not in reminded
        ):
            result.reminders.append((station.pk, today))
    return result


def describe(result: DayResult) -> dict:
    return {
        "station": result.station.code,
        "day": result.day.isoformat(),
        "outcome": result.outcome,
        "working_day": result.working_day,
        "on_duty": result.on_duty,
        "met": result.met,
        "missed": result.missed,
        "flags_raised": result.flags_raised,
        "flags_extended": result.flags_extended,
    }


def parse_day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError(
            _("%(value)r is not a date in the form YYYY-MM-DD.") % {"value": value}
        ) from None


def _start_rule_by(station: Station, day: datetime.date) -> None:
    """Asked by hand for a day before the rule's start at a station where nothing is evaluated yet (a new station
    whose history was imported): the rule starts that day. Once days are evaluated the start only moves later,
    since a day's miss streak continues the previous one's."""
    quota_settings = station._quota_settings_cache
    if (
        day >= quota_settings.starts_on
        or StationDay.objects.filter(station=station, evaluated_at__isnull=False).exists()
    ):
        return
    QuotaSettings.objects.filter(pk=quota_settings.pk, starts_on__gt=day).update(starts_on=day)
    quota_settings.starts_on = day


def run_quota_check(
    *, now: datetime.datetime, day: datetime.date | None = None, stations=None
) -> list[DayResult]:
    """What `manage.py run_quota_check` does.

    With `day`: evaluate that finished day at every station (after any earlier day still pending, since a day's
    miss streak continues the previous one); at a station with nothing evaluated yet, a day before the rule's
    start moves the start back to it. Refused, with nothing written, if the day has not finished at one
    of the stations. Without `day`: every day the scheduled job would have evaluated by `now` and has not.
    """
    stations = stations_with_settings(stations if stations is not None else Station.objects.order_by("pk"))
    if day is not None:
        unfinished = [s for s in stations if not has_finished(s, day, now)]
        if unfinished:
            raise ValidationError(
                _(
                    "%(day)s has not finished yet at %(stations)s (local date %(today)s); only finished days can be evaluated."
                )
                % {
                    "day": day.isoformat(),
                    "stations": ", ".join(s.code for s in unfinished),
                    "today": unfinished[0].local_date(now).isoformat(),
                }
            )
        for station in stations:
            _start_rule_by(station, day)
    results = []
    for station in stations:
        through = day if day is not None else last_due_day(station, station._quota_settings_cache, now)
        evaluated = evaluate_station_through(station=station, through=through)
        if day is not None and not any(r.day == day for r in evaluated):
            # Asked for a day evaluated before, or before the rule applies: report it, change nothing.
            outcome = (
                Outcome.BEFORE_START if day < station._quota_settings_cache.starts_on else Outcome.ALREADY
            )
            evaluated.append(DayResult(station, day, outcome))
        results.extend(evaluated)
    return results
