"""The dashboard pages: station (or area), the network ranking, and the notice (printable and .xlsx)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, Station
from accounts.roles import HQ_ROLES, MY_DAY_ROLES
from config.web import xlsx_response
from quota.calendar import last_working_day
from targets.scorecards import as_table

from . import access, figures, jobs, sections, versions, workbook
from .periods import PeriodForm, PeriodKind, parse_period


@login_required
def landing(request):
    """Each role's own dashboard: HQ the network, a station master their station, an area manager their area;
    key-account managers and area marketers have their day (with their own targets) on the home page."""
    user = request.user
    if user.role in MY_DAY_ROLES:
        return redirect("home")
    access.require_dashboard_role(user)
    if user.role in HQ_ROLES:
        return redirect("dashboard:province")
    if user.role == Role.AREA_MANAGER and user.area_id:
        return redirect("dashboard:area", pk=user.area_id)
    if user.station_id is None:
        raise Http404
    return redirect("dashboard:station_detail", pk=user.station_id)


def _targets_table(summary: dict) -> dict:
    """The summary's rankings with their metrics as columns, for the shared targets section of the pages."""
    levels = [
        {"title": title, "ranked": summary[key], "metrics": as_table(summary[key])}
        for key, title in (("stations", _("Stations")), ("areas", _("Areas")), ("people", _("People")))
        if summary.get(key)
    ]
    return {"month": summary["month"], "levels": levels}


def _period_or_errors(request, today, default_kind=PeriodKind.LAST_30, default_day=None):
    form = PeriodForm(request.GET or None, today=today, default_kind=default_kind, default_day=default_day)
    try:
        return parse_period(
            request.GET, today=today, default_kind=default_kind, default_day=default_day
        ), form
    except ValidationError:
        form.is_valid()
        return None, form


def _render_station(request, station, area):
    period, form = _period_or_errors(request, station.local_date())
    context = {"station": station, "area": area, "form": form, "period": period, "is_hq": request.user.is_hq}
    if period is None:
        return render(request, "dashboard/station.html", context, status=400)
    key, data = figures.cached_station_figures(station=station, area=area, period=period)
    context["jobs"] = jobs.scheduled_jobs(station=station, now=timezone.now())
    params = request.GET.copy()
    params.pop("station", None)
    params.pop("area", None)
    params["station" if area is None else "area"] = station.pk if area is None else area.pk
    context.update(
        data=data,
        targets=_targets_table(
            sections.targets(
                request.user, day=period.day, today=station.local_date(), station=station, area=area
            )
        ),
        api_url=f"{reverse('api-dashboard')}?{params.urlencode()}",
        notice_query=params.urlencode(),
        areas_of_station=station.areas.order_by("name") if area is None else [],
        # The figures' part of the page depends on the figures and on these: kept rendered under both.
        fragment_key=f"{key}:{request.user.is_hq}:{request.user.role}:{request.GET.urlencode()}",
        cache_seconds=versions.CACHE_SECONDS,
    )
    return render(request, "dashboard/station.html", context)


@login_required
def station_detail(request, pk):
    station, area = access.dashboard_scope(request.user, station_id=pk)
    return _render_station(request, station, area)


@login_required
def area_detail(request, pk):
    station, area = access.dashboard_scope(request.user, area_id=pk)
    return _render_station(request, station, area)


@login_required
def province(request):
    access.require_hq(request.user)
    period, form = _period_or_errors(request, timezone.localdate())
    context = {"form": form, "period": period}
    if period is None:
        return render(request, "dashboard/province.html", context, status=400)
    # Headquarters see every station: the figures, and the part of the page drawn from them, are shared.
    key, data = figures.cached_province_figures(period=period)
    context.update(
        data=data,
        targets=_targets_table(sections.targets(request.user, day=period.day, today=timezone.localdate())),
        api_url=f"{reverse('api-dashboard-stations')}?{request.GET.urlencode()}",
        fragment_key=f"{key}:{request.GET.urlencode()}",
        cache_seconds=versions.CACHE_SECONDS,
    )
    return render(request, "dashboard/province.html", context)


def _notice(request):
    station, area = access.dashboard_scope(
        request.user, station_id=request.GET.get("station"), area_id=request.GET.get("area")
    )
    today = station.local_date()
    period, form = _period_or_errors(
        request, today, default_kind=PeriodKind.DAY, default_day=last_working_day(station, today)
    )
    data = None
    if period is not None:
        data = figures.notice_figures(station=station, area=area, period=period)
        data["targets"] = sections.targets(
            request.user, day=period.end, today=station.local_date(), station=station, area=area
        )
    return station, area, period, form, data


def _needs_station(request) -> bool:
    """Headquarters belong to no station: a notice needs them to say which."""
    return request.user.is_hq and not request.GET.get("station") and not request.GET.get("area")


@login_required
def notice(request):
    if _needs_station(request):
        access.require_dashboard_role(request.user)
        stations = Station.objects.visible_to(request.user).order_by("code")
        return render(request, "dashboard/notice_choose.html", {"stations": stations})
    station, area, period, form, data = _notice(request)
    context = {"station": station, "area": area, "period": period, "form": form, "data": data}
    context["targets"] = _targets_table(data["targets"]) if data is not None else None
    context["keep"] = [("area", area.pk)] if area is not None else [("station", station.pk)]
    context["xlsx_query"] = request.GET.urlencode()
    return render(request, "dashboard/notice.html", context, status=400 if data is None else 200)


@login_required
def notice_xlsx(request):
    if _needs_station(request):
        return redirect("dashboard:notice")
    station, area, period, form, data = _notice(request)
    if data is None:
        context = {"station": station, "area": area, "form": form, "data": None}
        return render(request, "dashboard/notice.html", context, status=400)
    content = workbook.notice_workbook(data)
    name = f"notice-{station.code}{'-' + str(area.pk) if area else ''}-{period.start}-{period.end}.xlsx"
    return xlsx_response(content, name)
