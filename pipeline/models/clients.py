"""Client records: the customer companies that leads become, their contacts and their competitors."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import scope_q

from .loop import Stage


class Source(models.TextChoices):
    COURIER_ROUTE = "courier_route", _("Courier route")
    HOTLINE_11183 = "hotline_11183", _("11183 hotline")
    REFERRAL = "referral", _("Referral by a customer")
    EXHIBITION = "exhibition", _("Exhibition")
    WEB = "web", _("Web / news")
    COMPETITOR = "competitor", _("Competitor")
    MARKET_SURVEY = "market_survey", _("Market survey")
    OTHER = "other", _("Other")


class CompanyType(models.TextChoices):
    MATURE = "mature", _("Mature enterprise")
    STARTUP = "startup", _("Startup")
    GOVERNMENT = "government", _("Government / public body")
    PRIVATE = "private", _("Private business")
    SHOP = "shop", _("Individual shop")
    ECOMMERCE = "ecommerce", _("E-commerce seller")
    OTHER = "other", _("Other")


class Tier(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class RelationshipStage(models.TextChoices):
    INCUBATION = "incubation", _("Incubation")
    INITIAL = "initial", _("Initial cooperation")
    STABLE = "stable", _("Stable cooperation")
    STRATEGIC = "strategic", _("Strategic cooperation")


class ContactRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Key decision maker")
    INSIDER = "insider", _("Insider")
    PURCHASING = "purchasing", _("Purchasing")
    OTHER = "other", _("Other")


class Competitor(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    products = models.TextField(_("products"), blank=True)
    prices_seen = models.TextField(_("prices seen"), blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")

    def __str__(self):
        return self.name


class ClientQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(
            scope_q(user, station="station", area="area", person="collected_by", owner="owner")
        )

    def active(self):
        return self.filter(merged_into__isnull=True)


class Client(models.Model):
    name = models.CharField(_("company name"), max_length=200)
    # Legal suffixes, width and case folded (pipeline/normalize.py); what duplicates are found by.
    normalized_name = models.CharField(max_length=200, db_index=True, editable=False)
    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="clients", verbose_name=_("station")
    )
    area = models.ForeignKey(
        "accounts.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clients",
        verbose_name=_("area"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_clients",
        verbose_name=_("owner"),
    )
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="collected_clients",
        verbose_name=_("collected by"),
    )

    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.COLLECT, db_index=True
    )
    stage_entered_at = models.DateTimeField(_("in this stage since"), auto_now_add=True)
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    relationship_stage = models.CharField(
        _("relationship stage"),
        max_length=20,
        choices=RelationshipStage.choices,
        default=RelationshipStage.INCUBATION,
    )

    company_type = models.CharField(_("company type"), max_length=20, choices=CompanyType.choices, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.COURIER_ROUTE
    )
    inbound_monthly = models.PositiveIntegerField(_("inbound parcels per month"), default=0)
    outbound_monthly = models.PositiveIntegerField(_("outbound parcels per month"), default=0)
    our_monthly = models.PositiveIntegerField(_("our parcels per month"), default=0)
    needs = models.TextField(_("needs heard"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_clients"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        indexes = [
            models.Index(fields=["station", "stage"]),
            models.Index(fields=["area", "stage"]),
            models.Index(fields=["owner", "stage"]),
        ]

    def __str__(self):
        return self.name

    @property
    def competitor_monthly(self) -> int:
        return sum(v.monthly for v in self.latest_competitor_volumes())

    def latest_competitor_volumes(self):
        """The most recent month's volume per competitor (uses a prefetch of `competitor_volumes` if present)."""
        latest = {}
        for v in self.competitor_volumes.all():
            if v.competitor_id not in latest or v.month > latest[v.competitor_id].month:
                latest[v.competitor_id] = v
        return list(latest.values())

    @property
    def our_share(self) -> float | None:
        """Our share of the customer's parcels (0..1), or None when nothing is known."""
        total = self.our_monthly + self.competitor_monthly
        return None if total == 0 else self.our_monthly / total


class ClientContact(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_normalized = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices, default=ContactRole.OTHER)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return self.name


class ClientCompetitorVolume(models.Model):
    """How many parcels a month a competitor carries for the client, as last heard for that month."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="competitor_volumes")
    competitor = models.ForeignKey(Competitor, on_delete=models.PROTECT, related_name="client_volumes")
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    monthly = models.PositiveIntegerField(_("parcels per month"))

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "competitor", "month"], name="competitor_volume_unique_month"
            )
        ]


class ClientMerge(models.Model):
    """The record a merge leaves: `merged` now points to `kept` and everything it had moved there."""

    kept = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="merges_kept")
    merged = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="merges_absorbed")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
