"""The daily lead quota: per person and day, how many leads were collected and whether the quota was met;
the station's work calendar and people's leave that decide which days count; and the three-day miss flag.

Who reads what (the dashboard included):

- `DailyTally` — one row per person and day. `leads`/`counted` are live counters; `working_day`, `quota`,
  `counted_at_evaluation`, `met`, `miss_streak`, `missed_since` are the verdict of the daily evaluation and never
  change afterwards (`evaluated_at` is set once).
- `StationDay` — one row per station and day that was evaluated (or reminded): whether it was a working day and
  the day's totals. A day with `evaluated_at` set is final.
- `QuotaFlag` + `FlagEvent` — one flag per run of three or more missed working days, and every step of it.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Role, scope_q
from accounts.roles import QUOTA_ROLES

# ISO weekday numbers, Monday = 1 … Sunday = 7.
DEFAULT_WORKING_WEEKDAYS = "123456"


class StationScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        from accounts.models import Station

        return self.filter(station__in=Station.objects.visible_to(user))


class QuotaSettings(models.Model):
    """Per station: the quota, when a day is evaluated and when the afternoon reminder goes out."""

    station = models.OneToOneField(
        "accounts.Station", on_delete=models.CASCADE, related_name="quota_settings", verbose_name=_("station")
    )
    quota_per_day = models.PositiveSmallIntegerField(
        _("leads per working day"), default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    evaluation_hour = models.PositiveSmallIntegerField(
        _("evaluation hour"),
        default=1,
        validators=[MaxValueValidator(23)],
        help_text=_(
            "Local hour of the next morning at which a finished day is evaluated; leave and rejections "
            "recorded before then are taken into account."
        ),
    )
    reminder_hour = models.PositiveSmallIntegerField(
        _("reminder hour"),
        default=15,
        validators=[MaxValueValidator(23)],
        help_text=_("Local hour from which people without a lead today are reminded."),
    )
    working_weekdays = models.CharField(
        _("working weekdays"),
        max_length=7,
        default=DEFAULT_WORKING_WEEKDAYS,
        validators=[RegexValidator(r"^[1-7]{1,7}$")],
        help_text=_("ISO weekday numbers, Monday = 1 … Sunday = 7."),
    )
    statutory_holidays = models.BooleanField(
        _("follow the statutory holidays"),
        default=True,
        help_text=_("Public holidays are rest days and their make-up days (调休) are working days."),
    )
    starts_on = models.DateField(
        _("rule applies from"), help_text=_("The first day evaluated for this station.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = StationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("quota settings")
        verbose_name_plural = _("quota settings")

    def __str__(self):
        return str(self.station)

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(int(c) for c in self.working_weekdays)


class CalendarDay(models.Model):
    """A station's own exception to its calendar: an extra rest day or an extra working day."""

    station = models.ForeignKey(
        "accounts.Station", on_delete=models.CASCADE, related_name="calendar_days", verbose_name=_("station")
    )
    day = models.DateField(_("day"))
    working = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = StationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["station_id", "day"]
        constraints = [models.UniqueConstraint(fields=["station", "day"], name="calendar_day_unique")]

    def __str__(self):
        return f"{self.station_id} {self.day}"


class LeaveQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_q(user, station="person__station", area="person__area", person="person"))

    def covering(self, day):
        return self.filter(first_day__lte=day, last_day__gte=day)


class Leave(models.Model):
    """Days a person is excused from the quota (holiday, sick leave, training): neither a miss nor a break."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leaves", verbose_name=_("person")
    )
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = LeaveQuerySet.as_manager()

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        ordering = ["-first_day", "person_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")), name="leave_days_ordered"
            )
        ]
        indexes = [models.Index(fields=["person", "first_day", "last_day"])]

    def __str__(self):
        return f"{self.person_id} {self.first_day}–{self.last_day}"

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


class StationDay(models.Model):
    """A station's day as the quota jobs saw it. `evaluated_at` set means the day's verdicts are final."""

    station = models.ForeignKey("accounts.Station", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    working_day = models.BooleanField(_("working day"), null=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    on_duty = models.PositiveIntegerField(_("people on duty"), default=0)
    met = models.PositiveIntegerField(_("met the quota"), default=0)
    missed = models.PositiveIntegerField(_("missed the quota"), default=0)
    flags_raised = models.PositiveIntegerField(_("flags raised"), default=0)
    flags_extended = models.PositiveIntegerField(_("flags extended"), default=0)

    class Meta:
        verbose_name = _("evaluated station day")
        verbose_name_plural = _("evaluated station days")
        ordering = ["station_id", "day"]
        constraints = [models.UniqueConstraint(fields=["station", "day"], name="station_day_unique")]

    def __str__(self):
        return f"{self.station_id} {self.day}"


class DailyTallyQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_q(user, station="station", area="area", person="person"))


class DailyTally(models.Model):
    """One row per person and day they collected or were evaluated.

    `leads` and `counted` are kept current as leads arrive (pipeline services call quota.tallies), so the
    dashboards read this table instead of scanning leads. `counted` leaves out leads rejected as fake or
    duplicates.

    The daily evaluation writes the rest, once (`evaluated_at`), from the leads table itself:
    `working_day` — the quota applied to this person that day (a working day of their station, a quota role,
    joined, active and not on leave); `quota` and `counted_at_evaluation` — the figures the verdict was made on;
    `met`; `miss_streak` — missed working days in a row up to this day (0 when met); `missed_since` — the first
    day of that run. `met`, `quota`, `miss_streak` are null when it was not a working day for the person.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_tallies"
    )
    day = models.DateField(_("day"))
    station = models.ForeignKey("accounts.Station", on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(
        "accounts.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    leads = models.PositiveIntegerField(_("leads collected"), default=0)
    counted = models.PositiveIntegerField(_("leads counting for the quota"), default=0)
    working_day = models.BooleanField(_("working day"), null=True)
    quota = models.PositiveSmallIntegerField(_("quota"), null=True, blank=True)
    counted_at_evaluation = models.PositiveIntegerField(_("counted at evaluation"), null=True, blank=True)
    met = models.BooleanField(_("quota met"), null=True)
    miss_streak = models.PositiveIntegerField(_("missed days in a row"), null=True, blank=True)
    missed_since = models.DateField(_("missing since"), null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = DailyTallyQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily tally")
        verbose_name_plural = _("daily tallies")
        constraints = [
            models.UniqueConstraint(fields=["person", "day"], name="daily_tally_unique_person_day")
        ]
        indexes = [
            models.Index(fields=["station", "day"]),
            models.Index(fields=["area", "day"]),
            models.Index(fields=["day"]),
        ]

    def __str__(self):
        return f"{self.person_id} {self.day}: {self.counted}"


class FlagStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("flag status", "Open")
    INVESTIGATED = "investigated", pgettext_lazy("flag status", "Investigated")
    ASSESSED = "assessed", pgettext_lazy("flag status", "Assessed")
    RESOLVED = "resolved", pgettext_lazy("flag status", "Resolved")
    # A lead captured offline arrived late and the run fell below three missed days: the flag no longer stands.
    WITHDRAWN = "withdrawn", pgettext_lazy("flag status", "Withdrawn")


# Flags nobody needs to act on any more.
CLOSED_FLAG_STATUSES = (FlagStatus.RESOLVED, FlagStatus.WITHDRAWN)


class QuotaFlagQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Flags are personnel matters: people on the quota see their own, managers their area or station."""
        if not user.is_authenticated:
            return self.none()
        if user.role in QUOTA_ROLES:
            return self.filter(person=user)
        if user.role == Role.KEY_ACCOUNT_MANAGER:
            return self.none()
        return self.filter(scope_q(user, station="station", area="area", person="person"))


class QuotaFlag(models.Model):
    """Three or more consecutive missed working days of one person: one flag per run, extended while it lasts."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="quota_flags",
        verbose_name=_("person"),
    )
    # Where the person worked when the flag was raised: the area manager of that area investigates it.
    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    area = models.ForeignKey(
        "accounts.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    first_missed_on = models.DateField(_("first missed day"))
    last_missed_on = models.DateField(_("last missed day"))
    days_missed = models.PositiveIntegerField(_("working days missed"))
    raised_on = models.DateField(
        _("raised for"), help_text=_("The evaluated day that completed three misses.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=FlagStatus.choices, default=FlagStatus.OPEN, db_index=True
    )
    penalty = models.BooleanField(_("penalty"), null=True, help_text=_("The station master's assessment."))
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = QuotaFlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("miss flag")
        verbose_name_plural = _("miss flags")
        ordering = ["-last_missed_on", "-pk"]
        constraints = [
            # One run of misses, one flag: a double or concurrent evaluation can never raise a second one.
            models.UniqueConstraint(fields=["person", "first_missed_on"], name="quota_flag_one_per_run"),
            models.CheckConstraint(
                condition=Q(last_missed_on__gte=models.F("first_missed_on")) & Q(days_missed__gte=3),
                name="quota_flag_run_shape",
            ),
        ]
        indexes = [
            models.Index(fields=["station", "status"]),
            models.Index(fields=["area", "status"]),
            # The open flags per station (the network dashboard counts them for every station): a few thousand
            # of a year's tens of thousands.
            models.Index(
                fields=["station"],
                condition=~Q(status__in=("resolved", "withdrawn")),
                name="quota_flag_open_station",
            ),
        ]

    def __str__(self):
        return f"{self.person_id} {self.first_missed_on}–{self.last_missed_on}"


class FlagEventKind(models.TextChoices):
    RAISED = "raised", pgettext_lazy("flag step", "Raised")
    EXTENDED = "extended", pgettext_lazy("flag step", "Extended")
    INVESTIGATED = "investigated", pgettext_lazy("flag step", "Investigated")
    ASSESSED = "assessed", pgettext_lazy("flag step", "Assessed")
    RESOLVED = "resolved", pgettext_lazy("flag step", "Resolved")
    # A day of the run was judged again (a lead captured offline that day arrived late): the run got shorter.
    SHRUNK = "shrunk", pgettext_lazy("flag step", "Shortened")
    WITHDRAWN = "withdrawn", pgettext_lazy("flag step", "Withdrawn")


SYSTEM_EVENTS = [FlagEventKind.RAISED, FlagEventKind.EXTENDED]
REJUDGE_EVENTS = [FlagEventKind.SHRUNK, FlagEventKind.WITHDRAWN]
HUMAN_EVENTS = [FlagEventKind.INVESTIGATED, FlagEventKind.ASSESSED, FlagEventKind.RESOLVED]


class FlagEvent(models.Model):
    """One step in a flag's life, never edited: raised / extended by the evaluation, then the people's steps."""

    flag = models.ForeignKey(QuotaFlag, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("step"), max_length=20, choices=FlagEventKind.choices)
    day = models.DateField(_("evaluated day"), null=True, blank=True)
    days_missed = models.PositiveIntegerField(_("working days missed"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    penalty = models.BooleanField(_("penalty"), null=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("flag step")
        verbose_name_plural = _("flag steps")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["flag", "day"], condition=Q(kind__in=SYSTEM_EVENTS), name="flag_event_once_per_day"
            ),
            models.UniqueConstraint(
                fields=["flag", "kind"], condition=Q(kind__in=HUMAN_EVENTS), name="flag_event_once_per_step"
            ),
            # `day` of these is the day judged again: judging it a second time finds the event and stops.
            models.UniqueConstraint(
                fields=["flag", "day"],
                condition=Q(kind__in=REJUDGE_EVENTS),
                name="flag_event_once_per_rejudge",
            ),
        ]

    def __str__(self):
        return f"{self.flag_id} {self.kind}"
