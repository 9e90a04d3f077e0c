"""The ten-step loop: stages, the history of every move, and the records each step leaves behind.

The moves themselves are in pipeline/transitions.py; the writes of the step records in pipeline/steps.py.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.files import random_name

from .choices import (  # noqa: F401  (also exported from here, where other code imports them)
    LOOP,
    DropReason,
    OpportunityKind,
    OpportunityStatus,
    ProposalStatus,
    RegressionCause,
    RegressionKind,
    RelationshipStage,
    SettlementMode,
    Stage,
)
from .clients import client_scope_q


# A callable because the migrations name it.
def _relationship_stage_choices():
    return RelationshipStage.choices


class ClientRecordQuerySet(models.QuerySet):
    """Records that belong to a client are visible exactly when their client is."""

    def visible_to(self, user):
        return self.filter(client_scope_q(user, "client__"))


class ClientRecord(models.Model):
    """What every step record has besides its client: who recorded it and when."""

    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = ClientRecordQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]


class StageChange(models.Model):
    """One move of a client through the loop: who, when, from which step, why, and how long it stayed there."""

    client = models.ForeignKey("pipeline.Client", on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(_("at"), db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    drop_reason = models.CharField(_("drop reason"), max_length=20, choices=DropReason.choices, blank=True)
    days_in_previous = models.PositiveIntegerField(_("days in previous stage"), default=0)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = ClientRecordQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [models.Index(fields=["client", "at"]), models.Index(fields=["to_stage", "at"])]

    def __str__(self):
        return f"{self.from_stage} → {self.to_stage}"


class StepTotal(models.Model):
    """The network's running totals of the moves forward out of each step: how many, and the days they had spent
    in it. The funnel's average days for headquarters read these ten rows instead of the 1.2 million stage
    changes of a province (0.2 s a request). `transitions.move()`, the one writer of stage changes, adds to them
    in the move's transaction; `transitions.step_totals_recount()` rebuilds them from the history (the
    migration that made them, the demo data loaded around the services)."""

    stage = models.CharField(_("step"), max_length=20, choices=Stage.choices, unique=True)
    moves = models.PositiveBigIntegerField(_("moves forward"), default=0)
    days = models.PositiveBigIntegerField(_("days spent before them"), default=0)

    class Meta:
        verbose_name = _("step total")
        verbose_name_plural = _("step totals")

    def __str__(self):
        return f"{self.stage}: {self.moves}"


class LoopTally(models.Model):
    """The network's active clients counted by step, furthest step and drop reason, with their expected monthly
    revenue: what headquarters' kanban and funnel show without reading the 350,000 clients of a province (0.1 s
    of a request, a core's worth under load).

    Written by PostgreSQL alone: triggers on the clients' table (Client.Meta.triggers) add a row of +1 for a client
    that appears in a key and one of -1 for a client that leaves it, whoever writes the client (a service, a bulk
    load, an update of many rows); rows are only ever added, so writers never wait for each other. A key's figures
    are the sums of its rows; `loop_tally_compact()` (beat, every 10 minutes) folds them into one row per key.
    SQLite has no such triggers: there the pages count the clients themselves (pipeline/selectors/funnel.py)."""

    stage = models.CharField(max_length=20, choices=Stage.choices)
    furthest_stage = models.CharField(max_length=20, blank=True)
    drop_reason = models.CharField(max_length=20, blank=True)
    clients = models.BigIntegerField(default=0)
    revenue = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("loop tally")
        verbose_name_plural = _("loop tallies")

    def __str__(self):
        return f"{self.stage}/{self.furthest_stage}/{self.drop_reason}: {self.clients:+d}"


# --- Step 3: survey ---------------------------------------------------------------------------------------


class Survey(ClientRecord):
    """Deeper research on the company (step 3). Contacts and competitor volumes go to the client's own records."""

    client = models.ForeignKey(
        "pipeline.Client", on_delete=models.CASCADE, related_name="surveys", verbose_name=_("client")
    )
    decision_structure = models.TextField(
        _("decision structure"),
        blank=True,
        help_text=_("Who decides, who influences, how a supplier is chosen."),
    )
    competitors_notes = models.TextField(
        _("competitors serving them"),
        blank=True,
        help_text=_("Which carriers, for what, how much, at what price."),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta(ClientRecord.Meta):
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")


# --- Step 4: needs analysis ---------------------------------------------------------------------------------


class NeedsAnalysis(ClientRecord):
    """The customer's needs by layer, and the TQCSO framing (time, quality, cost, service, openness)."""

    client = models.ForeignKey(
        "pipeline.Client", on_delete=models.CASCADE, related_name="needs_analyses", verbose_name=_("client")
    )
    speed = models.TextField(_("speed"), blank=True)
    price = models.TextField(_("price"), blank=True)
    pickup_windows = models.TextField(_("pickup time windows"), blank=True)
    special_handling = models.TextField(_("special handling"), blank=True)
    cod = models.TextField(_("cash on delivery"), blank=True)
    packaging = models.TextField(_("packaging"), blank=True)
    reporting = models.TextField(_("reporting"), blank=True)
    tqcso_time = models.TextField(_("T: time"), blank=True)
    tqcso_quality = models.TextField(_("Q: quality"), blank=True)
    tqcso_cost = models.TextField(_("C: cost"), blank=True)
    tqcso_service = models.TextField(_("S: service"), blank=True)
    tqcso_openness = models.TextField(_("O: openness of information"), blank=True)

    NEED_FIELDS = ["speed", "price", "pickup_windows", "special_handling", "cod", "packaging", "reporting"]
    TQCSO_FIELDS = ["tqcso_time", "tqcso_quality", "tqcso_cost", "tqcso_service", "tqcso_openness"]

    class Meta(ClientRecord.Meta):
        verbose_name = _("needs analysis")
        verbose_name_plural = _("needs analyses")


# --- Step 5: proposal -------------------------------------------------------------------------------------


class Proposal(ClientRecord):
    """A written solution and quote. Every revision is a new version; older versions stay as they were."""

    client = models.ForeignKey(
        "pipeline.Client", on_delete=models.CASCADE, related_name="proposals", verbose_name=_("client")
    )
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("solution"), blank=True)
    service_commitments = models.TextField(_("service commitments"), blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    # When it last went to the customer: the answer is awaited from then (the agenda's reminder counts from it).
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta(ClientRecord.Meta):
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["client", "version"], name="proposal_unique_version"),
        ]

    def __str__(self):
        return f"{self.title} v{self.version}"


class QuoteLine(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="lines")
    product = models.CharField(_("product"), max_length=100)
    route = models.CharField(_("route"), max_length=200, blank=True, help_text=_("e.g. Shanghai → Beijing"))
    unit_price = models.DecimalField(
        _("unit price (yuan)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    discount = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    volume_from = models.PositiveIntegerField(
        _("from monthly volume"), default=0, help_text=_("The price applies from this many parcels a month.")
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="quote_line_price_not_negative"),
            models.CheckConstraint(
                condition=Q(discount__gte=0, discount__lte=100), name="quote_line_discount_percent"
            ),
        ]

    @property
    def net_price(self) -> Decimal:
        return (self.unit_price * (Decimal(100) - self.discount) / Decimal(100)).quantize(Decimal("0.01"))


# --- Step 7: trial shipment ---------------------------------------------------------------------------------


class TrialShipment(ClientRecord):
    client = models.ForeignKey(
        "pipeline.Client", on_delete=models.CASCADE, related_name="trial_shipments", verbose_name=_("client")
    )
    sent_on = models.DateField(_("sent on"))
    waybill_numbers = models.TextField(_("waybill numbers"), help_text=_("One per line."))
    parcel_count = models.PositiveIntegerField(_("parcels"))
    # The results arrive after delivery: empty until then.
    on_time_count = models.PositiveIntegerField(_("delivered on time"), null=True, blank=True)
    damaged_count = models.PositiveIntegerField(_("damaged"), null=True, blank=True)
    feedback = models.TextField(_("customer feedback"), blank=True)
    results_at = models.DateTimeField(_("results recorded at"), null=True, blank=True)

    class Meta(ClientRecord.Meta):
        verbose_name = _("trial shipment")
        verbose_name_plural = _("trial shipments")
        constraints = [
            models.CheckConstraint(
                condition=Q(on_time_count__isnull=True) | Q(on_time_count__lte=models.F("parcel_count")),
                name="trial_on_time_within_count",
            ),
            models.CheckConstraint(
                condition=Q(damaged_count__isnull=True) | Q(damaged_count__lte=models.F("parcel_count")),
                name="trial_damaged_within_count",
            ),
        ]

    @property
    def has_results(self) -> bool:
        return self.on_time_count is not None

    @property
    def waybills(self) -> list[str]:
        return [w.strip() for w in self.waybill_numbers.splitlines() if w.strip()]

    @property
    def on_time_rate(self) -> float | None:
        if self.on_time_count is None or not self.parcel_count:
            return None
        return self.on_time_count / self.parcel_count


# --- Step 8: contract ----------------------------------------------------------------------------------------


def contract_upload_to(instance, filename):
    # A random name; the name it was uploaded under is kept in `attachment_name` for the download.
    return random_name("contracts", filename)


class Contract(ClientRecord):
    client = models.ForeignKey(
        "pipeline.Client", on_delete=models.CASCADE, related_name="contracts", verbose_name=_("client")
    )
    number = models.CharField(_("contract number"), max_length=60, blank=True)
    signed_on = models.DateField(_("signed on"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    price_terms = models.TextField(_("price terms"))
    committed_monthly_volume = models.PositiveIntegerField(_("committed parcels per month"))
    settlement_mode = models.CharField(_("settlement"), max_length=20, choices=SettlementMode.choices)
    attachment = models.FileField(_("attachment"), upload_to=contract_upload_to, blank=True)
    attachment_name = models.CharField(_("attachment's file name"), max_length=255, blank=True)

    class Meta(ClientRecord.Meta):
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="contract_ends_after_start"
            ),
        ]

    def __str__(self):
        return self.number or f"{self.signed_on}"

    @property
    def term_months(self) -> int:
        months = (self.ends_on.year - self.starts_on.year) * 12 + self.ends_on.month - self.starts_on.month
        return months + (1 if self.ends_on.day >= self.starts_on.day else 0)


# --- Step 9: follow-up --------------------------------------------------------------------------------------


class Evaluation(ClientRecord):
    """One month of a signed customer: parcels actually shipped against the monthly commitment."""

    client = models.ForeignKey(
        "pipeline.Client", on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("client")
    )
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    committed_volume = models.PositiveIntegerField(_("committed parcels"))
    actual_volume = models.PositiveIntegerField(_("actual parcels"))
    notes = models.TextField(_("evaluation"), blank=True)

    class Meta(ClientRecord.Meta):
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["client", "month"], name="evaluation_unique_month")]

    @property
    def fulfilment(self) -> float | None:
        return None if not self.committed_volume else self.actual_volume / self.committed_volume


class Opportunity(ClientRecord):
    """Secondary development (二次开发): more business from a customer we already serve."""

    client = models.ForeignKey(
        "pipeline.Client", on_delete=models.CASCADE, related_name="opportunities", verbose_name=_("client")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OpportunityKind.choices)
    description = models.TextField(_("description"))
    expected_monthly_volume = models.PositiveIntegerField(_("expected extra parcels per month"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )

    class Meta(ClientRecord.Meta):
        verbose_name = _("secondary-development opportunity")
        verbose_name_plural = _("secondary-development opportunities")


# --- Key account: owner, relationship stage, regressions ----------------------------------------------------


class OwnerTransfer(ClientRecord):
    client = models.ForeignKey(
        "pipeline.Client", on_delete=models.CASCADE, related_name="owner_transfers", verbose_name=_("client")
    )
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from"),
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta(ClientRecord.Meta):
        verbose_name = _("owner transfer")
        verbose_name_plural = _("owner transfers")


class RelationshipChange(ClientRecord):
    client = models.ForeignKey(
        "pipeline.Client",
        on_delete=models.CASCADE,
        related_name="relationship_changes",
        verbose_name=_("client"),
    )
    from_stage = models.CharField(_("from"), max_length=20, choices=_relationship_stage_choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=20, choices=_relationship_stage_choices)
    reason = models.TextField(_("reason"), blank=True)

    class Meta(ClientRecord.Meta):
        verbose_name = _("relationship stage change")
        verbose_name_plural = _("relationship stage changes")


# Causes we could have prevented (DOMAIN.md: controllable vs uncontrollable).
CONTROLLABLE_CAUSES = frozenset(
    {
        RegressionCause.COMPETITOR_PRICE,
        RegressionCause.COMPETITOR_SERVICE,
        RegressionCause.OUR_SERVICE,
        RegressionCause.COMPLAINT_UNHANDLED,
    }
)


class Regression(ClientRecord):
    """A key account's relationship went back or was interrupted (倒退/中断), and why."""

    client = models.ForeignKey(
        "pipeline.Client", on_delete=models.CASCADE, related_name="regressions", verbose_name=_("client")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RegressionKind.choices)
    occurred_on = models.DateField(_("occurred on"))
    cause = models.CharField(_("cause"), max_length=30, choices=RegressionCause.choices)
    controllable = models.BooleanField(_("controllable"))
    reason = models.TextField(_("what happened"))
    relationship_from = models.CharField(
        _("relationship before"), max_length=20, choices=_relationship_stage_choices, blank=True
    )
    relationship_to = models.CharField(
        _("relationship after"), max_length=20, choices=_relationship_stage_choices, blank=True
    )

    class Meta(ClientRecord.Meta):
        verbose_name = _("regression or interruption")
        verbose_name_plural = _("regressions and interruptions")
