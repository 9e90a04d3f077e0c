"""Client records: the customer companies that leads become, their contacts and their competitors."""

from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import scope_q

from .choices import (  # noqa: F401  (also exported from here, where other code imports them)
    CompanyType,
    ContactRole,
    Difficulty,
    DropReason,
    RelationshipStage,
    Source,
    Stage,
    Tier,
)


class Competitor(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    products = models.TextField(_("products"), blank=True)
    prices_seen = models.TextField(_("prices seen"), blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("listed"), default=True, help_text=_("Offered on the lead form."))
    updated_at = models.DateTimeField(auto_now=True, null=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")

    def __str__(self):
        return self.name


def client_scope_q(user, prefix: str = "") -> Q:
    """Who sees a client, as a filter over clients (no prefix) or over any record of a client ("client__"):
    a record of a client is visible exactly when its client is."""
    return scope_q(
        user,
        station=f"{prefix}station",
        area=f"{prefix}area",
        person=f"{prefix}collected_by",
        owner=f"{prefix}owner",
    )


def _tally(row: str, sign: str) -> str:
    """One row of LoopTally (pipeline/models/loop.py) for the client OLD or NEW, counting it in (+) or out (-)."""
    return (
        'INSERT INTO "pipeline_looptally" (stage, furthest_stage, drop_reason, clients, revenue) '
        f"VALUES ({row}.stage, {row}.furthest_stage, {row}.drop_reason, {sign}1, {sign}{row}.expected_revenue);"
    )


# An active client is counted in LoopTally under its step, furthest step and drop reason, with its revenue.
LOOP_TALLY_TRIGGERS = [
    pgtrigger.Trigger(
        name="loop_tally_insert",
        when=pgtrigger.After,
        operation=pgtrigger.Insert,
        condition=pgtrigger.Q(new__merged_into__isnull=True),
        func=_tally("NEW", "") + " RETURN NULL;",
    ),
    pgtrigger.Trigger(
        name="loop_tally_delete",
        when=pgtrigger.After,
        operation=pgtrigger.Delete,
        condition=pgtrigger.Q(old__merged_into__isnull=True),
        func=_tally("OLD", "-") + " RETURN NULL;",
    ),
    pgtrigger.Trigger(
        name="loop_tally_update",
        when=pgtrigger.After,
        operation=pgtrigger.Update,
        condition=pgtrigger.AnyChange(
            "stage", "furthest_stage", "drop_reason", "expected_revenue", "merged_into"
        ),
        func=(
            f"IF OLD.merged_into_id IS NULL THEN {_tally('OLD', '-')} END IF; "
            f"IF NEW.merged_into_id IS NULL THEN {_tally('NEW', '')} END IF; RETURN NULL;"
        ),
    ),
]


class ClientQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(client_scope_q(user))

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
    # What the loop's history says, kept by pipeline/services/transitions.py at every move (and at a merge, which
    # brings the other client's history along), so that the kanban and the funnel count clients by them in one
    # pass instead of reading every stage change: the furthest step the client has reached (a new client is in
    # the first; the funnel also takes the current stage into account), and why it was dropped while it is.
    furthest_stage = models.CharField(
        _("furthest step reached"),
        max_length=20,
        choices=Stage.choices,
        default=Stage.COLLECT,
        blank=True,
        editable=False,
    )
    drop_reason = models.CharField(
        _("drop reason"), max_length=20, choices=DropReason.choices, blank=True, editable=False
    )
    # The tier in force: the manual override while there is one, else the one computed from the volume feed
    # (volumes/tiers.py), else whatever was set before any volume came in.
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    tier_computed = models.CharField(
        _("tier from volumes"), max_length=1, choices=Tier.choices, blank=True, editable=False
    )
    tier_override = models.CharField(_("tier set by hand"), max_length=1, choices=Tier.choices, blank=True)
    tier_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tier_override_reason = models.CharField(_("why the tier was set by hand"), max_length=300, blank=True)
    tier_override_at = models.DateTimeField(_("tier set by hand at"), null=True, blank=True)
    # The client's code in the waybill system: how the volume feed names it (unique when set).
    waybill_code = models.CharField(_("waybill system code"), max_length=60, blank=True, default="")
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

    # Screening (step 2), kept current by pipeline/screening.py whenever the profile changes, so that lists
    # can sort and filter by them in the database.
    competitor_monthly_total = models.PositiveIntegerField(
        _("competitors' parcels per month"), default=0, editable=False
    )
    expected_revenue = models.DecimalField(
        _("expected monthly revenue"), max_digits=14, decimal_places=2, default=0, editable=False
    )
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), choices=Difficulty.choices, default=Difficulty.MEDIUM, editable=False
    )
    difficulty_manual = models.PositiveSmallIntegerField(
        _("difficulty set by the marketer"), choices=Difficulty.choices, null=True, blank=True
    )
    priority_score = models.PositiveSmallIntegerField(_("priority"), default=0, db_index=True, editable=False)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    screened_at = models.DateTimeField(_("screened at"), null=True, blank=True)

    # The visit plan written at screening (step 2).
    plan_key_points = models.TextField(_("key points"), blank=True)
    plan_initial_quote = models.BooleanField(_("initial quote needed"), default=False)
    plan_route_combination = models.BooleanField(_("advantage-route combination needed"), default=False)
    plan_topics = models.TextField(_("topics to discuss"), blank=True)
    plan_department_head = models.CharField(_("department head to see"), max_length=200, blank=True)
    plan_relationships = models.TextField(_("relationships to use"), blank=True)
    plan_superior_needed = models.BooleanField(_("a superior must come along"), default=False)
    plan_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    plan_updated_at = models.DateTimeField(_("visit plan written at"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    import_job = models.ForeignKey(
        "pipeline.ImportJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="clients"
    )
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
            models.Index(fields=["area", "priority_score"]),
            # Headquarters' first pages read these in order instead of sorting 350,000 clients (2.6 s and 2.2 s
            # at province scale): the client list, newest change first, and screening, by priority.
            models.Index(
                models.F("updated_at").desc(),
                models.F("id").desc(),
                condition=models.Q(merged_into__isnull=True),
                name="client_active_updated",
            ),
            models.Index(
                models.F("priority_score").desc(),
                models.F("expected_revenue").desc(),
                "id",
                condition=models.Q(merged_into__isnull=True, stage__in=["collect", "screen"]),
                name="client_screening_priority",
            ),
            # The kanban's cards: the oldest of each column first, 50 index entries per column.
            models.Index(
                fields=["stage", "stage_entered_at", "id"],
                condition=models.Q(merged_into__isnull=True),
                name="client_stage_queue",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["waybill_code"], condition=~Q(waybill_code=""), name="client_waybill_code_unique"
            )
        ]
        triggers = LOOP_TALLY_TRIGGERS
        # On PostgreSQL a trigram GIN index on normalized_name finds similar names (migration 0003), and a
        # covering index holds what the kanban's totals and the funnel count by (migration 0013).

    def __str__(self):
        return self.name

    @property
    def competitor_monthly(self) -> int:
        return self.competitor_monthly_total

    def latest_competitor_volumes(self):
        """The most recent month's volume per competitor (uses a prefetch of `competitor_volumes` if present)."""
        latest = {}
        for v in self.competitor_volumes.all():
            if v.competitor_id not in latest or v.month > latest[v.competitor_id].month:
                latest[v.competitor_id] = v
        return sorted(latest.values(), key=lambda v: -v.monthly)

    @property
    def total_monthly(self) -> int:
        """Every parcel a month we know the customer sends: ours plus the competitors'."""
        return self.our_monthly + self.competitor_monthly_total

    @property
    def our_share(self) -> float | None:
        """Our share of the customer's parcels (0..1), or None when nothing is known."""
        total = self.total_monthly
        return None if total == 0 else self.our_monthly / total

    @property
    def has_priority(self) -> bool:
        """Screened by a marketer: the priority has been looked at and the client ranked (step 2)."""
        return self.screened_at is not None

    @property
    def has_visit_plan(self) -> bool:
        """A visit plan was written at screening (the service refuses a plan without key points)."""
        return self.plan_updated_at is not None

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


class ClientContact(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(pgettext_lazy("job", "title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_normalized = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    phone2 = models.CharField(_("other phone"), max_length=40, blank=True)
    phone2_normalized = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices, default=ContactRole.OTHER)
    notes = models.TextField(_("notes"), blank=True)
    source_lead = models.ForeignKey(
        "pipeline.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return self.name

    @property
    def phones(self) -> list[str]:
        return [p for p in (self.phone, self.phone2) if p]


class ClientCompetitorVolume(models.Model):
    """How many parcels a month a competitor carries for the client, as last heard for that month."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="competitor_volumes")
    competitor = models.ForeignKey(Competitor, on_delete=models.PROTECT, related_name="client_volumes")
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    monthly = models.PositiveIntegerField(_("parcels per month"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True, null=True)

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
    # What moved, per kind of record: {"pipeline.Lead": 3, "pipeline.ClientContact": 2, ...}
    moved = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("client merge")
        verbose_name_plural = _("client merges")


class ScreeningSettings(models.Model):
    """Per-station figures behind the screening: the average revenue of one parcel."""

    station = models.OneToOneField(
        "accounts.Station", on_delete=models.CASCADE, related_name="screening_settings"
    )
    average_parcel_price = models.DecimalField(
        _("average price per parcel (yuan)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("10000"))],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("screening settings")
        verbose_name_plural = _("screening settings")

    def __str__(self):
        return str(self.station)
