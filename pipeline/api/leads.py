"""REST API of leads (the public contract's endpoints), their review, duplicates and exports.

Views are thin: an input serializer parses, a service in pipeline/services/ writes, an output serializer answers. Lookups go through `visible_to`, so records outside the
caller's scope answer 404; roles that may not act get 403 from the services.
"""

from operator import attrgetter
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import ISO_8601, api_settings

from accounts.models import User
from accounts.roles import HISTORY_IMPORTERS
from config.api import JSONParser
from config.filtering import FilterBackend
from config.schema import PHOTO_TYPES, upload_request
from config.throttling import throttle
from config.web import XLSX, xlsx_response

from ..models import (
    Lead,
    LeadCompetitor,
    LeadContact,
    LeadEvent,
    LeadPhoto,
)
from ..models.clients import CompanyType, ContactRole, Source
from ..models.imports import ImportKind
from ..models.leads import LeadStatus, RejectReason
from ..selectors import leads as lead_selectors
from ..services import importing, matching, validation
from ..services import leads as services

# --- Leads: output ---------------------------------------------------------------------------------------


class FlatRowSerializer(serializers.ModelSerializer):
    """A ModelSerializer that writes flat rows without DRF's per-field machinery: the same JSON, a fraction of
    the time.

    Building two dozen field objects per request and walking them for every row took two thirds of the lead
    list's time in Python (measured at province scale). When every readable field is flat — a model attribute
    read directly, a primary key, or a `get_<name>` method — the fields are read once per class into a plan of
    (name, attribute, conversion); each row is then one attribute read and, where the field has one, the
    field's own `to_representation`. Date-times in the API's ISO format are converted to the current time zone
    looked up once per list rather than twice per row. Rows may be model instances or the dicts of
    `values(*columns())`. Nested lists of flat rows (`many=True` of another FlatRowSerializer, read from the
    instance's prefetched or just-written related rows) and dotted sources of plain fields are planned too. A
    serializer with anything else (fields that need the request) keeps DRF's path.
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
    _MANY = "many"  # conversion marker: a list of nested flat rows

    def _row_plan(self):
        plan = []
        model = self.Meta.model
        for field in self._readable_fields:
            if isinstance(field, serializers.SerializerMethodField):
                plan.append((field.field_name, None, field.method_name))
            elif (
                isinstance(field, serializers.ListSerializer)
                and isinstance(field.child, FlatRowSerializer)
                and field.child.plan() is not None
                and "." not in field.source
            ):
                plan.append((field.field_name, field.source, (self._MANY, type(field.child))))
            elif field.source == "*":
                return None
            elif "." in field.source:
                if not isinstance(field, self.CONTEXT_FREE):
                    return None
                plan.append((field.field_name, field.source, field.to_representation))
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
        if plan is None or any(isinstance(c, tuple) or (a and "." in a) for _n, a, c in plan):
            return None
        return [attribute for _name, attribute, _convert in plan if attribute]

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
            if isinstance(convert, tuple):
                row[name] = self._nested(name, convert[1], getattr(instance, attribute).all())
                continue
            value = getattr(instance, attribute) if "." not in attribute else attrgetter(attribute)(instance)
            if value is None or convert is None:
                row[name] = value
            elif convert is self._LOCAL_ISO:
                text = value.astimezone(zone).isoformat()
                row[name] = text[:-6] + "Z" if text.endswith("+00:00") else text
            else:
                row[name] = convert(value)
        return row

    def _nested(self, name, serializer_class, items) -> list[dict]:
        children = self.__dict__.setdefault("_children", {})
        child = children.get(name)
        if child is None:
            child = children[name] = serializer_class(context=self.context)
        return [child.to_representation(item) for item in items]


class LeadCompetitorSerializer(FlatRowSerializer):
    competitor = serializers.CharField(source="competitor.name")

    class Meta:
        model = LeadCompetitor
        fields = ["competitor", "monthly"]


class LeadContactSerializer(FlatRowSerializer):
    class Meta:
        model = LeadContact
        fields = ["name", "title", "role", "phone", "phone2"]


class LeadPhotoSerializer(FlatRowSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = LeadPhoto
        fields = ["id", "url", "uploaded_at"]

    def get_url(self, obj) -> str:
        # The page that checks the lead's scope, never the storage's own address.
        request = self.context.get("request")
        url = reverse("pipeline:lead_photo", args=[obj.pk])
        return request.build_absolute_uri(url) if request else url


class LeadEventSerializer(FlatRowSerializer):
    by = serializers.SerializerMethodField()

    class Meta:
        model = LeadEvent
        fields = ["action", "by", "at", "reason"]

    def get_by(self, obj) -> str:
        return str(obj.by) if obj.by_id else ""


class LeadListSerializer(FlatRowSerializer):
    """The list row: flat, no nested rows, so a page costs the same few queries however long it is."""

    collected_by_name = serializers.SerializerMethodField()
    missing_fields = serializers.SerializerMethodField()
    sync_delay_seconds = serializers.SerializerMethodField()

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
            "captured_at",
            "sync_delay_seconds",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "captured_at": {
                "help_text": "When the collector's phone captured the lead without signal (it reached the "
                "server at `created_at`); null for a lead sent as it was captured."
            }
        }

    def get_collected_by_name(self, obj) -> str:
        username = getattr(obj, "collected_by__username", None)  # a row of the list (LeadViewSet.read_page)
        if username is not None:
            return obj.collected_by__display_name or username
        return str(obj.collected_by)

    def get_missing_fields(self, obj) -> list[str]:
        return services.missing_for_acceptance(obj)

    def get_sync_delay_seconds(self, obj) -> int | None:
        """Seconds between the capture on the phone and the lead reaching the server (offline captures only)."""
        if obj.captured_at is None:
            return None
        return max(int((obj.created_at - obj.captured_at).total_seconds()), 0)


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
        help_text="Past only. Administrators and station masters: any past moment (history import). Everybody "
        "else: the moment the phone captured the lead offline; within OFFLINE_CAPTURE_WINDOW_HOURS (48) of "
        "its arrival the lead counts on that day, later it counts on the day it arrives; kept as `captured_at`.",
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


class LeadPhotoUpload(serializers.Serializer):
    photos = serializers.ListField(child=serializers.FileField())


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


class BulkReviewInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=["accept", "return"])
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        min_length=1,
        max_length=services.BULK_REVIEW_MAX,
        help_text="Leads to decide; those outside your scope are answered as not found.",
    )
    reason = serializers.CharField(
        max_length=validation.MAX_TEXT, required=False, allow_blank=True, help_text="Required to return."
    )


class BulkAcceptInput(BulkReviewInput):
    action = serializers.ChoiceField(choices=["accept"])


class BulkReturnInput(BulkReviewInput):
    action = serializers.ChoiceField(choices=["return"])
    reason = serializers.CharField(
        max_length=validation.MAX_TEXT, help_text="Why the leads go back to their collectors."
    )


# The schema's request: returning needs a reason (BulkReviewInput checks it on the server, by the action).
BulkReviewRequest = PolymorphicProxySerializer(
    component_name="LeadBulkReviewInput",
    serializers={"accept": BulkAcceptInput, "return": BulkReturnInput},
    resource_type_field_name="action",
)


class BulkReviewResult(serializers.Serializer):
    id = serializers.IntegerField()
    ok = serializers.BooleanField()
    status = serializers.CharField(
        allow_null=True, help_text="The lead's status afterwards; null when not found."
    )
    client = serializers.IntegerField(
        allow_null=True, help_text="The client an accepted lead became or joined."
    )
    errors = serializers.ListField(child=serializers.CharField())


BulkReviewResponse = inline_serializer("LeadBulkReviewResponse", {"results": BulkReviewResult(many=True)})


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


class LeadFilterBackend(FilterBackend):
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

    filterset_class = lead_selectors.LeadFilter
    filter_backends = [LeadFilterBackend]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Integration keys: reading, and submitting with photos; the review is people's work (integrations/).
    key_scopes = {"read": "leads:read", "create": "leads:write", "photos": "leads:write"}

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

    def _out(self, lead, code=status.HTTP_200_OK, *, written=False, **headers):
        """The lead as the API shows it: read again with its rows, unless `written` (just created: the service
        hands it back carrying what it wrote)."""
        if self.action != "list" and not written:
            lead = self.get_queryset().get(pk=lead.pk)
        return Response(
            LeadSerializer(lead, context=self.get_serializer_context()).data, status=code, headers=headers
        )

    @extend_schema(
        request=upload_request(LeadInput, {"photos": PHOTO_TYPES}),
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
        if v.get("collected_by") is not None and request.user.role in HISTORY_IMPORTERS:
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
        return self._out(lead, status.HTTP_201_CREATED, written=created, **headers)

    @extend_schema(request=upload_request(LeadUpdateInput, {"photos": PHOTO_TYPES}), responses=LeadSerializer)
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

    @extend_schema(request=BulkReviewRequest, responses=BulkReviewResponse)
    @action(
        detail=False, methods=["post"], url_path="bulk-review", filterset_class=None, pagination_class=None
    )
    def bulk_review(self, request):
        """Accept or return several leads at once, each through the same rules as one by one; a result per lead
        (one refused, the others still done)."""
        data = BulkReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        ids = list(dict.fromkeys(data.validated_data["ids"]))
        found = {lead.pk: lead for lead in Lead.objects.visible_to(request.user).filter(pk__in=ids)}
        done = (
            {
                r.lead.pk: r
                for r in services.leads_review_bulk(
                    leads=[found[i] for i in ids if i in found],
                    by=request.user,
                    action=data.validated_data["action"],
                    reason=data.validated_data.get("reason", ""),
                )
            }
            if found
            else {}
        )
        results = []
        for i in ids:
            r = done.get(i)
            if r is None:
                results.append(
                    {"id": i, "ok": False, "status": None, "client": None, "errors": [_("Not found.")]}
                )
            else:
                r.lead.refresh_from_db(fields=["status", "client"])
                results.append(
                    {
                        "id": i,
                        "ok": r.ok,
                        "status": r.lead.status,
                        "client": r.lead.client_id,
                        "errors": r.errors,
                    }
                )
        return Response({"results": results})

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

    @extend_schema(request=upload_request(LeadUpdateInput, {"photos": PHOTO_TYPES}), responses=LeadSerializer)
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
        request=upload_request(LeadPhotoUpload, {"photos": PHOTO_TYPES}, json=False),
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
    @action(
        detail=False,
        methods=["get"],
        filterset_class=None,
        pagination_class=None,
        # Counted together with the capture page's look-up: each answer says which clients a number belongs to.
        throttle_classes=[throttle("duplicates")],
    )
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
        # The client a lead would join, by id only within the caller's scope (the matches say where else).
        visible = duplicate is not None and matching.known_client(request.user, duplicate)["visible"]
        return Response(
            {"duplicate_of": duplicate.pk if visible else None, "matches": [m.as_dict() for m in matches]}
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
