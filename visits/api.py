"""REST API of visits: plans (with the superior's approval), records (with SPIN notes, location and photos)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.permissions import RolePermission
from accounts.roles import LOOP_ROLES
from config.api import JSONParser
from config.filtering import InstantFilter
from config.schema import PHOTO_TYPES, upload_request
from pipeline.api.loop import PersonField, VisibleClientField
from pipeline.models import ClientContact

from . import services
from .models import Outcome, VisitKind, VisitPhoto, VisitPlan, VisitRecord


class VisitPlanSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    assignee_name = serializers.CharField(source="assignee.__str__", read_only=True)

    class Meta:
        model = VisitPlan
        fields = [
            "id",
            "client",
            "client_name",
            "kind",
            "source",
            "status",
            "planned_for",
            "planned_time",
            "assignee",
            "assignee_name",
            "companions",
            "key_points",
            "topics",
            "department_head",
            "relationships",
            "needs_initial_quote",
            "needs_route_combination",
            "superior_status",
            "superior",
            "superior_request_note",
            "superior_decided_by",
            "superior_decided_at",
            "superior_decision_note",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class VisitPlanInput(serializers.Serializer):
    client = VisibleClientField()
    planned_for = serializers.DateField()
    planned_time = serializers.TimeField(required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=VisitKind.choices, default=VisitKind.FIRST)
    assignee = PersonField(required=False, allow_null=True, default=None, help_text="Default: you.")
    companions = PersonField(many=True, required=False, default=list)
    key_points = serializers.CharField(required=False, allow_blank=True, default="")
    topics = serializers.CharField(required=False, allow_blank=True, default="")
    department_head = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    relationships = serializers.CharField(required=False, allow_blank=True, default="")
    needs_initial_quote = serializers.BooleanField(default=False)
    needs_route_combination = serializers.BooleanField(default=False)
    superior_requested = serializers.BooleanField(default=False)
    superior = PersonField(required=False, allow_null=True, default=None)
    superior_request_note = serializers.CharField(required=False, allow_blank=True, default="")
    from_screening = serializers.BooleanField(
        default=False, help_text="Carry over the client's screening plan where these fields are empty."
    )


class DecisionInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    superior = PersonField(
        required=False, allow_null=True, default=None, help_text="Who comes; default: you."
    )


class VisitPlanFilter(filters.FilterSet):
    planned_from = filters.DateFilter(field_name="planned_for", lookup_expr="gte")
    planned_to = filters.DateFilter(field_name="planned_for", lookup_expr="lte")

    class Meta:
        model = VisitPlan
        fields = ["client", "assignee", "status", "kind", "source", "superior_status"]


@extend_schema_view(create=extend_schema(request=VisitPlanInput, responses={201: VisitPlanSerializer}))
class VisitPlanViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = VisitPlanSerializer
    permission_classes = [RolePermission]
    write_roles = LOOP_ROLES
    filterset_class = VisitPlanFilter

    def get_queryset(self):
        return (
            VisitPlan.objects.visible_to(self.request.user)
            .select_related("client", "assignee")
            .prefetch_related("companions")
        )

    def create(self, request, *args, **kwargs):
        data = VisitPlanInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        plan = services.plan_create(by=request.user, **data.validated_data)
        return Response(self.get_serializer(plan).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, approve: bool):
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.superior_decide(
            plan=self.get_object(), by=request.user, approve=approve, **data.validated_data
        )
        return Response(self.get_serializer(plan).data)

    @extend_schema(request=DecisionInput, responses=VisitPlanSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """The area manager agrees that a superior comes along."""
        return self._decide(request, True)

    @extend_schema(request=DecisionInput, responses=VisitPlanSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """The area manager declines the request for a superior."""
        return self._decide(request, False)

    @extend_schema(request=None, responses=VisitPlanSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        plan = services.plan_cancel(plan=self.get_object(), by=request.user)
        return Response(self.get_serializer(plan).data)


class VisitPhotoSerializer(serializers.ModelSerializer):
    # The page that checks the visit's scope, never the storage's own address.
    image = serializers.SerializerMethodField(help_text="Address of the photo (needs the caller's login).")

    class Meta:
        model = VisitPhoto
        fields = ["id", "image", "created_at"]

    def get_image(self, obj) -> str:
        url = reverse("visits:photo", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class VisitRecordSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    photos = VisitPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = VisitRecord
        fields = [
            "id",
            "client",
            "client_name",
            "plan",
            "kind",
            "visited_at",
            "by",
            "attendees",
            "met",
            "met_contacts",
            "situation",
            "problem",
            "implication",
            "need_payoff",
            "notes",
            "outcome",
            "next_step",
            "next_step_on",
            "latitude",
            "longitude",
            "accuracy",
            "located_at",
            "photos",
            "created_at",
        ]
        read_only_fields = fields


class VisitRecordInput(serializers.Serializer):
    client = VisibleClientField()
    plan = serializers.PrimaryKeyRelatedField(
        queryset=VisitPlan.objects.all(), required=False, allow_null=True, default=None
    )
    kind = serializers.ChoiceField(choices=VisitKind.choices, default=VisitKind.FIRST)
    visited_at = serializers.DateTimeField()
    attendees = PersonField(many=True, required=False, default=list)
    met = serializers.CharField()
    met_contacts = serializers.PrimaryKeyRelatedField(
        queryset=ClientContact.objects.all(), many=True, required=False, default=list
    )
    situation = serializers.CharField(required=False, allow_blank=True, default="")
    problem = serializers.CharField(required=False, allow_blank=True, default="")
    implication = serializers.CharField(required=False, allow_blank=True, default="")
    need_payoff = serializers.CharField(required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    next_step = serializers.CharField(required=False, allow_blank=True, default="")
    next_step_on = serializers.DateField(required=False, allow_null=True, default=None)
    latitude = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=-90, max_value=90
    )
    longitude = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=-180, max_value=180
    )
    accuracy = serializers.FloatField(required=False, allow_null=True, default=None, min_value=0)
    located_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    photos = serializers.ListField(child=serializers.ImageField(), required=False, default=list)

    def validate(self, attrs):
        if (attrs["latitude"] is None) != (attrs["longitude"] is None):
            raise serializers.ValidationError(
                {"longitude": _("Give both latitude and longitude, or neither.")}
            )
        return attrs


class PhotoInput(serializers.Serializer):
    image = serializers.ImageField()


class VisitRecordFilter(filters.FilterSet):
    visited_from = InstantFilter(field_name="visited_at", lookup_expr="gte")
    visited_to = InstantFilter(field_name="visited_at", lookup_expr="lt")

    class Meta:
        model = VisitRecord
        fields = ["client", "by", "kind", "outcome"]


@extend_schema_view(
    create=extend_schema(
        request=upload_request(VisitRecordInput, {"photos": PHOTO_TYPES}),
        responses={201: VisitRecordSerializer},
    )
)
class VisitRecordViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = VisitRecordSerializer
    permission_classes = [RolePermission]
    write_roles = LOOP_ROLES
    filterset_class = VisitRecordFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return (
            VisitRecord.objects.visible_to(self.request.user)
            .select_related("client")
            .prefetch_related("attendees", "met_contacts", "photos")
        )

    def create(self, request, *args, **kwargs):
        data = VisitRecordInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        lat, lng = values.pop("latitude"), values.pop("longitude")
        accuracy, located_at = values.pop("accuracy"), values.pop("located_at")
        location = services.Location(lat, lng, accuracy, located_at) if lat is not None else None
        record = services.record_create(by=request.user, location=location, **values)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=upload_request(PhotoInput, {"image": PHOTO_TYPES}, json=False),
        responses={201: VisitPhotoSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def photos(self, request, pk=None):
        """Add a photo to a visit record."""
        record = self.get_object()
        data = PhotoInput(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.photo_add(record=record, by=request.user, image=data.validated_data["image"])
        return Response(VisitPhotoSerializer(photo, context=self.get_serializer_context()).data, status=201)
