"""Pages of visits: the week calendar (per person, per area), planning, recording, and the superior's decision."""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Area, User
from accounts.permissions import role_required
from accounts.roles import LOOP_ROLES
from config.files import stored_file_response
from config.web import put_errors
from pipeline.models import Client

from . import services
from .forms import CalendarFilterForm, DecisionForm, PlanForm, RecordForm
from .models import PlanStatus, SuperiorStatus, VisitPhoto, VisitPlan, VisitRecord

ROLES = tuple(LOOP_ROLES)


def _client_from_query(request):
    pk = request.GET.get("client") or request.POST.get("client")
    if pk and str(pk).isdecimal():
        return Client.objects.visible_to(request.user).select_related("station").filter(pk=int(pk)).first()
    return None


@role_required(*ROLES)
def calendar(request):
    """One week, Monday to Sunday: the visits planned and made by one person, or in one area."""
    user = request.user
    today = timezone.localdate()
    day = parse_date(request.GET.get("week") or "") or today
    monday = day - timedelta(days=day.weekday())
    days = [monday + timedelta(days=i) for i in range(7)]
    areas = Area.objects.visible_to(user).select_related("station")
    people = User.objects.visible_to(user).filter(is_active=True, role__in=LOOP_ROLES)
    area = None
    person = None
    if (request.GET.get("area") or "").isdecimal():
        area = get_object_or_404(areas, pk=int(request.GET["area"]))
    else:
        person_id = request.GET.get("person")
        person = get_object_or_404(people, pk=int(person_id)) if (person_id or "").isdecimal() else user
    plans = VisitPlan.objects.visible_to(user).filter(planned_for__range=(days[0], days[-1]))
    start = timezone.make_aware(datetime.combine(days[0], time()))
    end = start + timedelta(days=7)
    records = VisitRecord.objects.visible_to(user).filter(visited_at__gte=start, visited_at__lt=end)
    if area is not None:
        plans = plans.filter(client__area=area)
        records = records.filter(client__area=area)
    else:
        plans = plans.filter(
            Q(assignee=person)
            | Q(companions=person)
            | Q(superior=person, superior_status=SuperiorStatus.APPROVED)
        )
        records = records.filter(Q(by=person) | Q(attendees=person))
    plans = plans.filter(status=PlanStatus.PLANNED).select_related("client", "assignee").distinct()
    records = records.select_related("client", "by").distinct()
    by_day = {d: {"plans": [], "records": []} for d in days}
    for plan in plans:
        by_day[plan.planned_for]["plans"].append(plan)
    for record in records:
        local = timezone.localdate(record.visited_at)
        if local in by_day:
            by_day[local]["records"].append(record)
    week = [{"day": d, "today": d == today, **by_day[d]} for d in days]
    return render(
        request,
        "visits/calendar.html",
        {
            "week": week,
            "monday": monday,
            "prev": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "filters": CalendarFilterForm(
                user=user,
                initial={"area": area.pk} if area is not None else {"person": person.pk},
                auto_id="c-%s",
            ),
            "area": area,
            "person": person,
            "empty": not any(d["plans"] or d["records"] for d in week),
            "pending": services.pending_superior_requests(user).select_related("client", "assignee")[:20],
        },
    )


@role_required(*ROLES)
def plan_new(request):
    client = _client_from_query(request)
    initial = {"assignee": request.user, "planned_for": timezone.localdate() + timedelta(days=1)}
    if client is not None:
        initial.update(client=client, from_screening=bool(client.plan_key_points))
        initial["superior_requested"] = client.plan_superior_needed
    form = PlanForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            plan = services.plan_create(by=request.user, **data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Visit planned."))
            return redirect("visits:plan_detail", plan.pk)
    return render(request, "visits/plan_form.html", {"form": form, "client": client})


@login_required
def plan_detail(request, pk):
    plan = get_object_or_404(
        VisitPlan.objects.visible_to(request.user).select_related("client", "assignee", "superior"), pk=pk
    )
    return render(
        request,
        "visits/plan_detail.html",
        {
            "plan": plan,
            "can_decide": plan.superior_status == SuperiorStatus.PENDING
            and services.can_decide_superior(request.user, plan),
            "can_act": request.user.role in LOOP_ROLES,
            "decision_form": DecisionForm(),
            "record": getattr(plan, "record", None) if plan.status == PlanStatus.DONE else None,
        },
    )


@require_POST
@role_required(*ROLES)
def plan_decide(request, pk):
    plan = get_object_or_404(VisitPlan.objects.visible_to(request.user).select_related("client"), pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    approve = request.POST.get("decision") == "approve"
    try:
        services.superior_decide(
            plan=plan, by=request.user, approve=approve, note=form.cleaned_data.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        raise
    else:
        messages.success(request, _("Approved.") if approve else _("Declined."))
    return redirect("visits:plan_detail", plan.pk)


@require_POST
@role_required(*ROLES)
def plan_cancel(request, pk):
    plan = get_object_or_404(VisitPlan.objects.visible_to(request.user).select_related("client"), pk=pk)
    try:
        services.plan_cancel(plan=plan, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Visit cancelled."))
    return redirect("visits:plan_detail", plan.pk)


@role_required(*ROLES)
def record_new(request):
    client = _client_from_query(request)
    plan = None
    plan_id = request.GET.get("plan") or request.POST.get("plan")
    if plan_id and str(plan_id).isdecimal():
        plan = get_object_or_404(
            VisitPlan.objects.visible_to(request.user).select_related("client"), pk=plan_id
        )
        client = plan.client
    initial = {
        "visited_at": timezone.localtime().replace(second=0, microsecond=0),
        "attendees": [request.user],
    }
    if client is not None:
        initial["client"] = client
    if plan is not None:
        initial.update(plan=plan.pk, kind=plan.kind)
    form = RecordForm(
        request.POST or None, request.FILES or None, user=request.user, client=client, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        lat, lng, accuracy = data.pop("latitude"), data.pop("longitude"), data.pop("accuracy")
        located_at = data.pop("located_at")
        data.pop("plan", None)
        location = (
            services.Location(lat, lng, accuracy, located_at) if lat is not None and lng is not None else None
        )
        try:
            record = services.record_create(
                by=request.user,
                plan=plan,
                location=location,
                met_contacts=data.pop("met_contacts", []),
                **data,
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Visit recorded."))
            return redirect("pipeline:client_detail", record.client_id)
    return render(request, "visits/record_form.html", {"form": form, "client": client, "plan": plan})


@login_required
def record_detail(request, pk):
    record = get_object_or_404(
        VisitRecord.objects.visible_to(request.user)
        .select_related("client", "by", "plan")
        .prefetch_related("attendees", "met_contacts", "photos"),
        pk=pk,
    )
    return render(request, "visits/record_detail.html", {"record": record})


@login_required
def photo(request, pk):
    """A visit photo, to whoever sees its visit record; 404 to anybody else."""
    item = get_object_or_404(
        VisitPhoto.objects.filter(record__in=VisitRecord.objects.visible_to(request.user)), pk=pk
    )
    return stored_file_response(item.image)
