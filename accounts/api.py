import zoneinfo

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_logged_in
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import picker_view
from config.throttling import throttle

from . import login_limits, services
from .models import ApiToken, Area, Notification, Station, User
from .permissions import RolePermission
from .roles import ORG_MANAGERS, Role

# The zones a station's clock may keep (Station.clean checks the same).
TIME_ZONES = sorted(zoneinfo.available_timezones())


@extend_schema_field({"type": "string", "enum": TIME_ZONES}, component_name="TimeZone")
class TimeZoneField(serializers.ChoiceField):
    """An IANA time zone (the schema lists the values once, without a description repeating each)."""


class StationSerializer(serializers.ModelSerializer):
    timezone = TimeZoneField(
        choices=TIME_ZONES,
        required=False,
        help_text="An IANA time zone; the default is the server's (TIME_ZONE).",
    )

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
    default_code = "locked"

    def __init__(self):
        super().__init__(login_limits.locked_out_message())
        self.wait = login_limits.cool_off_minutes() * 60  # the exception handler sends it as Retry-After


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
    """Exchange a username and password for an API token (`Authorization: Token <key>`).

    The token expires (`expiry`; API_TOKEN_TTL_HOURS), ends when the password changes or the account is
    deactivated, and can be revoked with `POST /api/v1/auth/token/revoke/`. Failed attempts count towards the
    failed-login limits of the log-in page; requests per address are throttled.
    """

    authentication_classes = []
    permission_classes = []
    throttle_classes = [throttle("token")]

    @extend_schema(
        request=TokenInput,
        responses={
            200: inline_serializer(
                "TokenResponse", {"token": serializers.CharField(), "expiry": serializers.DateTimeField()}
            )
        },
    )
    def post(self, request):
        serializer = TokenInput(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, key = services.token_issue(user=user)
        # A token is a login: recorded in the login history (axes' AccessLog) and as the user's last login.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response({"token": key, "expiry": token.expiry})


class TokenRevokeInput(serializers.Serializer):
    all = serializers.BooleanField(
        default=False,
        help_text="Revoke every token of this account, not only the one sent with this request.",
    )


class TokenRevokeView(APIView):
    """Revoke the API token this request is authenticated with, or with `{"all": true}` every token of the
    account (a session may revoke all of them)."""

    @extend_schema(request=TokenRevokeInput, responses={204: None})
    def post(self, request):
        serializer = TokenRevokeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data["all"]:
            services.token_revoke(user=request.user)
        elif isinstance(request.auth, ApiToken):
            services.token_revoke(user=request.user, token=request.auth)
        else:
            raise exceptions.ValidationError(
                {"detail": _("Send the token to revoke in the Authorization header, or all=true.")}
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Pickers: the first matches for a search-as-you-type field -------------------------------------------------


def person_label(user: User) -> str:
    place = user.area or user.station
    return " · ".join(str(part) for part in (user, user.get_role_display(), place) if part)


pick_people = picker_view(
    get_queryset=lambda user: (
        User.objects.visible_to(user).filter(is_active=True).select_related("area", "station")
    ),
    search=lambda qs, text: qs.filter(
        Q(display_name__icontains=text) | Q(username__icontains=text) | Q(phone__contains=text)
    ),
    label=person_label,
    order=("display_name", "username", "pk"),
    description="People in your scope whose name or user name contains `q`; `role` narrows them.",
    filters={"role": Role, "area": int, "station": int},
)
pick_areas = picker_view(
    get_queryset=lambda user: Area.objects.visible_to(user).select_related("station"),
    search=lambda qs, text: qs.filter(Q(name__icontains=text) | Q(station__name__icontains=text)),
    label=lambda area: area.long_name,
    order=("station__code", "name", "pk"),
    description="Areas in your scope whose name or station's name contains `q`.",
    filters={"station": int},
)
pick_stations = picker_view(
    get_queryset=lambda user: Station.objects.visible_to(user),
    search=lambda qs, text: qs.filter(Q(name__icontains=text) | Q(code__icontains=text)),
    label=str,
    order=("code", "pk"),
    description="Stations in your scope whose name or code contains `q`.",
)
