"""The API's filter backend: django-filter's, with an id in the query that names no record answering 404.

The contract answers 404 for an object outside the caller's scope wherever its id is given: in the path, the body
or the query. django-filter's model choice filters look ids up in a queryset scoped to the caller and call an
unknown one an invalid choice (400); that is the same missing object as in the path, so it is 404 here. A
malformed id, or any other bad filter alongside, stays 400.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import IsoDateTimeFilter, ModelChoiceFilter, ModelMultipleChoiceFilter
from django_filters import utils as filter_utils
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import NotFound

BAD_INSTANT = _("Give a date and time in ISO 8601, e.g. 2026-03-01T08:00:00+08:00.")


def instant_utc(value: datetime.datetime) -> datetime.datetime:
    """An aware moment in UTC: an offset PostgreSQL cannot take (beyond ±15:59) or a moment before the year 1 is a
    ValidationError, not a database error."""
    try:
        return value.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise ValidationError(BAD_INSTANT, code="invalid") from None


class InstantField(IsoDateTimeField):
    def to_python(self, value):
        value = super().to_python(value)
        return None if value is None else instant_utc(value)


class InstantFilter(IsoDateTimeFilter):
    """A moment in the query (ISO 8601, with or without an offset), compared in UTC."""

    field_class = InstantField


class FilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            if names_no_record(filterset):
                raise NotFound()
            raise filter_utils.translate_validation(filterset.errors)
        return filterset.qs


def names_no_record(filterset) -> bool:
    """Whether every error of the filter form is a well-formed id that names no record in the caller's scope."""
    errors = filterset.form.errors.as_data()
    for name, field_errors in errors.items():
        if not isinstance(filterset.filters.get(name), (ModelChoiceFilter, ModelMultipleChoiceFilter)):
            return False
        values = filterset.form.data.getlist(name) if hasattr(filterset.form.data, "getlist") else []
        if not values or not all(v.isascii() and v.isdigit() for v in values):
            return False
        if any(error.code != "invalid_choice" for error in field_errors):
            return False
    return bool(errors)
