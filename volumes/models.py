"""Monthly shipment volumes of a client as the waybill system reports them: parcels and revenue per month and
source. One row per (client, month, source); the feed replaces a row sent again, it never adds to it."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from pipeline.models.clients import client_scope_q

DEFAULT_SOURCE = "waybill"


class MonthlyVolumeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A client's volumes are seen exactly by those who see the client."""
        return self.filter(client_scope_q(user, "client__"))


class MonthlyVolume(models.Model):
    client = models.ForeignKey(
        "pipeline.Client", on_delete=models.CASCADE, related_name="monthly_volumes", verbose_name=_("client")
    )
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    source = models.CharField(_("source"), max_length=40, default=DEFAULT_SOURCE)
    parcels = models.PositiveIntegerField(_("parcels"))
    revenue = models.DecimalField(_("revenue (yuan)"), max_digits=14, decimal_places=2)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Indexed for incremental sync (`?updated_since=`), which pages by (updated_at, id).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = MonthlyVolumeQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "client_id", "source"]
        verbose_name = _("monthly volume")
        verbose_name_plural = _("monthly volumes")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "month", "source"], name="volume_unique_client_month_source"
            )
        ]
        # The unique index serves a client's months; the tier rule and the dashboard read a station's months.
        indexes = [models.Index(fields=["month", "client"])]

    def __str__(self):
        return f"{self.client_id} {self.month:%Y-%m} {self.source}"
