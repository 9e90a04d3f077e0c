"""GET /api/v1/audit/: the audit trail, scoped like the objects (couriers 403)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors


class AuditQuery(serializers.Serializer):
    object_type = serializers.ChoiceField(
        choices=selectors.OBJECT_TYPES,
        required=False,
        help_text="What kind of object (client, lead, user, …).",
    )
    object_id = serializers.CharField(required=False, max_length=64, help_text="The object's id.")
    actor = serializers.IntegerField(required=False, min_value=1, help_text="Who acted (a user id).")
    since = serializers.DateTimeField(required=False, help_text="Rows at or after this instant.")
    updated_since = serializers.DateTimeField(
        required=False, help_text="The same as `since` (the name every other list takes): rows never change."
    )
    action = serializers.CharField(
        required=False,
        max_length=40,
        help_text="Only rows of this action (`delete`: what was deleted, for pulling changes).",
    )
    client = serializers.IntegerField(
        required=False, min_value=1, help_text="Every row about this client and its records."
    )
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200, default=25)

    def validate(self, attrs):
        if "object_id" in attrs and "object_type" not in attrs:
            raise serializers.ValidationError({"object_type": _("Say which kind of object the id names.")})
        if attrs.get("object_type") not in (None, "api_token") and "object_id" in attrs:
            if not attrs["object_id"].isdigit():
                raise serializers.ValidationError({"object_id": _("A whole number is required.")})
        return attrs


class AuditEntrySerializer(serializers.Serializer):
    id = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.IntegerField(allow_null=True, help_text="The person who acted; null for a job.")
    actor_name = serializers.CharField()
    actor_kind = serializers.ChoiceField(choices=["person", "job", "command", "database"])
    job = serializers.CharField(allow_null=True)
    action = serializers.CharField(
        help_text="create, update, delete, login, login_failed, token_issued, token_revoked, password_changed"
    )
    object_type = serializers.CharField()
    object_id = serializers.CharField(allow_null=True)
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=2),
        help_text="{field: [old, new]}",
    )
    request_id = serializers.CharField(allow_null=True)


class AuditView(APIView):
    """Every write by every door: who (a person, a job, a command), when, which object, which fields changed from
    what to what, and the request id. Newest first; scoped like the objects themselves."""

    @extend_schema(
        parameters=[AuditQuery],
        responses={
            200: inline_serializer(
                "PaginatedAuditEntryList",
                {
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": AuditEntrySerializer(many=True),
                },
            )
        },
    )
    def get(self, request):
        if not selectors.can_read(request.user):
            raise exceptions.PermissionDenied()
        query = AuditQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        page, size = params["page"], params["page_size"]
        entries, more = selectors.trail(
            user=request.user,
            object_type=params.get("object_type"),
            object_id=params.get("object_id"),
            actor=params.get("actor"),
            since=params.get("since") or params.get("updated_since"),
            client_id=params.get("client"),
            action=params.get("action"),
            offset=(page - 1) * size,
            limit=size,
        )

        def link(number):
            return request.build_absolute_uri(
                request.path + "?" + _with_page(request.query_params, number).urlencode()
            )

        return Response(
            {
                "next": link(page + 1) if more else None,
                "previous": link(page - 1) if page > 1 else None,
                "results": AuditEntrySerializer(entries, many=True).data,
            }
        )


def _with_page(params, number):
    copy = params.copy()
    copy["page"] = str(number)
    return copy
