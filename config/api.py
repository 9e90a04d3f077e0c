"""Conventions shared by every API endpoint: pagination and the error format of the public contract."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"


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
    if isinstance(exc, DjangoValidationError):
        exc = _django_validation_error_to_drf(exc)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
