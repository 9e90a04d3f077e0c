"""REST API of the volume feed: `POST /api/v1/volumes/` (shared/API.md) and the scoped list of stored months."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from accounts.roles import VOLUME_READERS, VOLUME_WRITERS
from config.schema import MONTH

from . import services
from .models import MonthlyVolume


class VolumePermission(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        return user.role in (VOLUME_READERS if request.method in SAFE_METHODS else VOLUME_WRITERS)


class MonthField(serializers.DateField):
    """A month as "YYYY-MM"."""

    def to_representation(self, value):
        return value.strftime("%Y-%m")


class MonthlyVolumeSerializer(serializers.ModelSerializer):
    month = MonthField(read_only=True)
    client_code = serializers.CharField(source="client.waybill_code", read_only=True)

    class Meta:
        model = MonthlyVolume
        fields = [
            "id",
            "client",
            "client_code",
            "month",
            "source",
            "parcels",
            "revenue",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class VolumeRowInput(serializers.Serializer):
    client = serializers.IntegerField(required=False, help_text="The client's id; or give `client_code`.")
    client_code = serializers.CharField(
        required=False, max_length=60, help_text="The client's code in the waybill system (`waybill_code`)."
    )
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="YYYY-MM, not after the current month.")
    parcels = serializers.IntegerField(min_value=0)
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, help_text="Yuan.")
    source = serializers.CharField(
        required=False, max_length=40, help_text="Default `waybill`; one row per (client, month, source)."
    )


class VolumeFeedInput(serializers.Serializer):
    rows = VolumeRowInput(many=True, help_text=f"At most {services.MAX_ROWS:,} rows.")


FEED_RESULT = inline_serializer(
    "VolumeFeedResult",
    {
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "errors": inline_serializer(
            "VolumeRowError",
            {
                "row": serializers.IntegerField(help_text="The row's position in `rows`, from 0."),
                "detail": serializers.CharField(),
            },
            many=True,
        ),
    },
)


class VolumeQuery(serializers.Serializer):
    client = serializers.IntegerField(required=False, min_value=1)
    month = serializers.CharField(required=False)
    source = serializers.CharField(required=False, max_length=40)

    def validate_month(self, value):
        from django.core.exceptions import ValidationError

        try:
            return services.month_parse(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


@extend_schema_view(
    list=extend_schema(
        description="Stored monthly volumes of the clients you see, newest month first.",
        parameters=[
            OpenApiParameter("client", {"type": "integer", "minimum": 1}),
            OpenApiParameter("month", MONTH, description="YYYY-MM"),
            OpenApiParameter("source", OpenApiTypes.STR),
        ],
    ),
    create=extend_schema(
        description=(
            f"Store up to {services.MAX_ROWS:,} monthly rows; the same (client, month, source) sent again replaces "
            "the stored row. Valid rows are saved even when others are refused; each refused row is listed in "
            "`errors`. Tiers and commitment warnings follow shortly after."
        ),
        request=VolumeFeedInput,
        responses={200: FEED_RESULT},
    ),
)
class VolumeViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = MonthlyVolumeSerializer
    permission_classes = [VolumePermission]
    # Integration keys: which scope each kind of request needs.
    key_scopes = {"write": "volumes:write", "read": "volumes:read"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MonthlyVolume.objects.none()
        volumes = MonthlyVolume.objects.visible_to(self.request.user).select_related("client")
        query = VolumeQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        if "client" in filters:
            volumes = volumes.filter(client_id=filters["client"])
        if "month" in filters:
            volumes = volumes.filter(month=filters["month"])
        if "source" in filters:
            volumes = volumes.filter(source=filters["source"])
        return volumes.only("client__waybill_code", *[f.attname for f in MonthlyVolume._meta.concrete_fields])

    def create(self, request, *args, **kwargs):
        rows = request.data.get("rows") if isinstance(request.data, dict) else None
        if rows is None:
            raise serializers.ValidationError({"rows": [_("This field is required.")]})
        result = services.volumes_push(by=request.user, rows=rows)
        return Response({"created": result.created, "updated": result.updated, "errors": result.errors})
