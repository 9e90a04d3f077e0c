"""REST API of targets and scorecards (shared/API.md, "Work")."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Area, Station, User, today_for
from config.schema import MONTH

from . import scorecards, services
from .models import Level, Metric, Target
from .serializers import MonthField


class TargetSerializer(serializers.ModelSerializer):
    month = MonthField()
    level = serializers.ChoiceField(choices=Level.choices, read_only=True)
    name = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = [
            "id",
            "level",
            "person",
            "area",
            "station",
            "name",
            "month",
            "metric",
            "value",
            "set_by",
            "set_at",
        ]
        read_only_fields = fields

    def get_name(self, target) -> str:
        return str(target.subject)


@extend_schema_field(OpenApiTypes.INT)
class VisibleField(serializers.PrimaryKeyRelatedField):
    """An id among what the caller may see; anything else does not exist for them."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.visible_to(self.context["request"].user)


class TargetInput(serializers.Serializer):
    person = VisibleField(User, required=False, allow_null=True, default=None)
    area = VisibleField(Area, required=False, allow_null=True, default=None)
    station = VisibleField(Station, required=False, allow_null=True, default=None)
    month = MonthField()
    metric = serializers.ChoiceField(choices=Metric.choices)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)

    def validate(self, attrs):
        if sum(attrs[k] is not None for k in ("person", "area", "station")) != 1:
            raise serializers.ValidationError({"detail": _("Give exactly one of person, area or station.")})
        return attrs


class _TargetOf(serializers.Serializer):
    month = MonthField()
    metric = serializers.ChoiceField(choices=Metric.choices)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)


class PersonTargetInput(_TargetOf):
    person = serializers.IntegerField(help_text="A person's id.")


class AreaTargetInput(_TargetOf):
    area = serializers.IntegerField(help_text="An area's id.")


class StationTargetInput(_TargetOf):
    station = serializers.IntegerField(help_text="A station's id.")


# The schema's request: one subject of the three (TargetInput checks it on the server: exactly one not null).
TargetRequest = PolymorphicProxySerializer(
    component_name="TargetInput",
    serializers=[PersonTargetInput, AreaTargetInput, StationTargetInput],
    resource_type_field_name=None,
)


class TargetQuery(serializers.Serializer):
    month = MonthField(required=False)
    metric = serializers.ChoiceField(choices=Metric.choices, required=False)
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    person = serializers.IntegerField(required=False, min_value=1)
    area = serializers.IntegerField(required=False, min_value=1)
    station = serializers.IntegerField(required=False, min_value=1)


# Ids start at 1; the query refuses 0 (min_value=1), so the schema says so.
ID = {"type": "integer", "minimum": 1}
TARGET_FILTERS = [
    OpenApiParameter("month", MONTH, description="YYYY-MM"),
    OpenApiParameter("metric", OpenApiTypes.STR, enum=list(Metric.values)),
    OpenApiParameter("level", OpenApiTypes.STR, enum=list(Level.values)),
    OpenApiParameter("person", ID),
    OpenApiParameter("area", ID),
    OpenApiParameter("station", ID),
]


@extend_schema_view(
    list=extend_schema(parameters=TARGET_FILTERS),
    create=extend_schema(
        request=TargetRequest,
        responses={201: TargetSerializer, 200: TargetSerializer},
        description="Set a month's target of one person, area or station; the same subject, month and metric again "
        "replaces it (200).",
    ),
)
class TargetViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """Monthly targets: station masters for the people and areas of their station, headquarters for stations."""

    serializer_class = TargetSerializer

    def get_queryset(self):
        qs = Target.objects.visible_to(self.request.user).select_related("person", "area", "station")
        if self.action != "list":
            return qs
        query = TargetQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        if "level" in filters:
            qs = qs.of_level(filters.pop("level"))
        qs = qs.filter(
            **{f"{k}_id" if k in ("person", "area", "station") else k: v for k, v in filters.items()}
        )
        return qs.order_by("-month", "station_id", "area_id", "person_id", "metric")

    def create(self, request, *args, **kwargs):
        data = TargetInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        target, created = services.target_set(by=request.user, **data.validated_data)
        return Response(
            self.get_serializer(target).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def destroy(self, request, *args, **kwargs):
        services.target_delete(by=request.user, target=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScorecardQuery(serializers.Serializer):
    month = MonthField(required=False)
    level = serializers.ChoiceField(choices=Level.choices, default=Level.PERSON)
    station = serializers.IntegerField(required=False, min_value=1)
    area = serializers.IntegerField(required=False, min_value=1)


class ScorecardRowSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    person = serializers.IntegerField(required=False, help_text="With level=person.")
    area = serializers.IntegerField(required=False, help_text="With level=area.")
    name = serializers.CharField()
    area_name = serializers.CharField()
    station = serializers.IntegerField()
    station_name = serializers.CharField()
    metric = serializers.ChoiceField(choices=Metric.choices)
    target = serializers.FloatField()
    actual = serializers.FloatField()
    attainment = serializers.FloatField(allow_null=True, help_text="actual / target (null without a target).")
    expected = serializers.FloatField(help_text="The target's share of the month gone by.")
    behind = serializers.BooleanField(help_text="Less achieved than expected by now.")
    rank = serializers.IntegerField(
        help_text="Among the rows of the same metric (and station, for people and areas)."
    )


class ScorecardSerializer(serializers.Serializer):
    month = serializers.CharField()
    results = ScorecardRowSerializer(many=True)


class ScorecardView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("month", MONTH, description="YYYY-MM (default: this month)"),
            OpenApiParameter(
                "level", OpenApiTypes.STR, enum=list(Level.values), description="Default: person."
            ),
            OpenApiParameter("station", ID),
            OpenApiParameter("area", ID),
        ],
        responses=ScorecardSerializer,
    )
    def get(self, request):
        """Target against actual for every target you may see in a month, with its rank."""
        query = ScorecardQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        today = today_for(request.user)
        month = params.get("month") or today.replace(day=1)
        station_id, area_id = params.get("station"), params.get("area")
        if station_id is not None:
            get_object_or_404(Station.objects.visible_to(request.user), pk=station_id)
        if area_id is not None:
            get_object_or_404(Area.objects.visible_to(request.user), pk=area_id)
        rows = scorecards.scorecard(
            request.user,
            month=month,
            today=today,
            level=params["level"],
            station_id=station_id,
            area_id=area_id,
        )
        return Response(ScorecardSerializer({"month": month.strftime("%Y-%m"), "results": rows}).data)
