"""REST API of steps 3-10: the transition and history endpoints of the public contract, and every step record.

Views are thin: an input serializer parses, a service in pipeline/steps.py or pipeline/transitions.py writes,
an output serializer answers. Everything is looked up through `visible_to`, so other scopes answer 404.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import RolePermission
from accounts.roles import LOOP_ROLES
from config.schema import DOCUMENT_TYPES, upload_request

from ..models import (
    Client,
    Competitor,
    Contract,
    Evaluation,
    NeedsAnalysis,
    Opportunity,
    OwnerTransfer,
    Proposal,
    QuoteLine,
    Regression,
    RelationshipChange,
    StageChange,
    Survey,
    TrialShipment,
)
from ..models.clients import CompanyType, ContactRole, RelationshipStage, Tier
from ..models.loop import DropReason, OpportunityStatus, ProposalStatus, Stage
from ..services import steps, transitions

# --- Fields ----------------------------------------------------------------------------------------------


class VisibleClientField(serializers.PrimaryKeyRelatedField):
    """A client id in a request body; clients outside the caller's scope do not exist for them."""

    queryset = Client.objects.all()

    def get_queryset(self):
        return Client.objects.visible_to(self.context["request"].user)


class PersonField(serializers.PrimaryKeyRelatedField):
    queryset = User.objects.filter(is_active=True)


class RecordSerializer(serializers.ModelSerializer):
    by_name = serializers.SerializerMethodField()

    def get_by_name(self, obj) -> str:
        return str(obj.by) if obj.by_id else ""


# --- Transition and history (shared/API.md) ------------------------------------------------------------------


class TransitionInput(serializers.Serializer):
    to = serializers.CharField(help_text="Target stage: one of the ten steps or `dropped`.")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    drop_reason = serializers.ChoiceField(
        choices=DropReason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when `to` is `dropped`.",
    )
    expected_from = serializers.ChoiceField(
        choices=Stage.choices,
        required=False,
        help_text="The stage you saw; the move is refused if the client moved meanwhile.",
    )


TransitionResult = inline_serializer(
    "TransitionResult",
    {"stage": serializers.CharField(), "stage_entered_at": serializers.DateTimeField()},
)
ErrorDetail = inline_serializer("TransitionRefused", {"detail": serializers.CharField()})


def _visible_client(request, pk) -> Client:
    return get_object_or_404(Client.objects.visible_to(request.user), pk=pk)


def _refusal(exc: ValidationError) -> serializers.ValidationError:
    """The contract promises `detail` saying why on every refused move; the field errors stay beside it."""
    fields = dict(exc.message_dict) if hasattr(exc, "error_dict") else {}
    general = fields.pop("__all__", []) if fields else exc.messages
    reasons = general or [m for messages in fields.values() for m in messages]
    return serializers.ValidationError({**fields, "detail": " ".join(reasons)})


class TransitionView(APIView):
    """Move a client to another stage; 400 with `detail` saying why when the move is refused (and, when the
    refusal is about a field of the request, that field's errors too)."""

    permission_classes = [RolePermission]
    write_roles = LOOP_ROLES

    @extend_schema(
        request=TransitionInput,
        responses={200: TransitionResult, 400: OpenApiResponse(ErrorDetail), 404: None},
    )
    def post(self, request, pk):
        client = _visible_client(request, pk)
        data = TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            transitions.move(
                client=client,
                to=data.validated_data["to"],
                by=request.user,
                reason=data.validated_data["reason"],
                drop_reason=data.validated_data["drop_reason"],
                expected_from=data.validated_data.get("expected_from"),
            )
        except ValidationError as exc:
            raise _refusal(exc) from None
        # Through the serializer field, so the time carries the local offset like every other datetime.
        entered_at = serializers.DateTimeField().to_representation(client.stage_entered_at)
        return Response({"stage": client.stage, "stage_entered_at": entered_at})


class HistorySerializer(serializers.ModelSerializer):
    # `from` is a Python keyword; the public names come from the field map below.
    by_name = serializers.SerializerMethodField()

    class Meta:
        model = StageChange
        fields = [
            "id",
            "from_stage",
            "to_stage",
            "by",
            "by_name",
            "at",
            "reason",
            "drop_reason",
            "days_in_previous",
        ]

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_stage")
        fields["from"].source = "from_stage"
        fields["to"] = fields.pop("to_stage")
        fields["to"].source = "to_stage"
        return fields

    def get_by_name(self, obj) -> str:
        return str(obj.by) if obj.by_id else ""


class HistoryView(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The client's moves through the loop, oldest first."""

    serializer_class = HistorySerializer
    queryset = StageChange.objects.none()
    key_scopes = {"read": "clients:read"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        client = _visible_client(self.request, self.kwargs["pk"])
        return StageChange.objects.filter(client=client).select_related("by").order_by("at", "pk")


class GateView(APIView):
    """Where the client may go from here, and what it still lacks before its next step."""

    @extend_schema(
        responses=inline_serializer(
            "Gate",
            {
                "stage": serializers.CharField(),
                "next": serializers.CharField(allow_null=True),
                "missing": serializers.ListField(child=serializers.CharField()),
                "targets": serializers.ListField(child=serializers.CharField()),
            },
        )
    )
    def get(self, request, pk):
        client = _visible_client(request, pk)
        return Response(
            {
                "stage": client.stage,
                "next": transitions.next_stage(client.stage),
                "missing": transitions.missing_for_next_step(client),
                "targets": transitions.legal_targets(client),
            }
        )


class StageChangeViewSet(viewsets.ReadOnlyModelViewSet):
    """Every stage change the caller may see, for reporting (filter by client, stage and time)."""

    serializer_class = HistorySerializer
    filterset_fields = {
        "client": ["exact"],
        "to_stage": ["exact"],
        "from_stage": ["exact"],
        "at": ["gte", "lt"],
    }

    def get_queryset(self):
        return StageChange.objects.visible_to(self.request.user).select_related("by").order_by("at", "pk")


# --- Step records ------------------------------------------------------------------------------------------


class StepRecordViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """List, read and create the records of one kind; creation goes through `perform_write`."""

    permission_classes = [RolePermission]
    write_roles = LOOP_ROLES
    model = None
    input_serializer = None
    filterset_fields = ["client"]
    related = ["client", "by"]

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user).select_related(*self.related)

    def create(self, request, *args, **kwargs):
        data = self.input_serializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        instance = self.perform_write(dict(data.validated_data))
        return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)

    def perform_write(self, data):
        raise NotImplementedError


def _with_create(input_serializer, output_serializer):
    return extend_schema_view(
        create=extend_schema(request=input_serializer, responses={201: output_serializer}),
    )


class ContactInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=ContactRole.choices, default=ContactRole.OTHER)


class CompetitorVolumeInput(serializers.Serializer):
    competitor = serializers.SlugRelatedField(slug_field="name", queryset=Competitor.objects.all())
    monthly = serializers.IntegerField(min_value=0)


class SurveyInput(serializers.Serializer):
    client = VisibleClientField()
    company_type = serializers.ChoiceField(choices=CompanyType.choices)
    decision_structure = serializers.CharField(required=False, allow_blank=True, default="")
    competitors_notes = serializers.CharField(required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    contacts = ContactInput(many=True, required=False, default=list)
    competitors = CompetitorVolumeInput(many=True, required=False, default=list)


class SurveySerializer(RecordSerializer):
    company_type = serializers.CharField(source="client.company_type", read_only=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "client",
            "company_type",
            "decision_structure",
            "competitors_notes",
            "notes",
            "by",
            "by_name",
            "created_at",
        ]


@_with_create(SurveyInput, SurveySerializer)
class SurveyViewSet(StepRecordViewSet):
    model = Survey
    serializer_class = SurveySerializer
    input_serializer = SurveyInput
    related = ["client", "by"]

    def perform_write(self, data):
        return steps.survey_record(
            client=data.pop("client"),
            by=self.request.user,
            competitor_volumes=[(c["competitor"], c["monthly"]) for c in data.pop("competitors")],
            **data,
        )


class NeedsSerializer(RecordSerializer):
    class Meta:
        model = NeedsAnalysis
        fields = [
            "id",
            "client",
            *NeedsAnalysis.NEED_FIELDS,
            *NeedsAnalysis.TQCSO_FIELDS,
            "by",
            "by_name",
            "created_at",
        ]
        read_only_fields = ["by", "created_at"]


class NeedsInput(serializers.ModelSerializer):
    client = VisibleClientField()

    class Meta:
        model = NeedsAnalysis
        fields = ["client", *NeedsAnalysis.NEED_FIELDS, *NeedsAnalysis.TQCSO_FIELDS]


@_with_create(NeedsInput, NeedsSerializer)
class NeedsViewSet(StepRecordViewSet):
    model = NeedsAnalysis
    serializer_class = NeedsSerializer
    input_serializer = NeedsInput

    def perform_write(self, data):
        return steps.needs_record(client=data.pop("client"), by=self.request.user, **data)


class QuoteLineSerializer(serializers.ModelSerializer):
    net_price = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)

    class Meta:
        model = QuoteLine
        fields = ["product", "route", "unit_price", "discount", "volume_from", "net_price"]


class ProposalSerializer(RecordSerializer):
    lines = QuoteLineSerializer(many=True, read_only=True)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "client",
            "version",
            "title",
            "summary",
            "service_commitments",
            "valid_until",
            "status",
            "sent_at",
            "lines",
            "by",
            "by_name",
            "created_at",
        ]


class ProposalInput(serializers.Serializer):
    client = VisibleClientField()
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    service_commitments = serializers.CharField(required=False, allow_blank=True, default="")
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(choices=ProposalStatus.choices, default=ProposalStatus.DRAFT)
    lines = QuoteLineSerializer(many=True)


class ProposalStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=ProposalStatus.choices)


class OpportunityStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=OpportunityStatus.choices)


@_with_create(ProposalInput, ProposalSerializer)
class ProposalViewSet(StepRecordViewSet):
    """Proposals, one version per row; posting a proposal for a client adds its next version."""

    model = Proposal
    serializer_class = ProposalSerializer
    input_serializer = ProposalInput
    filterset_fields = ["client", "status"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("lines").order_by("client_id", "-version")

    def perform_write(self, data):
        return steps.proposal_create(client=data.pop("client"), by=self.request.user, **data)

    @extend_schema(request=ProposalStatusInput, responses=ProposalSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def status(self, request, pk=None):
        data = ProposalStatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = steps.proposal_set_status(
            proposal=self.get_object(), by=request.user, status=data.validated_data["status"]
        )
        return Response(self.get_serializer(proposal).data)


class TrialShipmentSerializer(RecordSerializer):
    waybills = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = TrialShipment
        fields = [
            "id",
            "client",
            "sent_on",
            "waybills",
            "parcel_count",
            "on_time_count",
            "damaged_count",
            "feedback",
            "results_at",
            "by",
            "by_name",
            "created_at",
        ]


class TrialShipmentInput(serializers.Serializer):
    client = VisibleClientField()
    sent_on = serializers.DateField()
    waybills = serializers.ListField(child=serializers.CharField(max_length=40), allow_empty=False)
    parcel_count = serializers.IntegerField(min_value=1)
    on_time_count = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    damaged_count = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    feedback = serializers.CharField(required=False, allow_blank=True, default="")


class TrialResultsInput(serializers.Serializer):
    on_time_count = serializers.IntegerField(min_value=0)
    damaged_count = serializers.IntegerField(min_value=0)
    feedback = serializers.CharField(required=False, allow_blank=True, default="")


@_with_create(TrialShipmentInput, TrialShipmentSerializer)
class TrialShipmentViewSet(StepRecordViewSet):
    model = TrialShipment
    serializer_class = TrialShipmentSerializer
    input_serializer = TrialShipmentInput

    def perform_write(self, data):
        return steps.trial_shipment_create(
            client=data.pop("client"),
            by=self.request.user,
            waybill_numbers="\n".join(data.pop("waybills")),
            **data,
        )

    @extend_schema(request=TrialResultsInput, responses=TrialShipmentSerializer)
    @action(detail=True, methods=["post"], url_path="results")
    def results(self, request, pk=None):
        data = TrialResultsInput(data=request.data)
        data.is_valid(raise_exception=True)
        shipment = steps.trial_shipment_results(
            shipment=self.get_object(), by=request.user, **data.validated_data
        )
        return Response(self.get_serializer(shipment).data)


class ContractSerializer(RecordSerializer):
    term_months = serializers.IntegerField(read_only=True)
    # The page that checks the client's scope, never the storage's own address; null without an attachment.
    attachment = serializers.SerializerMethodField()
    attachment_name = serializers.CharField(read_only=True)

    def get_attachment(self, obj) -> str | None:
        if not obj.attachment:
            return None
        url = reverse("pipeline:contract_attachment", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    class Meta:
        model = Contract
        fields = [
            "id",
            "client",
            "number",
            "signed_on",
            "starts_on",
            "ends_on",
            "term_months",
            "price_terms",
            "committed_monthly_volume",
            "settlement_mode",
            "attachment",
            "attachment_name",
            "by",
            "by_name",
            "created_at",
        ]


class ContractInput(serializers.ModelSerializer):
    client = VisibleClientField()

    class Meta:
        model = Contract
        fields = [
            "client",
            "number",
            "signed_on",
            "starts_on",
            "ends_on",
            "price_terms",
            "committed_monthly_volume",
            "settlement_mode",
            "attachment",
        ]
        extra_kwargs = {"attachment": {"required": False, "allow_null": True}}

    def validate(self, attrs):
        # The model's own checks (end after start) run in the service, which answers in the same format.
        return attrs


@_with_create(upload_request(ContractInput, {"attachment": DOCUMENT_TYPES}), ContractSerializer)
class ContractViewSet(StepRecordViewSet):
    model = Contract
    serializer_class = ContractSerializer
    input_serializer = ContractInput

    def perform_write(self, data):
        return steps.contract_create(client=data.pop("client"), by=self.request.user, **data)


class EvaluationSerializer(RecordSerializer):
    fulfilment = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "client",
            "month",
            "committed_volume",
            "actual_volume",
            "fulfilment",
            "notes",
            "by",
            "by_name",
            "created_at",
        ]


class EvaluationInput(serializers.Serializer):
    client = VisibleClientField()
    month = serializers.DateField(help_text="Any day of the month; stored as its first day.")
    actual_volume = serializers.IntegerField(min_value=0)
    committed_volume = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, default=None, help_text="Default: the contract's."
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


@_with_create(EvaluationInput, EvaluationSerializer)
class EvaluationViewSet(StepRecordViewSet):
    model = Evaluation
    serializer_class = EvaluationSerializer
    input_serializer = EvaluationInput
    filterset_fields = {"client": ["exact"], "month": ["exact", "gte", "lte"]}

    def perform_write(self, data):
        return steps.evaluation_record(client=data.pop("client"), by=self.request.user, **data)


class OpportunitySerializer(RecordSerializer):
    class Meta:
        model = Opportunity
        fields = [
            "id",
            "client",
            "kind",
            "description",
            "expected_monthly_volume",
            "status",
            "by",
            "by_name",
            "created_at",
        ]


class OpportunityInput(serializers.ModelSerializer):
    client = VisibleClientField()
    reopen = serializers.BooleanField(
        default=False, help_text="Move an archived client back to follow-up (secondary development)."
    )

    class Meta:
        model = Opportunity
        fields = ["client", "kind", "description", "expected_monthly_volume", "reopen"]


@_with_create(OpportunityInput, OpportunitySerializer)
class OpportunityViewSet(StepRecordViewSet):
    model = Opportunity
    serializer_class = OpportunitySerializer
    input_serializer = OpportunityInput
    filterset_fields = ["client", "status", "kind"]

    def perform_write(self, data):
        return steps.opportunity_create(client=data.pop("client"), by=self.request.user, **data)

    @extend_schema(request=OpportunityStatusInput, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def status(self, request, pk=None):
        data = OpportunityStatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        opportunity = steps.opportunity_set_status(
            opportunity=self.get_object(), by=request.user, status=data.validated_data["status"]
        )
        return Response(self.get_serializer(opportunity).data)


# --- Key account ------------------------------------------------------------------------------------------


class OwnerTransferSerializer(RecordSerializer):
    class Meta:
        model = OwnerTransfer
        fields = ["id", "client", "from_owner", "to_owner", "reason", "by", "by_name", "created_at"]


class OwnerTransferInput(serializers.Serializer):
    client = VisibleClientField()
    to_owner = PersonField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


@_with_create(OwnerTransferInput, OwnerTransferSerializer)
class OwnerTransferViewSet(StepRecordViewSet):
    """Owner transfers; posting one hands the client to its new owner."""

    model = OwnerTransfer
    serializer_class = OwnerTransferSerializer
    input_serializer = OwnerTransferInput

    def perform_write(self, data):
        return steps.owner_transfer(
            client=data["client"], by=self.request.user, to_owner=data["to_owner"], reason=data["reason"]
        )


class RelationshipChangeSerializer(RecordSerializer):
    class Meta:
        model = RelationshipChange
        fields = ["id", "client", "from_stage", "to_stage", "reason", "by", "by_name", "created_at"]


class RelationshipChangeInput(serializers.Serializer):
    client = VisibleClientField()
    to_stage = serializers.ChoiceField(choices=RelationshipStage.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


@_with_create(RelationshipChangeInput, RelationshipChangeSerializer)
class RelationshipChangeViewSet(StepRecordViewSet):
    """The relationship stage's history; posting a change moves the client's relationship stage."""

    model = RelationshipChange
    serializer_class = RelationshipChangeSerializer
    input_serializer = RelationshipChangeInput

    def perform_write(self, data):
        return steps.relationship_set(
            client=data["client"], by=self.request.user, to=data["to_stage"], reason=data["reason"]
        )


class RegressionSerializer(RecordSerializer):
    class Meta:
        model = Regression
        fields = [
            "id",
            "client",
            "kind",
            "occurred_on",
            "cause",
            "controllable",
            "reason",
            "relationship_from",
            "relationship_to",
            "by",
            "by_name",
            "created_at",
        ]


class RegressionInput(serializers.ModelSerializer):
    client = VisibleClientField()
    controllable = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Default: derived from the cause."
    )
    relationship_to = serializers.ChoiceField(
        choices=RelationshipStage.choices, required=False, allow_blank=True, default=""
    )

    class Meta:
        model = Regression
        fields = ["client", "kind", "occurred_on", "cause", "controllable", "reason", "relationship_to"]


@_with_create(RegressionInput, RegressionSerializer)
class RegressionViewSet(StepRecordViewSet):
    model = Regression
    serializer_class = RegressionSerializer
    input_serializer = RegressionInput
    filterset_fields = ["client", "kind", "cause", "controllable"]

    def perform_write(self, data):
        return steps.regression_record(client=data.pop("client"), by=self.request.user, **data)


class TierInput(serializers.Serializer):
    tier = serializers.ChoiceField(
        choices=Tier.choices,
        allow_null=True,
        help_text="Set by hand (wins over the tier computed from volumes); null clears the override.",
    )
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class TierView(APIView):
    """Set the client's tier (A, B or C), which also sets its return-visit cadence."""

    permission_classes = [RolePermission]
    write_roles = LOOP_ROLES

    @extend_schema(
        request=TierInput, responses=inline_serializer("TierResult", {"tier": serializers.CharField()})
    )
    def post(self, request, pk):
        client = _visible_client(request, pk)
        data = TierInput(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["tier"] is None:
            steps.tier_clear(client=client, by=request.user)
        else:
            steps.tier_set(client=client, by=request.user, **data.validated_data)
        return Response({"tier": client.tier})
