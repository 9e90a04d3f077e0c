"""The targets pages: the scorecard (page and .xlsx) and the grid where station masters and headquarters set a
month's targets."""

import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Station, today_for
from accounts.permissions import role_required
from accounts.roles import HQ_ROLES, TARGET_SETTERS
from config.web import xlsx_response
from config.widgets import picker

from . import scorecards, services, workbook
from .models import Level, Metric, Target

LEVEL_TITLES = {
    Level.PERSON: gettext_lazy("People"),
    Level.AREA: gettext_lazy("Areas"),
    Level.STATION: gettext_lazy("Stations"),
}


def _month(request, today: datetime.date) -> datetime.date:
    value = request.GET.get("month") or request.POST.get("month")
    if not value:
        return today.replace(day=1)
    month = scorecards.parse_month(value)
    if month is None:
        raise Http404
    return month


def _picked_station(request) -> Station | None:
    """Headquarters may look at one station; everybody else sees what their scope holds."""
    picked = request.GET.get("station") or request.POST.get("station") or ""
    if not picked:
        return None
    if not picked.isdecimal():
        raise Http404
    return get_object_or_404(Station.objects.visible_to(request.user), pk=picked)


def _sections(user, *, month, today, station):
    station_id = station.pk if station is not None else None
    sections = []
    for level in (Level.STATION, Level.AREA, Level.PERSON):
        if level == Level.STATION and station is not None:
            continue
        rows = scorecards.scorecard(
            user,
            month=month,
            today=today,
            level=level,
            station_id=None if level == Level.STATION else station_id,
        )
        if rows:
            sections.append((str(LEVEL_TITLES[level]), scorecards.ranking(rows), rows))
    return sections


def _around(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    previous = (month - datetime.timedelta(days=1)).replace(day=1)
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    return previous, following


@login_required
def scorecard_page(request):
    today = today_for(request.user)
    month = _month(request, today)
    station = _picked_station(request)
    sections = _sections(request.user, month=month, today=today, station=station)
    previous, following = _around(month)
    return render(
        request,
        "targets/scorecard.html",
        {
            "month": month,
            "previous": previous,
            "following": following,
            "station": station,
            "station_picker": picker("station", "api-pick-stations", station, id="station")
            if request.user.is_hq
            else None,
            "sections": [
                {"title": title, "ranked": ranked, "metrics": scorecards.as_table(ranked)}
                for title, ranked, _rows in sections
            ],
            "pace": scorecards.pace(month, today),
            "can_set": request.user.role in TARGET_SETTERS,
            "query": request.GET.urlencode(),
        },
    )


@login_required
def scorecard_xlsx(request):
    today = today_for(request.user)
    month = _month(request, today)
    station = _picked_station(request)
    where = (
        station.name
        if station is not None
        else (request.user.station.name if request.user.station_id else _("All stations"))
    )
    heading = _("Scorecard · %(where)s · %(month)s") % {"where": where, "month": month.strftime("%Y-%m")}
    content = workbook.scorecard_workbook(
        heading=heading, sections=_sections(request.user, month=month, today=today, station=station)
    )
    return xlsx_response(content, f"scorecard-{month:%Y-%m}{'-' + station.code if station else ''}.xlsx")


def _cell(level: str, pk: int, metric: str) -> str:
    return f"t-{level}-{pk}-{metric}"


def _grid(station: Station, *, hq: bool):
    """The rows of the grid: the station itself (headquarters only), its areas, its people."""
    rows = []
    if hq:
        rows.append({"level": Level.STATION, "subject": station, "label": _("The station as a whole")})
    for area in station.areas.order_by("name"):
        rows.append({"level": Level.AREA, "subject": area, "label": area.name})
    for person in scorecards.people_with_targets(station):
        rows.append(
            {
                "level": Level.PERSON,
                "subject": person,
                "label": f"{person} · {person.get_role_display()}",
                "area": person.area,
            }
        )
    return rows


@role_required(*TARGET_SETTERS)
def targets_edit(request):
    user = request.user
    today = today_for(user)
    month = _month(request, today)
    station = _picked_station(request) if user.role in HQ_ROLES else user.station
    if station is None:
        return render(
            request,
            "targets/choose_station.html",
            {"station_picker": picker("station", "api-pick-stations", None, id="station"), "month": month},
        )
    hq = user.role in HQ_ROLES
    rows = _grid(station, hq=hq)
    existing = {}
    for t in Target.objects.filter(station=station, month=month):
        existing[_cell(t.level, (t.person_id or t.area_id or t.station_id), t.metric)] = t
    errors = {}
    if request.method == "POST":
        try:
            with transaction.atomic():
                changed = _save_grid(request, rows, existing, month, errors)
                if errors:
                    raise ValidationError("")
        except ValidationError:
            messages.error(request, _("Nothing was saved: correct the marked cells."))
        else:
            messages.success(request, _("Saved %(n)s targets.") % {"n": changed})
            return redirect(f"{reverse('targets:edit')}?month={month:%Y-%m}&station={station.pk}")
    for row in rows:
        row["cells"] = []
        for metric in Metric:
            name = _cell(row["level"], row["subject"].pk, metric)
            value = (
                request.POST.get(name)
                if request.method == "POST"
                else existing.get(name) and existing[name].value
            )
            row["cells"].append(
                {"name": name, "metric": metric, "value": _plain(value), "error": errors.get(name)}
            )
    previous, following = _around(month)
    return render(
        request,
        "targets/edit.html",
        {
            "rows": rows,
            "metrics": list(Metric),
            "month": month,
            "previous": previous,
            "following": following,
            "station": station,
            "station_picker": picker("station", "api-pick-stations", station, id="station") if hq else None,
        },
        status=400 if errors else 200,
    )


def _plain(value) -> str:
    """A target as typed: 12 rather than 12.00."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"
    return str(value)


def _save_grid(request, rows, existing, month, errors) -> int:
    changed = 0
    for row in rows:
        for metric in Metric:
            name = _cell(row["level"], row["subject"].pk, metric)
            typed = (request.POST.get(name) or "").strip()
            current = existing.get(name)
            try:
                if not typed:
                    if current is not None:
                        services.target_delete(by=request.user, target=current)
                        changed += 1
                    continue
                value = services.clean_value(metric, typed)
                if current is not None and current.value == value:
                    continue
                services.target_set(
                    by=request.user, month=month, metric=metric, value=value, **{row["level"]: row["subject"]}
                )
                changed += 1
            except ValidationError as exc:
                errors[name] = " ".join(exc.messages)
    return changed
