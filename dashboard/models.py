"""Network-wide totals for the executive view, rolled up from the daily tallies and client records.

One station's dashboard reads `quota.DailyTally` directly (a few thousand rows a month). Comparing every station
over a month would aggregate hundreds of thousands of tally rows per request, so days that are over are rolled
up here per station and day by a job (dashboard/rollup.py, every ten minutes and after a load), and only the days
after `TotalsRefresh.through` are read live from the tallies.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StationDayTotal(models.Model):
    station = models.ForeignKey("accounts.Station", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    leads = models.PositiveIntegerField(_("leads collected"), default=0)
    counted = models.PositiveIntegerField(_("leads counting for the quota"), default=0)

    class Meta:
        verbose_name = _("station day total")
        verbose_name_plural = _("station day totals")
        constraints = [models.UniqueConstraint(fields=["station", "day"], name="station_day_total_unique")]
        indexes = [models.Index(fields=["day", "station"])]


class StationStageTotal(models.Model):
    """Clients per station and stage of the loop, as of the last refresh."""

    station = models.ForeignKey("accounts.Station", on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(_("stage"), max_length=20)
    clients = models.PositiveIntegerField(_("clients"), default=0)

    class Meta:
        verbose_name = _("station stage total")
        verbose_name_plural = _("station stage totals")
        constraints = [
            models.UniqueConstraint(fields=["station", "stage"], name="station_stage_total_unique")
        ]


class TotalsRefresh(models.Model):
    """A single row: StationDayTotal is complete up to and including `through`; when the totals were refreshed."""

    through = models.DateField(null=True)
    refreshed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("totals refresh")
        verbose_name_plural = _("totals refreshes")
