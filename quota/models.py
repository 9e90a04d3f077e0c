"""The daily lead quota: per person and day, how many leads were collected and whether the quota was met."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyTally(models.Model):
    """One row per person and day they collected or were evaluated.

    `leads` and `counted` are kept current as leads arrive (pipeline services call quota.tallies), so the
    dashboards and the evaluation read this table instead of scanning leads. `counted` leaves out leads
    rejected as fake or duplicates. `working_day` and `met` are written by the daily evaluation.
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
    met = models.BooleanField(_("quota met"), null=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)

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
