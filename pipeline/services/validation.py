"""The rules a lead's or a client's fields, contacts, competitors and photos must follow, the same for every door
(the capture page, the API, spreadsheet imports, the demo data). Each function returns cleaned values or raises
a ValidationError keyed by field."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from config.files import image_upload

from ..models import Client, Competitor, Lead, LeadCompetitor, LeadContact
from ..models.clients import ContactRole
from .normalize import normalize_company_name, normalize_phone

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


# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)


EARLIEST_COLLECTION = date(2000, 1, 1)


def field_label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


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
                % {"n": i, "field": field_label(LeadContact, name), "message": m}
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


def clean_photos(photos) -> list:
    """The photos re-encoded (config/files.py): what is stored is a fresh image, never the upload's bytes."""
    photos = [p for p in (photos or []) if p]
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": [_("At most %(max)s photos per lead.") % {"max": MAX_PHOTOS}]})
    return [image_upload(photo, field="photos") for photo in photos]


def month_of(d: date) -> date:
    return d.replace(day=1)


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
    if "waybill_code" in data:
        code = (data["waybill_code"] or "").strip()
        if len(code) > 60:
            errors["waybill_code"] = [_("At most 60 characters.")]
        else:
            cleaned["waybill_code"] = code
    if errors:
        raise ValidationError(errors)
    return cleaned


def check_waybill_code(code: str, *, client_pk: int | None) -> None:
    """A waybill code names one client; saying that it is taken names no client."""
    if code and Client.objects.filter(waybill_code=code).exclude(pk=client_pk).exists():
        raise ValidationError({"waybill_code": [_("Another client already has this waybill system code.")]})
