"""Monthly targets: per person and per area (set by the station master), per station (set by headquarters)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.roles import AREA_ROLES, HQ_ROLES


class Metric(models.TextChoices):
    LEADS = "leads", _("Leads collected")
    ACCEPTED_LEADS = "accepted_leads", _("Leads accepted")
    CONTRACTS = "contracts", _("Contracts signed")
    COMMITTED_PARCELS = "committed_parcels", _("Parcels committed a month")
    REVENUE = "revenue", _("Revenue a month (yuan)")


# Metrics counted in whole numbers; revenue is in yuan with fen.
WHOLE_METRICS = frozenset({Metric.LEADS, Metric.ACCEPTED_LEADS, Metric.CONTRACTS, Metric.COMMITTED_PARCELS})


class Level(models.TextChoices):
    PERSON = "person", _("Person")
    AREA = "area", _("Area")
    STATION = "station", _("Station")


class TargetQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Headquarters see every target; a station master their station's; an area manager their area's and its
        people's; everybody else their own and their area's."""
        if not user.is_authenticated:
            return self.none()
        if user.role in HQ_ROLES:
            return self
        if user.role == Role.STATION_MASTER:
            return self.filter(station_id=user.station_id)
        mine = Q(person=user)
        if user.role in AREA_ROLES and user.area_id:
            mine |= Q(area_id=user.area_id, person__isnull=True)
        if user.role == Role.AREA_MANAGER and user.area_id:
            mine |= Q(person__area_id=user.area_id)
        return self.filter(mine)

    def of_level(self, level: str):
        if level == Level.PERSON:
            return self.filter(person__isnull=False)
        if level == Level.AREA:
            return self.filter(person__isnull=True, area__isnull=False)
        return self.filter(person__isnull=True, area__isnull=True)


class Target(models.Model):
    # The station the target belongs to (the person's, the area's, or the station itself): what scopes it.
    station = models.ForeignKey(
        "accounts.Station", on_delete=models.CASCADE, related_name="targets", verbose_name=_("station")
    )
    area = models.ForeignKey(
        "accounts.Area",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("area"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("person"),
    )
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["month", "station_id", "metric", "pk"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            # A target is of a person, or of an area, or of the station itself.
            models.CheckConstraint(
                condition=Q(person__isnull=True) | Q(area__isnull=True), name="target_one_subject"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_not_negative"),
            models.UniqueConstraint(
                fields=["person", "month", "metric"],
                condition=Q(person__isnull=False),
                name="target_person_once",
            ),
            models.UniqueConstraint(
                fields=["area", "month", "metric"],
                condition=Q(person__isnull=True, area__isnull=False),
                name="target_area_once",
            ),
            models.UniqueConstraint(
                fields=["station", "month", "metric"],
                condition=Q(person__isnull=True, area__isnull=True),
                name="target_station_once",
            ),
        ]
        indexes = [models.Index(fields=["station", "month"])]

    def __str__(self):
        return f"{self.subject} {self.month:%Y-%m} {self.get_metric_display()} {self.value}"

    @property
    def level(self) -> str:
        if self.person_id:
            return Level.PERSON
        return Level.AREA if self.area_id else Level.STATION

    @property
    def subject(self):
        return self.person or self.area or self.station
