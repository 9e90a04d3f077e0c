"""Writes of client records: creating and editing them, their contacts and competitor volumes, merging two
records of one company, and the competitors list."""

from datetime import date

import pghistory.models
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Area, User
from accounts.roles import CLIENT_EDITORS, COMPETITOR_EDITORS

from ..models import Client, ClientCompetitorVolume, ClientContact, ClientMerge, Competitor
from ..models.loop import Proposal
from . import screening, transitions
from .matching import duplicate_client_for, known_client
from .validation import (
    MAX_TEXT,
    VOLUME_FIELDS,
    check_waybill_code,
    clean_client_fields,
    clean_competitors,
    clean_contacts,
    month_of,
)


def _require_client_editor(by: User) -> None:
    if not (by.is_authenticated and by.role in CLIENT_EDITORS):
        raise PermissionDenied(_("Your role may not edit client records."))


def _client_place(*, by: User, area: Area | None):
    if area is not None:
        if not Area.objects.visible_to(by).filter(pk=area.pk).exists():
            raise ValidationError({"area": [_("This area is outside your scope.")]})
        return area.station, area
    if by.station_id is None:
        raise ValidationError({"area": [_("Choose the area the client belongs to.")]})
    return by.station, by.area


@transaction.atomic
def client_create(
    *,
    by: User,
    data: dict,
    area: Area | None = None,
    contacts=None,
    competitors=None,
    month: date | None = None,
    import_job=None,
) -> Client:
    """A client record created directly by a marketer (a walk-in, a list from elsewhere, an import)."""
    _require_client_editor(by)
    errors = {}
    fields, contact_rows, competitor_rows = {}, [], []
    for part in ("fields", "contacts", "competitors", "place"):
        try:
            if part == "fields":
                fields = clean_client_fields(data)
                check_waybill_code(fields.get("waybill_code", ""), client_pk=None)
            elif part == "contacts":
                contact_rows = clean_contacts(contacts)
            elif part == "competitors":
                competitor_rows = clean_competitors(competitors)
            else:
                station, area = _client_place(by=by, area=area)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    phones = [p for c in contact_rows for p in (c["phone_normalized"], c["phone2_normalized"]) if p]
    existing = duplicate_client_for(
        normalized_name=fields["normalized_name"], phones=phones, station_id=station.pk
    )
    if existing is not None:
        known = known_client(by, existing)
        raise ValidationError(
            {
                "name": [
                    _("This client already exists: “%(name)s” (no. %(id)s).")
                    % {"name": existing.name, "id": existing.pk}
                    if known["visible"]
                    else _("This client is already known in station %(station)s.")
                    % {"station": known["station"]}
                ]
            }
        )
    client = Client.objects.create(
        **fields, station=station, area=area, created_by=by, collected_by=by, import_job=import_job
    )
    ClientContact.objects.bulk_create([ClientContact(client=client, **c) for c in contact_rows])
    month = month_of(month or timezone.localdate())
    ClientCompetitorVolume.objects.bulk_create(
        [
            ClientCompetitorVolume(client=client, competitor=c, month=month, monthly=m, recorded_by=by)
            for c, m in competitor_rows
        ]
    )
    screening.refresh(client)
    return client


@transaction.atomic
def client_update(*, client: Client, by: User, data: dict, area: Area | None = None) -> Client:
    """Edit a client's profile (name, address, type, source, parcel profile, needs, notes, difficulty)."""
    _require_client_editor(by)
    fields = clean_client_fields(data, partial=True)
    if "waybill_code" in fields:
        check_waybill_code(fields["waybill_code"], client_pk=client.pk)
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if locked.is_merged:
        raise ValidationError(_("This client was merged into another; edit that one."))
    for name, value in fields.items():
        setattr(locked, name, value)
    if area is not None and area.pk != locked.area_id:
        if not Area.objects.visible_to(by).filter(pk=area.pk).exists():
            raise ValidationError({"area": [_("This area is outside your scope.")]})
        locked.area, locked.station = area, area.station
        fields.update(area=area, station=area.station)
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    screening.refresh(locked)
    return locked


@transaction.atomic
def client_contacts_save(*, client: Client, by: User, contacts: list[dict]) -> list[ClientContact]:
    """Add, change or remove contacts: rows with an "id" change that contact ("delete": true removes it)."""
    _require_client_editor(by)
    existing = {c.pk: c for c in ClientContact.objects.filter(client=client)}
    errors = []
    keep = []
    for i, row in enumerate(contacts, start=1):
        if row.get("id") and row.get("id") not in existing:
            errors.append(_("Contact %(n)s does not belong to this client.") % {"n": i})
            continue
        if row.get("delete"):
            continue
        keep.append(row)
    cleaned = clean_contacts(
        [{k: row.get(k) for k in ("name", "title", "role", "phone", "phone2")} for row in keep]
    )
    extra_errors = {}
    for row, clean in zip(keep, cleaned, strict=True):
        email = (row.get("email") or "").strip()
        clean["email"] = email
        clean["notes"] = (row.get("notes") or "").strip()[:MAX_TEXT]
        if email:
            try:
                ClientContact._meta.get_field("email").clean(email, None)
            except ValidationError as exc:
                extra_errors.setdefault("contacts", []).extend(exc.messages)
    if errors or extra_errors:
        raise ValidationError({"contacts": errors + extra_errors.get("contacts", [])})
    kept_ids = set()
    for row, clean in zip(keep, cleaned, strict=True):
        if row.get("id"):
            contact = existing[row["id"]]
            for name, value in clean.items():
                setattr(contact, name, value)
            contact.save()
            kept_ids.add(contact.pk)
        else:
            ClientContact.objects.create(client=client, **clean)
    ClientContact.objects.filter(client=client).exclude(pk__in=kept_ids).filter(
        pk__in=[pk for pk in existing if pk not in kept_ids]
    ).delete()
    screening.refresh(client)
    return list(ClientContact.objects.filter(client=client).order_by("pk"))


@transaction.atomic
def client_competitor_volumes_set(
    *, client: Client, by: User, month: date, volumes
) -> list[ClientCompetitorVolume]:
    """Record what each competitor carries for the client in a month ([{"competitor", "monthly"}]), and our own
    monthly parcels if given as {"competitor": None}. Earlier months stay as history."""
    _require_client_editor(by)
    month = month_of(month)
    if month > month_of(timezone.localdate()):
        raise ValidationError({"month": [_("The month cannot be in the future.")]})
    rows = clean_competitors(volumes, field="volumes")
    saved = []
    for competitor, monthly in rows:
        volume, _created = ClientCompetitorVolume.objects.update_or_create(
            client=client,
            competitor=competitor,
            month=month,
            defaults={"monthly": monthly, "recorded_by": by},
        )
        saved.append(volume)
    Client.objects.filter(pk=client.pk).update(updated_at=timezone.now())
    screening.refresh(client)
    return saved


# Records that stay with the merged client rather than move: the merge's own record, and its place in the tree.
_NOT_MOVED = {("pipeline", "clientmerge")}


def _move_rows(model, field_name: str, kept: Client, merged: Client) -> int:
    """Point every row of `model` that refers to `merged` at `kept`; rows that would break a unique rule
    (the kept client already has that month, that one-to-one record) stay on the merged client."""
    qs = model._base_manager.filter(**{field_name: merged})
    try:
        with transaction.atomic():
            return qs.update(**{field_name: kept})
    except IntegrityError:
        moved = 0
        for pk in qs.values_list("pk", flat=True):
            try:
                with transaction.atomic():
                    moved += model._base_manager.filter(pk=pk).update(**{field_name: kept})
            except IntegrityError:
                continue
        return moved


@transaction.atomic
def client_merge(*, kept: Client, merged: Client, by: User, note: str = "") -> ClientMerge:
    """Merge `merged` into `kept`: every lead, contact, volume and history row moves to `kept`; `merged` stays as
    a pointer (merged_into) and a ClientMerge row records who merged what and what moved."""
    _require_client_editor(by)
    if kept.pk == merged.pk:
        raise ValidationError({"other": [_("Choose two different clients.")]})
    visible = Client.objects.visible_to(by)
    if visible.filter(pk__in=[kept.pk, merged.pk]).count() != 2:
        raise PermissionDenied(_("Both clients must be in your scope."))
    # Lock both in one order, so two merges of the same pair cannot deadlock.
    locked = {
        c.pk: c for c in Client.objects.select_for_update().filter(pk__in=[kept.pk, merged.pk]).order_by("pk")
    }
    kept, merged = locked[kept.pk], locked[merged.pk]
    if kept.is_merged or merged.is_merged:
        raise ValidationError(_("One of these clients was already merged into another."))
    # Proposal versions are numbered per client: the merged client's versions follow the kept client's.
    last_version = Proposal.objects.filter(client=kept).aggregate(v=Max("version"))["v"] or 0
    Proposal.objects.filter(client=merged).update(version=F("version") + last_version)
    moved = {}
    for rel in Client._meta.related_objects:
        model = rel.related_model
        if (model._meta.app_label, model._meta.model_name) in _NOT_MOVED or issubclass(
            model, pghistory.models.Event
        ):
            continue  # the audit trail's copies keep the client they were about
        if rel.many_to_many:
            through = rel.through
            fk = next(f for f in through._meta.fields if f.is_relation and f.related_model is Client)
            model, field_name = through, fk.name
        else:
            field_name = rel.field.name
        if model is Client:
            count = Client.objects.filter(merged_into=merged).update(merged_into=kept)
        else:
            count = _move_rows(model, field_name, kept, merged)
        if count:
            label = f"{model._meta.app_label}.{model.__name__}.{field_name}"
            moved[label] = moved.get(label, 0) + count
    changed = []
    for name in ("address", "industry", "company_type"):
        if not getattr(kept, name) and getattr(merged, name):
            setattr(kept, name, getattr(merged, name))
            changed.append(name)
    for name in VOLUME_FIELDS:
        if not getattr(kept, name) and getattr(merged, name):
            setattr(kept, name, getattr(merged, name))
            changed.append(name)
    for name in ("needs", "notes"):
        extra = getattr(merged, name)
        if extra and extra not in getattr(kept, name):
            setattr(kept, name, f"{getattr(kept, name)}\n{extra}".strip())
            changed.append(name)
    if changed:
        kept.save(update_fields=[*changed, "updated_at"])
    # The merged client's stage changes are the kept one's now: so is how far they went.
    transitions.history_refresh(kept)
    Client.objects.filter(pk=merged.pk).update(merged_into=kept, updated_at=timezone.now())
    record = ClientMerge.objects.create(
        kept=kept, merged=merged, by=by, note=(note or "").strip()[:MAX_TEXT], moved=moved
    )
    screening.refresh(kept)
    return record


COMPETITOR_FIELDS = ("name", "short_name", "products", "prices_seen", "strengths", "notes", "is_active")


@transaction.atomic
def competitor_save(*, by: User, data: dict, competitor: Competitor | None = None) -> Competitor:
    """Add a competitor to the list or edit its profile (products, prices seen, strengths). The list is shared
    by every station: headquarters keeps it."""
    if not (by.is_authenticated and by.role in COMPETITOR_EDITORS):
        raise PermissionDenied(_("Only headquarters edits the competitors list."))
    competitor = competitor or Competitor()
    for name in COMPETITOR_FIELDS:
        if name in data:
            value = data[name]
            setattr(competitor, name, value.strip() if isinstance(value, str) else value)
    for name in ("products", "prices_seen", "strengths", "notes"):
        if len(getattr(competitor, name)) > MAX_TEXT:
            raise ValidationError({name: [_("At most %(max)s characters.") % {"max": MAX_TEXT}]})
    competitor.full_clean()
    competitor.save()
    return competitor
