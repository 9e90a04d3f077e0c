"""/healthz and /readyz: no authentication, no throttling, JSON only (see checks.py for what they say)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from . import checks


class _Probe(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    renderer_classes = [JSONRenderer]


_STATE = serializers.ChoiceField(choices=["ok", "down"])
_JOB_STATE = serializers.ChoiceField(choices=["ok", "late", "unknown"])
_READINESS = inline_serializer(
    "Readiness",
    {
        "status": serializers.ChoiceField(choices=["ok", "degraded", "down"]),
        "checks": inline_serializer(
            "ReadinessChecks",
            {
                "database": inline_serializer("DatabaseCheck", {"status": _STATE}),
                "cache": inline_serializer("CacheCheck", {"status": _STATE}),
                "broker": inline_serializer(
                    "BrokerCheck",
                    {"status": _STATE, "oldest_waiting_seconds": serializers.IntegerField(allow_null=True)},
                ),
                "beat": inline_serializer(
                    "BeatCheck",
                    {
                        "status": _JOB_STATE,
                        "last_tick": serializers.DateTimeField(allow_null=True),
                        "age_seconds": serializers.IntegerField(allow_null=True),
                    },
                ),
                "quota_evaluation": inline_serializer(
                    "QuotaEvaluationCheck",
                    {
                        "status": _JOB_STATE,
                        "last_run": serializers.DateTimeField(allow_null=True),
                        "age_seconds": serializers.IntegerField(allow_null=True),
                    },
                ),
            },
        ),
    },
)


class Healthz(_Probe):
    @extend_schema(
        tags=["health"],
        summary="The process answers (liveness); touches no database.",
        responses={200: inline_serializer("Liveness", {"status": serializers.ChoiceField(choices=["ok"])})},
    )
    def get(self, request):
        return Response({"status": "ok"})


class Readyz(_Probe):
    @extend_schema(
        tags=["health"],
        summary="Database, cache, broker and scheduled jobs (readiness); 503 when the database is down or beat late.",
        responses={200: _READINESS, 503: _READINESS},
    )
    def get(self, request):
        code, body = checks.readiness(now=timezone.now())
        return Response(body, status=code)


healthz = Healthz.as_view()
readyz = Readyz.as_view()
