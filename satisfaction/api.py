"""REST API of satisfaction. Thin: parse with a serializer, call a service, serialize. Lookups go through
`visible_to`, so another station's record is a 404 and another station's client in a body is a 400."""

import django_filters
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import RolePermission
from accounts.roles import COMPLAINT_ROLES, INDICATOR_ADMINS, INDICATOR_WRITERS, SURVEY_MANAGERS
from config.api import Conflict, JSONParser, Pagination
from config.filtering import names_no_record
from config.schema import XLSX, upload_request
from pipeline.models import Client
from pipeline.models.clients import RelationshipStage, Tier

from . import selectors
from . import serializers as s
from .health import health_for, low_health
from .models import (
    Complaint,
    FollowUpTask,
    Indicator,
    IndicatorReading,
    IndicatorWarning,
    Invitation,
    ReadingSource,
    ResponseChannel,
    SurveyResponse,
)
from .results import ResponseFilter, summarize
from .services import complaints, indicators, surveys


def _now():
    return timezone.now()


# --- Complaints ---------------------------------------------------------------------------------------------


class ComplaintViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Complaints of the clients you see. `due_at` follows from the severity; overdue ones are escalated hourly."""

    permission_classes = [RolePermission]
    write_roles = COMPLAINT_ROLES
    filterset_class = selectors.ComplaintFilter

    def get_queryset(self):
        qs = Complaint.objects.visible_to(self.request.user).select_related("client")
        if self.action == "retrieve":
            qs = qs.prefetch_related("events")
        return qs.order_by(*selectors.COMPLAINTS_NEWEST)

    def get_serializer_class(self):
        if self.action == "create":
            return s.ComplaintCreateSerializer
        return s.ComplaintDetailSerializer if self.action != "list" else s.ComplaintSerializer

    @extend_schema(request=s.ComplaintCreateSerializer, responses={201: s.ComplaintDetailSerializer})
    def create(self, request, *args, **kwargs):
        serializer = s.ComplaintCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        complaint = complaints.complaint_create(by=request.user, now=_now(), **serializer.validated_data)
        return Response(self._out(complaint), status=status.HTTP_201_CREATED)

    def _out(self, complaint):
        complaint = self.get_queryset().prefetch_related("events").get(pk=complaint.pk)
        return s.ComplaintDetailSerializer(complaint, context={"request": self.request}).data

    def _act(self, request, serializer_class, service, **mapping):
        complaint = self.get_object()
        serializer = serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        args = {target: serializer.validated_data[source] for target, source in mapping.items()}
        return Response(self._out(service(by=request.user, complaint=complaint, now=_now(), **args)))

    @extend_schema(request=s.ComplaintNoteSerializer, responses=s.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """open → in progress."""
        return self._act(request, s.ComplaintNoteSerializer, complaints.complaint_start, note="note")

    @extend_schema(request=s.ResolveSerializer, responses=s.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """open or in progress → resolved, with the resolution notes."""
        return self._act(request, s.ResolveSerializer, complaints.complaint_resolve, resolution="resolution")

    @extend_schema(request=s.CloseSerializer, responses=s.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """resolved → closed, once the customer confirmed."""
        return self._act(request, s.CloseSerializer, complaints.complaint_close, confirmation="confirmation")

    @extend_schema(request=s.ReopenSerializer, responses=s.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """resolved → in progress: the customer says the problem is still there."""
        return self._act(request, s.ReopenSerializer, complaints.complaint_reopen, reason="reason")

    @extend_schema(request=s.ReassignSerializer, responses=s.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        return self._act(request, s.ReassignSerializer, complaints.complaint_reassign, owner="owner")


# --- Questionnaires and campaigns -----------------------------------------------------------------------------


class QuestionnaireViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Questionnaires: draft → piloting (sent to a few chosen customers) → approved (by the station master or
    HQ after reviewing the pilot's responses) → retired. Only approved ones can be sent to a segment."""

    serializer_class = s.QuestionnaireSerializer
    permission_classes = [RolePermission]
    write_roles = SURVEY_MANAGERS
    filterset_fields = ["status", "station"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return (
            selectors.questionnaires_with_figures(self.request.user)
            .prefetch_related("questions")
            .order_by("-created_at", "-pk")
        )

    def _out(self, questionnaire, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=questionnaire.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        questionnaire = surveys.questionnaire_create(by=request.user, **serializer.validated_data)
        return self._out(questionnaire, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        questionnaire = self.get_object()
        serializer = self.get_serializer(
            questionnaire, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        current = {
            "title": questionnaire.title,
            "title_en": questionnaire.title_en,
            "intro": questionnaire.intro,
            "intro_en": questionnaire.intro_en,
            "questions": [
                {
                    "kind": q.kind,
                    "dimension": q.dimension,
                    "text": q.text,
                    "text_en": q.text_en,
                    "required": q.required,
                }
                for q in questionnaire.questions.all()
            ],
        }
        current.update({k: v for k, v in data.items() if k in current})
        surveys.questionnaire_update(by=request.user, questionnaire=questionnaire, **current)
        return self._out(questionnaire)

    @extend_schema(request=s.PilotSerializer, responses={201: s.CampaignSerializer})
    @action(detail=True, methods=["post"])
    def pilot(self, request, pk=None):
        """Send the draft to a few chosen clients (at most 10); the questionnaire is frozen while piloted."""
        questionnaire = self.get_object()
        serializer = s.PilotSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        campaign = surveys.pilot_start(
            by=request.user, questionnaire=questionnaire, now=_now(), **serializer.validated_data
        )
        selectors.with_figures(request.user, [campaign], now=_now())
        return Response(s.CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ApproveSerializer, responses=s.QuestionnaireSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        questionnaire = self.get_object()
        serializer = s.ApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        surveys.questionnaire_approve(
            by=request.user,
            questionnaire=questionnaire,
            review=serializer.validated_data["review"],
            now=_now(),
        )
        return self._out(questionnaire)

    @extend_schema(request=None, responses={201: s.QuestionnaireSerializer})
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, pk=None):
        copy = surveys.questionnaire_new_version(by=request.user, questionnaire=self.get_object())
        return self._out(copy, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.QuestionnaireSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        questionnaire = surveys.questionnaire_retire(by=request.user, questionnaire=self.get_object())
        return self._out(questionnaire)


def _pending(request) -> bool:
    query = s.PendingQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data["pending"]


class CampaignViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Survey campaigns. Creating one sends an approved questionnaire to a segment on a schedule. The figures
    and links of a company-wide campaign are those of the caller's customers; only HQ runs such a campaign."""

    serializer_class = s.CampaignSerializer
    permission_classes = [RolePermission]
    write_roles = SURVEY_MANAGERS
    filterset_fields = ["status", "kind", "questionnaire", "station"]

    def get_queryset(self):
        pending = self.action == "list" and _pending(self.request)
        return selectors.visible_campaigns(self.request.user, now=_now(), pending=pending)

    def _out(self, campaign, code=status.HTTP_200_OK):
        campaign = self.get_queryset().get(pk=campaign.pk)
        selectors.with_figures(self.request.user, [campaign], now=_now())
        return Response(self.get_serializer(campaign).data, status=code)

    @extend_schema(parameters=[s.PendingQuerySerializer])
    def list(self, request, *args, **kwargs):
        """`pending=true`: only campaigns with a personal link still waiting for its answer."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        campaigns = selectors.with_figures(request.user, page, now=_now())
        return self.get_paginated_response(self.get_serializer(campaigns, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return self._out(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = surveys.campaign_create(
            by=request.user, today=timezone.localdate(), **serializer.validated_data
        )
        return self._out(campaign, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.InvitationSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="send-now")
    def send_now(self, request, pk=None):
        """Send the next round now instead of on its date; answers the round's links to the caller's customers."""
        campaign = self.get_object()
        sent = surveys.campaign_send_now(by=request.user, campaign=campaign, now=_now())
        links = selectors.campaign_links(request.user, campaign, now=_now())
        links = links.filter(round_on=sent[0].round_on) if sent else links.none()
        return Response(s.InvitationSerializer(links, many=True, context={"request": request}).data)

    @extend_schema(request=None, responses=s.CampaignSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        return self._out(
            surveys.campaign_set_paused(by=request.user, campaign=self.get_object(), paused=True)
        )

    @extend_schema(request=None, responses=s.CampaignSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._out(
            surveys.campaign_set_paused(by=request.user, campaign=self.get_object(), paused=False)
        )

    @extend_schema(parameters=[s.PendingQuerySerializer], responses=s.InvitationSerializer(many=True))
    @action(detail=True, methods=["get"])
    def invitations(self, request, pk=None):
        """The personal links of the caller's customers, to copy into a messaging app for contacts without
        e-mail; `pending=true`: only those still waiting for an answer."""
        links = selectors.campaign_links(
            request.user, self.get_object(), now=_now(), pending=_pending(request)
        )
        page = self.paginate_queryset(links)
        return self.get_paginated_response(
            s.InvitationSerializer(page, many=True, context={"request": request}).data
        )


_SEGMENT_PARAMETERS = [
    OpenApiParameter("tier", OpenApiTypes.STR, many=True, enum=list(Tier.values)),
    OpenApiParameter("relationship_stage", OpenApiTypes.STR, many=True, enum=list(RelationshipStage.values)),
    OpenApiParameter("industry", OpenApiTypes.STR),
    OpenApiParameter("station", OpenApiTypes.INT),
    OpenApiParameter("area", OpenApiTypes.INT),
    OpenApiParameter("questionnaire", OpenApiTypes.INT),
    OpenApiParameter("client", OpenApiTypes.INT),
    OpenApiParameter("since", OpenApiTypes.DATE),
    OpenApiParameter("until", OpenApiTypes.DATE),
]


def _segment(request, queryset):
    """The segment filter sees the caller, so its station, area and questionnaire choices are scoped."""
    filterset = ResponseFilter(request.query_params, queryset=queryset, user=request.user)
    if not filterset.is_valid():
        if names_no_record(filterset):
            raise NotFound()
        raise ValidationError(filterset.errors)
    return filterset.qs


class SurveyResponseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Responses of the clients you see. POST records answers given by phone against an invitation."""

    serializer_class = s.SurveyResponseSerializer
    permission_classes = [RolePermission]
    write_roles = SURVEY_MANAGERS
    filter_backends = []

    def get_queryset(self):
        return (
            SurveyResponse.objects.visible_to(self.request.user)
            .select_related("client", "invitation")
            .prefetch_related("answers")
            .order_by("-submitted_at", "-pk")
        )

    @extend_schema(parameters=_SEGMENT_PARAMETERS)
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(_segment(request, self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=s.SurveyResponseCreateSerializer, responses={201: s.SurveyResponseSerializer})
    def create(self, request, *args, **kwargs):
        serializer = s.SurveyResponseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        invitation = get_object_or_404(
            Invitation.objects.visible_to(request.user).select_related("campaign__questionnaire", "client"),
            pk=data["invitation"],
        )
        if SurveyResponse.objects.filter(invitation=invitation).exists():
            raise Conflict(_("This invitation has already been answered."))
        if invitation.expires_at <= _now():
            raise ValidationError(_("This invitation has expired."))
        answers = [
            surveys.AnswerInput(question_id=a["question"], score=a.get("score"), text=a.get("text", ""))
            for a in data["answers"]
        ]
        try:
            response = surveys.response_submit(
                invitation=invitation,
                answers=answers,
                now=_now(),
                language=data["language"],
                channel=ResponseChannel.PHONE,
                recorded_by=request.user,
            )
        except surveys.SurveyLinkError:
            raise Conflict(_("This invitation has already been answered."))
        return Response(self.get_serializer(self.get_queryset().get(pk=response.pk)).data, status=201)


class SatisfactionResultsView(APIView):
    """Results for a segment: average, per dimension, distribution over the five levels, trend per quarter."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=_SEGMENT_PARAMETERS, responses=s.SatisfactionSummarySerializer)
    def get(self, request):
        return Response(summarize(_segment(request, SurveyResponse.objects.visible_to(request.user))))


class ClientSatisfactionView(APIView):
    """A client's satisfaction (shared/API.md): responses, average 1–5 or null, and per TQCSO dimension."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.ClientSatisfactionSerializer)
    def get(self, request, pk):
        client = get_object_or_404(Client.objects.visible_to(request.user), pk=pk)
        return Response({"client": client.pk, **summarize(SurveyResponse.objects.filter(client=client))})


class ClientHealthView(APIView):
    """A client's relationship health, with each component and how it was computed."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.HealthSerializer)
    def get(self, request, pk):
        client = get_object_or_404(Client.objects.visible_to(request.user), pk=pk)
        return Response(s.HealthSerializer(health_for(client, now=_now())).data)


class LowHealthView(APIView):
    """Clients you see whose relationship health is below the threshold, worst first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("owner", OpenApiTypes.INT, description="Only clients of this owner."),
            OpenApiParameter("station", OpenApiTypes.INT),
            OpenApiParameter("threshold", OpenApiTypes.INT, description="Default: the configured threshold."),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses=inline_serializer(
            "PaginatedLowHealthList",
            {
                "count": drf_serializers.IntegerField(),
                "next": drf_serializers.URLField(allow_null=True),
                "previous": drf_serializers.URLField(allow_null=True),
                "threshold": drf_serializers.IntegerField(),
                "results": s.LowHealthSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        clients = Client.objects.visible_to(request.user).active()
        errors = {}
        for name in ("owner", "station", "threshold"):
            raw = request.query_params.get(name)
            if raw is not None and not raw.isdecimal():
                errors[name] = _("A whole number is expected.")
        if errors:
            raise ValidationError(errors)
        if request.query_params.get("owner"):
            clients = clients.filter(owner_id=int(request.query_params["owner"]))
        if request.query_params.get("station"):
            clients = clients.filter(station_id=int(request.query_params["station"]))
        threshold = int(request.query_params.get("threshold") or settings.SATISFACTION_HEALTH_THRESHOLD)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            low_health(clients, now=_now(), threshold=threshold), request, view=self
        )
        context = {"clients": {client.pk: client for client, _health in page}}
        response = paginator.get_paginated_response(
            s.LowHealthSerializer([h for _c, h in page], many=True, context=context).data
        )
        response.data["threshold"] = threshold
        return response


# --- Indicators ---------------------------------------------------------------------------------------------------


class IndicatorViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The service-quality indicators and their warning thresholds (changed by administrators)."""

    serializer_class = s.IndicatorSerializer
    permission_classes = [RolePermission]
    write_roles = INDICATOR_ADMINS
    queryset = Indicator.objects.order_by("position", "code")
    http_method_names = ["get", "put", "patch", "head", "options"]

    def perform_update(self, serializer):
        serializer.instance = indicators.indicator_update(
            by=self.request.user, indicator=serializer.instance, **serializer.validated_data
        )


class ReadingFilter(django_filters.FilterSet):
    indicator = django_filters.CharFilter(field_name="indicator__code")
    since = django_filters.DateFilter(field_name="day", lookup_expr="gte")
    until = django_filters.DateFilter(field_name="day", lookup_expr="lte")

    class Meta:
        model = IndicatorReading
        fields = ["client", "indicator", "day", "source"]


class ReadingViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Daily readings per client. POST one, POST `bulk/` many, or upload an .xlsx; all or nothing."""

    serializer_class = s.ReadingSerializer
    permission_classes = [RolePermission]
    write_roles = INDICATOR_WRITERS
    filterset_class = ReadingFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return (
            IndicatorReading.objects.visible_to(self.request.user)
            .select_related("indicator")
            .order_by("-day", "indicator__position", "pk")
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        row = {
            "client": data["client"].pk,
            "indicator": data["indicator"].code,
            "day": data["day"],
            "value": data["value"],
        }
        indicators.readings_record(
            by=request.user, rows=[(_("Reading"), row)], source=ReadingSource.API, today=timezone.localdate()
        )
        reading = self.get_queryset().get(client=data["client"], indicator=data["indicator"], day=data["day"])
        return Response(self.get_serializer(reading).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"application/json": s.ReadingBulkSerializer}, responses={201: s.RecordResultSerializer}
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """`{"readings": [{"client", "indicator", "day", "value"}, ...]}`; errors name the item numbers."""
        serializer = s.ReadingBulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows = [
            (_("Item %(n)s") % {"n": n}, item)
            for n, item in enumerate(serializer.validated_data["readings"], start=1)
        ]
        result = indicators.readings_record(
            by=request.user, rows=rows, source=ReadingSource.API, today=timezone.localdate()
        )
        return Response(result, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=upload_request(s.ReadingUploadSerializer, {"file": [XLSX]}, json=False),
        responses={201: s.RecordResultSerializer},
    )
    @action(detail=False, methods=["post"])
    def upload(self, request):
        """An .xlsx with the columns client, indicator, day, value; errors name the spreadsheet rows."""
        serializer = s.ReadingUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        file = serializer.validated_data["file"]
        if file.size > settings.UPLOAD_MAX_BYTES:
            raise ValidationError(
                {"file": _("The file is larger than %(mb)s MB.") % {"mb": settings.UPLOAD_MAX_BYTES // 2**20}}
            )
        result = indicators.readings_upload(by=request.user, file=file, today=timezone.localdate())
        return Response(result, status=status.HTTP_201_CREATED)


class WarningFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(field_name="cleared_on", lookup_expr="isnull")
    indicator = django_filters.CharFilter(field_name="indicator__code")

    class Meta:
        model = IndicatorWarning
        fields = ["client", "indicator", "open"]


class WarningViewSet(viewsets.ReadOnlyModelViewSet):
    """Early warnings (事前监控预警): an indicator beyond its threshold; `open=true` for the current ones."""

    serializer_class = s.WarningSerializer
    filterset_class = WarningFilter

    def get_queryset(self):
        return (
            IndicatorWarning.objects.visible_to(self.request.user)
            .select_related("client", "indicator")
            .order_by("cleared_on", "-raised_on", "-pk")
        )


class TaskFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(field_name="done_at", lookup_expr="isnull")

    class Meta:
        model = FollowUpTask
        fields = ["client", "assignee", "open"]


class FollowUpTaskViewSet(viewsets.ReadOnlyModelViewSet):
    """Follow-up tasks made by low survey scores (2 or lower on a dimension) for the client's owner."""

    serializer_class = s.FollowUpTaskSerializer
    filterset_class = TaskFilter

    def get_queryset(self):
        return (
            FollowUpTask.objects.visible_to(self.request.user)
            .select_related("client")
            .order_by("done_at", "due_on", "pk")
        )

    @extend_schema(request=s.TaskDoneSerializer, responses=s.FollowUpTaskSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        serializer = s.TaskDoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = surveys.task_done(
            by=request.user, task=self.get_object(), note=serializer.validated_data["note"], now=_now()
        )
        return Response(self.get_serializer(task).data)
