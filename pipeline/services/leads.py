"""Writes of steps 1 and 2 for leads: submitting them, completing and correcting them, and reviewing them
(accept, return, reject, resubmit). Pages, the API, imports and the demo call these."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import IntegerField, Subquery, Value
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.roles import HISTORY_IMPORTERS, LEAD_COLLECTORS, REVIEWERS
from accounts.services import notify
from outbox.events import event_record
from quota.tallies import record_leads, record_uncounted

from ..models import (
    Client,
    ClientCompetitorVolume,
    ClientContact,
    Lead,
    LeadCompetitor,
    LeadContact,
    LeadEvent,
    LeadPhoto,
)
from ..models.clients import ContactRole
from ..models.leads import OPEN_STATUSES, LeadAction, LeadStatus, RejectReason
from ..models.loop import Stage
from . import screening
from .matching import duplicate_client_expression, duplicate_client_for, resolve_merged
from .validation import (
    CLOCK_SKEW,
    EARLIEST_COLLECTION,
    MAX_PHOTOS,
    MAX_TEXT,
    VOLUME_FIELDS,
    clean_competitors,
    clean_contacts,
    clean_lead_fields,
    clean_photos,
    field_label,
    month_of,
)

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


# --- Submitting ----------------------------------------------------------------------------------------------


def lead_event_data(lead: Lead) -> dict:
    """What a webhook says about a lead: ids and state, never the contact's details."""
    return {
        "lead": lead.pk,
        "status": lead.status,
        "source": lead.source,
        "collected_by": lead.collected_by_id,
        "collected_on": lead.collected_on.isoformat(),
        "station": lead.station_id,
        "area": lead.area_id,
        "duplicate_of": lead.duplicate_of_id,
    }


def _require_collector(by: User) -> None:
    if not (by.is_authenticated and by.role in LEAD_COLLECTORS):
        raise PermissionDenied(_("Your role does not submit leads."))


def collector_and_time(*, by: User, collected_by: User | None, collected_at: datetime | None):
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


def captured_offline(*, collector: User, captured_at: datetime | None, now: datetime | None = None):
    """When a lead captured on the collector's phone without signal counts: (collected_at, captured_at).

    The phone's own capture moment is honoured when the lead arrives within settings.OFFLINE_CAPTURE_WINDOW of
    it, so the lead counts on the day it was captured; a lead that waited longer counts when it arrives (its
    capture moment is still kept, for the reviewer). A moment in the future (beyond the usual clock skew) is
    refused: the phone's clock is wrong, and the day the lead counts on would be a guess.
    """
    now = now or timezone.now()
    if captured_at is None:
        return now, None
    if timezone.is_naive(captured_at):
        captured_at = timezone.make_aware(captured_at, collector.station.tz if collector.station_id else None)
    if captured_at > now + CLOCK_SKEW:
        raise ValidationError(
            {
                "collected_at": [
                    _(
                        "The capture time lies in the future: check the phone's date and time, then send the "
                        "lead again."
                    )
                ]
            }
        )
    captured_at = min(captured_at, now)
    if now - captured_at > settings.OFFLINE_CAPTURE_WINDOW:
        return now, captured_at
    return captured_at, captured_at


def _lead_phones(lead_fields: dict, contacts: list[dict]) -> list[str]:
    phones = [lead_fields.get("phone_normalized", "")]
    for c in contacts:
        phones += [c.get("phone_normalized", ""), c.get("phone2_normalized", "")]
    return [p for p in phones if p]


def _own_leads_with(*, collector_ids, phones):
    """One collector counts one phone once: their leads with these phones that still count (not rejected)."""
    return Lead.objects.filter(collected_by_id__in=collector_ids, phone_normalized__in=phones).exclude(
        status=LeadStatus.REJECTED
    )


def own_repeats(pairs) -> set[tuple[int, str]]:
    """The (collector id, phone) pairs, among `pairs`, that the collector has already recorded: the rule of
    _refuse_own_repeat for many rows at once (an import skips them)."""
    pairs = {(collector_id, phone) for collector_id, phone in pairs if phone}
    phones = sorted({phone for _collector_id, phone in pairs})
    collector_ids = sorted({collector_id for collector_id, _phone in pairs})
    found = set()
    for i in range(0, len(phones), 500):
        found |= set(
            _own_leads_with(collector_ids=collector_ids, phones=phones[i : i + 500]).values_list(
                "collected_by_id", "phone_normalized"
            )
        )
    return found & pairs


def _refuse_own_repeat(*, collector: User, phone: str, lead_pk: int | None = None) -> None:
    """One collector counts one phone once: a second lead of theirs with the same phone is refused (the first one
    is there to complete). Another collector's lead with that phone is kept and flagged in the review queue."""
    if not phone:
        return
    earlier = (
        _own_leads_with(collector_ids=[collector.pk], phones=[phone])
        .exclude(pk=lead_pk)
        .order_by("collected_at", "pk")
        .only("company_name", "collected_on")
        .first()
    )
    if earlier is not None:
        raise ValidationError(
            {
                "contact_phone": [
                    _(
                        "You already recorded this phone on %(date)s (“%(company)s”): a customer counts once. "
                        "Complete that lead instead."
                    )
                    % {"date": earlier.collected_on, "company": earlier.company_name}
                ]
            }
        )


def lead_build(*, by: User, collector: User, when: datetime, fields: dict, contacts=(), **extra) -> Lead:
    """A lead as every door writes it (not saved): collected by `collector` at `when`, counted on that day in the
    collector's station, and marked as duplicating the existing client it matches (matching.py). The match is
    an expression evaluated inside the INSERT, so it costs no query of its own, one row or many."""
    return Lead(
        **fields,
        collected_by=collector,
        collected_at=when,
        collected_on=collector.station.local_date(when),
        station_id=collector.station_id,
        area_id=collector.area_id,
        created_by=by,
        duplicate_of_id=duplicate_client_expression(
            normalized_name=fields["normalized_name"],
            phones=_lead_phones(fields, contacts),
            station_id=collector.station_id,
        ),
        **extra,
    )


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

    errors = {}
    fields = contacts = competitors = captured_at = None
    for part in ("fields", "contacts", "competitors", "photos", "who"):
        try:
            if part == "fields":
                fields = clean_lead_fields(data)
            elif part == "contacts":
                contacts = clean_contacts(data.get("contacts"))
            elif part == "competitors":
                competitors = clean_competitors(data.get("competitors"))
            elif part == "photos":
                photos = clean_photos(photos)
            else:
                offline = collected_at is not None and by.role not in HISTORY_IMPORTERS
                collector, when = collector_and_time(
                    by=by, collected_by=collected_by, collected_at=None if offline else collected_at
                )
                if offline:
                    when, captured_at = captured_offline(collector=collector, captured_at=collected_at)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            # The collector's row is the lock: two submissions of one phone at once cannot both pass the check.
            # The same query reads the collector's station (its local date) and the lead an earlier try with
            # this idempotency key made; a try that commits while this one waits is caught by the key's unique
            # constraint below.
            replay = (
                Lead.objects.filter(created_by=by, idempotency_key=idempotency_key).values("pk")[:1]
                if idempotency_key
                else None
            )
            locked = (
                User.objects.select_for_update(of=("self",))
                .select_related("station")
                .annotate(replay=Subquery(replay) if replay is not None else Value(None, IntegerField()))
                .get(pk=collector.pk)
            )
            if locked.replay is not None:
                return Lead.objects.get(pk=locked.replay), False
            collector.station = locked.station
            # The duplicate check runs inside the insert (written back by RETURNING): no query of its own.
            lead = lead_build(
                by=by,
                collector=collector,
                when=when,
                fields=fields,
                contacts=contacts,
                idempotency_key=idempotency_key,
                captured_at=captured_at,
            )
            _refuse_own_repeat(collector=collector, phone=lead.phone_normalized)
            lead.save()
            written = _write_lead_children(
                lead, contacts=contacts, competitors=competitors, photos=photos, by=by
            )
            written["events"] = [
                LeadEvent.objects.create(lead=lead, action=LeadAction.SUBMITTED, by=by, at=timezone.now())
            ]
            record_leads([lead])
            event_record(type="lead.created", data=lead_event_data(lead), station_id=lead.station_id)
    except IntegrityError:
        # Two requests with one key raced; the other one's lead is the answer.
        existing = Lead.objects.filter(created_by=by, idempotency_key=idempotency_key).first()
        if idempotency_key and existing is not None:
            return existing, False
        raise
    # The answer is drawn from what was just written: the lead carries its rows as if prefetched, so no caller
    # reads them back (the API's 201 answer costs no query).
    lead._prefetched_objects_cache = {}
    for name, rows in written.items():
        # As Django's prefetch leaves them: a queryset of the relation whose rows are already read.
        rows_read = getattr(lead, name).get_queryset()
        rows_read._result_cache, rows_read._prefetch_done = list(rows), True
        lead._prefetched_objects_cache[name] = rows_read
    return lead, True


def _write_lead_children(lead: Lead, *, contacts, competitors, photos, by) -> dict[str, list]:
    """Write the lead's contacts, competitor volumes and photos; returns them by their relation's name."""
    written = {"contacts": [], "competitors": [], "photos": []}
    if contacts:
        written["contacts"] = LeadContact.objects.bulk_create([LeadContact(lead=lead, **c) for c in contacts])
    if competitors:
        written["competitors"] = LeadCompetitor.objects.bulk_create(
            [LeadCompetitor(lead=lead, competitor=c, monthly=m) for c, m in competitors]
        )
    for photo in photos or ():
        written["photos"].append(LeadPhoto.objects.create(lead=lead, image=photo, uploaded_by=by))
    return written


def lead_add_photos(*, lead: Lead, by: User, photos) -> list[LeadPhoto]:
    _require_can_edit(lead, by)
    photos = clean_photos(photos)
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
    if "phone_normalized" in fields and fields["phone_normalized"] != lead.phone_normalized:
        User.objects.select_for_update().filter(pk=lead.collected_by_id).first()
        _refuse_own_repeat(collector=lead.collected_by, phone=fields["phone_normalized"], lead_pk=lead.pk)
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
        reason=_("%(category)s: %(reason)s") % {"category": RejectReason(category).label, "reason": reason},
    )
    with translation.override(settings.LANGUAGE_CODE):
        message = _("Lead “%(name)s” was rejected (%(category)s): %(reason)s") % {
            "name": locked.company_name,
            "category": RejectReason(category).label,
            "reason": reason,
        }
    _notify_collector(locked, "lead_rejected", message, event)
    return locked


@dataclass
class ReviewResult:
    lead: Lead
    ok: bool
    errors: list[str]
    client: Client | None = None


BULK_REVIEW_MAX = 200  # the review queue's page


def leads_review_bulk(*, leads, by: User, action: str, reason: str = "") -> list[ReviewResult]:
    """Accept or return several leads, each through `lead_accept` or `lead_return` in its own transaction: one
    lead refused (incomplete, decided meanwhile, out of scope) leaves the others done. A result per lead."""
    if not (by.is_authenticated and by.role in REVIEWERS):
        raise PermissionDenied(_("Only area marketers, area managers and station masters review leads."))
    if action not in ("accept", "return"):
        raise ValidationError({"action": [_("Choose accept or return.")]})
    leads = list(leads)
    if not leads:
        raise ValidationError({"ids": [_("Choose at least one lead.")]})
    if len(leads) > BULK_REVIEW_MAX:
        raise ValidationError({"ids": [_("At most %(max)s leads at a time.") % {"max": BULK_REVIEW_MAX}]})
    if action == "return":
        reason = _reason(reason)
    results = []
    for lead in leads:
        try:
            if action == "accept":
                client = lead_accept(lead=lead, by=by)
                results.append(ReviewResult(lead, True, [], client))
            else:
                results.append(ReviewResult(lead_return(lead=lead, by=by, reason=reason), True, []))
        except PermissionDenied as exc:
            results.append(ReviewResult(lead, False, [str(exc)]))
        except ValidationError as exc:
            said = (
                exc.message_dict.get("__all__", exc.messages) if hasattr(exc, "error_dict") else exc.messages
            )
            results.append(ReviewResult(lead, False, said))
    return results


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


@transaction.atomic
def lead_accept(*, lead: Lead, by: User, new_client: bool = False, at: datetime | None = None) -> Client:
    """Accept a complete lead: it becomes a client, or joins the client it duplicates (unless `new_client`).

    `at` back-dates the decision (demo data, history); it must not lie in the future."""
    _require_reviewer(lead, by)
    locked = _lock_open(lead, *OPEN_STATUSES)
    missing = missing_for_acceptance(locked)
    if missing:
        labels = ", ".join(field_label(Lead, name) for name in missing)
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
        client = resolve_merged(locked.duplicate_of) or duplicate_client_for(
            normalized_name=locked.normalized_name, phones=phones, station_id=locked.station_id
        )
    if client is not None and not Client.objects.visible_to(by).filter(pk=client.pk).exists():
        # The number is a client's that the reviewer does not see (another station, another area): its
        # contacts, needs and volumes are not theirs to add to, and its name is not theirs to read.
        raise ValidationError(
            _(
                "This number is already known in station %(station)s, outside what you see: the lead cannot "
                "join that client from here. Reject it as a duplicate, or accept it as a new client."
            )
            % {"station": client.station.name}
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
                month=month_of(locked.collected_on),
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
    event_record(
        type="lead.accepted",
        data={**lead_event_data(locked), "client": client.pk, "new_client": created},
        station_id=locked.station_id,
    )
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
