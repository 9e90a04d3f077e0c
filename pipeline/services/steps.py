"""Writes of the records each step of the loop leaves (steps 3-10), and of the key-account fields.

Every function checks who acts, validates fully and writes in one transaction; the moves between steps are in
pipeline/transitions.py. Pages, API views, the admin and jobs all call these.
"""

import os
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import HQ_ROLES, OWNER_MANAGERS, OWNER_ROLES
from config.files import document_upload
from outbox.events import event_record

from ..models import (
    Client,
    ClientCompetitorVolume,
    ClientContact,
    Contract,
    Evaluation,
    NeedsAnalysis,
    Opportunity,
    OwnerTransfer,
    Proposal,
    QuoteLine,
    Regression,
    RelationshipChange,
    Survey,
    TrialShipment,
)
from ..models.clients import ContactRole, RelationshipStage, Tier
from ..models.loop import CONTROLLABLE_CAUSES, OpportunityStatus, ProposalStatus, Stage
from . import screening, transitions
from .normalize import normalize_phone


def require_actor(by: User, client: Client) -> None:
    """`by` may write the loop records of `client`: a loop role, and the client within their scope."""
    if not transitions.can_move(by):
        raise PermissionDenied(_("Your role does not work on the loop's records."))
    if not Client.objects.visible_to(by).filter(pk=client.pk).exists():
        raise PermissionDenied(_("This client is outside your scope."))


def _local_today(client: Client) -> date:
    return client.station.local_date()


def _clean(instance, exclude=None) -> None:
    instance.full_clean(exclude=exclude)


def _not_future(client: Client, field: str, value: date | None) -> None:
    if value and value > _local_today(client):
        raise ValidationError({field: _("This date lies in the future.")})


# --- Step 3: survey --------------------------------------------------------------------------------------


@transaction.atomic
def survey_record(
    *,
    client: Client,
    by: User,
    company_type: str,
    decision_structure: str = "",
    competitors_notes: str = "",
    notes: str = "",
    contacts: list[dict] = (),
    competitor_volumes: list[tuple] = (),
) -> Survey:
    """Record a survey. `contacts` are new contacts (name, title, phone, role); `competitor_volumes` are
    (competitor, parcels per month) pairs heard this month."""
    require_actor(by, client)
    from ..models.clients import CompanyType

    if company_type not in CompanyType.values:
        raise ValidationError({"company_type": _("Choose the company type.")})
    survey = Survey(
        client=client,
        by=by,
        decision_structure=decision_structure,
        competitors_notes=competitors_notes,
        notes=notes,
    )
    _clean(survey)
    new_contacts = []
    for data in contacts:
        contact = ClientContact(
            client=client,
            name=(data.get("name") or "").strip(),
            title=data.get("title") or "",
            phone=data.get("phone") or "",
            role=data.get("role") or ContactRole.OTHER,
        )
        if not contact.name:
            continue
        try:
            contact.full_clean(exclude=["phone_normalized"])
        except ValidationError as exc:
            raise ValidationError({"contacts": exc.messages})
        new_contacts.append(contact)
    Client.objects.filter(pk=client.pk).update(company_type=company_type, updated_at=timezone.now())
    client.company_type = company_type
    survey.save()
    for contact in new_contacts:
        _save_contact(contact)
    month = _local_today(client).replace(day=1)
    for competitor, monthly in competitor_volumes:
        if monthly is None or int(monthly) < 0:
            raise ValidationError({"competitor_volumes": _("Parcels per month cannot be negative.")})
        ClientCompetitorVolume.objects.update_or_create(
            client=client, competitor=competitor, month=month, defaults={"monthly": int(monthly)}
        )
    # Contacts and competitor volumes feed the screening figures (difficulty, competitor totals, priority).
    screening.refresh(client)
    return survey


def _save_contact(contact: ClientContact) -> None:
    if contact.phone:
        try:
            contact.phone_normalized = normalize_phone(contact.phone)
        except ValidationError as exc:
            raise ValidationError({"contacts": exc.messages})
    contact.save()


# --- Step 4: needs analysis ---------------------------------------------------------------------------------


@transaction.atomic
def needs_record(*, client: Client, by: User, **fields) -> NeedsAnalysis:
    require_actor(by, client)
    allowed = set(NeedsAnalysis.NEED_FIELDS) | set(NeedsAnalysis.TQCSO_FIELDS)
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    values = {k: (v or "").strip() for k, v in fields.items()}
    if not any(values.get(k) for k in NeedsAnalysis.NEED_FIELDS):
        raise ValidationError(_("Write down at least one need (speed, price, pickup windows, …)."))
    analysis = NeedsAnalysis(client=client, by=by, **values)
    _clean(analysis)
    analysis.save()
    return analysis


# --- Step 5: proposal ------------------------------------------------------------------------------------------


def _clean_lines(lines) -> list[QuoteLine]:
    built, errors = [], []
    for i, data in enumerate(lines, start=1):
        line = QuoteLine(
            product=(data.get("product") or "").strip(),
            route=(data.get("route") or "").strip(),
            unit_price=data.get("unit_price"),
            discount=data.get("discount") if data.get("discount") not in (None, "") else Decimal("0"),
            volume_from=data.get("volume_from") or 0,
        )
        try:
            line.full_clean(exclude=["proposal"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                label = QuoteLine._meta.get_field(field).verbose_name if field != "__all__" else ""
                errors.extend(
                    _("Line %(n)s, %(field)s: %(message)s") % {"n": i, "field": label, "message": m}
                    for m in messages
                )
            continue
        built.append(line)
    if errors:
        raise ValidationError({"lines": errors})
    return built


@transaction.atomic
def proposal_create(
    *,
    client: Client,
    by: User,
    title: str,
    lines: list[dict],
    summary: str = "",
    service_commitments: str = "",
    valid_until: date | None = None,
    status: str = ProposalStatus.DRAFT,
) -> Proposal:
    """A new version of the client's proposal (the first is version 1); earlier versions stay unchanged."""
    require_actor(by, client)
    quote_lines = _clean_lines(lines)
    if not quote_lines:
        raise ValidationError({"lines": _("A proposal needs at least one quote line.")})
    if valid_until and valid_until < _local_today(client):
        raise ValidationError({"valid_until": _("The proposal would already have expired.")})
    # The client row lock serialises version numbers; the unique constraint backs it up.
    Client.objects.select_for_update().filter(pk=client.pk).first()
    version = (Proposal.objects.filter(client=client).aggregate(v=Max("version"))["v"] or 0) + 1
    proposal = Proposal(
        client=client,
        by=by,
        version=version,
        title=title,
        summary=summary,
        service_commitments=service_commitments,
        valid_until=valid_until,
        status=status,
        sent_at=timezone.now() if status == ProposalStatus.SENT else None,
    )
    _clean(proposal)
    proposal.save()
    for line in quote_lines:
        line.proposal = proposal
    QuoteLine.objects.bulk_create(quote_lines)
    return proposal


@transaction.atomic
def proposal_set_status(*, proposal: Proposal, by: User, status: str) -> Proposal:
    require_actor(by, proposal.client)
    if status not in ProposalStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == ProposalStatus.SENT and proposal.status != ProposalStatus.SENT:
        proposal.sent_at = timezone.now()
    proposal.status = status
    proposal.save(update_fields=["status", "sent_at"])
    return proposal


# --- Step 7: trial shipment -------------------------------------------------------------------------------------


def _check_counts(parcel_count, on_time_count, damaged_count) -> None:
    errors = {}
    if on_time_count is not None and on_time_count > parcel_count:
        errors["on_time_count"] = _("More parcels on time than were sent.")
    if damaged_count is not None and damaged_count > parcel_count:
        errors["damaged_count"] = _("More parcels damaged than were sent.")
    if (on_time_count is None) != (damaged_count is None):
        errors["__all__"] = _("Give both results: parcels on time and parcels damaged.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def trial_shipment_create(
    *,
    client: Client,
    by: User,
    sent_on: date,
    waybill_numbers: str,
    parcel_count: int,
    on_time_count: int | None = None,
    damaged_count: int | None = None,
    feedback: str = "",
) -> TrialShipment:
    require_actor(by, client)
    _not_future(client, "sent_on", sent_on)
    waybills = [w.strip() for w in (waybill_numbers or "").replace(",", "\n").splitlines() if w.strip()]
    if not waybills:
        raise ValidationError({"waybill_numbers": _("Enter the waybill numbers, one per line.")})
    if parcel_count is None or parcel_count < 1:
        raise ValidationError({"parcel_count": _("At least one parcel.")})
    _check_counts(parcel_count, on_time_count, damaged_count)
    shipment = TrialShipment(
        client=client,
        by=by,
        sent_on=sent_on,
        waybill_numbers="\n".join(waybills),
        parcel_count=parcel_count,
        on_time_count=on_time_count,
        damaged_count=damaged_count,
        feedback=feedback,
        results_at=timezone.now() if on_time_count is not None else None,
    )
    _clean(shipment)
    shipment.save()
    return shipment


@transaction.atomic
def trial_shipment_results(
    *, shipment: TrialShipment, by: User, on_time_count: int, damaged_count: int, feedback: str = ""
) -> TrialShipment:
    require_actor(by, shipment.client)
    if on_time_count is None or damaged_count is None:
        raise ValidationError(_("Give both results: parcels on time and parcels damaged."))
    _check_counts(shipment.parcel_count, on_time_count, damaged_count)
    shipment.on_time_count = on_time_count
    shipment.damaged_count = damaged_count
    if feedback:
        shipment.feedback = feedback
    shipment.results_at = timezone.now()
    _clean(shipment)
    shipment.save()
    return shipment


# --- Step 8: contract ---------------------------------------------------------------------------------------------


@transaction.atomic
def contract_create(
    *,
    client: Client,
    by: User,
    signed_on: date,
    starts_on: date,
    ends_on: date,
    price_terms: str,
    committed_monthly_volume: int,
    settlement_mode: str,
    number: str = "",
    attachment=None,
) -> Contract:
    require_actor(by, client)
    _not_future(client, "signed_on", signed_on)
    if starts_on and ends_on and ends_on <= starts_on:
        raise ValidationError({"ends_on": _("The contract must end after it starts.")})
    if committed_monthly_volume is not None and committed_monthly_volume < 1:
        raise ValidationError({"committed_monthly_volume": _("Commit to at least one parcel a month.")})
    contract = Contract(
        client=client,
        by=by,
        number=number,
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        price_terms=(price_terms or "").strip(),
        committed_monthly_volume=committed_monthly_volume,
        settlement_mode=settlement_mode,
    )
    if attachment is not None:
        # Checked here, for every door (page, API, admin): size, and a document that is what its name says.
        contract.attachment = document_upload(attachment, field="attachment")
        contract.attachment_name = os.path.basename(getattr(attachment, "name", "") or "")[:255]
    _clean(contract)
    contract.save()
    event_record(
        type="contract.signed",
        data={
            "contract": contract.pk,
            "client": client.pk,
            "number": contract.number,
            "signed_on": contract.signed_on.isoformat(),
            "starts_on": contract.starts_on.isoformat() if contract.starts_on else None,
            "ends_on": contract.ends_on.isoformat() if contract.ends_on else None,
            "committed_monthly_volume": contract.committed_monthly_volume,
            "station": client.station_id,
        },
        station_id=client.station_id,
    )
    return contract


# --- Step 9: evaluation and secondary development ------------------------------------------------------------------


@transaction.atomic
def evaluation_record(
    *,
    client: Client,
    by: User,
    month: date,
    actual_volume: int,
    committed_volume: int | None = None,
    notes: str = "",
) -> Evaluation:
    """Actual against committed parcels for one month; recording a month again corrects it."""
    require_actor(by, client)
    month = month.replace(day=1)
    if month > _local_today(client).replace(day=1):
        raise ValidationError({"month": _("This month has not begun yet.")})
    if committed_volume is None:
        contract = client.contracts.filter(starts_on__lte=_month_end(month)).first()
        if contract is None:
            raise ValidationError(
                {"committed_volume": _("No contract covers this month; give the committed volume.")}
            )
        committed_volume = contract.committed_monthly_volume
    if actual_volume is None or actual_volume < 0:
        raise ValidationError({"actual_volume": _("Parcels cannot be negative.")})
    evaluation = Evaluation.objects.filter(client=client, month=month).first() or Evaluation(
        client=client, month=month
    )
    evaluation.by = by
    evaluation.created_at = timezone.now()
    evaluation.committed_volume = committed_volume
    evaluation.actual_volume = actual_volume
    evaluation.notes = notes
    _clean(evaluation, exclude=["client", "month"] if evaluation.pk else None)
    evaluation.save()
    return evaluation


def _month_end(month: date) -> date:
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


@transaction.atomic
def opportunity_create(
    *,
    client: Client,
    by: User,
    kind: str,
    description: str,
    expected_monthly_volume: int = 0,
    reopen: bool = False,
) -> Opportunity:
    """Record a secondary-development opportunity; with `reopen`, an archived client goes back to follow-up."""
    require_actor(by, client)
    opportunity = Opportunity(
        client=client,
        by=by,
        kind=kind,
        description=(description or "").strip(),
        expected_monthly_volume=expected_monthly_volume or 0,
    )
    _clean(opportunity)
    opportunity.save()
    if reopen:
        if client.stage != Stage.ARCHIVE:
            raise ValidationError(_("Only an archived client re-opens for secondary development."))
        transitions.move(
            client=client,
            to=Stage.FOLLOW_UP,
            by=by,
            reason=_("Secondary development: %(what)s") % {"what": opportunity.description[:200]},
        )
    return opportunity


@transaction.atomic
def opportunity_set_status(*, opportunity: Opportunity, by: User, status: str) -> Opportunity:
    require_actor(by, opportunity.client)
    if status not in OpportunityStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    opportunity.status = status
    opportunity.save(update_fields=["status"])
    return opportunity


# --- Key account: owner, tier, relationship stage, regressions ---------------------------------------------------


@transaction.atomic
def owner_transfer(*, client: Client, by: User, to_owner: User, reason: str = "") -> OwnerTransfer:
    require_actor(by, client)
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if by.role not in OWNER_MANAGERS and locked.owner_id != by.pk:
        raise PermissionDenied(_("Only the owner or a manager hands a client over."))
    if to_owner is None or not to_owner.is_active or to_owner.role not in OWNER_ROLES:
        raise ValidationError({"to_owner": _("Choose an active key-account manager or marketer.")})
    if to_owner.pk == locked.owner_id:
        raise ValidationError({"to_owner": _("This person already owns the client.")})
    same_station = to_owner.station_id == locked.station_id
    if (
        by.role not in HQ_ROLES
        and not same_station
        and not User.objects.visible_to(by).filter(pk=to_owner.pk).exists()
    ):
        raise ValidationError({"to_owner": _("This person is outside your scope.")})
    transfer = OwnerTransfer.objects.create(
        client=locked, by=by, from_owner_id=locked.owner_id, to_owner=to_owner, reason=(reason or "").strip()
    )
    Client.objects.filter(pk=locked.pk).update(owner=to_owner, updated_at=timezone.now())
    client.owner = to_owner
    return transfer


@transaction.atomic
def tier_set(*, client: Client, by: User, tier: str, reason: str = "") -> Client:
    """Set the tier by hand: an override, kept with who, why and when, that wins over the tier computed from
    volumes (volumes/tiers.py) until it is cleared."""
    require_actor(by, client)
    if tier not in Tier.values:
        raise ValidationError({"tier": _("Choose tier A, B or C.")})
    reason = (reason or "").strip()[:300]
    now = timezone.now()
    Client.objects.filter(pk=client.pk).update(
        tier=tier,
        tier_override=tier,
        tier_override_by=by,
        tier_override_reason=reason,
        tier_override_at=now,
        updated_at=now,
    )
    client.tier, client.tier_override, client.tier_override_by = tier, tier, by
    client.tier_override_reason, client.tier_override_at = reason, now
    return client


@transaction.atomic
def tier_clear(*, client: Client, by: User) -> Client:
    """Clear the manual override: the tier computed from volumes applies again (the hand-set tier stays while the
    client has no computed one)."""
    require_actor(by, client)
    locked = Client.objects.select_for_update().get(pk=client.pk)
    tier = locked.tier_computed or locked.tier
    Client.objects.filter(pk=client.pk).update(
        tier=tier,
        tier_override="",
        tier_override_by=None,
        tier_override_reason="",
        tier_override_at=None,
        updated_at=timezone.now(),
    )
    client.tier, client.tier_override, client.tier_override_by = tier, "", None
    client.tier_override_reason, client.tier_override_at = "", None
    return client


@transaction.atomic
def relationship_set(*, client: Client, by: User, to: str, reason: str = "") -> RelationshipChange:
    require_actor(by, client)
    if to not in RelationshipStage.values:
        raise ValidationError({"to": _("Unknown relationship stage.")})
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if locked.relationship_stage == to:
        raise ValidationError({"to": _("The relationship is already at this stage.")})
    change = RelationshipChange.objects.create(
        client=locked, by=by, from_stage=locked.relationship_stage, to_stage=to, reason=(reason or "").strip()
    )
    Client.objects.filter(pk=locked.pk).update(relationship_stage=to, updated_at=timezone.now())
    client.relationship_stage = to
    return change


@transaction.atomic
def regression_record(
    *,
    client: Client,
    by: User,
    kind: str,
    cause: str,
    reason: str,
    occurred_on: date,
    controllable: bool | None = None,
    relationship_to: str = "",
) -> Regression:
    """Record a regression or interruption; with `relationship_to`, the relationship stage goes there too."""
    require_actor(by, client)
    _not_future(client, "occurred_on", occurred_on)
    locked = Client.objects.select_for_update().get(pk=client.pk)
    regression = Regression(
        client=locked,
        by=by,
        kind=kind,
        cause=cause,
        reason=(reason or "").strip(),
        occurred_on=occurred_on,
        controllable=cause in CONTROLLABLE_CAUSES if controllable is None else controllable,
        relationship_from=locked.relationship_stage,
        relationship_to=relationship_to or "",
    )
    _clean(regression)
    regression.save()
    if relationship_to and relationship_to != locked.relationship_stage:
        relationship_set(client=client, by=by, to=relationship_to, reason=regression.reason)
    return regression
