"""Writes of visit plans and records, the superior's approval, and the return-visit cadence."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, Station, User
from accounts.roles import HQ_ROLES
from accounts.services import notify
from config.files import image_upload
from pipeline.models import Client
from pipeline.models.loop import Stage
from pipeline.services.steps import require_actor

from .models import (
    Outcome,
    PlanSource,
    PlanStatus,
    SuperiorStatus,
    VisitKind,
    VisitPhoto,
    VisitPlan,
    VisitRecord,
)

# How far ahead a visit may be planned; anything later is a typing mistake (a year 2062 visit).
MAX_PLAN_DAYS_AHEAD = 366
# A record describes a visit that happened; allow for a phone clock a little ahead.
CLOCK_SKEW = timedelta(minutes=15)
# Stages whose clients are customers we maintain with regular return visits.
MAINTAINED_STAGES = (Stage.CONTRACT, Stage.FOLLOW_UP, Stage.ARCHIVE)
DEFAULT_CADENCE_DAYS = {"A": 30, "B": 91, "C": 182}


def cadence_days(tier: str) -> int:
    """Days between return visits for a tier (settings.RETURN_VISIT_CADENCE_DAYS); no tier counts as C."""
    cadence = {**DEFAULT_CADENCE_DAYS, **getattr(settings, "RETURN_VISIT_CADENCE_DAYS", {})}
    return cadence.get(tier or "C", cadence["C"])


def notice_days() -> int:
    """A return visit is listed as due this many days before its date."""
    return getattr(settings, "RETURN_VISIT_NOTICE_DAYS", 7)


# --- Plans -------------------------------------------------------------------------------------------------


def _check_plan_date(client: Client, planned_for: date | None) -> None:
    today = client.station.local_date()
    if planned_for is None:
        raise ValidationError({"planned_for": _("Choose the date of the visit.")})
    if planned_for < today:
        raise ValidationError({"planned_for": _("A visit is planned from today on.")})
    if planned_for > today + timedelta(days=MAX_PLAN_DAYS_AHEAD):
        raise ValidationError({"planned_for": _("A visit is planned at most a year ahead.")})


def _check_people(by: User, people, client: Client) -> None:
    """Everybody named on a visit works at the client's station or is within the caller's scope."""
    if by.role in HQ_ROLES:
        return
    others = [p for p in people if p.pk != by.pk and p.station_id != client.station_id]
    visible = set(
        User.objects.visible_to(by).filter(pk__in=[p.pk for p in others]).values_list("pk", flat=True)
    )
    outside = [p for p in others if p.pk not in visible]
    if outside:
        # Name nobody: a person outside one's scope is not to be revealed, not even by name.
        raise ValidationError({"assignee": _("Someone you chose is outside your scope.")})


def _check_superior(superior: User | None, client: Client) -> None:
    """A superior joins from the visit's own station, or from headquarters (high-level visits); nobody else,
    and the answer names nobody."""
    if superior is None:
        return
    if not superior.is_active or not (superior.station_id == client.station_id or superior.role in HQ_ROLES):
        raise ValidationError(
            {"superior": _("Choose a superior of this client's station, or of headquarters.")}
        )


def area_managers(client: Client):
    """Who decides whether a superior comes along: the area manager(s) of the client's area, else the master."""
    managers = User.objects.filter(is_active=True, role=Role.AREA_MANAGER, area_id=client.area_id)
    if client.area_id and managers.exists():
        return managers
    return User.objects.filter(is_active=True, role=Role.STATION_MASTER, station_id=client.station_id)


@transaction.atomic
def plan_create(
    *,
    client: Client,
    by: User,
    planned_for: date,
    assignee: User | None = None,
    kind: str = VisitKind.FIRST,
    planned_time=None,
    companions=(),
    key_points: str = "",
    topics: str = "",
    department_head: str = "",
    relationships: str = "",
    needs_initial_quote: bool = False,
    needs_route_combination: bool = False,
    superior_requested: bool = False,
    superior: User | None = None,
    superior_request_note: str = "",
    from_screening: bool = False,
) -> VisitPlan:
    """Plan a visit. With `from_screening`, the key points of the client's screening plan are carried over
    wherever the caller left them empty."""
    require_actor(by, client)
    _check_plan_date(client, planned_for)
    assignee = assignee or by
    _check_superior(superior, client)
    _check_people(by, [assignee, *companions], client)
    if from_screening:
        key_points = key_points or client.plan_key_points
        topics = topics or client.plan_topics
        department_head = department_head or client.plan_department_head
        relationships = relationships or client.plan_relationships
        needs_initial_quote = needs_initial_quote or client.plan_initial_quote
        needs_route_combination = needs_route_combination or client.plan_route_combination
        superior_requested = superior_requested or client.plan_superior_needed
    plan = VisitPlan(
        client=client,
        kind=kind,
        source=PlanSource.SCREENING if from_screening else PlanSource.MANUAL,
        planned_for=planned_for,
        planned_time=planned_time,
        assignee=assignee,
        key_points=key_points,
        topics=topics,
        department_head=department_head,
        relationships=relationships,
        needs_initial_quote=needs_initial_quote,
        needs_route_combination=needs_route_combination,
        superior_status=SuperiorStatus.PENDING if superior_requested else SuperiorStatus.NONE,
        superior=superior if superior_requested else None,
        superior_request_note=superior_request_note if superior_requested else "",
        created_by=by,
    )
    plan.full_clean(exclude=["companions"])
    plan.save()
    if companions:
        plan.companions.set(companions)
    if superior_requested:
        link = reverse("visits:plan_detail", args=[plan.pk])
        for manager in area_managers(client):
            notify(
                recipient=manager,
                kind="visit_superior_request",
                message=_("%(who)s asks for a superior to join the visit to %(client)s on %(date)s.")
                % {"who": by, "client": client, "date": planned_for.isoformat()},
                link=link,
                dedupe_key=f"visit-superior:{plan.pk}",
            )
    return plan


def can_decide_superior(user: User, plan: VisitPlan) -> bool:
    client = plan.client
    if user.role in HQ_ROLES:
        return True
    if user.role == Role.STATION_MASTER:
        return user.station_id == client.station_id
    if user.role == Role.AREA_MANAGER:
        return client.area_id is not None and user.area_id == client.area_id
    return False


@transaction.atomic
def superior_decide(
    *, plan: VisitPlan, by: User, approve: bool, note: str = "", superior: User | None = None
) -> VisitPlan:
    """The area manager approves or declines a request for a superior to come along."""
    if not can_decide_superior(by, plan):
        raise PermissionDenied(_("Only the client's area manager or station master decides this."))
    if approve:
        _check_superior(superior, plan.client)
    # Conditional update: of two managers answering at once, only the first decision counts.
    decided = VisitPlan.objects.filter(pk=plan.pk, superior_status=SuperiorStatus.PENDING).update(
        superior_status=SuperiorStatus.APPROVED if approve else SuperiorStatus.DECLINED,
        superior=(superior or plan.superior or by) if approve else plan.superior,
        superior_decided_by=by,
        superior_decided_at=timezone.now(),
        superior_decision_note=(note or "").strip(),
    )
    if not decided:
        raise ValidationError(_("There is no pending request on this visit."))
    plan.refresh_from_db()
    notify(
        recipient=plan.created_by or plan.assignee,
        kind="visit_superior_decision",
        message=(
            _("%(who)s will join the visit to %(client)s on %(date)s.")
            if approve
            else _("The request for a superior on the visit to %(client)s on %(date)s was declined.")
        )
        % {"who": plan.superior, "client": plan.client, "date": plan.planned_for.isoformat()},
        link=reverse("visits:plan_detail", args=[plan.pk]),
        dedupe_key=f"visit-superior-decision:{plan.pk}",
    )
    return plan


@transaction.atomic
def plan_cancel(*, plan: VisitPlan, by: User) -> VisitPlan:
    require_actor(by, plan.client)
    cancelled = VisitPlan.objects.filter(pk=plan.pk, status=PlanStatus.PLANNED).update(
        status=PlanStatus.CANCELLED
    )
    if not cancelled:
        raise ValidationError(_("Only a planned visit can be cancelled."))
    plan.status = PlanStatus.CANCELLED
    return plan


# --- Records -------------------------------------------------------------------------------------------------


@dataclass
class Location:
    latitude: float
    longitude: float
    accuracy: float | None = None
    at: datetime | None = None


def _check_location(location: Location | None) -> None:
    if location is None:
        return
    if not (-90 <= location.latitude <= 90) or not (-180 <= location.longitude <= 180):
        raise ValidationError({"latitude": _("The location is not a position on Earth.")})
    if location.accuracy is not None and location.accuracy < 0:
        raise ValidationError({"accuracy": _("The accuracy cannot be negative.")})


@transaction.atomic
def record_create(
    *,
    client: Client,
    by: User,
    visited_at: datetime,
    met: str,
    outcome: str,
    kind: str = VisitKind.FIRST,
    plan: VisitPlan | None = None,
    attendees=(),
    met_contacts=(),
    situation: str = "",
    problem: str = "",
    implication: str = "",
    need_payoff: str = "",
    notes: str = "",
    next_step: str = "",
    next_step_on: date | None = None,
    location: Location | None = None,
    photos=(),
) -> VisitRecord:
    """Record a visit that took place. A planned visit (the given plan, or an open return-visit plan of the
    cadence when this is a return visit) is marked done by it."""
    require_actor(by, client)
    if visited_at is None:
        raise ValidationError({"visited_at": _("When did the visit take place?")})
    if timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at, client.station.tz)
    if visited_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError(
            {"visited_at": _("A visit record describes a visit that took place; this one is in the future.")}
        )
    if next_step_on and next_step_on < timezone.localtime(visited_at, client.station.tz).date():
        raise ValidationError({"next_step_on": _("The next step cannot come before the visit.")})
    if plan is not None and (plan.client_id != client.pk or plan.status != PlanStatus.PLANNED):
        raise ValidationError({"plan": _("This plan is not an open plan of this client.")})
    if any(c.client_id != client.pk for c in met_contacts):
        raise ValidationError({"met_contacts": _("A contact of another client.")})
    _check_location(location)
    _check_people(by, list(attendees), client)
    # Re-encoded (config/files.py): what is stored is a fresh image, never the upload's bytes.
    photos = [image_upload(photo, field="photos") for photo in photos]
    if plan is None and kind == VisitKind.RETURN:
        plan = VisitPlan.objects.filter(
            client=client, kind=VisitKind.RETURN, status=PlanStatus.PLANNED
        ).first()
    record = VisitRecord(
        client=client,
        plan=plan,
        kind=kind,
        visited_at=visited_at,
        by=by,
        met=(met or "").strip(),
        situation=situation,
        problem=problem,
        implication=implication,
        need_payoff=need_payoff,
        notes=notes,
        outcome=outcome,
        next_step=next_step,
        next_step_on=next_step_on,
    )
    if location is not None:
        record.latitude = Decimal(f"{location.latitude:.6f}")
        record.longitude = Decimal(f"{location.longitude:.6f}")
        record.accuracy = location.accuracy
        # The phone's own fix time, unless its clock runs ahead of ours.
        record.located_at = min(location.at, timezone.now()) if location.at else timezone.now()
    record.full_clean(exclude=["attendees", "met_contacts"])
    if record.outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    record.save()
    record.attendees.set(list(attendees) or [by])
    if met_contacts:
        record.met_contacts.set(met_contacts)
    for photo in photos:
        VisitPhoto.objects.create(record=record, image=photo)
    if plan is not None:
        VisitPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.DONE)
    return record


@transaction.atomic
def photo_add(*, record: VisitRecord, by: User, image) -> VisitPhoto:
    require_actor(by, record.client)
    return VisitPhoto.objects.create(record=record, image=image_upload(image, field="image"))


# --- Return-visit cadence -------------------------------------------------------------------------------------


def next_return_visit(client: Client, *, last_visit: date | None, last_signed: date | None) -> date:
    """When the client's next return visit is due: one cadence after the last visit or the signing, whichever
    came later (or after it entered its current stage, when neither exists)."""
    anchors = [d for d in (last_visit, last_signed) if d]
    anchor = max(anchors) if anchors else client.station.local_date(client.stage_entered_at)
    return anchor + timedelta(days=cadence_days(client.tier))


def plan_return_visits(*, station: Station, on: date) -> list[VisitPlan]:
    """Plan the return visits of the station's maintained customers that are due by `on` + the notice days,
    and tell each owner about their due and overdue ones. `on` is the station's business date.

    Running it again for the same date changes nothing: one open cadence plan per client (a unique
    constraint) and one notification per plan and state (dedupe keys).
    """
    horizon = on + timedelta(days=notice_days())
    clients = (
        Client.objects.active()
        .filter(station=station, stage__in=MAINTAINED_STAGES, owner__isnull=False, owner__is_active=True)
        .exclude(
            Exists(
                VisitPlan.objects.filter(
                    client=OuterRef("pk"), source=PlanSource.CADENCE, status=PlanStatus.PLANNED
                )
            )
        )
        .annotate(last_visit_at=Max("visit_records__visited_at"), last_signed=Max("contracts__signed_on"))
        .select_related("station")
    )
    new_plans = []
    for client in clients:
        last_visit = station.local_date(client.last_visit_at) if client.last_visit_at else None
        due_on = next_return_visit(client, last_visit=last_visit, last_signed=client.last_signed)
        if due_on <= horizon:
            new_plans.append(
                VisitPlan(
                    client=client,
                    kind=VisitKind.RETURN,
                    source=PlanSource.CADENCE,
                    planned_for=due_on,
                    assignee_id=client.owner_id,
                    key_points=_("Regular return visit (tier %(tier)s).") % {"tier": client.tier or "C"},
                )
            )
    with transaction.atomic():
        VisitPlan.objects.bulk_create(new_plans, ignore_conflicts=True)
    open_plans = (
        VisitPlan.objects.filter(
            client__station=station,
            source=PlanSource.CADENCE,
            status=PlanStatus.PLANNED,
            planned_for__lte=horizon,
        )
        .select_related("client", "assignee")
        .order_by("planned_for", "pk")
    )
    open_plans = list(open_plans)
    for plan in open_plans:
        overdue = plan.planned_for < on
        notify(
            recipient=plan.assignee,
            kind="return_visit_overdue" if overdue else "return_visit_due",
            message=(
                _("Return visit to %(client)s overdue since %(date)s.")
                if overdue
                else _("Return visit to %(client)s due on %(date)s.")
            )
            % {"client": plan.client, "date": plan.planned_for.isoformat()},
            link=reverse("pipeline:client_detail", args=[plan.client_id]),
            dedupe_key=f"return-visit:{plan.pk}:{'overdue' if overdue else 'due'}",
        )
    return open_plans


def due_return_visits(user: User, *, on: date):
    """The user's open return visits due by `on` + the notice days, oldest first (the home card)."""
    return (
        VisitPlan.objects.filter(
            assignee=user,
            kind=VisitKind.RETURN,
            status=PlanStatus.PLANNED,
            planned_for__lte=on + timedelta(days=notice_days()),
        )
        .select_related("client")
        .order_by("planned_for", "pk")
    )


def pending_superior_requests(user: User):
    """Requests for a superior to come along that `user` may decide."""
    qs = VisitPlan.objects.filter(superior_status=SuperiorStatus.PENDING, status=PlanStatus.PLANNED)
    if user.role in HQ_ROLES:
        return qs.none()  # HQ may decide, but these are not theirs to be reminded of
    if user.role == Role.STATION_MASTER:
        return qs.filter(client__station_id=user.station_id)
    if user.role == Role.AREA_MANAGER and user.area_id:
        return qs.filter(client__area_id=user.area_id)
    return qs.none()
