"""Integration keys (`Authorization: Api-Key <key>`), webhook subscriptions and their deliveries."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import HQ_ROLES


class Scope(models.TextChoices):
    LEADS_READ = "leads:read", _("Read leads")
    LEADS_WRITE = "leads:write", _("Submit leads")
    CLIENTS_READ = "clients:read", _("Read clients")
    VOLUMES_READ = "volumes:read", _("Read monthly volumes")
    VOLUMES_WRITE = "volumes:write", _("Push monthly volumes")
    WEBHOOKS_MANAGE = "webhooks:manage", _("Manage webhooks")


def _managed_by_hq(user) -> bool:
    return user.is_authenticated and user.role in HQ_ROLES and not getattr(user, "is_integration", False)


class IntegrationKeyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Keys are kept by headquarters (people, not keys)."""
        return self if _managed_by_hq(user) else self.none()


class IntegrationKey(models.Model):
    """A key another system authenticates with. Only the SHA-256 digest of the secret is stored; the prefix, in
    clear, finds the row and names the key on pages. Everything the key does is done by its own account (`user`,
    never able to log in), so every scope (`visible_to`) and the audit trail treat it as that account."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    scopes = models.JSONField(_("scopes"), default=list)
    station = models.ForeignKey(
        "accounts.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="integration_keys",
        verbose_name=_("station"),
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration_key", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = IntegrationKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("integration key")
        verbose_name_plural = _("integration keys")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.name

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class WebhookQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Headquarters see every subscription; a key sees the ones it made."""
        if not user.is_authenticated:
            return self.none()
        if _managed_by_hq(user):
            return self
        return self.filter(owner=user)


class Webhook(models.Model):
    """A subscription: the events of `events` within the owner's scope are POSTed, signed with `secret`, to `url`."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="webhooks", verbose_name=_("owner")
    )
    url = models.URLField(_("address"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    # Signs the deliveries (HMAC-SHA256); shown once when generated, never in a list.
    secret = models.CharField(max_length=200)
    active = models.BooleanField(_("enabled"), default=True)
    # The first failure of the current run of failures; a day of them disables the subscription.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = WebhookQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.url


class Delivery(models.Model):
    """One event for one subscription, attempted until the receiver answers 2xx or the subscription gives up.
    Every attempt carries the event's id, so a receiver recognises a repeat."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("outbox.Event", on_delete=models.CASCADE, related_name="+")
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    # How long the last attempt took, in milliseconds.
    duration_ms = models.PositiveIntegerField(_("time (ms)"), null=True, blank=True)
    last_error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["webhook", "event"], name="delivery_once_per_event")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(next_attempt_at__isnull=False), name="delivery_due"
            )
        ]

    def __str__(self):
        return f"{self.event_id} → {self.webhook_id}"
