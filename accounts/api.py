from axes.handlers.proxy import AxesProxyHandler
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import Area, Notification, Station, User
from .permissions import ORG_MANAGERS, RolePermission


class StationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Station
        fields = ["id", "name", "code", "timezone", "branch", "created_at"]
        read_only_fields = ["created_at"]


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "name", "station", "created_at"]
        read_only_fields = ["created_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            fields["station"].queryset = Station.objects.visible_to(request.user)
        return fields


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "password",
            "display_name",
            "role",
            "station",
            "area",
            "phone",
            "email",
            "date_joined",
            "is_active",
        ]
        extra_kwargs = {"date_joined": {"required": False}}

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            fields["station"].queryset = Station.objects.visible_to(request.user)
            fields["area"].queryset = Area.objects.visible_to(request.user)
        return fields

    def validate(self, attrs):
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": [_("This field is required.")]})
        return attrs


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "link", "created_at", "read_at"]


class StationViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = StationSerializer
    permission_classes = [RolePermission]
    write_roles = frozenset({"admin"})
    filterset_fields = ["code", "branch"]

    def get_queryset(self):
        return Station.objects.visible_to(self.request.user).order_by("code")

    def perform_create(self, serializer):
        serializer.instance = services.station_create(by=self.request.user, **serializer.validated_data)


class AreaViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = AreaSerializer
    permission_classes = [RolePermission]
    write_roles = ORG_MANAGERS
    filterset_fields = ["station"]

    def get_queryset(self):
        return Area.objects.visible_to(self.request.user).order_by("station_id", "name")

    def perform_create(self, serializer):
        serializer.instance = services.area_create(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.area_update(
            by=self.request.user,
            area=serializer.instance,
            name=serializer.validated_data.get("name", serializer.instance.name),
        )


class UserViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = UserSerializer
    permission_classes = [RolePermission]
    write_roles = ORG_MANAGERS
    filterset_fields = ["role", "station", "area", "is_active"]

    def get_queryset(self):
        return User.objects.visible_to(self.request.user).order_by("username")

    def perform_create(self, serializer):
        serializer.instance = services.user_create(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.user_update(
            by=self.request.user, user=serializer.instance, **serializer.validated_data
        )

    @extend_schema(responses=UserSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request):
        return Response(UserSerializer(request.user, context={"request": request}).data)


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Notification.objects.none()  # for the schema; requests use get_queryset
    serializer_class = NotificationSerializer
    filterset_fields = ["kind"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        from django.utils import timezone

        Notification.objects.filter(pk=self.get_object().pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        return Response(NotificationSerializer(self.get_object()).data)


class AccountLocked(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _("Too many failed logins for this account. Try again in an hour.")
    default_code = "locked"


class TokenInput(AuthTokenSerializer):
    # A username no account can have is refused here: the failed-login record keeps at most this many characters.
    username = serializers.CharField(
        label=_("Username"), max_length=User._meta.get_field("username").max_length, write_only=True
    )

    def validate(self, attrs):
        # Runs after the fields are valid, so the lock is looked up only with a well-formed username.
        request = self.context["request"]
        if AxesProxyHandler.is_locked(request._request, credentials={"username": attrs["username"]}):
            raise AccountLocked()
        return super().validate(attrs)


class TokenView(APIView):
    """Exchange a username and password for the API token (`Authorization: Token <key>`)."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(
        request=TokenInput,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request):
        serializer = TokenInput(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
