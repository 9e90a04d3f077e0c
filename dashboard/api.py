"""GET-only API of the dashboards and the notice (shared/API.md: `GET /api/v1/dashboard/`).

The figures are plain dicts already in their JSON shape; the serializers document that shape in the schema
(running a few thousand numbers through serializer fields would cost more than computing them)."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from quota.calendar import last_working_day
from targets.serializers import TargetsSummarySerializer

from . import access, figures, jobs, sections
from .periods import PeriodKind, parse_period
from .serializers import (
    NoticeSerializer,
    ProvinceDashboardSerializer,
    ScheduledJobsSerializer,
    StationDashboardSerializer,
)

PERIOD_PARAMETERS = [
    OpenApiParameter(
        "date", OpenApiTypes.DATE, description="The day of the per-person figures (default today)."
    ),
    OpenApiParameter(
        "period",
        OpenApiTypes.STR,
        enum=[k for k, _ in PeriodKind.CHOICES],
        description="The day, ISO week or month holding `date`, or the 30 days up to it.",
    ),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day of a custom period."),
    OpenApiParameter(
        "end",
        OpenApiTypes.DATE,
        description="Last day of a custom period (periods over 366 days are shortened).",
    ),
]
NOTICE_PERIOD_PARAMETERS = [
    OpenApiParameter(
        "date",
        OpenApiTypes.DATE,
        description="The day of the notice (default the station's last whole working day, as the page opens on).",
    ),
    *PERIOD_PARAMETERS[1:],
]
SCOPE_PARAMETERS = [
    OpenApiParameter("station", OpenApiTypes.INT, description="Default: the caller's station."),
    OpenApiParameter(
        "area", OpenApiTypes.INT, description="One area of the station (area managers: theirs)."
    ),
]


_money = serializers.DecimalField(max_digits=16, decimal_places=2).to_representation


def _scope_ids(request) -> dict:
    """`station` and `area` as given; one that is not a number is bad input (400), not a missing object."""
    ids = {}
    for name in ("station", "area"):
        value = request.query_params.get(name)
        if value not in (None, "") and not (value.isascii() and value.isdigit()):
            raise ValidationError({name: [_("A valid id is required.")]})
        ids[f"{name}_id"] = value
    return ids


class StationDashboardView(APIView):
    """A station's (or an area's) figures: per person and area, trend, funnel, flags, share."""

    @extend_schema(parameters=SCOPE_PARAMETERS + PERIOD_PARAMETERS, responses=StationDashboardSerializer)
    def get(self, request):
        station, area = access.dashboard_scope(request.user, **_scope_ids(request))
        period = parse_period(request.query_params, today=station.local_date())
        _key, data = figures.cached_station_figures(station=station, area=area, period=period)
        late = jobs.scheduled_jobs(station=station, now=timezone.now())
        targets = sections.targets(
            request.user, day=period.day, today=station.local_date(), station=station, area=area
        )
        return Response(
            {
                **data,
                "scheduled_jobs": ScheduledJobsSerializer(late).data,
                "targets": TargetsSummarySerializer(targets).data,
            }
        )


class ProvinceDashboardView(APIView):
    """Every station side by side, ranked (headquarters)."""

    @extend_schema(parameters=PERIOD_PARAMETERS, responses=ProvinceDashboardSerializer)
    def get(self, request):
        access.require_hq(request.user)
        period = parse_period(request.query_params, today=timezone.localdate())
        _key, data = figures.cached_province_figures(period=period)
        targets = sections.targets(request.user, day=period.day, today=timezone.localdate())
        # Money is a string in the API, as the schema says (DRF's encoder would write a Decimal as a float).
        data = {
            **data,
            "stations": [{**row, "revenue": _money(row["revenue"])} for row in data["stations"]],
        }
        return Response({**data, "targets": TargetsSummarySerializer(targets).data})


class NoticeView(APIView):
    """The notice (通报): areas and people ranked for a day, a week or a month."""

    @extend_schema(parameters=SCOPE_PARAMETERS + NOTICE_PERIOD_PARAMETERS, responses=NoticeSerializer)
    def get(self, request):
        station, area = access.dashboard_scope(request.user, **_scope_ids(request))
        today = station.local_date()
        # The same day the notice page opens on: the station's last whole working day.
        period = parse_period(
            request.query_params,
            today=today,
            default_kind=PeriodKind.DAY,
            default_day=last_working_day(station, today),
        )
        data = figures.notice_figures(station=station, area=area, period=period)
        targets = sections.targets(
            request.user, day=period.end, today=station.local_date(), station=station, area=area
        )
        return Response({**data, "targets": TargetsSummarySerializer(targets).data})
