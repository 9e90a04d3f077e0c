"""REST API of spreadsheet imports of leads and clients: upload, preview, start, follow."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from config.api import JSONParser
from config.schema import SPREADSHEET_TYPES, upload_request

from ..models import ImportJob
from ..models.imports import ImportKind
from ..services import importing


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


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "nullable": True,
        "description": 'Column index -> field, e.g. {"0": "company_name", "3": "contact_phone"}; null or left out: '
        "guessed from the headers.",
    }
)
class MappingField(serializers.JSONField):
    """A column mapping: a JSON object (in a form, its JSON text), or null."""

    default_error_messages = {"not_an_object": _("Give the mapping as an object: column index -> field.")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value is not None and not isinstance(value, dict):
            self.fail("not_an_object")
        return value


class ImportUploadInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    file = serializers.FileField(
        help_text=".xlsx or .csv (UTF-8 or GBK); the first non-empty row is the header."
    )
    mapping = MappingField(required=False, allow_null=True)
    start = serializers.BooleanField(default=False, help_text="Start the import at once with this mapping.")


class ImportStartInput(serializers.Serializer):
    mapping = MappingField(required=False, allow_null=True)


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

    @extend_schema(
        request=upload_request(ImportUploadInput, {"file": SPREADSHEET_TYPES}, json=False),
        responses={201: ImportJobSerializer},
    )
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
