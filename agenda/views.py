"""The task pages: the list, a task, a task by hand, done and snooze in one tap, the station's rules and the
calendar feed (its page, and the feed itself, opened by its secret link alone)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Station, today_for
from accounts.permissions import role_required
from accounts.roles import HQ_ROLES, TASK_RULE_KEEPERS
from config.web import put_errors
from config.widgets import picker
from pipeline.models import Client

from . import feed, rules, selectors, services
from .forms import SettingsForm, SnoozeForm, TaskFilterForm, TaskForm
from .models import CalendarFeed, Task


def _back(request, default: str):
    """Where a one-tap action returns: the page it came from (on this site), else `default`."""
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def _task_for(request, pk) -> Task:
    return get_object_or_404(selectors.task_list(request.user, today=today_for(request.user)), pk=pk)


@login_required
def task_list(request):
    user = request.user
    today = today_for(user)
    form = TaskFilterForm(request.GET or None, user=user)
    filters = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    tasks = selectors.task_list(user, today=today, **filters)
    if not filters.get("status"):
        tasks = tasks.filter(status="open")
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    for task in page:
        task.shown_status = selectors.status_of(task, today)
        task.days_late = (today - task.show_on).days
    return render(
        request,
        "agenda/list.html",
        {
            "form": form,
            "page": page,
            "today": today,
            "query": request.GET.urlencode(),
            "can_keep_rules": user.role in TASK_RULE_KEEPERS,
        },
        status=400 if form.errors else 200,
    )


@login_required
def task_detail(request, pk):
    task = _task_for(request, pk)
    today = today_for(request.user)
    task.days_late = (today - task.show_on).days
    return render(
        request,
        "agenda/detail.html",
        {"task": task, "today": today, "status": selectors.status_of(task, today)},
    )


@login_required
def task_new(request):
    client = None
    client_id = request.GET.get("client") or ""
    if client_id.isdecimal():
        client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)
    form = TaskForm(request.POST or None, user=request.user, client=client)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Task added."))
            return redirect("agenda:detail", pk=task.pk)
    return render(
        request, "agenda/new.html", {"form": form, "client": client}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def task_done(request, pk):
    task = services.task_done(task=_task_for(request, pk), by=request.user)
    messages.success(request, _("Done: %(task)s") % {"task": task.display_title})
    return _back(request, reverse("home"))


@login_required
@require_POST
def task_snooze(request, pk):
    task = _task_for(request, pk)
    form = SnoozeForm(request.POST)
    until = form.until_from(today_for(task.assignee)) if form.is_valid() else None
    try:
        task = services.task_snooze(task=task, by=request.user, until=until)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Snoozed until %(day)s: %(task)s")
            % {"day": date_format(task.snoozed_until, "MONTH_DAY_FORMAT"), "task": task.display_title},
        )
    return _back(request, reverse("home"))


def _station_for(request) -> Station:
    """One's own station, or for headquarters the one picked (default: the first)."""
    stations = Station.objects.visible_to(request.user).order_by("code")
    picked = request.GET.get("station") or request.POST.get("station") or ""
    if request.user.role in HQ_ROLES and picked:
        if not picked.isdecimal():
            raise Http404
        return get_object_or_404(stations, pk=picked)
    station = stations.first()
    if station is None:
        raise Http404
    return station


@role_required(*TASK_RULE_KEEPERS)
def settings_page(request):
    station = _station_for(request)
    form = SettingsForm(request.POST or None, instance=rules.settings_for(station))
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(by=request.user, station=station, **form.cleaned_data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(
                request, _("Saved. The rules apply from their next run (within a quarter of an hour).")
            )
            return redirect(f"{reverse('agenda:settings')}?station={station.pk}")
    # Headquarters choose among every station: a picker, not a select of a whole network's stations.
    stations = (
        picker("station", "api-pick-stations", station, id="station")
        if request.user.role in HQ_ROLES
        else None
    )
    return render(
        request,
        "agenda/settings.html",
        {"form": form, "station": station, "station_picker": stations},
        status=400 if form.errors else 200,
    )


@login_required
def calendar_page(request):
    """The person's calendar feed: make or reset its secret link (shown once), or turn it off."""
    link = None
    if request.method == "POST":
        if request.POST.get("action") == "off":
            services.feed_delete(user=request.user)
            messages.success(request, _("The calendar link no longer works."))
            return redirect("agenda:calendar")
        token = services.feed_reset(user=request.user)
        link = request.build_absolute_uri(reverse("agenda:feed", args=[token]))
    current = CalendarFeed.objects.filter(user=request.user).first()
    return render(request, "agenda/calendar.html", {"feed": current, "link": link})


def calendar_feed(request, token):
    """The feed itself, for a calendar app: no session, the secret link is the key (404 for a wrong one)."""
    if request.method not in ("GET", "HEAD"):
        raise PermissionDenied
    person = services.feed_owner(token)
    if person is None:
        raise Http404
    body = feed.calendar_of(person, today=today_for(person), absolute=request.build_absolute_uri)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="lantou.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
