"""Screening (step 2): the signals of a promising customer, its expected revenue, how hard it will be to win,
and one priority score that ranks the marketer's list, with the reason behind every point.

The stored figures on Client (`competitor_monthly_total`, `expected_revenue`, `difficulty`, `priority_score`)
are recomputed by `refresh()` whenever something they depend on changes, so that lists sort and filter in the
database; pages explain them with `assess()`, which computes the same numbers from the record.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, Station
from accounts.roles import CLIENT_EDITORS, PRICE_EDITORS
from config import numbers

from ..models import Client, ClientCompetitorVolume, ClientMerge, ScreeningSettings
from ..models.clients import CompanyType, ContactRole, Difficulty, Source

# Yuan per parcel when neither the station (ScreeningSettings) nor settings.AVERAGE_PARCEL_PRICE says otherwise.
DEFAULT_AVERAGE_PARCEL_PRICE = Decimal("8.00")


@dataclass(frozen=True)
class SignalDef:
    code: str
    label: str
    points: int
    filter: Q  # the same rule as a database filter, for lists

    def applies(self, client: Client) -> bool:
        if self.code == "inbound_no_outbound":
            return client.inbound_monthly > 0 and client.outbound_monthly == 0
        if self.code == "outbound_below_inbound":
            return 0 < client.outbound_monthly < client.inbound_monthly
        if self.code == "competitor_dominant":
            return client.competitor_monthly_total > client.our_monthly
        if self.code == "hotline_caller":
            return client.source == Source.HOTLINE_11183
        if self.code == "referral":
            return client.source == Source.REFERRAL
        raise ValueError(self.code)


# DOMAIN.md, "Which leads matter".
SIGNALS = [
    SignalDef(
        "inbound_no_outbound",
        gettext_lazy("Parcels come in but none go out"),
        10,
        Q(inbound_monthly__gt=0, outbound_monthly=0),
    ),
    SignalDef(
        "outbound_below_inbound",
        gettext_lazy("Sends fewer parcels than it receives"),
        5,
        Q(outbound_monthly__gt=0, outbound_monthly__lt=F("inbound_monthly")),
    ),
    SignalDef(
        "competitor_dominant",
        gettext_lazy("Small volume with us, large with a competitor"),
        15,
        Q(competitor_monthly_total__gt=F("our_monthly")),
    ),
    SignalDef(
        "hotline_caller",
        gettext_lazy("Calls the 11183 pickup hotline"),
        10,
        Q(source=Source.HOTLINE_11183),
    ),
    SignalDef("referral", gettext_lazy("Referred by an existing customer"), 15, Q(source=Source.REFERRAL)),
]
SIGNALS_BY_CODE = {s.code: s for s in SIGNALS}

# Expected monthly revenue (yuan) -> points; the first threshold reached counts.
REVENUE_POINTS = [(20000, 50), (10000, 40), (5000, 30), (2000, 20), (500, 10), (Decimal("0.01"), 5)]
DIFFICULTY_PENALTY = 5  # points off per step above "very easy"
LARGE_ACCOUNT_MONTHLY = 3000  # parcels a month from which an account is negotiated at a higher level


@dataclass
class Line:
    label: str
    points: int


@dataclass
class Assessment:
    signals: list[SignalDef]
    potential_monthly: int
    average_price: Decimal
    expected_revenue: Decimal
    difficulty: int
    difficulty_auto: int
    difficulty_reasons: list[Line]
    difficulty_is_manual: bool
    priority_score: int
    lines: list[Line] = field(default_factory=list)  # how the priority adds up

    @property
    def difficulty_label(self) -> str:
        return Difficulty(self.difficulty).label


def average_price_for(station_id: int | None) -> Decimal:
    row = ScreeningSettings.objects.filter(station_id=station_id).values_list(
        "average_parcel_price", flat=True
    )
    for price in row:
        return price
    return _default_price()


def _default_price() -> Decimal:
    return Decimal(str(getattr(settings, "AVERAGE_PARCEL_PRICE", DEFAULT_AVERAGE_PARCEL_PRICE)))


def average_prices_for(station_ids) -> dict[int | None, Decimal]:
    """`average_price_for` of several stations in one query (a list spanning stations, as headquarters see it)."""
    station_ids = set(station_ids)
    prices = dict.fromkeys(station_ids, _default_price())
    known = [pk for pk in station_ids if pk is not None]
    if known:
        prices.update(
            ScreeningSettings.objects.filter(station_id__in=known).values_list(
                "station_id", "average_parcel_price"
            )
        )
    return prices


def potential_monthly(client: Client) -> int:
    """Parcels a month the customer sends that we could carry: its outbound, or what we and competitors carry."""
    return max(client.outbound_monthly, client.our_monthly + client.competitor_monthly_total)


def _revenue_points(revenue: Decimal) -> int:
    for threshold, points in REVENUE_POINTS:
        if revenue >= threshold:
            return points
    return 0


def _auto_difficulty(client: Client, signals: list[SignalDef], has_decision_maker: bool) -> tuple[int, list]:
    codes = {s.code for s in signals}
    reasons = []
    if "competitor_dominant" in codes:
        reasons.append(Line(_("A competitor carries most of its parcels"), 1))
    if client.company_type in (CompanyType.GOVERNMENT, CompanyType.MATURE):
        reasons.append(Line(_("Formal purchasing (government or mature enterprise)"), 1))
    if potential_monthly(client) >= LARGE_ACCOUNT_MONTHLY:
        reasons.append(Line(_("Large account, negotiated at a higher level"), 1))
    if "referral" in codes:
        reasons.append(Line(_("Introduced by a customer"), -1))
    if "hotline_caller" in codes:
        reasons.append(Line(_("Already calls our hotline"), -1))
    if has_decision_maker:
        reasons.append(Line(_("The key decision maker is known"), -1))
    if client.company_type in (CompanyType.SHOP, CompanyType.ECOMMERCE):
        reasons.append(Line(_("The owner decides alone"), -1))
    value = Difficulty.MEDIUM + sum(r.points for r in reasons)
    return max(Difficulty.VERY_EASY, min(Difficulty.VERY_HARD, value)), reasons


def _has_decision_maker(client: Client) -> bool:
    cache = getattr(client, "_prefetched_objects_cache", {})
    if "contacts" in cache:
        return any(c.role == ContactRole.DECISION_MAKER for c in client.contacts.all())
    if client.pk is None:
        return False
    return client.contacts.filter(role=ContactRole.DECISION_MAKER).exists()


def assess(client: Client, *, average_price: Decimal | None = None) -> Assessment:
    """The screening of one client, with the reason for every point (reads the record as it is)."""
    price = average_price if average_price is not None else average_price_for(client.station_id)
    signals = [s for s in SIGNALS if s.applies(client)]
    volume = potential_monthly(client)
    revenue = (price * volume).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    auto, reasons = _auto_difficulty(client, signals, _has_decision_maker(client))
    difficulty = client.difficulty_manual or auto

    lines = [
        Line(
            _("Expected revenue %(revenue)s a month (%(volume)s parcels × %(price)s)")
            % {
                "revenue": numbers.money_text(revenue),
                "volume": f"{volume:,}",
                "price": numbers.money_text(price, 2),
            },
            _revenue_points(revenue),
        )
    ]
    lines += [Line(str(s.label), s.points) for s in signals]
    lines.append(
        Line(
            _("Difficulty: %(label)s") % {"label": Difficulty(difficulty).label},
            -DIFFICULTY_PENALTY * (difficulty - 1),
        )
    )
    score = max(0, min(100, sum(line.points for line in lines)))
    return Assessment(
        signals=signals,
        potential_monthly=volume,
        average_price=price,
        expected_revenue=revenue,
        difficulty=difficulty,
        difficulty_auto=auto,
        difficulty_reasons=reasons,
        difficulty_is_manual=client.difficulty_manual is not None,
        priority_score=score,
        lines=lines,
    )


def competitor_total(client_id: int) -> int:
    """The latest month's volume of each competitor, added up."""
    latest = {}
    for competitor_id, month, monthly in ClientCompetitorVolume.objects.filter(
        client_id=client_id
    ).values_list("competitor_id", "month", "monthly"):
        if competitor_id not in latest or month > latest[competitor_id][0]:
            latest[competitor_id] = (month, monthly)
    return sum(monthly for _month, monthly in latest.values())


def refresh(client: Client, *, average_price: Decimal | None = None) -> Assessment:
    """Recompute the stored screening figures of one client (call inside the write's transaction)."""
    client.competitor_monthly_total = competitor_total(client.pk)
    # Contacts prefetched before the write may be stale: read them again.
    getattr(client, "_prefetched_objects_cache", {}).pop("contacts", None)
    result = assess(client, average_price=average_price)
    client.expected_revenue = result.expected_revenue
    client.difficulty = result.difficulty
    client.priority_score = result.priority_score
    # A narrow UPDATE: the loop may be moving this client at the same moment; its stage is left alone.
    Client.objects.filter(pk=client.pk).update(
        competitor_monthly_total=client.competitor_monthly_total,
        expected_revenue=client.expected_revenue,
        difficulty=client.difficulty,
        priority_score=client.priority_score,
    )
    return result


def refresh_station(station: Station) -> int:
    """Recompute every client of a station (after its average price changed). Returns how many."""
    price = average_price_for(station.pk)
    clients = list(Client.objects.filter(station=station).prefetch_related("contacts").order_by("pk"))
    for client in clients:
        result = assess(client, average_price=price)
        client.expected_revenue = result.expected_revenue
        client.difficulty = result.difficulty
        client.priority_score = result.priority_score
    Client.objects.bulk_update(clients, ["expected_revenue", "difficulty", "priority_score"], batch_size=500)
    return len(clients)


@transaction.atomic
def screening_settings_update(*, by, station: Station, average_parcel_price: Decimal) -> ScreeningSettings:
    if by.role not in PRICE_EDITORS or (by.role == Role.STATION_MASTER and by.station_id != station.pk):
        raise PermissionDenied(_("Only the station master or an administrator sets the average price."))
    row = ScreeningSettings.objects.filter(station=station).first() or ScreeningSettings(station=station)
    row.average_parcel_price = average_parcel_price
    row.updated_by = by
    row.full_clean(exclude=["station"])
    row.save()
    refresh_station(station)
    return row


@transaction.atomic
def client_screen(
    *, client: Client, by, difficulty_manual: int | None, visit_plan: dict | None = None
) -> Client:
    """The marketer's screening decision: difficulty (or automatic), optionally the visit plan; marks it screened."""
    _require_editor(by)
    if difficulty_manual is not None and difficulty_manual not in Difficulty.values:
        raise ValidationError(
            {"difficulty_manual": _("Choose a difficulty from 1 (very easy) to 5 (very hard).")}
        )
    client = Client.objects.select_for_update().get(pk=client.pk)
    client.difficulty_manual = difficulty_manual
    client.screened_by = by
    client.screened_at = timezone.now()
    fields = ["difficulty_manual", "screened_by", "screened_at", "updated_at"]
    if visit_plan is not None:
        fields += _apply_visit_plan(client, by, visit_plan)
    client.save(update_fields=sorted(set(fields)))
    refresh(client)
    return client


VISIT_PLAN_FIELDS = (
    "plan_key_points",
    "plan_initial_quote",
    "plan_route_combination",
    "plan_topics",
    "plan_department_head",
    "plan_relationships",
    "plan_superior_needed",
)


def _apply_visit_plan(client: Client, by, plan: dict) -> list[str]:
    unknown = set(plan) - set(VISIT_PLAN_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown visit-plan fields: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    for name, value in plan.items():
        setattr(client, name, value)
    if not (client.plan_key_points or "").strip():
        raise ValidationError({"plan_key_points": _("Write the key points of the visit.")})
    client.full_clean(exclude=[f.name for f in Client._meta.fields if f.name not in VISIT_PLAN_FIELDS])
    client.plan_updated_by = by
    client.plan_updated_at = timezone.now()
    return [*plan, "plan_updated_by", "plan_updated_at", "updated_at"]


@transaction.atomic
def visit_plan_update(*, client: Client, by, plan: dict) -> Client:
    """Write the visit plan of step 2: key points, quote or route combination needed, topics, whom to see."""
    _require_editor(by)
    client = Client.objects.select_for_update().get(pk=client.pk)
    fields = _apply_visit_plan(client, by, plan)
    if client.screened_at is None:
        client.screened_by, client.screened_at = by, timezone.now()
        fields += ["screened_by", "screened_at"]
    client.save(update_fields=sorted(set(fields)))
    return client


def _require_editor(by) -> None:
    if by.role not in CLIENT_EDITORS:
        raise PermissionDenied(_("Your role may not edit client records."))


# --- The client page's profile block ---------------------------------------------------------------------


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def client_profile_context(client: Client) -> dict:
    """What `pipeline/includes/client_profile.html` renders: contacts, parcel profile, our share against the
    competitors, screening signals and priority with its explanation, the visit plan, and edit links.

    Returns {"profile": {...}}; include the template with this context.
    """
    volumes = list(
        ClientCompetitorVolume.objects.filter(client=client).select_related("competitor").order_by("-month")
    )
    latest = {}
    for v in volumes:
        latest.setdefault(v.competitor_id, v)
    contacts = list(client.contacts.all())
    # The prefetch is what `assess` reads for "the key decision maker is known".
    client._prefetched_objects_cache = {
        **getattr(client, "_prefetched_objects_cache", {}),
        "contacts": contacts,
    }
    result = assess(client)
    from ..models import LeadPhoto

    photos = list(
        LeadPhoto.objects.filter(lead__client=client).select_related("lead").order_by("-uploaded_at")[:12]
    )
    total = client.our_monthly + sum(v.monthly for v in latest.values())
    shares = [
        {
            "name": v.competitor.name,
            "monthly": v.monthly,
            "month": v.month,
            "share": v.monthly / total if total else None,
        }
        for v in sorted(latest.values(), key=lambda v: -v.monthly)
    ]
    months = sorted({v.month for v in volumes}, reverse=True)[:6]
    history = [
        {
            "month": month,
            "volumes": {v.competitor.name: v.monthly for v in volumes if v.month == month},
        }
        for month in months
    ]
    return {
        "profile": {
            "client": client,
            "contacts": contacts,
            "photos": photos,
            "our_monthly": client.our_monthly,
            "our_share": client.our_monthly / total if total else None,
            "competitor_shares": shares,
            "competitor_history": history,
            "competitor_names": sorted({v.competitor.name for v in volumes}),
            "assessment": result,
            "plan_fields": [
                (Client._meta.get_field(name).verbose_name, getattr(client, name), name)
                for name in VISIT_PLAN_FIELDS
            ],
            "merges": list(ClientMerge.objects.filter(kept=client).select_related("merged", "by")),
            "editor_roles": sorted(CLIENT_EDITORS),
            "urls": {
                "edit": _url("pipeline:client_edit", client.pk),
                "plan": _url("pipeline:client_plan", client.pk),
                "competitors": _url("pipeline:client_competitors", client.pk),
                "merge": _url("pipeline:client_merge", client.pk),
            },
        }
    }
