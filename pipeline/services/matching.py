"""Duplicates: the existing client a lead or a new client duplicates (the one rule every writer follows), and
what already exists with a phone or a company name (the warnings the capture form shows while typing)."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import BigIntegerField, F, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from accounts.models import Station

from ..models import Client, ClientContact, Lead
from .normalize import normalize_company_name, try_normalize_phone


@dataclass
class Match:
    kind: str  # "client" or "lead"
    id: int
    name: str
    match: str  # "phone", "name" or "similar"
    station: str
    area: str
    visible: bool
    status: str = ""
    collected_on: date | None = None
    collected_by: str = ""

    def as_dict(self) -> dict:
        # Outside the caller's scope a match says only that the number (or name) is known in a station: not
        # whose it is, nor its id, area, stage or collector.
        visible = self.visible
        return {
            "kind": self.kind,
            "id": self.id if visible else None,
            "name": self.name if visible else "",
            "match": self.match,
            "station": self.station,
            "area": self.area if visible else "",
            "status": self.status if visible else "",
            "collected_on": self.collected_on if visible else None,
            "collected_by": self.collected_by if visible else "",
            "url": self._url() if visible else "",
        }

    def _url(self) -> str:
        if self.kind == "lead":
            return reverse("pipeline:lead_detail", args=[self.id])
        return client_url(self.id)


def client_url(client_id: int) -> str:
    """The client page once it exists, else the client's edit page."""
    from django.urls import NoReverseMatch

    try:
        return reverse("pipeline:client_detail", args=[client_id])
    except NoReverseMatch:
        return reverse("pipeline:client_edit", args=[client_id])


def _client_ids_by_phone(phones) -> list[int]:
    phones = [p for p in phones if p]
    if not phones:
        return []
    return list(
        ClientContact.objects.filter(
            Q(phone_normalized__in=phones) | Q(phone2_normalized__in=phones),
            client__merged_into__isnull=True,
        )
        .order_by("client_id")
        .values_list("client_id", flat=True)
        .distinct()
    )


def _contact_phone_matches(lead, phones) -> bool:
    return bool(phones) and lead.contacts.filter(phone_normalized__in=phones).exists()


def known_client(user, client: Client, *, visible: bool | None = None) -> dict:
    """What a person may be told about an existing client a record matches: its name and page within their
    scope; outside it only the station where the client is known (never its name or id). `visible` when the
    caller has looked the scope up already (a list)."""
    if visible is None:
        visible = Client.objects.visible_to(user).filter(pk=client.pk).exists()
    if visible:
        return {
            "visible": True,
            "name": client.name,
            "station": str(client.station),
            "url": client_url(client.pk),
        }
    return {"visible": False, "name": "", "station": str(client.station), "url": ""}


def similar_clients(normalized: str):
    """Active clients whose normalised name resembles this one: trigram similarity on PostgreSQL (an index),
    one name containing the other elsewhere."""
    qs = Client.objects.active()
    if len(normalized) < 2:
        return qs.none()
    contains = Q(normalized_name__contains=normalized)
    if settings.IS_POSTGRES:
        return qs.filter(contains | Q(normalized_name__trigram_similar=normalized))
    from django.db.models import Value

    return qs.alias(probe=Value(normalized)).filter(contains | Q(probe__contains=F("normalized_name")))


def duplicate_client_expression(*, normalized_name: str, phones, station_id: int):
    """The rule of duplicate_client_for as one SQL expression (the id or null), so that a writer can fold the
    check into its own statement: both lookups are scalar subqueries, the phone's first. None when there is
    nothing to look for."""
    phones = [p for p in phones if p]
    lookups = []
    if phones:
        lookups.append(
            ClientContact.objects.filter(
                Q(phone_normalized__in=phones) | Q(phone2_normalized__in=phones),
                client__merged_into__isnull=True,
            )
            .order_by("client_id")
            .values("client_id")[:1]
        )
    if normalized_name:
        lookups.append(
            Client.objects.active()
            .filter(normalized_name=normalized_name, station_id=station_id)
            .order_by("pk")
            .values("pk")[:1]
        )
    found = [Subquery(q, output_field=BigIntegerField()) for q in lookups]
    if len(found) > 1:
        return Coalesce(*found, output_field=BigIntegerField())
    return found[0] if found else None


def duplicate_client_id_for(*, normalized_name: str, phones, station_id: int) -> int | None:
    """The id of the existing client a lead duplicates (see duplicate_client_for), in one query."""
    match = duplicate_client_expression(normalized_name=normalized_name, phones=phones, station_id=station_id)
    if match is None:
        return None
    return Station.objects.filter(pk=station_id).values_list(match, flat=True).first()


def duplicate_client_for(*, normalized_name: str, phones, station_id: int | None) -> Client | None:
    """The existing client a lead duplicates: one with the same phone anywhere, or the same name in the station.

    The same name in another station is only a warning: chains have shops of one name in many places.
    """
    if station_id is not None:
        found = duplicate_client_id_for(normalized_name=normalized_name, phones=phones, station_id=station_id)
        return Client.objects.get(pk=found) if found else None
    ids = _client_ids_by_phone(phones)
    return Client.objects.get(pk=ids[0]) if ids else None


def find_matches(
    *, user, company_name: str = "", phones=(), exclude_lead_id=None, limit: int = 5
) -> list[Match]:
    """What already exists with this phone or this company: clients, open leads, similar names (for warnings)."""

    normalized = normalize_company_name(company_name) if company_name else ""
    phones = [p for p in (try_normalize_phone(p) for p in phones if p) if p]
    visible_clients = Client.objects.visible_to(user)
    visible_leads = Lead.objects.visible_to(user)
    matches: list[Match] = []
    seen = set()

    def add_clients(qs, how):
        for c in qs.select_related("station", "area")[:limit]:
            if ("client", c.pk) in seen:
                continue
            seen.add(("client", c.pk))
            matches.append(
                Match(
                    "client",
                    c.pk,
                    c.name,
                    how,
                    str(c.station),
                    str(c.area or ""),
                    visible=visible_clients.filter(pk=c.pk).exists(),
                    status=c.get_stage_display(),
                )
            )

    if phones:
        add_clients(Client.objects.filter(pk__in=_client_ids_by_phone(phones)), "phone")
    if normalized:
        add_clients(Client.objects.active().filter(normalized_name=normalized).order_by("pk"), "name")
        add_clients(similar_clients(normalized).exclude(normalized_name=normalized).order_by("pk"), "similar")

    lead_q = Q()
    if phones:
        lead_q |= Q(phone_normalized__in=phones) | Q(contacts__phone_normalized__in=phones)
    if normalized:
        lead_q |= Q(normalized_name=normalized)
    if lead_q:
        leads = (
            Lead.objects.open()
            .filter(lead_q)
            .exclude(pk=exclude_lead_id)
            .select_related("station", "area", "collected_by")
            .distinct()
            .order_by("-collected_at")[:limit]
        )
        for lead in leads:
            # Matched by a number (its own or a further contact's) unless only its name matched.
            name_only = (
                normalized and lead.normalized_name == normalized and lead.phone_normalized not in phones
            )
            how = "name" if name_only and not _contact_phone_matches(lead, phones) else "phone"
            matches.append(
                Match(
                    "lead",
                    lead.pk,
                    lead.company_name,
                    how,
                    str(lead.station),
                    str(lead.area or ""),
                    visible=visible_leads.filter(pk=lead.pk).exists(),
                    status=lead.get_status_display(),
                    collected_on=lead.collected_on,
                    collected_by=str(lead.collected_by),
                )
            )
    return matches


def resolve_merged(client: Client | None) -> Client | None:
    """Follow merges to the record that is kept."""
    seen = set()
    while client is not None and client.merged_into_id and client.pk not in seen:
        seen.add(client.pk)
        client = Client.objects.get(pk=client.merged_into_id)
    return client
