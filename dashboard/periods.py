"""The day and the period a dashboard or a notice is about, parsed once for the pages and the API."""

import datetime
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

# Longer periods are shortened to this many days (ending on the requested end): a year of history is what
# anybody compares; more only makes the request slow.
MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 30
# A trend of fewer points than this says nothing; short periods draw their trend over this many days.
MIN_TREND_DAYS = 7


class PeriodKind:
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    LAST_30 = "30d"
    CHOICES = [
        (DAY, pgettext_lazy("period", "Day")),
        (WEEK, pgettext_lazy("period", "Week")),
        (MONTH, pgettext_lazy("period", "Month")),
        (LAST_30, _("Last 30 days")),
    ]


@dataclass(frozen=True)
class Period:
    day: datetime.date  # the dashboard's "today": the day whose per-person figures are shown
    start: datetime.date
    end: datetime.date
    kind: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def length(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def days(self) -> list[datetime.date]:
        return [self.start + datetime.timedelta(days=i) for i in range(self.length)]

    @property
    def trend_start(self) -> datetime.date:
        return min(self.start, self.end - datetime.timedelta(days=MIN_TREND_DAYS - 1))

    @property
    def trend_days(self) -> list[datetime.date]:
        n = (self.end - self.trend_start).days + 1
        return [self.trend_start + datetime.timedelta(days=i) for i in range(n)]


def period_bounds(kind: str, day: datetime.date, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The day, the ISO week (Monday to Sunday) or the calendar month holding `day`, never past `today`."""
    if kind == PeriodKind.DAY:
        return day, day
    if kind == PeriodKind.WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        end = start + datetime.timedelta(days=6)
    elif kind == PeriodKind.MONTH:
        start = day.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    else:
        start, end = day - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1), day
    return start, min(end, today)


class PeriodForm(forms.Form):
    """Query parameters `date`, `period`, `start`, `end` (all optional). Used by the pages and the API."""

    date = forms.DateField(
        label=_("Day"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period = forms.ChoiceField(label=_("Period"), required=False, choices=[("", "—"), *PeriodKind.CHOICES])
    start = forms.DateField(
        label=_("From"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(
        self,
        data=None,
        *,
        today: datetime.date,
        default_kind: str = PeriodKind.LAST_30,
        default_day: datetime.date | None = None,
    ):
        super().__init__(data)
        self.today = today
        self.default_kind = default_kind
        self.default_day = default_day or today
        if default_day is not None:
            self.fields["date"].initial = default_day

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        today = self.today
        day, start, end, kind = data.get("date"), data.get("start"), data.get("end"), data.get("period")
        for name, value in (("date", day), ("start", start), ("end", end)):
            if value and value > today:
                self.add_error(
                    name,
                    gettext("%(day)s is in the future; the last day with figures is today, %(today)s.")
                    % {"day": value.isoformat(), "today": today.isoformat()},
                )
        if self.errors:
            return data
        if start or end:
            end = end or (day or today)
            start = start or end - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
            if start > end:
                raise ValidationError(
                    {
                        "start": gettext("The period starts after it ends: %(start)s is later than %(end)s.")
                        % {"start": start.isoformat(), "end": end.isoformat()}
                    }
                )
            day = day or end
            kind = ""
        else:
            day = day or self.default_day
            kind = kind or self.default_kind
            start, end = period_bounds(kind, day, today)
        notes = []
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            start = end - datetime.timedelta(days=MAX_PERIOD_DAYS - 1)
            notes.append(
                gettext("The period was longer than %(n)d days; it now covers the %(n)d days up to %(end)s.")
                % {"n": MAX_PERIOD_DAYS, "end": end.isoformat()}
            )
        data["result"] = Period(day=day, start=start, end=end, kind=kind, notes=tuple(notes))
        return data


def parse_period(
    params,
    *,
    today: datetime.date,
    default_kind: str = PeriodKind.LAST_30,
    default_day: datetime.date | None = None,
) -> Period:
    """The period asked for in `params` (a QueryDict), or ValidationError keyed by parameter; without a day, the
    period holds `default_day` (today unless said otherwise)."""
    form = PeriodForm(params, today=today, default_kind=default_kind, default_day=default_day)
    if not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    return form.cleaned_data["result"]
