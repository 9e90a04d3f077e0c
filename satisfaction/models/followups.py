"""Follow-up tasks: a low survey score puts a task on the client owner's list."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from .scope import client_scope_q


class FollowUpTaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(client_scope_q(user) | Q(assignee=user))

    def open(self):
        return self.filter(done_at__isnull=True)


class FollowUpTask(models.Model):
    client = models.ForeignKey(
        "pipeline.Client",
        on_delete=models.CASCADE,
        related_name="satisfaction_tasks",
        verbose_name=_("client"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="satisfaction_tasks",
        verbose_name=_("assignee"),
    )
    # One task per low response: recording the response again (it cannot be) or re-running never adds a second.
    response = models.OneToOneField(
        "satisfaction.SurveyResponse",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follow_up",
        verbose_name=_("survey response"),
    )
    reason = models.TextField(_("reason"))
    due_on = models.DateField(_("due"))
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("what was done"), blank=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = FollowUpTaskQuerySet.as_manager()

    class Meta:
        ordering = ["done_at", "due_on", "pk"]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        indexes = [models.Index(fields=["assignee", "done_at"])]

    def __str__(self):
        return self.reason[:60]
