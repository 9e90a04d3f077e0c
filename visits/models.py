"""Visit plans and visit records (steps 2 and 6 of the loop, and the return visits of step 9)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.files import random_name
from pipeline.models.clients import client_scope_q


class VisitKind(models.TextChoices):
    FIRST = "first", _("First visit")
    NEGOTIATION = "negotiation", _("Negotiation")
    RETURN = "return", _("Return visit")
    HIGH_LEVEL = "high_level", _("High-level visit")


class PlanSource(models.TextChoices):
    MANUAL = "manual", _("Planned by hand")
    SCREENING = "screening", _("From the screening plan")
    CADENCE = "cadence", _("Return-visit cadence")


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class SuperiorStatus(models.TextChoices):
    NONE = "", _("Not requested")
    PENDING = "pending", _("Awaiting the area manager")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class Outcome(models.TextChoices):
    INTERESTED = "interested", _("Interested, next step agreed")
    FOLLOW_UP = "follow_up", _("Needs another contact")
    OBJECTION = "objection", _("Objection raised")
    NOT_INTERESTED = "not_interested", _("Not interested")
    NOT_MET = "not_met", _("Could not meet")
    SATISFIED = "satisfied", _("Customer satisfied")
    ISSUE = "issue", _("Customer raised an issue")


class VisitQuerySet(models.QuerySet):
    """A visit is visible exactly when its client is."""

    def visible_to(self, user):
        return self.filter(client_scope_q(user, "client__"))


class VisitPlan(models.Model):
    client = models.ForeignKey(
        "pipeline.Client", on_delete=models.CASCADE, related_name="visit_plans", verbose_name=_("client")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=VisitKind.choices, default=VisitKind.FIRST)
    source = models.CharField(
        _("source"), max_length=20, choices=PlanSource.choices, default=PlanSource.MANUAL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.PLANNED, db_index=True
    )
    planned_for = models.DateField(_("date"))
    planned_time = models.TimeField(_("time"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="visit_plans",
        verbose_name=_("who goes"),
    )
    companions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("colleagues going along")
    )
    # The screening plan of step 2, carried over or written anew.
    key_points = models.TextField(_("key points"), blank=True)
    topics = models.TextField(_("what to discuss"), blank=True)
    department_head = models.CharField(_("department head to see"), max_length=100, blank=True)
    relationships = models.TextField(_("relationships to use"), blank=True)
    needs_initial_quote = models.BooleanField(_("bring an initial quote"), default=False)
    needs_route_combination = models.BooleanField(_("bring an advantage-route combination"), default=False)

    superior_status = models.CharField(
        _("superior to come along"), max_length=20, choices=SuperiorStatus.choices, blank=True, default=""
    )
    superior = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("superior"),
    )
    superior_request_note = models.TextField(_("why a superior should come"), blank=True)
    superior_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    superior_decided_at = models.DateTimeField(null=True, blank=True)
    superior_decision_note = models.TextField(_("decision note"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["planned_for", "planned_time", "pk"]
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        indexes = [models.Index(fields=["assignee", "status", "planned_for"])]
        constraints = [
            # The daily job plans a client's next return visit at most once while one is open.
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(source="cadence", status="planned"),
                name="visit_plan_one_open_cadence_plan",
            )
        ]

    def __str__(self):
        return f"{self.client} {self.planned_for}"


class VisitRecord(models.Model):
    client = models.ForeignKey(
        "pipeline.Client", on_delete=models.CASCADE, related_name="visit_records", verbose_name=_("client")
    )
    plan = models.OneToOneField(
        VisitPlan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="record",
        verbose_name=_("plan"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=VisitKind.choices, default=VisitKind.FIRST)
    visited_at = models.DateTimeField(_("visited at"), db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="visit_records",
        verbose_name=_("recorded by"),
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("who went")
    )
    met = models.TextField(_("who was met"))
    met_contacts = models.ManyToManyField(
        "pipeline.ClientContact", blank=True, related_name="+", verbose_name=_("contacts met")
    )
    situation = models.TextField(_("S: situation"), blank=True)
    problem = models.TextField(_("P: problem"), blank=True)
    implication = models.TextField(_("I: implication"), blank=True)
    need_payoff = models.TextField(_("N: need-payoff"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    next_step = models.TextField(_("next step"), blank=True)
    next_step_on = models.DateField(_("next step on"), null=True, blank=True)
    # The browser's position, only when the user allowed it.
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    located_at = models.DateTimeField(_("located at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_at", "-pk"]
        verbose_name = _("visit record")
        verbose_name_plural = _("visit records")
        indexes = [models.Index(fields=["client", "visited_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="visit_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="visit_longitude_range",
            ),
        ]

    def __str__(self):
        return f"{self.client} {self.visited_at:%Y-%m-%d}"

    @property
    def spin(self) -> list[tuple[str, str]]:
        return [
            (self._meta.get_field(name).verbose_name, getattr(self, name))
            for name in ("situation", "problem", "implication", "need_payoff")
            if getattr(self, name)
        ]


def photo_upload_to(instance, filename):
    # A random name (the extension is the re-encoded format's): the name says nothing and cannot be guessed.
    return random_name("visits", filename)


class VisitPhoto(models.Model):
    record = models.ForeignKey(VisitRecord, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=photo_upload_to)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
