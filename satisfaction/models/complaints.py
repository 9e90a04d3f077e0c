"""Complaints: who complained about what, by when it must be resolved, and every step of its handling."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .scope import client_scope_q


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", pgettext_lazy("channel", "E-mail")
    VISIT = "visit", pgettext_lazy("channel", "Visit")
    API = "api", _("API")


class Category(models.TextChoices):
    DELAY = "delay", _("Delay")
    DAMAGE = "damage", _("Damage")
    LOSS = "loss", _("Loss")
    PRICING = "pricing", _("Pricing")
    ATTITUDE = "attitude", _("Attitude")
    BILLING = "billing", _("Billing")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", pgettext_lazy("complaint priority", "Medium")
    HIGH = "high", _("High")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("complaint status", "Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


UNRESOLVED = (ComplaintStatus.OPEN, ComplaintStatus.IN_PROGRESS)


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    AREA_MANAGER = 1, _("Escalated to the area manager")
    STATION_MASTER = 2, _("Escalated to the station master")


class ComplaintQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(client_scope_q(user))

    def unresolved(self):
        return self.filter(status__in=UNRESOLVED)


class Complaint(models.Model):
    client = models.ForeignKey(
        "pipeline.Client", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("client")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_owned",
        verbose_name=_("owner"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    received_at = models.DateTimeField(_("received"), db_index=True)
    due_at = models.DateTimeField(_("resolve by"), db_index=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.OPEN,
        db_index=True,
    )
    resolution = models.TextField(_("resolution notes"), blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    customer_confirmation = models.TextField(_("customer's confirmation"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [models.Index(fields=["status", "due_at"]), models.Index(fields=["client", "status"])]

    def __str__(self):
        return f"#{self.pk} {self.get_category_display()}"

    @property
    def is_unresolved(self) -> bool:
        return self.status in UNRESOLVED

    def is_overdue(self, now) -> bool:
        return self.is_unresolved and self.due_at < now


class EventKind(models.TextChoices):
    CREATED = "created", _("Received")
    STATUS = "status", _("Status changed")
    ESCALATED = "escalated", _("Escalated")
    REASSIGNED = "reassigned", _("Owner changed")


class ComplaintEvent(models.Model):
    """A row per step: received, started, resolved, closed, reopened, escalated, reassigned."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    from_status = models.CharField(_("from"), max_length=12, choices=ComplaintStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=ComplaintStatus.choices, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
