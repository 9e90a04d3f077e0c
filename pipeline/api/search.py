"""The global search of the API: leads, clients and contacts by name or phone in the caller's scope, grouped."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Client, ClientContact, Lead
from ..selectors.search import GLOBAL_LIMIT, MAX_TEXT, global_search


class FoundLeadSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lead
        fields = ["id", "company_name", "contact_name", "contact_phone", "status", "collected_on"]


class FoundClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "name", "stage", "area"]


class FoundContactSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name")

    class Meta:
        model = ClientContact
        fields = ["id", "name", "phone", "phone2", "client", "client_name"]


class MoreSerializer(serializers.Serializer):
    leads = serializers.BooleanField()
    clients = serializers.BooleanField()
    contacts = serializers.BooleanField()


class SearchResultsSerializer(serializers.Serializer):
    leads = FoundLeadSerializer(many=True)
    clients = FoundClientSerializer(many=True)
    contacts = FoundContactSerializer(many=True)
    more = MoreSerializer(
        help_text="Whether more than these match, per kind: narrow the search or use the lists."
    )


class SearchView(APIView):
    @extend_schema(
        description=f"The first {GLOBAL_LIMIT} leads, clients and contacts in your scope whose name contains `q`, "
        "or whose phone contains the digits of `q` (a whole number matches exactly).",
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, description=f"At most {MAX_TEXT} characters")],
        responses=SearchResultsSerializer,
    )
    def get(self, request):
        return Response(
            SearchResultsSerializer(global_search(request.user, request.query_params.get("q"))).data
        )
