from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """When a scheduled job last ran: `beat` (the scheduler's tick, run by a worker) and `quota_evaluation`."""

    name = models.CharField(_("job"), max_length=50, primary_key=True)
    at = models.DateTimeField(_("last run"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"
