"""REST API of client records (the companies accepted leads become), the competitors list and the screening
settings. Views are thin: an input serializer parses, a service writes, an output serializer answers. Lookups go
through `visible_to`, so records outside the caller's scope answer 404."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Area, Station
from config.api import picker_view
from config.web import XLSX, xlsx_response

from ..models import Client, ClientCompetitorVolume, ClientContact, Competitor, ScreeningSettings
from ..models.clients import CompanyType, ContactRole, Difficulty, Source
from ..models.imports import ImportKind
from ..models.loop import Stage
from ..selectors import clients as client_selectors
from ..selectors.search import search_clients
from ..services import clients as client_services
from ..services import importing, screening, validation
from .leads import LeadCompetitorInput, LeadContactInput


class ClientContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClientContact
        fields = ["id", "name", "title", "role", "phone", "phone2", "email", "notes"]


class ClientVolumeSerializer(serializers.ModelSerializer):
    competitor = serializers.CharField(source="competitor.name")
    competitor_id = serializers.IntegerField()

    class Meta:
        model = ClientCompetitorVolume
        fields = ["competitor", "competitor_id", "month", "monthly"]


class ClientListSerializer(serializers.ModelSerializer):
    our_share = serializers.FloatField(read_only=True, allow_null=True)
    signals = serializers.SerializerMethodField()
    has_visit_plan = serializers.BooleanField(read_only=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "stage",
            "tier",
            "relationship_stage",
            "owner",
            "area",
            "station",
            "company_type",
            "industry",
            "address",
            "source",
            "inbound_monthly",
            "outbound_monthly",
            "our_monthly",
            "competitor_monthly_total",
            "our_share",
            "expected_revenue",
            "difficulty",
            "priority_score",
            "signals",
            "screened_at",
            "has_visit_plan",
            "merged_into",
            "waybill_code",
            "updated_at",
        ]
        read_only_fields = fields

    def get_signals(self, obj) -> list[str]:
        return [s.code for s in screening.SIGNALS if s.applies(obj)]


class PriorityLineSerializer(serializers.Serializer):
    label = serializers.CharField()
    points = serializers.IntegerField()


class ClientSerializer(ClientListSerializer):
    contacts = ClientContactSerializer(many=True, read_only=True)
    competitor_volumes = ClientVolumeSerializer(many=True, read_only=True)
    priority_explanation = serializers.SerializerMethodField()
    difficulty_reasons = serializers.SerializerMethodField()
    leads = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta(ClientListSerializer.Meta):
        fields = [
            *ClientListSerializer.Meta.fields,
            "needs",
            "notes",
            "difficulty_manual",
            "contacts",
            "competitor_volumes",
            "priority_explanation",
            "difficulty_reasons",
            *screening.VISIT_PLAN_FIELDS,
            "plan_updated_at",
            "leads",
            "tier_computed",
            "tier_override",
            "tier_override_by",
            "tier_override_reason",
            "tier_override_at",
            "created_at",
        ]
        read_only_fields = fields

    def _assessment(self, obj):
        if not hasattr(obj, "_assessment"):
            obj._assessment = screening.assess(obj)
        return obj._assessment

    def get_priority_explanation(self, obj) -> list[dict]:
        return [{"label": line.label, "points": line.points} for line in self._assessment(obj).lines]

    def get_difficulty_reasons(self, obj) -> list[dict]:
        return [
            {"label": line.label, "points": line.points} for line in self._assessment(obj).difficulty_reasons
        ]


class ClientInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    area = serializers.IntegerField(required=False, allow_null=True, help_text="Default: your own area.")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
    company_type = serializers.ChoiceField(choices=CompanyType.choices, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    inbound_monthly = serializers.IntegerField(min_value=0, required=False)
    outbound_monthly = serializers.IntegerField(min_value=0, required=False)
    our_monthly = serializers.IntegerField(min_value=0, required=False)
    needs = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    difficulty_manual = serializers.ChoiceField(
        choices=Difficulty.choices,
        required=False,
        allow_null=True,
        help_text="Override the computed difficulty.",
    )
    waybill_code = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        help_text="The client's code in the waybill system (unique); the volume feed may name clients by it.",
    )
    contacts = LeadContactInput(many=True, required=False)
    competitors = LeadCompetitorInput(many=True, required=False)


class ClientUpdateInput(ClientInput):
    name = serializers.CharField(max_length=200, required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields.pop("contacts")
        fields.pop("competitors")
        return fields


class ClientContactItemInput(serializers.Serializer):
    id = serializers.IntegerField(required=False, help_text="An existing contact to change; omit to add one.")
    name = serializers.CharField(max_length=100)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=ContactRole.choices, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    phone2 = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class ClientContactsInput(serializers.Serializer):
    contacts = ClientContactItemInput(
        many=True, help_text="The full list: contacts left out are removed, rows with an id are changed."
    )


class ClientVolumesInput(serializers.Serializer):
    month = serializers.DateField(help_text="Any day of the month; stored as its first day.")
    volumes = LeadCompetitorInput(many=True)


class ClientVisitPlanInput(serializers.Serializer):
    plan_key_points = serializers.CharField(max_length=validation.MAX_TEXT)
    plan_initial_quote = serializers.BooleanField(required=False)
    plan_route_combination = serializers.BooleanField(required=False)
    plan_topics = serializers.CharField(required=False, allow_blank=True, max_length=validation.MAX_TEXT)
    plan_department_head = serializers.CharField(required=False, allow_blank=True, max_length=200)
    plan_relationships = serializers.CharField(
        required=False, allow_blank=True, max_length=validation.MAX_TEXT
    )
    plan_superior_needed = serializers.BooleanField(required=False)


class ScreenInput(serializers.Serializer):
    difficulty_manual = serializers.ChoiceField(
        choices=Difficulty.choices,
        allow_null=True,
        required=False,
        help_text="Null: use the computed difficulty.",
    )


class MergeInput(serializers.Serializer):
    other = serializers.IntegerField(help_text="The client merged into this one (it stays as a pointer).")
    note = serializers.CharField(required=False, allow_blank=True, max_length=validation.MAX_TEXT)


class MergeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kept = serializers.IntegerField(source="kept_id")
    merged = serializers.IntegerField(source="merged_id")
    by = serializers.IntegerField(source="by_id")
    at = serializers.DateTimeField()
    note = serializers.CharField()
    moved = serializers.DictField(child=serializers.IntegerField())


def _area(user, area_id):
    if area_id in (None, ""):
        return None
    area = Area.objects.visible_to(user).filter(pk=area_id).first()
    if area is None:
        raise ValidationError({"area": [_("This area is outside your scope.")]})
    return area


class ClientViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Client records: the companies accepted leads become. Merged records are left out of the list."""

    filterset_class = client_selectors.ClientFilter
    http_method_names = ["get", "post", "patch", "put", "head", "options"]
    # Integration keys read clients; changing them is people's work (integrations/).
    key_scopes = {"read": "clients:read"}

    def get_queryset(self):
        qs = Client.objects.visible_to(self.request.user).select_related("area", "owner")
        if self.action == "list":
            return qs.active()
        return qs.prefetch_related("contacts", "competitor_volumes__competitor", "leads")

    def get_serializer_class(self):
        return ClientListSerializer if self.action == "list" else ClientSerializer

    def _out(self, client, code=status.HTTP_200_OK):
        client = self.get_queryset().get(pk=client.pk)
        return Response(ClientSerializer(client, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=ClientInput, responses={201: ClientSerializer})
    def create(self, request, *args, **kwargs):
        data = ClientInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        area = _area(request.user, v.pop("area", None))
        contacts, competitors = v.pop("contacts", []), v.pop("competitors", [])
        client = client_services.client_create(
            by=request.user, data=v, area=area, contacts=contacts, competitors=competitors
        )
        return self._out(client, status.HTTP_201_CREATED)

    # Records change field by field through PATCH (and the services behind it): no `update`, so no PUT here.
    @extend_schema(request=ClientUpdateInput, responses=ClientSerializer)
    def partial_update(self, request, *args, **kwargs):
        client = self.get_object()
        data = ClientUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        area = _area(request.user, v.pop("area", None))
        client = client_services.client_update(client=client, by=request.user, data=v, area=area)
        return self._out(client)

    @extend_schema(request=ClientContactsInput, responses=ClientContactSerializer(many=True))
    @action(detail=True, methods=["put"], pagination_class=None)
    def contacts(self, request, pk=None):
        client = self.get_object()
        data = ClientContactsInput(data=request.data)
        data.is_valid(raise_exception=True)
        saved = client_services.client_contacts_save(
            client=client, by=request.user, contacts=data.validated_data["contacts"]
        )
        return Response(ClientContactSerializer(saved, many=True).data)

    @extend_schema(methods=["get"], responses=ClientVolumeSerializer(many=True))
    @extend_schema(methods=["post"], request=ClientVolumesInput, responses=ClientVolumeSerializer(many=True))
    @action(detail=True, methods=["get", "post"], url_path="competitor-volumes", pagination_class=None)
    def competitor_volumes(self, request, pk=None):
        """Monthly parcels per competitor over time; POST records one month's figures."""
        client = self.get_object()
        if request.method == "POST":
            data = ClientVolumesInput(data=request.data)
            data.is_valid(raise_exception=True)
            client_services.client_competitor_volumes_set(
                client=client,
                by=request.user,
                month=data.validated_data["month"],
                volumes=[dict(v) for v in data.validated_data["volumes"]],
            )
        volumes = (
            ClientCompetitorVolume.objects.filter(client=client)
            .select_related("competitor")
            .order_by("-month", "competitor__name")
        )
        return Response(ClientVolumeSerializer(volumes, many=True).data)

    @extend_schema(request=ClientVisitPlanInput, responses=ClientSerializer)
    @action(detail=True, methods=["put"], url_path="visit-plan")
    def visit_plan(self, request, pk=None):
        client = self.get_object()
        data = ClientVisitPlanInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(
            screening.visit_plan_update(client=client, by=request.user, plan=dict(data.validated_data))
        )

    @extend_schema(request=ScreenInput, responses=ClientSerializer)
    @action(detail=True, methods=["post"])
    def screen(self, request, pk=None):
        """Record the marketer's screening: the difficulty (or the computed one) and that the client was ranked."""
        client = self.get_object()
        data = ScreenInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(
            screening.client_screen(
                client=client, by=request.user, difficulty_manual=data.validated_data.get("difficulty_manual")
            )
        )

    @extend_schema(request=MergeInput, responses=MergeSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Merge another client into this one: its leads, contacts and history move here."""
        kept = self.get_object()
        data = MergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        other = get_object_or_404(Client.objects.visible_to(request.user), pk=data.validated_data["other"])
        record = client_services.client_merge(
            kept=kept, merged=other, by=request.user, note=data.validated_data.get("note", "")
        )
        return Response(MergeSerializer(record).data)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request):
        """The filtered list as an .xlsx workbook."""
        qs = self.filter_queryset(self.get_queryset())
        return xlsx_response(
            importing.export_xlsx(qs, ImportKind.CLIENTS), f"clients-{timezone.localdate()}.xlsx"
        )


class CompetitorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Competitor
        fields = [
            "id",
            "name",
            "short_name",
            "products",
            "prices_seen",
            "strengths",
            "notes",
            "is_active",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]


class CompetitorViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The competitors list (shared by every station) with their profiles: products, prices seen, strengths."""

    serializer_class = CompetitorSerializer
    filterset_fields = ["is_active"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Competitor.objects.order_by("name")

    def perform_create(self, serializer):
        serializer.instance = client_services.competitor_save(
            by=self.request.user, data=serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = client_services.competitor_save(
            by=self.request.user, competitor=serializer.instance, data=serializer.validated_data
        )


class ScreeningSettingsSerializer(serializers.Serializer):
    station = serializers.IntegerField(read_only=True)
    average_parcel_price = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    is_default = serializers.BooleanField(read_only=True)


STATION_PATH = OpenApiParameter("station", OpenApiTypes.INT, OpenApiParameter.PATH, description="Station id.")


class ScreeningSettingsViewSet(viewsets.ViewSet):
    """The average price per parcel behind each station's expected revenue (station master, administrator)."""

    lookup_field = "station"
    lookup_value_regex = r"[0-9]+"
    serializer_class = ScreeningSettingsSerializer

    def _row(self, station):
        row = ScreeningSettings.objects.filter(station=station).first()
        return {
            "station": station.pk,
            "average_parcel_price": row.average_parcel_price
            if row
            else screening.average_price_for(station.pk),
            "is_default": row is None,
        }

    @extend_schema(responses=ScreeningSettingsSerializer(many=True))
    def list(self, request):
        stations = Station.objects.visible_to(request.user).order_by("code")
        return Response(ScreeningSettingsSerializer([self._row(s) for s in stations], many=True).data)

    @extend_schema(parameters=[STATION_PATH], responses=ScreeningSettingsSerializer)
    def retrieve(self, request, station=None):
        station = get_object_or_404(Station.objects.visible_to(request.user), pk=station)
        return Response(ScreeningSettingsSerializer(self._row(station)).data)

    @extend_schema(
        parameters=[STATION_PATH], request=ScreeningSettingsSerializer, responses=ScreeningSettingsSerializer
    )
    def update(self, request, station=None):
        station = get_object_or_404(Station.objects.visible_to(request.user), pk=station)
        data = ScreeningSettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        screening.screening_settings_update(
            by=request.user, station=station, average_parcel_price=data.validated_data["average_parcel_price"]
        )
        return Response(ScreeningSettingsSerializer(self._row(station)).data)


pick_clients = picker_view(
    get_queryset=lambda user: Client.objects.visible_to(user).active(),
    search=search_clients,
    label=str,
    order=("name", "pk"),
    description="Active clients in your scope whose name or address contains `q`, or a contact's phone its digits.",
    filters={"owner": int, "area": int, "station": int, "stage": Stage},
)
