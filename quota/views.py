"""Pages of the quota: my quota, a person's quota, the flags (inbox and history), a flag with its steps, the
station calendar, leave, and the station's quota settings."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Station, User
from accounts.permissions import role_required
from accounts.roles import (
    ASSESSORS,
    CALENDAR_KEEPERS,
    FLAG_INVESTIGATORS,
    HQ_ROLES,
    LEAVE_KEEPERS,
    QUOTA_MANAGERS,
    QUOTA_ROLES,
)
from config.web import put_errors
from config.widgets import picker

from . import services
from .calendar import holidays_known, settings_for, station_calendar
from .forms import AssessmentForm, CalendarDayForm, FlagFilterForm, LeaveForm, NoteForm, SettingsForm
from .models import CalendarDay, DailyTally, Leave, QuotaFlag
from .selectors import awaiting_q, month_bounds, person_quota


def _month_param(request) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        return None


# --- A person's quota -----------------------------------------------------------------------------------------


def _person_page(request, person, *, own: bool):
    if person.station_id is None:
        raise Http404
    data = person_quota(person, now=timezone.now(), month=_month_param(request))
    return render(request, "quota/mine.html", {"q": data, "own": own, "person": person})


@role_required(*QUOTA_ROLES)
def mine(request):
    return _person_page(request, request.user, own=True)


@role_required(*QUOTA_MANAGERS)
def person(request, pk):
    someone = get_object_or_404(
        User.objects.visible_to(request.user).filter(role__in=QUOTA_ROLES).select_related("station", "area"),
        pk=pk,
    )
    return _person_page(request, someone, own=False)


# --- Flags ------------------------------------------------------------------------------------------------------


@role_required(*QUOTA_MANAGERS)
def flags(request):
    user = request.user
    params = request.GET.copy()
    awaiting = awaiting_q(user)
    if "status" not in params and awaiting is not None:
        params["status"] = FlagFilterForm.AWAITING  # the inbox: what waits for my step
    form = FlagFilterForm(params, user=user)
    qs = (
        QuotaFlag.objects.visible_to(user)
        .select_related("person", "area", "station")
        .prefetch_related("events__by")
        .order_by("-last_missed_on", "-pk")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["status"] == FlagFilterForm.AWAITING:
            qs = qs.filter(awaiting) if awaiting is not None else qs
        elif data["status"]:
            qs = qs.filter(status=data["status"])
        if data["area"]:
            qs = qs.filter(area=data["area"])
        if data["person"]:
            qs = qs.filter(
                Q(person__display_name__icontains=data["person"])
                | Q(person__username__icontains=data["person"])
            )
        if data["missed_from"]:
            qs = qs.filter(last_missed_on__gte=data["missed_from"])
        if data["missed_to"]:
            qs = qs.filter(first_missed_on__lte=data["missed_to"])
        if data["penalty"] is not None:
            qs = qs.filter(penalty=data["penalty"])
    else:
        qs = qs.none()
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "quota/flags.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_keep_leave": user.role in LEAVE_KEEPERS,
        },
    )


def _flag_for(request, pk):
    return get_object_or_404(
        QuotaFlag.objects.visible_to(request.user).select_related("person", "area", "station"), pk=pk
    )


def _flag_page(request, flag, forms=None, status=200):
    forms = forms or {}
    actions = services.actions_for(flag, request.user)
    run = (
        DailyTally.objects.filter(person=flag.person, day__range=(flag.first_missed_on, flag.last_missed_on))
        .select_related("area")
        .order_by("day")
    )
    context = {
        "flag": flag,
        "events": flag.events.select_related("by").order_by("at", "pk"),
        "run": run,
        "investigate_form": forms.get("investigate") or (NoteForm() if "investigate" in actions else None),
        "assess_form": forms.get("assess") or (AssessmentForm() if "assess" in actions else None),
        "resolve_form": forms.get("resolve") or (NoteForm() if "resolve" in actions else None),
        "can_see_person": request.user.role in QUOTA_MANAGERS,
    }
    return render(request, "quota/flag_detail.html", context, status=status)


@login_required
def flag_detail(request, pk):
    return _flag_page(request, _flag_for(request, pk))


STEPS = {
    "investigate": (NoteForm, services.flag_investigate, FLAG_INVESTIGATORS),
    "assess": (AssessmentForm, services.flag_assess, ASSESSORS),
    "resolve": (NoteForm, services.flag_resolve, ASSESSORS),
}


@login_required
@require_POST
def flag_step(request, pk, step):
    form_class, service, roles = STEPS[step]
    if request.user.role not in roles:
        raise PermissionDenied
    flag = _flag_for(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(flag=flag, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Saved. The step is kept in the flag's history."))
            return redirect("quota:flag", pk=flag.pk)
    flag.refresh_from_db()
    return _flag_page(request, flag, forms={step: form}, status=400)


# --- Station calendar, settings, leave --------------------------------------------------------------------------------


def _station_for(request) -> Station | None:
    """The station the page is about: one's own, or for headquarters the one picked (default: the first)."""
    stations = Station.objects.visible_to(request.user).order_by("code")
    if request.user.role in HQ_ROLES:
        picked = request.GET.get("station") or request.POST.get("station")
        if picked:
            if not picked.isdecimal():
                raise Http404
            return get_object_or_404(stations, pk=picked)
        return stations.first()
    return stations.first() if request.user.station_id else None


def _day_param(request) -> datetime.date | None:
    try:
        return parse_date(request.GET.get("day") or "")
    except ValueError:  # well formed, but no such day (2026-02-30)
        return None


@role_required(*QUOTA_MANAGERS)
def calendar(request):
    station = _station_for(request)
    if station is None:
        return render(request, "quota/calendar.html", {"station": None})
    can_edit = request.user.role in CALENDAR_KEEPERS
    today = station.local_date()
    picked = _day_param(request) if request.method == "GET" else None
    month = picked.replace(day=1) if picked else _month_param(request) or today.replace(day=1)
    form = CalendarDayForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                if request.POST.get("clear"):
                    services.calendar_day_clear(
                        by=request.user, station=station, day=form.cleaned_data["day"]
                    )
                else:
                    services.calendar_day_set(by=request.user, station=station, **form.cleaned_data)
            except ValidationError as exc:
                put_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                day = form.cleaned_data["day"]
                return redirect(f"{reverse('quota:calendar')}?station={station.pk}&month={day:%Y-%m}")
    first, last = month_bounds(month)
    entries = station_calendar(station, first, last)
    weeks, week = [], [None] * first.weekday()
    for entry in entries:
        week.append(entry)
        if len(week) == 7:
            weeks.append(week)
            week = []
    if week:
        weeks.append(week + [None] * (7 - len(week)))
    # A day clicked in the month: its detail, and the form below set to change it the other way.
    selected = next((e for e in entries if e.day == picked), None)
    if selected is not None and form is not None:
        form.initial = {
            "day": selected.day,
            "working": "0" if selected.working else "1",
            "note": selected.note,
        }
    context = {
        "station": station,
        "station_picker": picker("station", "api-pick-stations", station)
        if request.user.role in HQ_ROLES
        else None,
        "settings": settings_for(station),
        "month": first,
        "previous_month": (first - datetime.timedelta(days=1)).replace(day=1),
        "next_month": (last + datetime.timedelta(days=1)),
        "weeks": weeks,
        "today": today,
        "selected": selected,
        "form": form,
        "exceptions": CalendarDay.objects.filter(station=station, day__gte=first).order_by("day")[:60],
        "holidays_known": holidays_known(first.year),
        "can_edit": can_edit,
    }
    return render(
        request, "quota/calendar.html", context, status=400 if form is not None and form.errors else 200
    )


@role_required(*CALENDAR_KEEPERS)
def settings_page(request):
    station = _station_for(request)
    if station is None:
        raise Http404
    current = settings_for(station)
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(by=request.user, station=station, **form.changes())
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Saved. The settings apply to the days not evaluated yet."))
            return redirect(f"{reverse('quota:calendar')}?station={station.pk}")
    return render(
        request,
        "quota/settings.html",
        {"form": form, "station": station},
        status=400 if form.errors else 200,
    )


@role_required(*QUOTA_MANAGERS)
def leave(request):
    user = request.user
    can_edit = user.role in LEAVE_KEEPERS
    form = LeaveForm(request.POST or None, user=user) if can_edit else None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.leave_create(by=user, **form.cleaned_data)
            except ValidationError as exc:
                put_errors(form, exc)
            else:
                messages.success(request, _("Leave recorded."))
                return redirect("quota:leave")
    show_past = request.GET.get("past") == "1"
    qs = Leave.objects.visible_to(user).select_related("person", "person__area", "created_by")
    if not show_past:
        qs = qs.filter(last_day__gte=timezone.localdate() - datetime.timedelta(days=31))
    page = Paginator(qs.order_by("-first_day", "pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "quota/leave.html",
        {"form": form, "page": page, "show_past": show_past, "can_edit": can_edit},
        status=400 if form is not None and form.errors else 200,
    )


@role_required(*LEAVE_KEEPERS)
@require_POST
def leave_delete(request, pk):
    item = get_object_or_404(Leave.objects.visible_to(request.user).select_related("person"), pk=pk)
    try:
        services.leave_delete(by=request.user, leave=item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Leave removed."))
    return redirect("quota:leave")
