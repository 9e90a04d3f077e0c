"""REST API of integration keys and webhooks (shared/API.md, "Integration keys and webhooks")."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from accounts.models import Station
from accounts.roles import INTEGRATION_MANAGERS
from outbox.events import EVENT_TYPES

from . import services
from .models import Delivery, IntegrationKey, Scope, Webhook


class ManagesKeys(BasePermission):
    """Headquarters' people; never a key (no view of keys names a scope, so a key is refused before this)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user and user.is_authenticated and user.role in INTEGRATION_MANAGERS and not user.is_integration
        )


class ManagesWebhooks(BasePermission):
    """Headquarters' people, and keys with `webhooks:manage` (the scope is checked at the key's authentication)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user and user.is_authenticated and (user.is_integration or user.role in INTEGRATION_MANAGERS)
        )


class IntegrationKeySerializer(serializers.ModelSerializer):
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=Scope.choices), allow_empty=False, min_length=1
    )
    station = serializers.PrimaryKeyRelatedField(
        queryset=Station.objects.all(), allow_null=True, required=False, help_text="Null: the whole network."
    )
    revoked = serializers.BooleanField(read_only=True)

    class Meta:
        model = IntegrationKey
        fields = [
            "id",
            "name",
            "scopes",
            "station",
            "expires_at",
            "prefix",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked",
            "revoked_at",
            "updated_at",
        ]
        read_only_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at", "updated_at"]
        extra_kwargs = {"expires_at": {"required": False}}


class IntegrationKeyCreatedSerializer(IntegrationKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The secret: shown in this answer only.")

    class Meta(IntegrationKeySerializer.Meta):
        fields = [*IntegrationKeySerializer.Meta.fields, "key"]


@extend_schema_view(
    list=extend_schema(description="The integration keys (secrets are never shown again)."),
    create=extend_schema(
        description="A new key; its secret is in `key`, in this answer only. Without a station the key acts "
        "as headquarters, with one as that station's master; it may do only what its scopes allow.",
        request=IntegrationKeySerializer,
        responses={201: IntegrationKeyCreatedSerializer},
    ),
)
class IntegrationKeyViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = IntegrationKeySerializer
    permission_classes = [ManagesKeys]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return IntegrationKey.objects.none()
        return IntegrationKey.objects.visible_to(self.request.user).select_related("station")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, raw = services.key_create(by=request.user, **serializer.validated_data)
        key.key = raw
        return Response(IntegrationKeyCreatedSerializer(key).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None, responses=IntegrationKeySerializer, description="Revoke: refused from now on."
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        key = services.key_revoke(by=request.user, key=self.get_object())
        return Response(IntegrationKeySerializer(key).data)


class WebhookSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=[(e, e) for e in EVENT_TYPES]), allow_empty=False, min_length=1
    )
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        min_length=services.SECRET_MIN,
        max_length=200,
        help_text="Signs the deliveries. Leave out to have one made (shown once, in the create answer).",
    )

    class Meta:
        model = Webhook
        fields = [
            "id",
            "url",
            "events",
            "secret",
            "active",
            "owner",
            "failing_since",
            "disabled_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["owner", "failing_since", "disabled_at", "created_at", "updated_at"]
        extra_kwargs = {"active": {"required": False}}


class WebhookCreatedSerializer(WebhookSerializer):
    signing_secret = serializers.CharField(
        read_only=True, help_text="The signing secret: in this answer only."
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "signing_secret"]


class DeliverySerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="event.type", read_only=True, help_text="The event's type.")
    event_id = serializers.UUIDField(read_only=True, help_text="The event's id, sent as `X-Lantou-Delivery`.")

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event",
            "event_id",
            "status_code",
            "attempts",
            "delivered_at",
            "next_attempt_at",
            "last_attempt_at",
            "duration_ms",
            "last_error",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(description="Webhook subscriptions you manage."),
    create=extend_schema(
        description="Subscribe an http(s) address to events of your scope; signed with `secret` (or one made "
        "for you, in `signing_secret`, once).",
        responses={201: WebhookCreatedSerializer},
    ),
)
class WebhookViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = WebhookSerializer
    permission_classes = [ManagesWebhooks]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    key_scopes = {"read": Scope.WEBHOOKS_MANAGE, "write": Scope.WEBHOOKS_MANAGE}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Webhook.objects.none()
        return Webhook.objects.visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        webhook, secret = services.webhook_create(
            by=request.user, url=data["url"], events=data["events"], secret=data.get("secret", "")
        )
        webhook.signing_secret = secret
        return Response(WebhookCreatedSerializer(webhook).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        webhook = self.get_object()
        serializer = self.get_serializer(webhook, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        webhook = services.webhook_update(
            by=request.user,
            webhook=webhook,
            url=data.get("url", webhook.url),
            events=data.get("events", webhook.events),
            active=data.get("active", webhook.active),
            secret=data.get("secret", ""),
        )
        return Response(WebhookSerializer(webhook).data)

    def perform_destroy(self, instance):
        services.webhook_delete(by=self.request.user, webhook=instance)

    @extend_schema(
        request=None,
        responses={202: DeliverySerializer},
        description="Send a `ping` event to this subscription now; its delivery is in the log.",
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        delivery = services.webhook_ping(by=request.user, webhook=self.get_object())
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=DeliverySerializer(many=True), description="The delivery log, newest first.")
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        webhook = self.get_object()
        rows = Delivery.objects.filter(webhook=webhook).select_related("event").order_by("-created_at", "-pk")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses={202: DeliverySerializer},
        description="Send this delivery again now, with the same event id.",
        parameters=[OpenApiParameter("delivery", OpenApiTypes.INT, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery>\d+)/redeliver")
    def redeliver(self, request, pk=None, delivery=None):
        webhook = self.get_object()
        row = get_object_or_404(Delivery.objects.select_related("webhook"), webhook=webhook, pk=delivery)
        row = services.delivery_redeliver(by=request.user, delivery=row)
        return Response(DeliverySerializer(row).data, status=status.HTTP_202_ACCEPTED)
