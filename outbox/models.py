"""Work for the Celery workers, written in the same transaction as the change that calls for it.

Why our own and not a library: django-celery-outbox routes every message through a relay daemon that refuses
SQLite (it needs SELECT ... SKIP LOCKED), so a laptop would run without it, and it brings Sentry, Datadog and
structlog along; django-jaiminho pickles functions with dill and writes the row only once publishing has failed,
so a crash right after the commit loses the work. What we need is one table, a conditional UPDATE as the claim and
a beat task: about a hundred lines that work the same on PostgreSQL and SQLite.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """One Celery task to publish: the task's name and JSON arguments, published once the transaction commits."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    # The Celery task id of every publication of this message, so a message published twice is recognisable.
    task_id = models.UUIDField(_("task id"), default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # A publisher holds the message until then; past it, another may take it (the holder died mid-publish).
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["pk"]
        # The relay reads the unpublished messages oldest first; published ones are most of the table.
        indexes = [
            models.Index(fields=["id"], condition=Q(published_at__isnull=True), name="outbox_unpublished")
        ]

    def __str__(self):
        return f"{self.task}{tuple(self.args)}"


class Event(models.Model):
    """A business fact integrations subscribe to (`lead.created`, `flag.raised`, …), written in the transaction of
    the change it reports (outbox/events.py). The row is its own outbox entry: `fanned_out_at` stays empty until
    the subscriptions' deliveries exist, so a broker outage delays webhooks and loses none."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(_("type"), max_length=40, db_index=True)
    data = models.JSONField(_("data"), default=dict)
    # The station of the object the event is about (None: the whole network); subscriptions see only their scope.
    station_id = models.BigIntegerField(_("station"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    fanned_out_at = models.DateTimeField(_("fanned out"), null=True, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(fanned_out_at__isnull=True), name="event_pending")
        ]

    def __str__(self):
        return f"{self.type} {self.id}"
