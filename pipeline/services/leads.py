"""Writes of steps 1 and 2: submitting leads, reviewing them (accept, return, reject), resubmitting, finding
duplicates, and creating, editing and merging client records. Pages, the API, imports and the demo call these.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from accounts.models import Area, Role, User
from accounts.services import notify
from quota.tallies import record_leads, record_uncounted

from ..models import (
    Client,
    ClientCompetitorVolume,
    ClientContact,
    ClientMerge,
    Competitor,
    Lead,
    LeadCompetitor,
    LeadContact,
    LeadEvent,
    LeadPhoto,
)
from ..models.clients import ContactRole
from ..models.leads import OPEN_STATUSES, LeadAction, LeadStatus, RejectReason
from ..models.loop import Proposal, Stage
from . import screening
from .normalize import normalize_company_name, normalize_phone

# Who may submit leads; executives only read.
LEAD_COLLECTORS = frozenset(
    {
        Role.COURIER,
        Role.AREA_MARKETER,
        Role.AREA_MANAGER,
        Role.KEY_ACCOUNT_MANAGER,
        Role.STATION_MASTER,
        Role.ADMIN,
    }
)
# Who reviews leads (step 2): accept, return, reject.
REVIEWERS = frozenset({Role.AREA_MARKETER, Role.AREA_MANAGER, Role.STATION_MASTER, Role.ADMIN})
# Who may send `collected_at` and `collected_by` (history import; an integration uses one of these accounts).
HISTORY_IMPORTERS = frozenset({Role.STATION_MASTER, Role.ADMIN})

LEAD_FIELDS = (
    "company_name",
    "contact_name",
    "contact_title",
    "contact_role",
    "contact_phone",
    "address",
    "industry",
    "company_type",
    "source",
    "inbound_monthly",
    "outbound_monthly",
    "our_monthly",
    "needs",
    "notes",
)
VOLUME_FIELDS = ("inbound_monthly", "outbound_monthly", "our_monthly")
TEXT_FIELDS = ("needs", "notes")
# What the customer-information form must have before the marketer accepts a lead.
ACCEPT_REQUIRED = (
    "company_name",
    "contact_name",
    "contact_phone",
    "address",
    "industry",
    "inbound_monthly",
    "outbound_monthly",
)
CLIENT_FIELDS = (
    "name",
    "address",
    "industry",
    "company_type",
    "source",
    "inbound_monthly",
    "outbound_monthly",
    "our_monthly",
    "needs",
    "notes",
)
MAX_TEXT = 5000
MAX_MONTHLY = 10_000_000
MAX_CONTACTS = 20
MAX_COMPETITORS = 20
MAX_PHOTOS = 5
ACCEPTED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST_COLLECTION = date(2000, 1, 1)


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


# --- Validation ----------------------------------------------------------------------------------------------


def _clean_value(model, name: str, value, errors: dict):
    """One field through the model field's own validation (translated messages); floats must be whole."""
    field = model._meta.get_field(name)
    if name in VOLUME_FIELDS:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None if field.null else 0
        if isinstance(value, bool):
            errors[name] = [_("Enter a whole number of parcels.")]
            return None
        if isinstance(value, float):
            if not value.is_integer():
                errors[name] = [_("Enter a whole number of parcels.")]
                return None
            value = int(value)
        if isinstance(value, str):
            value = value.strip().replace(",", "")
    elif value is None:
        value = ""
    elif isinstance(value, str):
        value = value.strip()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value)) if float(value).is_integer() else str(value)
    try:
        cleaned = field.clean(value, None)
    except ValidationError as exc:
        errors[name] = exc.messages
        return None
    if name in VOLUME_FIELDS and cleaned is not None and cleaned > MAX_MONTHLY:
        errors[name] = [_("At most %(max)s parcels a month.") % {"max": f"{MAX_MONTHLY:,}"}]
    if name in TEXT_FIELDS and len(cleaned) > MAX_TEXT:
        errors[name] = [_("At most %(max)s characters.") % {"max": MAX_TEXT}]
    return cleaned


def clean_lead_fields(data: dict, *, partial: bool = False) -> dict:
    """The lead form's fields, validated and normalised; raises ValidationError keyed by field."""
    errors: dict = {}
    names = [n for n in LEAD_FIELDS if n in data] if partial else LEAD_FIELDS
    cleaned = {}
    for name in names:
        raw = data.get(name)
        if raw is None and name == "source" and not partial:
            raw = Lead._meta.get_field("source").default
        value = _clean_value(Lead, name, raw, errors)
        if name not in errors:
            cleaned[name] = value
    if "company_name" in cleaned:
        cleaned["normalized_name"] = normalize_company_name(cleaned["company_name"])
        if not cleaned["normalized_name"]:
            errors["company_name"] = [_("Enter the company's name.")]
    if "contact_phone" in cleaned:
        try:
            cleaned["phone_normalized"] = normalize_phone(cleaned["contact_phone"])
        except ValidationError as exc:
            errors["contact_phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_contacts(contacts, *, field: str = "contacts") -> list[dict]:
    """Further contacts: name required, role a known choice, phones valid when given."""
    if contacts is None:
        return []
    if not isinstance(contacts, (list, tuple)):
        raise ValidationError({field: [_("Send a list of contacts.")]})
    if len(contacts) > MAX_CONTACTS:
        raise ValidationError({field: [_("At most %(max)s contacts.") % {"max": MAX_CONTACTS}]})
    out, messages = [], []
    for i, raw in enumerate(contacts, start=1):
        if not isinstance(raw, dict):
            messages.append(_("Contact %(n)s: send an object with a name.") % {"n": i})
            continue
        errors: dict = {}
        row = {}
        for name in ("name", "title", "role", "phone", "phone2"):
            value = raw.get(name)
            if name == "role" and not value:
                value = ContactRole.OTHER
            row[name] = _clean_value(LeadContact, name, value, errors)
        for name in ("phone", "phone2"):
            if row.get(name):
                try:
                    row[f"{name}_normalized"] = normalize_phone(row[name])
                except ValidationError as exc:
                    errors[name] = exc.messages
            else:
                row[f"{name}_normalized"] = ""
        for name, msgs in errors.items():
            messages += [
                _("Contact %(n)s, %(field)s: %(message)s")
                % {"n": i, "field": _label(LeadContact, name), "message": m}
                for m in msgs
            ]
        out.append(row)
    if messages:
        raise ValidationError({field: messages})
    return out


def resolve_competitor(value) -> Competitor:
    """A competitor by id, by name or short name (any case, any width), or by the start of its name."""
    if isinstance(value, Competitor):
        return value
    competitors = _competitor_index()
    if isinstance(value, str) and value.strip().isdecimal():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        for c in competitors:
            if c.pk == value:
                return c
    key = normalize_company_name(str(value or ""))
    if key:
        exact = [c for c in competitors if key in (c._key_name, c._key_short)]
        if len(exact) == 1:
            return exact[0]
        started = [c for c in competitors if len(key) >= 2 and c._key_name.startswith(key)]
        if len(started) == 1:
            return started[0]
    raise ValidationError(
        _("Unknown competitor “%(name)s”. Known: %(known)s.")
        % {"name": value, "known": ", ".join(c.name for c in competitors if c.is_active)}
    )


def _competitor_index() -> list[Competitor]:
    competitors = list(Competitor.objects.all())
    for c in competitors:
        c._key_name = normalize_company_name(c.name)
        c._key_short = normalize_company_name(c.short_name) if c.short_name else ""
    return competitors


def clean_competitors(items, *, field: str = "competitors") -> list[tuple[Competitor, int]]:
    if items is None:
        return []
    if not isinstance(items, (list, tuple)):
        raise ValidationError({field: [_("Send a list of competitors with their monthly parcels.")]})
    if len(items) > MAX_COMPETITORS:
        raise ValidationError({field: [_("At most %(max)s competitors.") % {"max": MAX_COMPETITORS}]})
    out, messages, seen = [], [], set()
    for i, raw in enumerate(items, start=1):
        if not isinstance(raw, dict):
            messages.append(_('Competitor %(n)s: send {"competitor": name, "monthly": n}.') % {"n": i})
            continue
        try:
            competitor = resolve_competitor(raw.get("competitor"))
        except ValidationError as exc:
            messages += exc.messages
            continue
        errors: dict = {}
        monthly = _clean_value(LeadCompetitor, "monthly", raw.get("monthly"), errors)
        if errors or monthly is None:
            messages.append(
                _("%(name)s: %(message)s")
                % {
                    "name": competitor.name,
                    "message": " ".join(errors.get("monthly", [_("Enter the parcels per month.")])),
                }
            )
            continue
        if monthly > MAX_MONTHLY:
            messages.append(
                _("%(name)s: at most %(max)s parcels a month.")
                % {"name": competitor.name, "max": f"{MAX_MONTHLY:,}"}
            )
            continue
        if competitor.pk in seen:
            messages.append(_("%(name)s is listed twice.") % {"name": competitor.name})
            continue
        seen.add(competitor.pk)
        out.append((competitor, monthly))
    if messages:
        raise ValidationError({field: messages})
    return out


def validate_image(upload: UploadedFile, *, field: str = "photos") -> None:
    """A photo must be an image Pillow can read, no larger than settings.UPLOAD_MAX_BYTES."""
    limit = settings.UPLOAD_MAX_BYTES
    name = getattr(upload, "name", "") or _("the file")
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {
                field: [
                    _("“%(name)s” is %(size)s MB; photos may be at most %(max)s MB.")
                    % {
                        "name": name,
                        "size": f"{upload.size / 1024 / 1024:.1f}",
                        "max": f"{limit / 1024 / 1024:g}",
                    }
                ]
            }
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
            fmt = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            {field: [_("“%(name)s” is not an image (use a JPEG or PNG photo).") % {"name": name}]}
        )
    finally:
        upload.seek(0)
    if fmt not in ACCEPTED_IMAGE_FORMATS:
        raise ValidationError(
            {
                field: [
                    _("“%(name)s” is a %(format)s image; use a JPEG or PNG photo.")
                    % {"name": name, "format": fmt}
                ]
            }
        )


def _clean_photos(photos) -> list:
    photos = [p for p in (photos or []) if p]
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": [_("At most %(max)s photos per lead.") % {"max": MAX_PHOTOS}]})
    for photo in photos:
        validate_image(photo)
    return photos


# --- Duplicates ----------------------------------------------------------------------------------------------


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
        return {
            "kind": self.kind,
            "id": self.id if self.visible else None,
            # Outside the caller's scope a phone match does not reveal whose number it is.
            "name": self.name if self.visible or self.match == "name" else "",
            "match": self.match,
            "station": self.station,
            "area": self.area,
            "status": self.status,
            "collected_on": self.collected_on,
            "collected_by": self.collected_by if self.visible else "",
            "url": self._url() if self.visible else "",
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


def duplicate_client_for(*, normalized_name: str, phones, station_id: int | None) -> Client | None:
    """The existing client a lead duplicates: one with the same phone anywhere, or the same name in the station.

    The same name in another station is only a warning: chains have shops of one name in many places.
    """
    ids = _client_ids_by_phone(phones)
    if ids:
        return Client.objects.get(pk=ids[0])
    if normalized_name:
        return (
            Client.objects.active()
            .filter(normalized_name=normalized_name, station_id=station_id)
            .order_by("pk")
            .first()
        )
    return None


def find_matches(
    *, user, company_name: str = "", phones=(), exclude_lead_id=None, limit: int = 5
) -> list[Match]:
    """What already exists with this phone or this company: clients, open leads, similar names (for warnings)."""
    from .normalize import try_normalize_phone

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
            how = "phone" if lead.phone_normalized in phones else "name"
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


def _resolve_merged(client: Client | None) -> Client | None:
    """Follow merges to the record that is kept."""
    seen = set()
    while client is not None and client.merged_into_id and client.pk not in seen:
        seen.add(client.pk)
        client = Client.objects.get(pk=client.merged_into_id)
    return client


# --- Submitting ----------------------------------------------------------------------------------------------


def _require_collector(by: User) -> None:
    if not (by.is_authenticated and by.role in LEAD_COLLECTORS):
        raise PermissionDenied(_("Your role does not submit leads."))


def _collector_and_time(*, by: User, collected_by: User | None, collected_at: datetime | None):
    """Who collected and when: the caller and now, unless a history importer says otherwise."""
    now = timezone.now()
    collector, when = by, now
    if by.role in HISTORY_IMPORTERS:
        if collected_by is not None:
            if by.role == Role.STATION_MASTER and collected_by.station_id != by.station_id:
                raise ValidationError(
                    {"collected_by": [_("A station master records leads only for people of their station.")]}
                )
            collector = collected_by
        if collected_at is not None:
            if timezone.is_naive(collected_at):
                station_tz = collector.station.tz if collector.station_id else timezone.get_current_timezone()
                collected_at = timezone.make_aware(collected_at, station_tz)
            if collected_at > now + CLOCK_SKEW:
                raise ValidationError({"collected_at": [_("A lead cannot be collected in the future.")]})
            if collected_at.date() < EARLIEST_COLLECTION:
                raise ValidationError(
                    {
                        "collected_at": [
                            _("A lead cannot be dated before %(date)s.") % {"date": EARLIEST_COLLECTION}
                        ]
                    }
                )
            when = min(collected_at, now)
    if collector.station_id is None:
        raise ValidationError(
            {
                "collected_by": [
                    _("%(name)s belongs to no station; name the person who collected the lead.")
                    % {"name": collector}
                ]
            }
        )
    if not collector.is_active:
        raise ValidationError({"collected_by": [_("%(name)s is no longer active.") % {"name": collector}]})
    return collector, when


def _lead_phones(lead_fields: dict, contacts: list[dict]) -> list[str]:
    phones = [lead_fields.get("phone_normalized", "")]
    for c in contacts:
        phones += [c.get("phone_normalized", ""), c.get("phone2_normalized", "")]
    return [p for p in phones if p]


def lead_submit(
    *,
    by: User,
    data: dict,
    photos=(),
    idempotency_key: str = "",
    collected_by: User | None = None,
    collected_at: datetime | None = None,
) -> tuple[Lead, bool]:
    """Record a lead from the customer-information form. Returns (lead, created).

    With an `idempotency_key`, a retried submission (double tap, slow network, a client retrying a POST) returns
    the first lead instead of creating a second one.
    """
    _require_collector(by)
    idempotency_key = (idempotency_key or "").strip()
    if len(idempotency_key) > 100:
        raise ValidationError({"idempotency_key": [_("An idempotency key has at most 100 characters.")]})
    if idempotency_key:
        existing = Lead.objects.filter(created_by=by, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False

    errors = {}
    fields = contacts = competitors = None
    for part in ("fields", "contacts", "competitors", "photos", "who"):
        try:
            if part == "fields":
                fields = clean_lead_fields(data)
            elif part == "contacts":
                contacts = clean_contacts(data.get("contacts"))
            elif part == "competitors":
                competitors = clean_competitors(data.get("competitors"))
            elif part == "photos":
                photos = _clean_photos(photos)
            else:
                collector, when = _collector_and_time(
                    by=by, collected_by=collected_by, collected_at=collected_at
                )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    duplicate = duplicate_client_for(
        normalized_name=fields["normalized_name"],
        phones=_lead_phones(fields, contacts),
        station_id=collector.station_id,
    )
    lead = Lead(
        **fields,
        collected_by=collector,
        collected_at=when,
        collected_on=collector.station.local_date(when),
        station_id=collector.station_id,
        area_id=collector.area_id,
        created_by=by,
        duplicate_of=duplicate,
        idempotency_key=idempotency_key,
    )
    try:
        with transaction.atomic():
            lead.save()
            _write_lead_children(lead, contacts=contacts, competitors=competitors, photos=photos, by=by)
            LeadEvent.objects.create(lead=lead, action=LeadAction.SUBMITTED, by=by, at=timezone.now())
            record_leads([lead])
    except IntegrityError:
        # Two requests with one key raced; the other one's lead is the answer.
        existing = Lead.objects.filter(created_by=by, idempotency_key=idempotency_key).first()
        if idempotency_key and existing is not None:
            return existing, False
        raise
    return lead, True


def _write_lead_children(lead: Lead, *, contacts, competitors, photos, by) -> None:
    if contacts is not None:
        LeadContact.objects.bulk_create([LeadContact(lead=lead, **c) for c in contacts])
    if competitors is not None:
        LeadCompetitor.objects.bulk_create(
            [LeadCompetitor(lead=lead, competitor=c, monthly=m) for c, m in competitors]
        )
    for photo in photos or ():
        LeadPhoto.objects.create(lead=lead, image=photo, uploaded_by=by)


def lead_add_photos(*, lead: Lead, by: User, photos) -> list[LeadPhoto]:
    _require_can_edit(lead, by)
    photos = _clean_photos(photos)
    if lead.photos.count() + len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": [_("At most %(max)s photos per lead.") % {"max": MAX_PHOTOS}]})
    with transaction.atomic():
        return [LeadPhoto.objects.create(lead=lead, image=p, uploaded_by=by) for p in photos]


# --- Editing, returning, resubmitting ----------------------------------------------------------------------


def _in_scope(lead: Lead, by: User) -> bool:
    return Lead.objects.visible_to(by).filter(pk=lead.pk).exists()


def can_review(lead: Lead, by: User) -> bool:
    return by.is_authenticated and by.role in REVIEWERS and lead.is_open and _in_scope(lead, by)


def can_edit(lead: Lead, by: User) -> bool:
    if not (by.is_authenticated and lead.is_open):
        return False
    if by.pk in (lead.collected_by_id, lead.created_by_id):
        return True
    return by.role in REVIEWERS and _in_scope(lead, by)


def _require_can_edit(lead: Lead, by: User) -> None:
    if not lead.is_open:
        raise ValidationError(
            _("This lead is %(status)s and can no longer be changed.") % {"status": lead.get_status_display()}
        )
    if not can_edit(lead, by):
        raise PermissionDenied(_("Only the collector or a reviewer of this area may change this lead."))


def _apply_changes(lead: Lead, data: dict) -> list[str]:
    """Validate and apply a partial change of a lead's form (fields, contacts, competitors). Returns fields set."""
    errors = {}
    fields, contacts, competitors = {}, None, None
    try:
        fields = clean_lead_fields(data, partial=True)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        contacts = clean_contacts(data["contacts"]) if "contacts" in data else None
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        competitors = clean_competitors(data["competitors"]) if "competitors" in data else None
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    for name, value in fields.items():
        setattr(lead, name, value)
    if contacts is not None:
        lead.contacts.all().delete()
    if competitors is not None:
        lead.competitors.all().delete()
    _write_lead_children(lead, contacts=contacts, competitors=competitors, photos=None, by=None)
    if fields or contacts is not None:
        phones = _lead_phones(
            {"phone_normalized": lead.phone_normalized},
            contacts
            if contacts is not None
            else list(lead.contacts.values("phone_normalized", "phone2_normalized")),
        )
        lead.duplicate_of = duplicate_client_for(
            normalized_name=lead.normalized_name, phones=phones, station_id=lead.station_id
        )
        fields["duplicate_of"] = lead.duplicate_of
    return list(fields)


def _lock_open(lead: Lead, *statuses) -> Lead:
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.status not in statuses:
        raise ValidationError(
            _("This lead is already %(status)s; somebody decided before you.")
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def lead_update(*, lead: Lead, by: User, data: dict, photos=()) -> Lead:
    """Complete or correct an open lead (its collector, or the reviewer checking it with the collector)."""
    _require_can_edit(lead, by)
    locked = _lock_open(lead, *OPEN_STATUSES)
    changed = _apply_changes(locked, data)
    if photos:
        lead_add_photos(lead=locked, by=by, photos=photos)
    if changed:
        locked.save(update_fields=[*{f for f in changed if f != "contacts"}, "updated_at"])
    LeadEvent.objects.create(lead=locked, action=LeadAction.EDITED, by=by, at=timezone.now())
    return locked


@transaction.atomic
def lead_resubmit(*, lead: Lead, by: User, data: dict | None = None, photos=()) -> Lead:
    """The collector completes a returned lead and sends it back to the review queue."""
    if by.pk not in (lead.collected_by_id, lead.created_by_id):
        raise PermissionDenied(_("Only the collector resubmits a returned lead."))
    locked = _lock_open(lead, LeadStatus.RETURNED)
    changed = _apply_changes(locked, data or {})
    if photos:
        lead_add_photos(lead=locked, by=by, photos=photos)
    locked.status = LeadStatus.SUBMITTED
    locked.save(update_fields=[*changed, "status", "updated_at"])
    LeadEvent.objects.create(lead=locked, action=LeadAction.RESUBMITTED, by=by, at=timezone.now())
    return locked


def _require_reviewer(lead: Lead, by: User) -> None:
    if not (by.is_authenticated and by.role in REVIEWERS):
        raise PermissionDenied(_("Only area marketers, area managers and station masters review leads."))
    if not _in_scope(lead, by):
        raise PermissionDenied(_("This lead is outside your area."))


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: [_("Say why.")]})
    if len(reason) > MAX_TEXT:
        raise ValidationError({field: [_("At most %(max)s characters.") % {"max": MAX_TEXT}]})
    return reason


def _notify_collector(lead: Lead, kind: str, message: str, event: LeadEvent) -> None:
    if lead.collected_by_id is None:
        return
    notify(
        recipient=lead.collected_by,
        kind=kind,
        message=message,
        link=reverse("pipeline:lead_detail", args=[lead.pk]),
        dedupe_key=f"{kind}:{event.pk}",
    )


@transaction.atomic
def lead_return(*, lead: Lead, by: User, reason: str, at: datetime | None = None) -> Lead:
    """Send a lead back to its collector to complete, saying what is missing."""
    _require_reviewer(lead, by)
    reason = _reason(reason)
    locked = _lock_open(lead, LeadStatus.SUBMITTED)
    now = _decision_time(at)
    locked.status = LeadStatus.RETURNED
    locked.status_reason = reason
    locked.reviewed_by, locked.reviewed_at = by, now
    locked.save(update_fields=["status", "status_reason", "reviewed_by", "reviewed_at", "updated_at"])
    event = LeadEvent.objects.create(lead=locked, action=LeadAction.RETURNED, by=by, at=now, reason=reason)
    with translation.override(settings.LANGUAGE_CODE):
        message = _("Lead “%(name)s” was returned to you: %(reason)s") % {
            "name": locked.company_name,
            "reason": reason,
        }
    _notify_collector(locked, "lead_returned", message, event)
    return locked


@transaction.atomic
def lead_reject(*, lead: Lead, by: User, category: str, reason: str, at: datetime | None = None) -> Lead:
    """Reject a lead: a duplicate, fake, out of the area, or another reason. Fakes and duplicates stop counting
    towards the collector's daily quota."""
    _require_reviewer(lead, by)
    if category not in RejectReason.values:
        raise ValidationError(
            {
                "category": [
                    _("Choose one of: %(choices)s.")
                    % {"choices": ", ".join(str(label) for label in RejectReason.labels)}
                ]
            }
        )
    reason = _reason(reason)
    locked = _lock_open(lead, *OPEN_STATUSES)
    now = _decision_time(at)
    locked.status = LeadStatus.REJECTED
    locked.reject_reason = category
    locked.status_reason = reason
    locked.reviewed_by, locked.reviewed_at = by, now
    locked.save(
        update_fields=["status", "reject_reason", "status_reason", "reviewed_by", "reviewed_at", "updated_at"]
    )
    if category in (RejectReason.FAKE, RejectReason.DUPLICATE):
        record_uncounted(locked)
    event = LeadEvent.objects.create(
        lead=locked,
        action=LeadAction.REJECTED,
        by=by,
        at=now,
        reason=f"{RejectReason(category).label}: {reason}",
    )
    with translation.override(settings.LANGUAGE_CODE):
        message = _("Lead “%(name)s” was rejected (%(category)s): %(reason)s") % {
            "name": locked.company_name,
            "category": RejectReason(category).label,
            "reason": reason,
        }
    _notify_collector(locked, "lead_rejected", message, event)
    return locked


def _decision_time(at: datetime | None) -> datetime:
    now = timezone.now()
    if at is None:
        return now
    if at > now + CLOCK_SKEW:
        raise ValidationError({"at": [_("A decision cannot be dated in the future.")]})
    return min(at, now)


def missing_for_acceptance(lead: Lead) -> list[str]:
    """The required fields of the form this lead still lacks (field names)."""
    missing = []
    for name in ACCEPT_REQUIRED:
        value = getattr(lead, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(name)
    return missing


def _month(d: date) -> date:
    return d.replace(day=1)


@transaction.atomic
def lead_accept(*, lead: Lead, by: User, new_client: bool = False, at: datetime | None = None) -> Client:
    """Accept a complete lead: it becomes a client, or joins the client it duplicates (unless `new_client`).

    `at` back-dates the decision (demo data, history); it must not lie in the future."""
    _require_reviewer(lead, by)
    locked = _lock_open(lead, *OPEN_STATUSES)
    missing = missing_for_acceptance(locked)
    if missing:
        labels = ", ".join(_label(Lead, name) for name in missing)
        errors = {name: [_("Required before the lead is accepted.")] for name in missing}
        errors["__all__"] = [_("Complete these fields before accepting: %(fields)s.") % {"fields": labels}]
        raise ValidationError(errors)
    contacts = list(locked.contacts.all())
    competitors = list(locked.competitors.select_related("competitor"))
    phones = _lead_phones(
        {"phone_normalized": locked.phone_normalized},
        [
            {"phone_normalized": c.phone_normalized, "phone2_normalized": c.phone2_normalized}
            for c in contacts
        ],
    )
    client = None
    if not new_client:
        client = _resolve_merged(locked.duplicate_of) or duplicate_client_for(
            normalized_name=locked.normalized_name, phones=phones, station_id=locked.station_id
        )
    now = _decision_time(at)
    if client is None:
        client = Client.objects.create(
            name=locked.company_name,
            normalized_name=locked.normalized_name,
            station_id=locked.station_id,
            area_id=locked.area_id,
            collected_by_id=locked.collected_by_id,
            created_by=by,
            company_type=locked.company_type,
            industry=locked.industry,
            address=locked.address,
            source=locked.source,
            inbound_monthly=locked.inbound_monthly or 0,
            outbound_monthly=locked.outbound_monthly or 0,
            our_monthly=locked.our_monthly or 0,
            needs=locked.needs,
            notes=locked.notes,
        )
        created = True
    else:
        client = Client.objects.select_for_update().get(pk=client.pk)
        _fill_blanks(client, locked)
        created = False
    _add_contacts_from_lead(client, locked, contacts)
    ClientCompetitorVolume.objects.bulk_create(
        [
            ClientCompetitorVolume(
                client=client,
                competitor=lc.competitor,
                month=_month(locked.collected_on),
                monthly=lc.monthly,
                recorded_by=by,
            )
            for lc in competitors
        ],
        ignore_conflicts=True,
    )
    locked.status = LeadStatus.ACCEPTED
    locked.client = client
    locked.status_reason = ""
    locked.reviewed_by, locked.reviewed_at = by, now
    locked.save(
        update_fields=["status", "client", "status_reason", "reviewed_by", "reviewed_at", "updated_at"]
    )
    LeadEvent.objects.create(lead=locked, action=LeadAction.ACCEPTED, by=by, at=now)
    screening.refresh(client)
    if created:
        # An accepted lead has passed its review: the client starts the loop in screening (step 2).
        from .transitions import move

        move(client=client, to=Stage.SCREEN, by=by, reason=_("Lead accepted"), at=now)
    lead.status, lead.client = locked.status, client
    return client


def _fill_blanks(client: Client, lead: Lead) -> None:
    """A lead for an existing client fills what the client record does not know yet."""
    changed = []
    for name in ("address", "industry", "company_type"):
        if not getattr(client, name) and getattr(lead, name):
            setattr(client, name, getattr(lead, name))
            changed.append(name)
    for name in VOLUME_FIELDS:
        if not getattr(client, name) and getattr(lead, name):
            setattr(client, name, getattr(lead, name))
            changed.append(name)
    if lead.needs and lead.needs not in client.needs:
        client.needs = f"{client.needs}\n{lead.needs}".strip()
        changed.append("needs")
    if changed:
        client.save(update_fields=[*changed, "updated_at"])


def _add_contacts_from_lead(client: Client, lead: Lead, contacts: list[LeadContact]) -> None:
    known = set()
    for p1, p2 in client.contacts.values_list("phone_normalized", "phone2_normalized"):
        known |= {p1, p2}
    known.discard("")
    new = []
    people = [
        ClientContact(
            name=lead.contact_name or lead.company_name,
            title=lead.contact_title,
            role=lead.contact_role or ContactRole.OTHER,
            phone=lead.contact_phone,
            phone_normalized=lead.phone_normalized,
        )
    ]
    people += [
        ClientContact(
            name=c.name,
            title=c.title,
            role=c.role,
            phone=c.phone,
            phone_normalized=c.phone_normalized,
            phone2=c.phone2,
            phone2_normalized=c.phone2_normalized,
        )
        for c in contacts
    ]
    for person in people:
        phones = {person.phone_normalized, person.phone2_normalized} - {""}
        if phones and phones & known:
            continue
        known |= phones
        person.client = client
        person.source_lead = lead
        new.append(person)
    ClientContact.objects.bulk_create(new)


# --- Clients -------------------------------------------------------------------------------------------------


def _require_client_editor(by: User) -> None:
    if not (by.is_authenticated and by.role in screening.CLIENT_EDITORS):
        raise PermissionDenied(_("Your role may not edit client records."))


def clean_client_fields(data: dict, *, partial: bool = False) -> dict:
    errors: dict = {}
    names = [n for n in CLIENT_FIELDS if n in data] if partial else CLIENT_FIELDS
    cleaned = {}
    for name in names:
        raw = data.get(name)
        if raw is None and name == "source":
            raw = Client._meta.get_field("source").default
        if name in VOLUME_FIELDS and raw in (None, ""):
            raw = 0
        value = _clean_value(Client, name, raw, errors)
        if name not in errors:
            cleaned[name] = value
    if "name" in cleaned:
        cleaned["normalized_name"] = normalize_company_name(cleaned["name"])
        if not cleaned["normalized_name"]:
            errors["name"] = [_("Enter the company's name.")]
    if "difficulty_manual" in data:
        value = data["difficulty_manual"]
        if value in (None, ""):
            cleaned["difficulty_manual"] = None
        else:
            try:
                cleaned["difficulty_manual"] = Client._meta.get_field("difficulty_manual").clean(value, None)
            except ValidationError as exc:
                errors["difficulty_manual"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


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
        raise ValidationError(
            {
                "name": [
                    _("This client already exists: “%(name)s” (no. %(id)s).")
                    % {"name": existing.name, "id": existing.pk}
                ]
            }
        )
    client = Client.objects.create(
        **fields, station=station, area=area, created_by=by, collected_by=by, import_job=import_job
    )
    ClientContact.objects.bulk_create([ClientContact(client=client, **c) for c in contact_rows])
    month = _month(month or timezone.localdate())
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
    month = _month(month)
    if month > _month(timezone.localdate()):
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
        if (model._meta.app_label, model._meta.model_name) in _NOT_MOVED:
            continue
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
    Client.objects.filter(pk=merged.pk).update(merged_into=kept, updated_at=timezone.now())
    record = ClientMerge.objects.create(
        kept=kept, merged=merged, by=by, note=(note or "").strip()[:MAX_TEXT], moved=moved
    )
    screening.refresh(kept)
    return record


# --- Reading helpers for pages and the API -----------------------------------------------------------------


def review_queue(user):
    """Submitted leads the user reviews, oldest first."""
    return (
        Lead.objects.visible_to(user)
        .filter(status=LeadStatus.SUBMITTED)
        .select_related("collected_by", "area", "duplicate_of")
        .order_by("collected_at", "pk")
    )


# --- Competitors ---------------------------------------------------------------------------------------------

COMPETITOR_FIELDS = ("name", "short_name", "products", "prices_seen", "strengths", "notes", "is_active")


@transaction.atomic
def competitor_save(*, by: User, data: dict, competitor: Competitor | None = None) -> Competitor:
    """Add a competitor to the list or edit its profile (products, prices seen, strengths)."""
    if not (by.is_authenticated and by.role in screening.CLIENT_EDITORS):
        raise PermissionDenied(_("Your role may not edit the competitors list."))
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
