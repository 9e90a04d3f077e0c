"""REST API of the quota: flags and their steps, daily tallies, leave, the station calendar and settings."""

import datetime
from typing import Literal

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Station, User
from accounts.roles import ASSESSORS, CALENDAR_KEEPERS, FLAG_INVESTIGATORS, LEAVE_KEEPERS

from . import services
from .calendar import station_calendar
from .models import (
    CLOSED_FLAG_STATUSES,
    CalendarDay,
    DailyTally,
    FlagEvent,
    FlagStatus,
    Leave,
    QuotaFlag,
    QuotaSettings,
)

# --- Serializers --------------------------------------------------------------------------------------------


def _name(user) -> str | None:
    return None if user is None else (user.display_name or user.username)


class QuotaFlagEventSerializer(serializers.ModelSerializer):
    by_name = serializers.SerializerMethodField()

    class Meta:
        model = FlagEvent
        fields = ["kind", "day", "days_missed", "by", "by_name", "note", "penalty", "at"]

    def get_by_name(self, obj) -> str | None:
        return _name(obj.by)


class QuotaFlagSerializer(serializers.ModelSerializer):
    # The public contract knows two statuses, open and resolved; `step` tells where an open flag stands.
    status = serializers.SerializerMethodField()
    step = serializers.ChoiceField(source="status", choices=FlagStatus.choices, read_only=True)
    person_name = serializers.SerializerMethodField()
    area_name = serializers.CharField(source="area.name", default=None, read_only=True)
    history = QuotaFlagEventSerializer(source="events", many=True, read_only=True)

    class Meta:
        model = QuotaFlag
        fields = [
            "id",
            "person",
            "person_name",
            "station",
            "area",
            "area_name",
            "first_missed_on",
            "last_missed_on",
            "days_missed",
            "raised_on",
            "status",
            "step",
            "penalty",
            "created_at",
            "updated_at",
            "history",
        ]
        read_only_fields = fields

    def get_person_name(self, obj) -> str:
        return _name(obj.person)

    def get_status(self, obj) -> Literal["open", "resolved"]:
        return "resolved" if obj.status in CLOSED_FLAG_STATUSES else "open"


class QuotaNoteSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="")


class QuotaAssessmentSerializer(QuotaNoteSerializer):
    penalty = serializers.BooleanField(help_text="Whether a penalty applies.")


class QuotaTallySerializer(serializers.ModelSerializer):
    class Meta:
        model = DailyTally
        fields = [
            "id",
            "person",
            "day",
            "station",
            "area",
            "leads",
            "counted",
            "working_day",
            "quota",
            "counted_at_evaluation",
            "met",
            "miss_streak",
            "missed_since",
            "evaluated_at",
        ]
        read_only_fields = fields


class QuotaLeaveSerializer(serializers.ModelSerializer):
    person_name = serializers.SerializerMethodField()

    class Meta:
        model = Leave
        fields = ["id", "person", "person_name", "first_day", "last_day", "note", "created_by", "created_at"]
        read_only_fields = ["created_by", "created_at"]

    def get_person_name(self, obj) -> str:
        return _name(obj.person)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            fields["person"].queryset = User.objects.visible_to(request.user)
        return fields


class QuotaCalendarDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarDay
        fields = ["id", "station", "day", "working", "note", "created_by", "created_at"]
        read_only_fields = ["created_by", "created_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            fields["station"].queryset = Station.objects.visible_to(request.user)
        return fields


class QuotaSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuotaSettings
        fields = [
            "station",
            "quota_per_day",
            "evaluation_hour",
            "reminder_hour",
            "working_weekdays",
            "statutory_holidays",
            "starts_on",
            "updated_at",
        ]
        read_only_fields = ["station", "updated_at"]


class QuotaWorkingDaysQuerySerializer(serializers.Serializer):
    def get_fields(self):
        # "from" is a Python keyword, so the fields are declared here rather than as attributes.
        return {
            "station": serializers.IntegerField(),
            "from": serializers.DateField(),
            "to": serializers.DateField(),
        }


class QuotaCalendarEntrySerializer(serializers.Serializer):
    day = serializers.DateField()
    working = serializers.BooleanField()
    reason = serializers.CharField(
        help_text="weekday, weekly_rest, holiday, makeup, station_rest or station_work"
    )
    note = serializers.CharField()


# --- Permissions -----------------------------------------------------------------------------------------------


class ActionRoles(BasePermission):
    """Reads for everybody signed in (scoped by the queryset); each write action for the roles it names."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in SAFE_METHODS:
            return True
        return request.user.role in view.action_roles.get(view.action, frozenset())


# --- Flags -----------------------------------------------------------------------------------------------------


class FlagFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[("open", "open"), ("resolved", "resolved")],
        method="filter_status",
        help_text="open: not resolved yet; resolved: resolved or withdrawn (see `step`).",
    )
    step = django_filters.ChoiceFilter(field_name="status", choices=FlagStatus.choices)
    missed_from = django_filters.DateFilter(
        field_name="last_missed_on", lookup_expr="gte", label="Runs that reach this day or later"
    )
    missed_to = django_filters.DateFilter(
        field_name="first_missed_on", lookup_expr="lte", label="Runs that began on this day or earlier"
    )

    class Meta:
        model = QuotaFlag
        fields = ["status", "step", "person", "area", "station", "penalty"]

    def filter_status(self, queryset, name, value):
        if value == "resolved":
            return queryset.filter(status__in=CLOSED_FLAG_STATUSES)
        return queryset.exclude(status__in=CLOSED_FLAG_STATUSES)


class FlagViewSet(viewsets.ReadOnlyModelViewSet):
    """Three-day miss flags you may see; `history` lists every step, oldest first."""

    serializer_class = QuotaFlagSerializer
    permission_classes = [ActionRoles]
    action_roles = {
        "investigate": FLAG_INVESTIGATORS,
        "assess": ASSESSORS,
        "resolve": ASSESSORS,
    }
    filterset_class = FlagFilter

    def get_queryset(self):
        return (
            QuotaFlag.objects.visible_to(self.request.user)
            .select_related("person", "area")
            .prefetch_related("events__by")
            .order_by("-last_missed_on", "-pk")
        )

    def _step(self, request, step, serializer_class, **extra):
        flag = self.get_object()
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        flag = step(flag=flag, by=request.user, **data.validated_data, **extra)
        return Response(QuotaFlagSerializer(self.get_queryset().get(pk=flag.pk)).data)

    @extend_schema(request=QuotaNoteSerializer, responses=QuotaFlagSerializer)
    @action(detail=True, methods=["post"])
    def investigate(self, request, pk=None):
        """The area manager's investigation note (open → investigated)."""
        return self._step(request, services.flag_investigate, QuotaNoteSerializer)

    @extend_schema(request=QuotaAssessmentSerializer, responses=QuotaFlagSerializer)
    @action(detail=True, methods=["post"])
    def assess(self, request, pk=None):
        """The station master's assessment: penalty or none, with a note (investigated → assessed)."""
        return self._step(request, services.flag_assess, QuotaAssessmentSerializer)

    @extend_schema(request=QuotaNoteSerializer, responses=QuotaFlagSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Close an assessed flag with a note (assessed → resolved)."""
        return self._step(request, services.flag_resolve, QuotaNoteSerializer)


# --- Tallies -----------------------------------------------------------------------------------------------------


class TallyFilter(django_filters.FilterSet):
    day_from = django_filters.DateFilter(field_name="day", lookup_expr="gte")
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte")

    class Meta:
        model = DailyTally
        fields = ["person", "station", "area", "day", "working_day", "met"]


class TallyViewSet(viewsets.ReadOnlyModelViewSet):
    """Per person and day: leads collected, and once evaluated, whether the quota applied and was met."""

    serializer_class = QuotaTallySerializer
    filterset_class = TallyFilter

    def get_queryset(self):
        return DailyTally.objects.visible_to(self.request.user).order_by("-day", "person_id")


# --- Leave -----------------------------------------------------------------------------------------------------


class LeaveFilter(django_filters.FilterSet):
    covers = django_filters.DateFilter(method="filter_covers", label="Leave that includes this day")

    class Meta:
        model = Leave
        fields = ["person"]

    def filter_covers(self, queryset, name, value):
        return queryset.covering(value)


class LeaveViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """People's leave days: excused from the quota, neither a miss nor a break in a run of misses."""

    serializer_class = QuotaLeaveSerializer
    permission_classes = [ActionRoles]
    action_roles = {"create": LEAVE_KEEPERS, "destroy": LEAVE_KEEPERS}
    filterset_class = LeaveFilter

    def get_queryset(self):
        return (
            Leave.objects.visible_to(self.request.user).select_related("person").order_by("-first_day", "pk")
        )

    def perform_create(self, serializer):
        serializer.instance = services.leave_create(by=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.leave_delete(by=self.request.user, leave=instance)


# --- The station calendar -------------------------------------------------------------------------------------------


class CalendarDayFilter(django_filters.FilterSet):
    day_from = django_filters.DateFilter(field_name="day", lookup_expr="gte")
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte")

    class Meta:
        model = CalendarDay
        fields = ["station", "working"]


class CalendarDayViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """A station's own rest days and extra working days. POSTing a day that has an exception replaces it."""

    serializer_class = QuotaCalendarDaySerializer
    permission_classes = [ActionRoles]
    action_roles = {"create": CALENDAR_KEEPERS, "destroy": CALENDAR_KEEPERS}
    filterset_class = CalendarDayFilter

    def get_queryset(self):
        return CalendarDay.objects.visible_to(self.request.user).order_by("station_id", "day")

    def perform_create(self, serializer):
        serializer.instance = services.calendar_day_set(by=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.calendar_day_clear(by=self.request.user, station=instance.station, day=instance.day)


class SettingsViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Per station: the quota, the evaluation and reminder hours (station time), the working weekdays."""

    serializer_class = QuotaSettingsSerializer
    permission_classes = [ActionRoles]
    action_roles = {"update": CALENDAR_KEEPERS, "partial_update": CALENDAR_KEEPERS}
    lookup_field = "station"
    filterset_fields = ["station"]

    def get_queryset(self):
        from .evaluation import stations_with_settings

        stations_with_settings(Station.objects.visible_to(self.request.user))
        return QuotaSettings.objects.visible_to(self.request.user).order_by("station_id")

    def perform_update(self, serializer):
        serializer.instance = services.settings_update(
            by=self.request.user, station=serializer.instance.station, **serializer.validated_data
        )


class WorkingDaysView(APIView):
    """Every day of a period at a station: working or not, and why (at most 366 days)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("station", int, required=True),
            OpenApiParameter("from", datetime.date, required=True),
            OpenApiParameter("to", datetime.date, required=True),
        ],
        responses=inline_serializer(
            "QuotaWorkingDays",
            {
                "station": serializers.IntegerField(),
                "from": serializers.DateField(),
                "to": serializers.DateField(),
                "days": QuotaCalendarEntrySerializer(many=True),
            },
        ),
    )
    def get(self, request):
        params = QuotaWorkingDaysQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        start, end = params.validated_data["from"], params.validated_data["to"]
        if end < start or (end - start).days > 365:
            raise serializers.ValidationError({"to": [_("Ask for 1 to 366 days, from ≤ to.")]})
        station = get_object_or_404(
            Station.objects.visible_to(request.user), pk=params.validated_data["station"]
        )
        days = [
            {"day": e.day, "working": e.working, "reason": e.reason, "note": e.note}
            for e in station_calendar(station, start, end)
        ]
        return Response(
            {
                "station": station.pk,
                "from": start,
                "to": end,
                "days": QuotaCalendarEntrySerializer(days, many=True).data,
            }
        )
