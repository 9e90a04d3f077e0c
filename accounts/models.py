"""The organisation tree (company → branch → station → area) and the people in it."""

import datetime
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

from .roles import AREA_ROLES, HQ_ROLES, Role


def local_today():
    return timezone.localdate()


def today_for(person) -> datetime.date:
    """A person's business date: their station's, or the default time zone's for headquarters."""
    return person.station.local_date() if person.station_id else timezone.localdate()


class Company(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self):
        return self.name


class Branch(models.Model):
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="branches", verbose_name=_("company")
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="branch_unique_name")]

    def __str__(self):
        return self.name


class StationQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.role in HQ_ROLES:
            return self
        return self.filter(pk=user.station_id)


class Station(models.Model):
    company = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        related_name="stations",
        null=True,
        blank=True,
        verbose_name=_("company"),
    )
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        related_name="stations",
        null=True,
        blank=True,
        verbose_name=_("branch"),
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=20, unique=True)
    timezone = models.CharField(_("time zone"), max_length=50, default=settings.TIME_ZONE)
    created_at = models.DateTimeField(auto_now_add=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.timezone)

    def local_date(self, when=None):
        """The station's business date at the instant `when` (default: now)."""
        return timezone.localtime(when or timezone.now(), self.tz).date()

    def clean(self):
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"timezone": _("Unknown time zone.")})


class AreaQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.role in HQ_ROLES:
            return self
        if user.role in AREA_ROLES:
            return self.filter(pk=user.area_id)
        return self.filter(station_id=user.station_id)


class Area(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="areas", verbose_name=_("station")
    )
    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["station_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="area_unique_name_per_station")
        ]

    def __str__(self):
        return self.name

    @property
    def long_name(self) -> str:
        """With its station: area names repeat from one station to the next ("第1片区")."""
        return f"{self.station} · {self.name}"


def scope_q(
    user, *, station: str, area: str | None = None, person: str | None = None, owner: str | None = None
) -> Q:
    """The one rule of who sees what, as a filter over any model.

    `station`, `area`, `person` and `owner` are the lookups from the model to the station, the area, the person
    the record belongs to (collector, subject) and the owning key-account manager. Couriers see their own
    records; area marketers and managers their area; station masters their station; key-account managers
    their station plus what they own elsewhere; executives and admins everything.
    """
    if not user.is_authenticated:
        return Q(pk__in=[])
    role = user.role
    if role in HQ_ROLES:
        return Q(pk__isnull=False)  # "everything", but unlike Q() it stays everything when OR-ed with more
    nothing = Q(pk__in=[])
    if role == Role.COURIER:
        return Q(**{person: user.pk}) if person else nothing
    if role in (Role.AREA_MARKETER, Role.AREA_MANAGER):
        if user.area_id is None:
            return Q(**{person: user.pk}) if person else nothing
        return Q(**{area: user.area_id}) if area else nothing
    if role == Role.STATION_MASTER:
        return Q(**{station: user.station_id})
    if role == Role.KEY_ACCOUNT_MANAGER:
        q = Q(**{station: user.station_id})
        return q | Q(**{owner: user.pk}) if owner else q
    return nothing


class UserQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_q(user, station="station", area="area", person="pk"))

    def managed_by(self, user):
        """The people `user` answers for, themself excluded: everybody for headquarters, the station's people
        for its master, the area's other people for its area manager, nobody for anyone else."""
        if not user.is_authenticated:
            return self.none()
        if user.role in HQ_ROLES:
            return self.exclude(pk=user.pk)
        if user.role == Role.STATION_MASTER and user.station_id:
            return self.filter(station_id=user.station_id).exclude(pk=user.pk)
        if user.role == Role.AREA_MANAGER and user.area_id:
            return self.filter(area_id=user.area_id).exclude(pk=user.pk)
        return self.none()

    def managers_of(self, person):
        """Who `person` answers to first: an area's people to its area manager (the station master when the area
        has none), area managers and everybody else at a station to its master; nobody above a station master."""
        active = self.filter(is_active=True).exclude(pk=person.pk).order_by("pk")
        if person.role in HQ_ROLES or person.role == Role.STATION_MASTER or person.station_id is None:
            return self.none()
        if person.role in (Role.COURIER, Role.AREA_MARKETER) and person.area_id:
            area_managers = active.filter(role=Role.AREA_MANAGER, area_id=person.area_id)
            if area_managers.exists():
                return area_managers
        return active.filter(role=Role.STATION_MASTER, station_id=person.station_id)


class LantouUserManager(UserManager.from_queryset(UserQuerySet)):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.COURIER)
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        related_name="people",
        null=True,
        blank=True,
        verbose_name=_("station"),
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="people", null=True, blank=True, verbose_name=_("area")
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # The quota rule counts working days from this date on (shared/API.md: date_joined is a date).
    date_joined = models.DateField(_("date joined"), default=local_today)
    # The account of an integration key (integrations.IntegrationKey.user): acts through the API only, never logs
    # in, and is nobody's colleague (left out of the people lists).
    is_integration = models.BooleanField(_("integration key"), default=False, editable=False)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = LantouUserManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["username"]
        indexes = [models.Index(fields=["station", "role"]), models.Index(fields=["area", "role"])]

    def __str__(self):
        return self.display_name or self.username

    @property
    def is_hq(self) -> bool:
        return self.role in HQ_ROLES

    def clean(self):
        super().clean()
        errors = {}
        if self.role not in HQ_ROLES and self.station_id is None:
            errors["station"] = _("Everybody outside headquarters belongs to a station.")
        if self.role in AREA_ROLES and self.area_id is None:
            errors["area"] = _("Couriers, area marketers and area managers belong to an area.")
        if self.area_id and self.station_id and self.area.station_id != self.station_id:
            errors["area"] = _("The area belongs to another station.")
        if errors:
            raise ValidationError(errors)


class Notification(models.Model):
    """An entry in a person's in-app notification list (flags, reminders, escalations, due visits)."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=500)
    link = models.CharField(max_length=300, blank=True)
    # Makes a job that notifies twice for the same cause write one row (e.g. "flag:17:area_manager").
    dedupe_key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Claimed by the e-mail task, so that a message delivered twice sends one e-mail.
    emailed_at = models.DateTimeField(null=True, blank=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="notification_dedupe"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.message


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox): only a SHA-512 digest of the key is stored, and it expires.

    `password_fingerprint` is the owner's session hash when the token was issued (Django's own way of ending
    sessions when a password changes): a password changed through any door, the admin included, ends the token too.
    """

    password_fingerprint = models.CharField(max_length=128)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
