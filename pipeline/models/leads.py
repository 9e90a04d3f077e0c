"""Leads: what a courier or marketer collects on the customer-information form (step 1), and its review (step 2)."""

from datetime import timedelta

from django.conf import settings
from django.db import connections, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import scope_q
from config.files import random_name

from .choices import (  # noqa: F401  (also exported from here, where other code imports them)
    OPEN_STATUSES,
    CompanyType,
    ContactRole,
    LeadAction,
    LeadStatus,
    RejectReason,
    Source,
)
from .clients import Client


class LeadQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_q(user, station="station", area="area", person="collected_by"))

    def counting_for_quota(self):
        """Leads that count towards the daily quota: not rejected as fake or as duplicates."""
        return self.exclude(
            status=LeadStatus.REJECTED, reject_reason__in=[RejectReason.FAKE, RejectReason.DUPLICATE]
        )

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def newest_page(self, *, columns: list[str], offset: int, size: int, limit: int):
        """Rows `offset` to `offset + size` of these leads, newest first, with how many leads there are up to
        `limit` (`limit` when there are more), in one query; None where it does not apply.

        A list page also needs to know whether more rows follow and, for small lists, how many there are; a
        second query counting them cost about as much as the page. Here the first `limit` entries of the
        scope's newest-first index are read (index only: pipeline/0005), numbered and counted, and only the
        page's rows are joined to the leads and their collectors. Each row is a dict of `columns` (attribute
        names, as `values()` gives them) plus `collected_by__display_name` and `collected_by__username`.

        PostgreSQL only, for the default order (Meta.ordering): elsewhere, or when the queryset is ordered
        otherwise, the caller reads the page with `values()` and counts apart.
        """
        connection = connections[self.db]
        if connection.vendor != "postgresql" or self.query.order_by or not self.query.default_ordering:
            return None
        quote, meta = connection.ops.quote_name, self.model._meta
        user_meta = meta.get_field("collected_by").related_model._meta
        ids, params = (
            self.order_by("-collected_at", "-id").values("id", "collected_at")[:limit].query.sql_with_params()
        )
        selected = [f"l.{quote(meta.get_field(name).column)}" for name in columns]
        selected += [f"u.{quote(user_meta.get_field(name).column)}" for name in ("display_name", "username")]
        sql = (
            f"SELECT {', '.join(selected)}, p.seen FROM ("
            "  SELECT id, seen, rn FROM ("
            "    SELECT ids.id, COUNT(*) OVER () AS seen,"
            "           ROW_NUMBER() OVER (ORDER BY ids.collected_at DESC, ids.id DESC) AS rn"
            f"    FROM ({ids}) ids"
            "  ) numbered WHERE rn > %s AND rn <= %s"
            f") p JOIN {quote(meta.db_table)} l ON l.id = p.id"
            f" JOIN {quote(user_meta.db_table)} u ON u.id = l.{quote(meta.get_field('collected_by').column)}"
            " ORDER BY p.rn"
        )
        names = [*columns, "collected_by__display_name", "collected_by__username"]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, offset, offset + size])
            fetched = cursor.fetchall()
        rows = [dict(zip(names, row[:-1], strict=True)) for row in fetched]
        return rows, (fetched[0][-1] if fetched else None)


class Lead(models.Model):
    company_name = models.CharField(_("company name"), max_length=200)
    normalized_name = models.CharField(max_length=200, db_index=True, editable=False)
    # The first contact, as the form and the public API take it; further contacts are LeadContact rows.
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_title = models.CharField(_("contact title"), max_length=100, blank=True)
    contact_role = models.CharField(_("contact role"), max_length=20, choices=ContactRole.choices, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40)
    phone_normalized = models.CharField(max_length=20, db_index=True, editable=False)
    address = models.CharField(_("address"), max_length=300, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    company_type = models.CharField(_("company type"), max_length=20, choices=CompanyType.choices, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.COURIER_ROUTE
    )
    inbound_monthly = models.PositiveIntegerField(_("inbound parcels per month"), null=True, blank=True)
    outbound_monthly = models.PositiveIntegerField(_("outbound parcels per month"), null=True, blank=True)
    our_monthly = models.PositiveIntegerField(_("our parcels per month"), null=True, blank=True)
    needs = models.TextField(_("needs heard"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    # No single-column indexes on collected_by, station and area: the composite indexes below lead with them.
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="leads",
        verbose_name=_("collected by"),
        db_index=False,
    )
    collected_at = models.DateTimeField(_("collected at"))
    collected_on = models.DateField(_("collected on"), help_text=_("The station's local date of collection."))
    # The moment the collector's phone recorded the lead, when it was captured without signal and sent later from
    # the phone's queue; `created_at` is when it reached the server. Null for a lead sent as it was captured.
    captured_at = models.DateTimeField(_("captured on the phone at"), null=True, blank=True)
    # Where the collector worked when collecting: the quota and the dashboards count by these, not by today's org.
    station = models.ForeignKey(
        "accounts.Station", on_delete=models.PROTECT, related_name="leads", db_index=False
    )
    area = models.ForeignKey(
        "accounts.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="leads", db_index=False
    )
    # Who sent it: the collector, or the station master / administrator / integration importing history.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    import_job = models.ForeignKey(
        "pipeline.ImportJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )

    status = models.CharField(
        _("status"), max_length=20, choices=LeadStatus.choices, default=LeadStatus.SUBMITTED, db_index=True
    )
    status_reason = models.TextField(_("reason"), blank=True)
    reject_reason = models.CharField(
        _("reject reason"), max_length=20, choices=RejectReason.choices, blank=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    client = models.ForeignKey(
        "pipeline.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="leads"
    )
    duplicate_of = models.ForeignKey(
        "pipeline.Client", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicate_leads"
    )
    idempotency_key = models.CharField(max_length=100, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-collected_at", "-pk"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            # Scoped to the sender: a retried POST (same sender, same key) finds the first lead.
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="lead_idempotency_key_per_sender",
            )
        ]
        indexes = [
            models.Index(fields=["collected_on", "collected_by"]),
            models.Index(fields=["station", "collected_on"]),
            models.Index(fields=["area", "status", "collected_at"]),
            models.Index(fields=["collected_by", "status"]),
            # The newest first within each scope (Meta.ordering), so a page of the list reads 25 index entries
            # instead of sorting every lead of the scope: headquarters, a station, an area, a collector.
            models.Index(fields=["-collected_at", "-id"], name="lead_newest"),
            models.Index(fields=["station", "-collected_at", "-id"], name="lead_station_newest"),
            models.Index(fields=["area", "-collected_at", "-id"], name="lead_area_newest"),
            models.Index(fields=["collected_by", "-collected_at", "-id"], name="lead_collector_newest"),
        ]

    def __str__(self):
        return self.company_name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def sync_delay(self):
        """How long a lead captured offline waited on the phone before it reached the server (None otherwise)."""
        if self.captured_at is None or self.created_at is None:
            return None
        return max(self.created_at - self.captured_at, timedelta(0))


class LeadContact(models.Model):
    """A further contact of the lead's company (the first one is on the lead itself)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(pgettext_lazy("job", "title"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices, default=ContactRole.OTHER)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_normalized = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    phone2 = models.CharField(_("other phone"), max_length=40, blank=True)
    phone2_normalized = models.CharField(max_length=20, blank=True, db_index=True, editable=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("lead contact")
        verbose_name_plural = _("lead contacts")

    def __str__(self):
        return self.name


def lead_photo_path(instance, filename):
    # A random name (the extension is the re-encoded format's): the name says nothing and cannot be guessed.
    return random_name("leads/cards", filename)


class LeadPhotoQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A card photo is seen by whoever sees its lead, or the client the lead became."""
        return self.filter(
            Q(lead__in=Lead.objects.visible_to(user)) | Q(lead__client__in=Client.objects.visible_to(user))
        )


class LeadPhoto(models.Model):
    """A photo of a business card (or shop front) taken while collecting."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=lead_photo_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = LeadPhotoQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("card photo")
        verbose_name_plural = _("card photos")


class LeadCompetitor(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="competitors")
    competitor = models.ForeignKey("pipeline.Competitor", on_delete=models.PROTECT, related_name="+")
    monthly = models.PositiveIntegerField(_("parcels per month"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lead", "competitor"], name="lead_competitor_unique")]


class LeadEvent(models.Model):
    """The review history of a lead: every submission, return, completion and decision, with who and why."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20, choices=LeadAction.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(_("at"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("lead event")
        verbose_name_plural = _("lead events")
        indexes = [models.Index(fields=["lead", "at"])]

    def __str__(self):
        return f"{self.lead_id} {self.action}"
