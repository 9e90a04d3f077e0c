"""Service-quality indicators per key account, their daily readings and the early warnings they raise."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .scope import client_scope_q
from .surveys import in_language


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = "higher", _("Higher is better (warn below the threshold)")
    LOWER_IS_BETTER = "lower", _("Lower is better (warn above the threshold)")


class Indicator(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    threshold = models.DecimalField(_("warning threshold"), max_digits=10, decimal_places=3)
    active = models.BooleanField(pgettext_lazy("in use", "active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("service-quality indicator")
        verbose_name_plural = _("service-quality indicators")

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return in_language(self.name, self.name_en)

    def breached_by(self, value) -> bool:
        if self.direction == Direction.HIGHER_IS_BETTER:
            return value < self.threshold
        return value > self.threshold


class ReadingSource(models.TextChoices):
    API = "api", _("API")
    UPLOAD = "upload", _("Spreadsheet upload")
    FORM = "form", _("Entered on the page")


class IndicatorReadingQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(client_scope_q(user))


class IndicatorReading(models.Model):
    client = models.ForeignKey(
        "pipeline.Client",
        on_delete=models.CASCADE,
        related_name="indicator_readings",
        verbose_name=_("client"),
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="readings", verbose_name=_("indicator")
    )
    day = models.DateField(_("day"))
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=3)
    source = models.CharField(_("source"), max_length=10, choices=ReadingSource.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = IndicatorReadingQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "indicator__position", "pk"]
        verbose_name = _("indicator reading")
        verbose_name_plural = _("indicator readings")
        constraints = [
            # Posting a day again corrects it rather than adding a second value.
            models.UniqueConstraint(fields=["client", "indicator", "day"], name="reading_once_per_day")
        ]


class IndicatorWarningQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(client_scope_q(user))

    def open(self):
        return self.filter(cleared_on__isnull=True)


class IndicatorWarning(models.Model):
    """An early warning (事前监控预警): an indicator of a client beyond its threshold, until it comes back."""

    client = models.ForeignKey(
        "pipeline.Client",
        on_delete=models.CASCADE,
        related_name="indicator_warnings",
        verbose_name=_("client"),
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="warnings", verbose_name=_("indicator")
    )
    raised_on = models.DateField(_("raised on"))
    last_day = models.DateField(_("latest reading"))
    value = models.DecimalField(_("latest value"), max_digits=12, decimal_places=3)
    threshold = models.DecimalField(_("threshold"), max_digits=10, decimal_places=3)
    cleared_on = models.DateField(_("cleared on"), null=True, blank=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = IndicatorWarningQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_on", "-pk"]
        verbose_name = _("indicator warning")
        verbose_name_plural = _("indicator warnings")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "indicator"], condition=Q(cleared_on__isnull=True), name="one_open_warning"
            )
        ]

    @property
    def is_open(self) -> bool:
        return self.cleared_on is None
