"""REST API of steps 1-2: leads (the public contract's endpoints), their review, duplicates, client records,
competitors, screening settings, and spreadsheet imports and exports.

Views are thin: an input serializer parses, a service in pipeline/leads.py, pipeline/screening.py or
pipeline/importing.py writes, an output serializer answers. Lookups go through `visible_to`, so records outside the
caller's scope answer 404; roles that may not act get 403 from the services.
"""

from types import SimpleNamespace

import django_filters
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import ISO_8601, api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param

from accounts.models import Area, Station, User
from config.api import JSONParser, Pagination
from config.web import XLSX, xlsx_response

from ..models import (
    Client,
    ClientCompetitorVolume,
    ClientContact,
    Competitor,
    ImportJob,
    Lead,
    LeadCompetitor,
    LeadContact,
    LeadEvent,
    LeadPhoto,
    ScreeningSettings,
)
from ..models.clients import CompanyType, ContactRole, Difficulty, Source
from ..models.imports import ImportKind
from ..models.leads import LeadStatus, RejectReason
from ..models.loop import Stage
from ..selectors import leads as lead_selectors
from ..services import clients as client_services
from ..services import importing, matching, screening, validation
from ..services import leads as services

# --- Leads: output ---------------------------------------------------------------------------------------


class LeadCompetitorSerializer(serializers.ModelSerializer):
    competitor = serializers.CharField(source="competitor.name")

    class Meta:
        model = LeadCompetitor
        fields = ["competitor", "monthly"]


class LeadContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadContact
        fields = ["name", "title", "role", "phone", "phone2"]


class LeadPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = LeadPhoto
        fields = ["id", "url", "uploaded_at"]

    def get_url(self, obj) -> str:
        request = self.context.get("request")
        url = obj.image.url
        return request.build_absolute_uri(url) if request else url


class LeadEventSerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()

    class Meta:
        model = LeadEvent
        fields = ["action", "by", "at", "reason"]

    def get_by(self, obj) -> str:
        return str(obj.by) if obj.by_id else ""


class FlatRowSerializer(serializers.ModelSerializer):
    """A ModelSerializer that writes flat rows without DRF's per-field machinery: the same JSON, a fraction of
    the time.

    Building two dozen field objects per request and walking them for every row took two thirds of the lead
    list's time in Python (measured at province scale). When every readable field is flat — a model attribute
    read directly, a primary key, or a `get_<name>` method — the fields are read once per class into a plan of
    (name, attribute, conversion); each row is then one attribute read and, where the field has one, the
    field's own `to_representation`. Date-times in the API's ISO format are converted to the current time zone
    looked up once per list rather than twice per row. Rows may be model instances or the dicts of
    `values(*columns())`. A serializer with anything else (nested rows, dotted sources, fields that need the
    request) keeps DRF's path.
    """

    # Fields (and their subclasses) whose to_representation depends on the value alone, never on the request.
    CONTEXT_FREE = (
        serializers.BooleanField,
        serializers.CharField,
        serializers.ChoiceField,
        serializers.DateField,
        serializers.DateTimeField,
        serializers.DecimalField,
        serializers.FloatField,
        serializers.IntegerField,
    )
    _LOCAL_ISO = "local-iso"  # conversion marker: to the current time zone, then ISO 8601

    def _row_plan(self):
        plan = []
        model = self.Meta.model
        for field in self._readable_fields:
            if isinstance(field, serializers.SerializerMethodField):
                plan.append((field.field_name, None, field.method_name))
            elif "." in field.source or field.source == "*":
                return None
            elif isinstance(field, serializers.PrimaryKeyRelatedField) and field.pk_field is None:
                plan.append((field.field_name, model._meta.get_field(field.source).attname, None))
            elif (
                type(field) is serializers.DateTimeField
                and getattr(field, "format", api_settings.DATETIME_FORMAT) == ISO_8601
                and not hasattr(field, "timezone")
                and settings.USE_TZ
            ):
                plan.append((field.field_name, field.source, self._LOCAL_ISO))
            elif isinstance(field, self.CONTEXT_FREE):
                plan.append((field.field_name, field.source, field.to_representation))
            else:
                return None
        return plan

    @classmethod
    def plan(cls):
        if "_plan" not in cls.__dict__:  # per class: a subclass with other fields makes its own
            cls._plan = cls()._row_plan()
        return cls._plan

    @classmethod
    def columns(cls) -> list[str]:
        """The attributes the rows are read from (for `values()`); None when the serializer keeps DRF's path."""
        plan = cls.plan()
        return None if plan is None else [attribute for _name, attribute, _convert in plan if attribute]

    def to_representation(self, instance):
        plan = self.plan()
        if plan is None:
            return super().to_representation(instance)
        if isinstance(instance, dict):
            instance = SimpleNamespace(**instance)
        zone = self.__dict__.get("_zone")
        if zone is None:
            zone = self._zone = timezone.get_current_timezone()
        row = {}
        for name, attribute, convert in plan:
            if attribute is None:
                row[name] = getattr(self, convert)(instance)
                continue
            value = getattr(instance, attribute)
            if value is None or convert is None:
                row[name] = value
            elif convert is self._LOCAL_ISO:
                text = value.astimezone(zone).isoformat()
                row[name] = text[:-6] + "Z" if text.endswith("+00:00") else text
            else:
                row[name] = convert(value)
        return row


class LeadListSerializer(FlatRowSerializer):
    """The list row: flat, no nested rows, so a page costs the same few queries however long it is."""

    collected_by_name = serializers.SerializerMethodField()
    missing_fields = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "company_name",
            "contact_name",
            "contact_phone",
            "address",
            "industry",
            "company_type",
            "source",
            "inbound_monthly",
            "outbound_monthly",
            "our_monthly",
            "status",
            "status_reason",
            "reject_reason",
            "collected_by",
            "collected_by_name",
            "collected_at",
            "collected_on",
            "station",
            "area",
            "duplicate_of",
            "client",
            "missing_fields",
            "created_at",
        ]
        read_only_fields = fields

    def get_collected_by_name(self, obj) -> str:
        username = getattr(obj, "collected_by__username", None)  # a row of the list (LeadViewSet.read_page)
        if username is not None:
            return obj.collected_by__display_name or username
        return str(obj.collected_by)

    def get_missing_fields(self, obj) -> list[str]:
        return services.missing_for_acceptance(obj)


class LeadSerializer(LeadListSerializer):
    competitors = LeadCompetitorSerializer(many=True, read_only=True)
    contacts = LeadContactSerializer(many=True, read_only=True)
    photos = LeadPhotoSerializer(many=True, read_only=True)
    history = LeadEventSerializer(source="events", many=True, read_only=True)

    class Meta(LeadListSerializer.Meta):
        fields = [
            *LeadListSerializer.Meta.fields,
            "contact_title",
            "contact_role",
            "needs",
            "notes",
            "competitors",
            "contacts",
            "photos",
            "reviewed_by",
            "reviewed_at",
            "history",
            "updated_at",
        ]
        read_only_fields = fields


# --- Leads: input ----------------------------------------------------------------------------------------


class LeadCompetitorInput(serializers.Serializer):
    competitor = serializers.CharField(help_text="Competitor name or short name, e.g. 顺丰 or SF.")
    monthly = serializers.IntegerField(min_value=0, help_text="Parcels a month it carries for the customer.")


class LeadContactInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=ContactRole.choices, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    phone2 = serializers.CharField(max_length=40, required=False, allow_blank=True)


class LeadInput(serializers.Serializer):
    """The customer-information form. Everything is validated again by the service with the form's rules."""

    company_name = serializers.CharField(max_length=200)
    contact_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contact_title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contact_role = serializers.ChoiceField(choices=ContactRole.choices, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=40)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
    company_type = serializers.ChoiceField(choices=CompanyType.choices, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    inbound_monthly = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    outbound_monthly = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    our_monthly = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    competitors = LeadCompetitorInput(many=True, required=False)
    contacts = LeadContactInput(many=True, required=False)
    needs = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="Business-card photos (multipart only)."
    )
    collected_at = serializers.DateTimeField(
        required=False,
        help_text="Past only; honoured for administrators and station masters (history import).",
    )
    collected_by = serializers.IntegerField(
        required=False,
        help_text="A user id; honoured for administrators and station masters within their station.",
    )


class LeadUpdateInput(LeadInput):
    company_name = serializers.CharField(max_length=200, required=False)
    contact_phone = serializers.CharField(max_length=40, required=False)

    class Meta:
        ref_name = None

    def get_fields(self):
        fields = super().get_fields()
        for name in ("collected_at", "collected_by"):
            fields.pop(name)
        return fields


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=validation.MAX_TEXT)


class RejectInput(ReasonInput):
    category = serializers.ChoiceField(choices=RejectReason.choices, default=RejectReason.OTHER)


class AcceptInput(serializers.Serializer):
    new_client = serializers.BooleanField(
        default=False, help_text="Create a new client even though the lead matches an existing one."
    )


AcceptResponse = inline_serializer(
    "LeadAcceptResponse", {"status": serializers.CharField(), "client": serializers.IntegerField()}
)


class DuplicateMatchSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["client", "lead"])
    id = serializers.IntegerField(allow_null=True, help_text="Null when the record is outside your scope.")
    name = serializers.CharField()
    match = serializers.ChoiceField(choices=["phone", "name", "similar"])
    station = serializers.CharField()
    area = serializers.CharField()
    status = serializers.CharField()
    collected_on = serializers.DateField(allow_null=True)
    collected_by = serializers.CharField()
    url = serializers.CharField()


DuplicatesResponse = inline_serializer(
    "LeadDuplicatesResponse",
    {
        "duplicate_of": serializers.IntegerField(allow_null=True),
        "matches": DuplicateMatchSerializer(many=True),
    },
)


class LeadFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=LeadStatus.choices)
    collected_on = django_filters.DateFilter()
    collected_on_after = django_filters.DateFilter(field_name="collected_on", lookup_expr="gte")
    collected_on_before = django_filters.DateFilter(field_name="collected_on", lookup_expr="lte")
    collected_by = django_filters.NumberFilter(field_name="collected_by_id")
    area = django_filters.NumberFilter(field_name="area_id")
    station = django_filters.NumberFilter(field_name="station_id")
    source = django_filters.ChoiceFilter(choices=Source.choices)
    reject_reason = django_filters.ChoiceFilter(choices=RejectReason.choices)
    duplicate = django_filters.BooleanFilter(
        field_name="duplicate_of", lookup_expr="isnull", exclude=True, label="Matches an existing client"
    )
    q = django_filters.CharFilter(method="search", label="Company, contact or phone contains")
    ordering = django_filters.OrderingFilter(
        fields=(("collected_at", "collected_at"), ("company_name", "company_name"), ("status", "status"))
    )

    class Meta:
        model = Lead
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(company_name__icontains=value)
            | Q(contact_name__icontains=value)
            | Q(contact_phone__contains=value)
        )


class LeadPagination(Pagination):
    """Page numbers as on every list (`count`, `next`, `previous`, `results`), without counting a whole scope.

    Counting every lead of a station (30,000 a year) or of the network (3 million) on each page cost more than
    reading the page. The page is read with one row more, which says whether another follows; `count` is exact
    when the list ends on this page or holds at most COUNT_LIMIT leads (counted up to COUNT_LIMIT + 1), and
    null beyond that: narrow the list with filters to get a number.
    """

    COUNT_LIMIT = 1000
    MAX_PAGE = 10_000_000

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param) or "1"
        if raw in self.last_page_strings:
            total = queryset.count()
            self.number = max(1, -(-total // size))
        else:
            try:
                self.number = int(raw)
            except ValueError:
                self.number = 0
            # A page past any real list (or one whose offset overflows the database's integers) is not found.
            if self.number < 1 or self.number > self.MAX_PAGE:
                raise NotFound(self.invalid_page_message)
        offset = (self.number - 1) * size
        # The view may read a page lighter than its queryset, and with it how many rows the list has up to
        # `limit` (`read_page`); otherwise the page comes from the queryset and a bounded count follows.
        limit = max(self.COUNT_LIMIT + 1, offset + size + 1)
        read_page = getattr(view, "read_page", None)
        if read_page is not None:
            rows, seen = read_page(queryset, offset=offset, size=size + 1, limit=limit)
        else:
            rows, seen = list(queryset[offset : offset + size + 1]), None
        if not rows and self.number > 1:
            raise NotFound(self.invalid_page_message)
        self.has_next = len(rows) > size
        rows = rows[:size]
        if not self.has_next:
            self.count = offset + len(rows)
        elif offset + size >= self.COUNT_LIMIT:
            self.count = None
        else:
            if seen is None:
                seen = queryset.order_by()[: self.COUNT_LIMIT + 1].count()
            self.count = seen if seen <= self.COUNT_LIMIT else None
        return rows

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_next_link(self):
        if not self.has_next:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, self.number + 1)

    def get_previous_link(self):
        if self.number == 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"].update(
            nullable=True,
            description=f"Null when more than {self.COUNT_LIMIT:,} leads match; follow `next` to page on.",
        )
        return response


class LeadFilterBackend(DjangoFilterBackend):
    """Builds the filter form only when the request names a filter: the unfiltered first page, the one opened
    most, skips validating a dozen empty fields (a no-op on the queryset)."""

    def filter_queryset(self, request, queryset, view):
        filters = self.get_filterset_class(view, queryset).base_filters
        if not any(name in request.query_params for name in filters):
            return queryset
        return super().filter_queryset(request, queryset, view)


def _lead_data(validated: dict) -> dict:
    return {k: v for k, v in validated.items() if k not in ("photos", "collected_at", "collected_by")}


class LeadViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Leads of step 1 and their review (step 2)."""

    filterset_class = LeadFilter
    filter_backends = [LeadFilterBackend]
    pagination_class = LeadPagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if self.action == "list":
            return Lead.objects.visible_to(self.request.user)  # a page is read through read_page
        return (
            Lead.objects.visible_to(self.request.user)
            .select_related("collected_by", "reviewed_by")
            .prefetch_related("competitors__competitor", "contacts", "photos", "events__by")
        )

    def get_serializer_class(self):
        return LeadListSerializer if self.action in ("list", "review_queue") else LeadSerializer

    def read_page(self, queryset, *, offset: int, size: int, limit: int) -> tuple[list[dict], int | None]:
        """`size` rows of the list from `offset` as they are written — only their columns and the collector's two
        names, no model instances — and, when the same query could tell, how many rows the list has up to
        `limit` (LeadQuerySet.newest_page); otherwise None, and the pagination counts."""
        columns = LeadListSerializer.columns()
        page = queryset.newest_page(columns=columns, offset=offset, size=size, limit=limit)
        if page is not None:
            return page
        rows = queryset.values(*columns, "collected_by__display_name", "collected_by__username")
        return list(rows[offset : offset + size]), None

    def _out(self, lead, code=status.HTTP_200_OK, **headers):
        lead = self.get_queryset().get(pk=lead.pk) if self.action != "list" else lead
        return Response(
            LeadSerializer(lead, context=self.get_serializer_context()).data, status=code, headers=headers
        )

    @extend_schema(
        request=LeadInput,
        responses={201: LeadSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="A retried POST with the same key returns the first lead instead of creating a second.",
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        data = LeadInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        collected_by = None
        if v.get("collected_by") is not None and request.user.role in services.HISTORY_IMPORTERS:
            collected_by = User.objects.visible_to(request.user).filter(pk=v["collected_by"]).first()
            if collected_by is None:
                raise ValidationError({"collected_by": [_("No such person in your scope.")]})
        lead, created = services.lead_submit(
            by=request.user,
            data=_lead_data(v),
            photos=v.get("photos", []),
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            collected_by=collected_by,
            collected_at=v.get("collected_at"),
        )
        headers = {} if created else {"Idempotent-Replayed": "true"}
        self.action = "retrieve"
        return self._out(lead, status.HTTP_201_CREATED, **headers)

    @extend_schema(request=LeadUpdateInput, responses=LeadSerializer)
    def partial_update(self, request, *args, **kwargs):
        lead = self.get_object()
        data = LeadUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        lead = services.lead_update(
            lead=lead,
            by=request.user,
            data=_lead_data(data.validated_data),
            photos=data.validated_data.get("photos"),
        )
        return self._out(lead)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        # Records change field by field through PATCH (and the services behind it); a PUT is not offered.
        raise MethodNotAllowed(request.method)

    @extend_schema(request=AcceptInput, responses=AcceptResponse)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        lead = self.get_object()
        data = AcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        client = services.lead_accept(
            lead=lead, by=request.user, new_client=data.validated_data["new_client"]
        )
        return Response({"status": LeadStatus.ACCEPTED, "client": client.pk})

    @extend_schema(request=ReasonInput, responses=LeadSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        lead = self.get_object()
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(
            services.lead_return(lead=lead, by=request.user, reason=data.validated_data["reason"])
        )

    @extend_schema(request=RejectInput, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        lead = self.get_object()
        data = RejectInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(
            services.lead_reject(
                lead=lead,
                by=request.user,
                category=data.validated_data["category"],
                reason=data.validated_data["reason"],
            )
        )

    @extend_schema(request=LeadUpdateInput, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        """The collector completes a returned lead (any form fields) and sends it back for review."""
        lead = self.get_object()
        data = LeadUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        lead = services.lead_resubmit(
            lead=lead,
            by=request.user,
            data=_lead_data(data.validated_data),
            photos=data.validated_data.get("photos"),
        )
        return self._out(lead)

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "LeadPhotoUpload", {"photos": serializers.ListField(child=serializers.FileField())}
            )
        },
        responses={201: LeadPhotoSerializer(many=True)},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def photos(self, request, pk=None):
        """Add business-card photos (JPEG, PNG or WebP; at most UPLOAD_MAX_MB each, five per lead)."""
        lead = self.get_object()
        files = request.FILES.getlist("photos") or request.FILES.getlist("photo")
        if not files:
            raise ValidationError({"photos": [_("Choose at least one photo.")]})
        created = services.lead_add_photos(lead=lead, by=request.user, photos=files)
        return Response(
            LeadPhotoSerializer(created, many=True, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("company_name", OpenApiTypes.STR),
            OpenApiParameter("contact_phone", OpenApiTypes.STR),
            OpenApiParameter(
                "exclude", OpenApiTypes.INT, description="A lead id to leave out (the one being edited)."
            ),
        ],
        responses=DuplicatesResponse,
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def duplicates(self, request):
        """What already exists with this phone number or company name (the capture form asks while typing)."""
        from ..services.normalize import normalize_company_name, try_normalize_phone

        name = (request.query_params.get("company_name") or "")[:200]
        phone = (request.query_params.get("contact_phone") or "")[:40]
        exclude = request.query_params.get("exclude")
        exclude = int(exclude) if exclude and exclude.isdecimal() else None
        matches = matching.find_matches(
            user=request.user, company_name=name, phones=[phone], exclude_lead_id=exclude
        )
        normalized_phone = try_normalize_phone(phone)
        duplicate = matching.duplicate_client_for(
            normalized_name=normalize_company_name(name) if name else "",
            phones=[normalized_phone] if normalized_phone else [],
            station_id=request.user.station_id,
        )
        return Response(
            {"duplicate_of": duplicate.pk if duplicate else None, "matches": [m.as_dict() for m in matches]}
        )

    @extend_schema(responses=LeadListSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="review-queue")
    def review_queue(self, request):
        """Submitted leads you review, oldest first, each with the required fields it still lacks."""
        page = self.paginate_queryset(self.filter_queryset(lead_selectors.review_queue(request.user)))
        return self.get_paginated_response(LeadListSerializer(page, many=True).data)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request):
        """The filtered list as an .xlsx workbook."""
        qs = self.filter_queryset(self.get_queryset())
        return xlsx_response(
            importing.export_xlsx(qs, ImportKind.LEADS), f"leads-{timezone.localdate()}.xlsx"
        )


# --- Clients ---------------------------------------------------------------------------------------------


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


class ClientFilter(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    tier = django_filters.CharFilter()
    area = django_filters.NumberFilter(field_name="area_id")
    station = django_filters.NumberFilter(field_name="station_id")
    owner = django_filters.NumberFilter(field_name="owner_id")
    source = django_filters.ChoiceFilter(choices=Source.choices)
    company_type = django_filters.ChoiceFilter(choices=CompanyType.choices)
    signal = django_filters.ChoiceFilter(
        choices=[(s.code, s.label) for s in screening.SIGNALS], method="with_signal", label="Screening signal"
    )
    min_priority = django_filters.NumberFilter(field_name="priority_score", lookup_expr="gte")
    screened = django_filters.BooleanFilter(field_name="screened_at", lookup_expr="isnull", exclude=True)
    q = django_filters.CharFilter(method="search", label="Name, address or contact phone contains")
    ordering = django_filters.OrderingFilter(
        fields=(
            ("priority_score", "priority_score"),
            ("expected_revenue", "expected_revenue"),
            ("updated_at", "updated_at"),
            ("name", "name"),
            ("difficulty", "difficulty"),
        )
    )

    class Meta:
        model = Client
        fields = []

    def with_signal(self, queryset, name, value):
        return queryset.filter(screening.SIGNALS_BY_CODE[value].filter)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        from ..services.normalize import normalize_company_name, try_normalize_phone

        q = Q(name__icontains=value) | Q(address__icontains=value)
        folded = normalize_company_name(value)
        if folded:
            q |= Q(normalized_name__contains=folded)
        phone = try_normalize_phone(value)
        if phone:
            q |= Q(
                pk__in=ClientContact.objects.filter(
                    Q(phone_normalized=phone) | Q(phone2_normalized=phone)
                ).values("client_id")
            )
        return queryset.filter(q)


def _area(user, area_id):
    if area_id in (None, ""):
        return None
    area = Area.objects.visible_to(user).filter(pk=area_id).first()
    if area is None:
        raise ValidationError({"area": [_("This area is outside your scope.")]})
    return area


class ClientViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Client records: the companies accepted leads become. Merged records are left out of the list."""

    filterset_class = ClientFilter
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

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

    @extend_schema(request=ClientUpdateInput, responses=ClientSerializer)
    def partial_update(self, request, *args, **kwargs):
        client = self.get_object()
        data = ClientUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        area = _area(request.user, v.pop("area", None))
        client = client_services.client_update(client=client, by=request.user, data=v, area=area)
        return self._out(client)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        # Records change field by field through PATCH (and the services behind it); a PUT is not offered.
        raise MethodNotAllowed(request.method)

    @extend_schema(request=ClientContactsInput, responses=ClientContactSerializer(many=True))
    @action(detail=True, methods=["put"])
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
    @action(detail=True, methods=["get", "post"], url_path="competitor-volumes")
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


# --- Competitors -----------------------------------------------------------------------------------------


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


# --- Screening settings ----------------------------------------------------------------------------------


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


# --- Imports ---------------------------------------------------------------------------------------------


class ImportJobSerializer(serializers.ModelSerializer):
    progress = serializers.IntegerField(read_only=True)
    preview = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "original_name",
            "status",
            "headers",
            "mapping",
            "total_rows",
            "processed_rows",
            "progress",
            "created_count",
            "duplicate_count",
            "error_count",
            "errors",
            "failure",
            "created_at",
            "finished_at",
            "preview",
        ]
        read_only_fields = fields

    def get_preview(self, obj) -> dict | None:
        if obj.status != "uploaded" or not self.context.get("with_preview"):
            return None
        try:
            data = importing.preview(obj)
        except (OSError, ValidationError):
            return None  # the stored file is gone or no longer readable
        return {"rows": data["rows"], "sample_errors": data["sample_errors"]}


class ImportUploadInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    file = serializers.FileField(
        help_text=".xlsx or .csv (UTF-8 or GBK); the first non-empty row is the header."
    )
    mapping = serializers.JSONField(
        required=False, help_text='Column index -> field, e.g. {"0": "company_name", "3": "contact_phone"}.'
    )
    start = serializers.BooleanField(default=False, help_text="Start the import at once with this mapping.")


class ImportStartInput(serializers.Serializer):
    mapping = serializers.JSONField(required=False)


class ImportViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Spreadsheet imports of leads or clients: upload (the mapping is guessed from the headers), check the
    preview, start. Files of more than a few hundred rows run in the background; poll for `progress`."""

    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["kind", "status"]

    def get_queryset(self):
        return ImportJob.objects.visible_to(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "with_preview": self.action in ("create", "retrieve")}

    @extend_schema(request={"multipart/form-data": ImportUploadInput}, responses={201: ImportJobSerializer})
    def create(self, request, *args, **kwargs):
        data = ImportUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        job = importing.import_upload(
            by=request.user, kind=v["kind"], upload=v["file"], mapping=v.get("mapping")
        )
        if v["start"]:
            job = importing.import_start(job=job, by=request.user)
            job.refresh_from_db()
        return Response(
            ImportJobSerializer(job, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ImportStartInput, responses={200: ImportJobSerializer, 202: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Start the import (optionally with a corrected mapping): 200 when done at once, 202 when queued."""
        job = self.get_object()
        data = ImportStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        job = importing.import_start(job=job, by=request.user, mapping=data.validated_data.get("mapping"))
        job.refresh_from_db()
        code = status.HTTP_200_OK if job.finished else status.HTTP_202_ACCEPTED
        return Response(ImportJobSerializer(job, context=self.get_serializer_context()).data, status=code)
