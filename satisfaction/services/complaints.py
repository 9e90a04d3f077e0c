"""Complaints: recording, the moves open → in progress → resolved → closed, and the hourly escalation.

A complaint must be resolved within a number of hours set by its severity (settings.SATISFACTION_COMPLAINT_HOURS).
Once it is overdue the area manager of the client's area is told (or the station master when the area has no
manager); once it is overdue by another full window, the station master. Closing needs the customer's word.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.roles import COMPLAINT_ROLES
from accounts.services import notify
from outbox.events import event_record
from pipeline.models import Client

from ..models import (
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    EscalationLevel,
    EventKind,
    Severity,
)
from ..models.complaints import UNRESOLVED

S = ComplaintStatus
# Allowed moves; "resolved → in progress" is the customer saying the problem is still there.
MOVES = {
    (S.OPEN, S.IN_PROGRESS),
    (S.OPEN, S.RESOLVED),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.RESOLVED, S.CLOSED),
    (S.RESOLVED, S.IN_PROGRESS),
}
# A complaint's description and each step's note are shown in lists, timelines and e-mails.
MAX_TEXT = 5000


def response_window(severity: str) -> timedelta:
    return timedelta(hours=settings.SATISFACTION_COMPLAINT_HOURS[severity])


def _require_role(by: User) -> None:
    if not (by.is_authenticated and by.role in COMPLAINT_ROLES):
        raise PermissionDenied(_("Your role does not handle complaints."))


def _choice_errors(**values) -> dict:
    kinds = {"channel": Channel, "category": Category, "severity": Severity}
    errors = {}
    for field, value in values.items():
        if value not in kinds[field].values:
            errors[field] = _("“%(value)s” is not one of: %(choices)s.") % {
                "value": value,
                "choices": ", ".join(kinds[field].values),
            }
    return errors


def _length_errors(**texts: str) -> dict:
    return {
        field: _("At most %(max)s characters.") % {"max": MAX_TEXT}
        for field, text in texts.items()
        if len((text or "").strip()) > MAX_TEXT
    }


def _check_length(**texts: str) -> None:
    errors = _length_errors(**texts)
    if errors:
        raise ValidationError(errors)


def _link(complaint: Complaint) -> str:
    return reverse("satisfaction:complaint_detail", args=[complaint.pk])


@transaction.atomic
def complaint_create(
    *,
    by: User,
    client: Client,
    channel: str,
    category: str,
    severity: str,
    description: str,
    now: datetime,
    owner: User | None = None,
    received_at: datetime | None = None,
) -> Complaint:
    _require_role(by)
    errors = _choice_errors(channel=channel, category=category, severity=severity)
    if not Client.objects.visible_to(by).filter(pk=client.pk).exists():
        errors["client"] = _("This client is not in your scope.")
    if not (description or "").strip():
        errors["description"] = _("Describe what the customer complains about.")
    errors.update(_length_errors(description=description))
    if received_at is not None and received_at > now:
        errors["received_at"] = _("A complaint cannot be received in the future.")
    if owner is not None and not owner.is_active:
        errors["owner"] = _("This person is no longer active.")
    if errors:
        raise ValidationError(errors)
    received_at = received_at or now
    complaint = Complaint.objects.create(
        client=client,
        channel=channel,
        category=category,
        severity=severity,
        description=description.strip(),
        owner=owner or client.owner or by,
        created_by=by,
        received_at=received_at,
        due_at=received_at + response_window(severity),
    )
    ComplaintEvent.objects.create(
        complaint=complaint, kind=EventKind.CREATED, to_status=S.OPEN, by=by, at=now
    )
    event_record(type="complaint.opened", data=complaint_event_data(complaint), station_id=client.station_id)
    if complaint.owner_id != by.pk:
        _notify_new_complaint(complaint)
    return complaint


def complaint_event_data(complaint: Complaint) -> dict:
    """What a webhook says about a complaint: its kind and deadline, not the customer's words."""
    return {
        "complaint": complaint.pk,
        "client": complaint.client_id,
        "status": complaint.status,
        "channel": complaint.channel,
        "category": complaint.category,
        "severity": complaint.severity,
        "owner": complaint.owner_id,
        "due_at": timezone.localtime(complaint.due_at).isoformat(),
        "escalation_level": complaint.escalation_level,
    }


def _notify_new_complaint(complaint: Complaint) -> None:
    client = complaint.client
    # Notifications are read by the staff: their language, whatever the language of the request.
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            recipient=complaint.owner,
            kind="complaint",
            message=_("New complaint from %(client)s (%(category)s, %(severity)s), to resolve by %(due)s.")
            % {
                "client": client.name,
                "category": complaint.get_category_display(),
                "severity": complaint.get_severity_display(),
                "due": timezone.localtime(complaint.due_at).strftime("%Y-%m-%d %H:%M"),
            },
            link=_link(complaint),
            dedupe_key=f"complaint:{complaint.pk}:new",
            email=True,
        )


def _move(*, by: User, complaint: Complaint, to: str, now: datetime, note: str = "", **fields) -> Complaint:
    _require_role(by)
    if not Complaint.objects.visible_to(by).filter(pk=complaint.pk).exists():
        raise PermissionDenied(_("This complaint is not in your scope."))
    current = Complaint.objects.get(pk=complaint.pk).status
    if (current, to) not in MOVES:
        raise ValidationError(
            _("A complaint that is %(current)s cannot become %(to)s.")
            % {"current": S(current).label, "to": S(to).label}
        )
    # Conditional update: if someone moved it meanwhile, this move is refused rather than applied twice.
    updated = Complaint.objects.filter(pk=complaint.pk, status=current).update(status=to, **fields)
    if not updated:
        raise ValidationError(_("Someone changed this complaint meanwhile; reload and try again."))
    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=EventKind.STATUS,
        from_status=current,
        to_status=to,
        by=by,
        at=now,
        note=note,
    )
    complaint.refresh_from_db()
    return complaint


@transaction.atomic
def complaint_start(*, by: User, complaint: Complaint, now: datetime, note: str = "") -> Complaint:
    _check_length(note=note)
    return _move(by=by, complaint=complaint, to=S.IN_PROGRESS, now=now, note=(note or "").strip())


@transaction.atomic
def complaint_resolve(*, by: User, complaint: Complaint, resolution: str, now: datetime) -> Complaint:
    if not (resolution or "").strip():
        raise ValidationError({"resolution": _("Write how the complaint was resolved.")})
    _check_length(resolution=resolution)
    return _move(
        by=by,
        complaint=complaint,
        to=S.RESOLVED,
        now=now,
        note=resolution.strip(),
        resolution=resolution.strip(),
        resolved_at=now,
    )


@transaction.atomic
def complaint_close(*, by: User, complaint: Complaint, confirmation: str, now: datetime) -> Complaint:
    """Closed only once the customer confirms the resolution: who confirmed, how."""
    if not (confirmation or "").strip():
        raise ValidationError(
            {"confirmation": _("Note who at the customer confirmed the resolution, and how.")}
        )
    _check_length(confirmation=confirmation)
    return _move(
        by=by,
        complaint=complaint,
        to=S.CLOSED,
        now=now,
        note=confirmation.strip(),
        customer_confirmation=confirmation.strip(),
        closed_at=now,
    )


@transaction.atomic
def complaint_reopen(*, by: User, complaint: Complaint, reason: str, now: datetime) -> Complaint:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the customer is not satisfied with the resolution.")})
    _check_length(reason=reason)
    return _move(by=by, complaint=complaint, to=S.IN_PROGRESS, now=now, note=reason.strip(), resolved_at=None)


@transaction.atomic
def complaint_reassign(*, by: User, complaint: Complaint, owner: User, now: datetime) -> Complaint:
    _require_role(by)
    if not complaint.is_unresolved:
        raise ValidationError(_("Only an unresolved complaint changes hands."))
    if not owner.is_active or not User.objects.visible_to(by).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("Choose an active colleague in your scope.")})
    Complaint.objects.filter(pk=complaint.pk).update(owner=owner)
    ComplaintEvent.objects.create(
        complaint=complaint, kind=EventKind.REASSIGNED, by=by, at=now, note=str(owner)
    )
    with translation.override(settings.LANGUAGE_CODE):
        message = _("Complaint #%(id)s of %(client)s is now yours.") % {
            "id": complaint.pk,
            "client": complaint.client.name,
        }
    notify(
        recipient=owner,
        kind="complaint",
        message=message,
        link=_link(complaint),
        dedupe_key=f"complaint:{complaint.pk}:owner:{owner.pk}",
        email=True,
    )
    complaint.refresh_from_db()
    return complaint


def _area_managers(client: Client) -> list[User]:
    if client.area_id is None:
        return []
    return list(
        User.objects.filter(role=Role.AREA_MANAGER, area_id=client.area_id, is_active=True).order_by("pk")
    )


def _station_masters(client: Client) -> list[User]:
    return list(
        User.objects.filter(role=Role.STATION_MASTER, station_id=client.station_id, is_active=True).order_by(
            "pk"
        )
    )


def _escalate(complaint: Complaint, *, level: int, now: datetime) -> bool:
    # Conditional update on the level: two overlapping runs escalate (and notify) once.
    if not Complaint.objects.filter(
        pk=complaint.pk, escalation_level=level - 1, status__in=UNRESOLVED
    ).update(escalation_level=level, escalated_at=now):
        return False
    client = complaint.client
    if level == EscalationLevel.AREA_MANAGER:
        recipients = _area_managers(client) or _station_masters(client)
    else:
        recipients = _station_masters(client)
    hours = int((now - complaint.due_at).total_seconds() // 3600)
    message = _(
        "Overdue complaint: %(client)s, %(category)s (%(severity)s), %(hours)s h past its deadline; owner %(owner)s."
    ) % {
        "client": client.name,
        "category": complaint.get_category_display(),
        "severity": complaint.get_severity_display(),
        "hours": hours,
        "owner": complaint.owner or "—",
    }
    told = recipients + [p for p in [complaint.owner] if p is not None and p not in recipients]
    for person in told:
        notify(
            recipient=person,
            kind="complaint_escalated",
            message=message,
            link=_link(complaint),
            dedupe_key=f"complaint:{complaint.pk}:escalation:{level}",
            email=True,
        )
    complaint.escalation_level = level
    event_record(
        type="complaint.escalated",
        data={**complaint_event_data(complaint), "escalated_at": timezone.localtime(now).isoformat()},
        station_id=client.station_id,
    )
    names = [str(person) for person in recipients]
    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=EventKind.ESCALATED,
        at=now,
        note=_("Escalated to %(people)s.") % {"people": ", ".join(names) or _("nobody (no manager found)")},
    )
    return True


def escalate_overdue_complaints(*, now: datetime) -> int:
    """The hourly job. Returns how many escalations it made; running it again in the same hour makes none."""
    made = 0
    overdue = (
        Complaint.objects.unresolved()
        .filter(due_at__lt=now, escalation_level__lt=EscalationLevel.STATION_MASTER)
        .select_related("client", "owner")
        .order_by("pk")
    )
    for complaint in overdue:
        with transaction.atomic():
            if complaint.escalation_level == EscalationLevel.NONE:
                if _escalate(complaint, level=EscalationLevel.AREA_MANAGER, now=now):
                    made += 1
                    complaint.escalation_level = EscalationLevel.AREA_MANAGER
            second_deadline = complaint.due_at + response_window(complaint.severity)
            if complaint.escalation_level == EscalationLevel.AREA_MANAGER and now >= second_deadline:
                if _escalate(complaint, level=EscalationLevel.STATION_MASTER, now=now):
                    made += 1
    return made
