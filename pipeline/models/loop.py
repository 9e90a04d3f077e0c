"""The ten-step loop: stages and the history of every move. The moves themselves are in pipeline/transitions.py."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    COLLECT = "collect", _("Collect")
    SCREEN = "screen", _("Screen")
    SURVEY = "survey", _("Survey")
    NEEDS = "needs", _("Needs analysis")
    PROPOSAL = "proposal", _("Proposal")
    VISIT = "visit", _("Visit and negotiation")
    TRIAL_SHIPMENT = "trial_shipment", _("Trial shipment")
    CONTRACT = "contract", _("Contract")
    FOLLOW_UP = "follow_up", _("Follow-up")
    ARCHIVE = "archive", _("Archive")
    DROPPED = "dropped", _("Dropped")


LOOP = [s for s in Stage if s != Stage.DROPPED]  # the ten steps, in order


class StageChange(models.Model):
    """One move of a client through the loop: who, when, from which step, why, and how long it stayed there."""

    client = models.ForeignKey("pipeline.Client", on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(_("at"), db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    days_in_previous = models.PositiveIntegerField(_("days in previous stage"), default=0)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [models.Index(fields=["client", "at"])]

    def __str__(self):
        return f"{self.from_stage} → {self.to_stage}"
