"""POST /api/v1/leads/read-card/: a business-card photo in, suggestions for the lead form out.

Nothing is stored: the photo is read and forgotten, and the answer holds only what the photo shows, so there is no
scope to check beyond the role. Reading costs about a second of both cores, hence a per-person rate limit.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from accounts.permissions import RolePermission
from accounts.roles import LEAD_COLLECTORS
from config.schema import PHOTO_TYPES, upload_request

from ..services.card_reader import CardImageTooLarge, card_read

# A multipart body carries the file and a few hundred bytes of headers around it.
MULTIPART_OVERHEAD = 64 * 1024


class PhotoTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class CardReadThrottle(UserRateThrottle):
    scope = "card_read"
    rate = "20/min"  # a courier reads one card per lead; twenty a minute is already a stack of them


class CardPhotoInput(serializers.Serializer):
    # A FileField, not an ImageField: DRF's image check would decode the photo without the reader's bounds.
    photo = serializers.FileField(help_text="The card photo: JPEG, PNG or WebP, at most UPLOAD_MAX_MB.")


class SuggestionSerializer(serializers.Serializer):
    value = serializers.CharField()
    source = serializers.CharField(help_text="The line (or lines) of the card the value was read from.")
    confidence = serializers.FloatField(min_value=0, max_value=1)


class PhoneSuggestionSerializer(SuggestionSerializer):
    value = serializers.CharField(help_text="E.164, e.g. +8613800138000.")
    kind = serializers.ChoiceField(choices=["mobile", "landline", "fax"])
    display = serializers.CharField(help_text="As people write it, e.g. 138 0013 8000.")


class LineSerializer(serializers.Serializer):
    text = serializers.CharField()
    confidence = serializers.FloatField(min_value=0, max_value=1)


class CardReadingSerializer(serializers.Serializer):
    company_name = SuggestionSerializer(allow_null=True)
    contact_name = SuggestionSerializer(allow_null=True)
    contact_title = SuggestionSerializer(allow_null=True)
    phones = PhoneSuggestionSerializer(
        many=True, help_text="Mobiles first, then landlines, then fax numbers."
    )
    email = SuggestionSerializer(allow_null=True)
    address = SuggestionSerializer(allow_null=True)
    lines = LineSerializer(many=True, help_text="Every line read, top to bottom.")
    complete = serializers.BooleanField(
        help_text="False when the reader ran out of time before the last line."
    )


_Refusal = inline_serializer(
    "CardPhotoRefused", {"photo": serializers.ListField(child=serializers.CharField())}
)
_TooLarge = inline_serializer("CardPhotoTooLarge", {"detail": serializers.CharField()})


class ReadCardView(APIView):
    """Read a business-card photo and suggest the lead form's fields: company name, contact name and title, phone
    numbers, e-mail and address, each with the line it came from and a confidence (0-1). Nothing is saved."""

    permission_classes = [RolePermission]
    write_roles = LEAD_COLLECTORS
    parser_classes = [MultiPartParser]
    throttle_classes = [CardReadThrottle]

    @extend_schema(
        operation_id="leads_read_card",
        request=upload_request(CardPhotoInput, {"photo": PHOTO_TYPES}, json=False),
        responses={
            200: CardReadingSerializer,
            400: OpenApiResponse(_Refusal, description="Not an image the reader can read, or no photo."),
            413: OpenApiResponse(_TooLarge, description="More bytes or pixels than the reader takes."),
            429: OpenApiResponse(description="Too many readings in a minute."),
        },
    )
    def post(self, request):
        self._refuse_a_body_too_large(request)
        data = CardPhotoInput(data=request.data)
        data.is_valid(raise_exception=True)
        photo = data.validated_data["photo"]
        if photo.size > settings.UPLOAD_MAX_BYTES:
            raise PhotoTooLarge(self._too_large_message(photo.size))
        try:
            reading = card_read(image=photo.read())
        except CardImageTooLarge as exc:
            raise PhotoTooLarge(" ".join(exc.messages))
        return Response(CardReadingSerializer(reading).data)

    def _refuse_a_body_too_large(self, request):
        """413 before the body is read, when its announced length is already too much."""
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD:
            raise PhotoTooLarge(self._too_large_message(length))

    @staticmethod
    def _too_large_message(size: int) -> str:
        return _("The photo is %(size)s MB; at most %(max)s MB.") % {
            "size": f"{size / 1024 / 1024:.1f}",
            "max": f"{settings.UPLOAD_MAX_BYTES / 1024 / 1024:g}",
        }
