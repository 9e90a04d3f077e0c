"""Conventions shared by every API endpoint: pagination, JSON bodies and the error format of the public contract.

DRF's settings name classes in this module, and `rest_framework.views` reads those settings while its `APIView`
class body runs. So this module must never import `rest_framework.views` (or anything importing it) at module
level: whichever of the two were imported first, the other would find it half-loaded. A test guards it.
"""

import codecs
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings
from rest_framework.utils import json


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        # 1e400 is valid JSON syntax, but no float holds it: it would reach the fields as infinity.
        raise ValueError(f"Out of range float value: {text}")
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing numbers beyond a float's range as it refuses NaN and Infinity, and saying so in
    the request's language."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return json.load(codecs.getreader(encoding)(stream), parse_float=_finite_float)
        except ValueError as exc:
            raise exceptions.ParseError(
                _("The request body is not valid JSON (%(error)s).") % {"error": exc}
            ) from None


def _is_no_data(detail) -> bool:
    """DRF's untranslated answer to a body of `null`: {"non_field_errors": ["No data provided"]}."""
    if not isinstance(detail, dict) or list(detail) != [api_settings.NON_FIELD_ERRORS_KEY]:
        return False
    errors = detail[api_settings.NON_FIELD_ERRORS_KEY]
    return len(errors) == 1 and getattr(errors[0], "code", None) == "null"


def _django_validation_error_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if not hasattr(exc, "error_dict"):
        return exceptions.ValidationError({"detail": " ".join(str(m) for m in exc.messages)})
    errors = dict(exc.message_dict)
    general = errors.pop("__all__", None)
    if general:
        errors["detail"] = " ".join(general)
    return exceptions.ValidationError(errors)


def exception_handler(exc, context):
    """Services raise Django's ValidationError with translated messages; the API answers 400 with them."""
    from rest_framework.views import exception_handler as drf_exception_handler  # see the module's docstring

    if isinstance(exc, DjangoValidationError):
        exc = _django_validation_error_to_drf(exc)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, exceptions.ValidationError) and _is_no_data(exc.detail):
        exc = exceptions.ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: [_("The request body is empty; send a JSON object.")]}
        )
    return drf_exception_handler(exc, context)
