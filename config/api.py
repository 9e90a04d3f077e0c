"""Conventions shared by every API endpoint: pagination, JSON bodies and the error format of the public contract.

DRF's settings name classes in this module, and `rest_framework.views` reads those settings while its `APIView`
class body runs. So this module must never import `rest_framework.views` (or anything importing it) at module
level: whichever of the two were imported first, the other would find it half-loaded. A test guards it.
"""

import codecs
import functools
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils import json
from rest_framework.utils.urls import remove_query_param, replace_query_param

from . import paging


class Pagination(PageNumberPagination):
    """Page numbers as on every list (`count`, `next`, `previous`, `results`), without counting a whole scope:
    `count` is null when more than 1,000 rows match (config.paging, which the pages use too). A view may read its
    page lighter than its queryset through a `read_page` method (see `paging.read_bounded`)."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        from rest_framework.exceptions import NotFound

        self.request = request
        self.changes = changes_query(request)
        if self.changes is not None:
            return self._paginate_changes(queryset, view)
        size = self.get_page_size(request)
        try:
            number = paging.parse_page_number(request.query_params.get(self.page_query_param))
            page = paging.read_bounded(
                queryset, number=number, size=size, read_page=getattr(view, "read_page", None)
            )
        except Http404:
            raise NotFound(self.invalid_page_message) from None
        self.number, self.has_next, self.count = page.number, page.has_next_page, page.count
        return page.object_list

    def _paginate_changes(self, queryset, view):
        field = sync_field_of(view, queryset)
        since, cursor = self.changes
        size = self.get_page_size(self.request)
        if since is not None:
            queryset = queryset.filter(**{f"{field}__gte": since})
        else:
            queryset = queryset.filter(**{f"{field}__isnull": False})
        if cursor is not None:
            at, pk = cursor
            queryset = queryset.filter(Q(**{f"{field}__gt": at}) | Q(**{field: at, "pk__gt": pk}))
        # The page's keys first, in change order (an index range on `field`); then its rows, read as the list
        # reads them (a view's lighter `read_page` included), put back in that order.
        keys = list(queryset.order_by(field, "pk").values_list("pk", field)[: size + 1])
        self.number, self.count = 1, None
        self.has_next = len(keys) > size
        keys = keys[:size]
        self.next_cursor = paging.cursor_encode(keys[-1][1], keys[-1][0]) if self.has_next else None
        if not keys:
            return []
        ids = [pk for pk, _at in keys]
        read_page = getattr(view, "read_page", None)
        chosen = queryset.filter(pk__in=ids)
        if read_page is not None:
            rows, _seen = read_page(chosen, offset=0, size=len(ids), limit=len(ids))
        else:
            rows = list(chosen)
        by_pk = {row["id"] if isinstance(row, dict) else row.pk: row for row in rows}
        return [by_pk[pk] for pk in ids if pk in by_pk]

    def get_paginated_response(self, data):
        if getattr(self, "changes", None) is not None:
            url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
            following = (
                None if self.next_cursor is None else replace_query_param(url, "cursor", self.next_cursor)
            )
            return Response({"count": None, "next": following, "previous": None, "results": data})
        return Response(
            {
                "count": self.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_next_link(self):
        if not self.has_next:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, self.number + 1)

    def get_previous_link(self):
        if self.number == 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"].update(
            nullable=True,
            description=f"Null when more than {paging.COUNT_LIMIT:,} rows match; follow `next` to page on.",
        )
        return response

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": "updated_since",
                "required": False,
                "in": "query",
                "description": (
                    "Only rows changed at or after this instant (ISO 8601 datetime). Pages then run by "
                    "(updated_at, id), oldest change first, and `next` carries a `cursor`; `count` is null."
                ),
                "schema": {"type": "string", "format": "date-time"},
            },
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "The position after the last row of the previous page of changes (from `next`).",
                "schema": {"type": "string"},
            },
        ]

    def get_page_size(self, request):
        # DRF falls back to the default size on a page_size that is not a number; the schema says it is one.
        value = request.query_params.get(self.page_size_query_param)
        if value not in (None, "") and not value.lstrip("-").isdigit():
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("A valid integer is required.")]}
            )
        return super().get_page_size(request)


def changes_query(request) -> tuple | None:
    """(updated_since, cursor position) when the request pulls changes (`?updated_since=` or `?cursor=`), else
    None; a malformed value is a 400 naming its parameter."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    from .filtering import BAD_INSTANT, instant_utc

    raw_since = request.query_params.get("updated_since")
    raw_cursor = request.query_params.get("cursor")
    if raw_since in (None, "") and raw_cursor in (None, ""):
        return None
    since = None
    if raw_since:
        try:
            since = parse_datetime(
                raw_since.replace(" ", "+")
            )  # a "+" unescaped in a query string is a space
            if since is not None:
                since = instant_utc(timezone.make_aware(since) if timezone.is_naive(since) else since)
        except (DjangoValidationError, ValueError):
            since = None
        if since is None:
            raise exceptions.ValidationError({"updated_since": [BAD_INSTANT]})
    cursor = None
    if raw_cursor:
        cursor = paging.cursor_decode(raw_cursor)
        if cursor is None:
            raise exceptions.ValidationError(
                {"cursor": [_("This cursor is not valid; start again from `next`.")]}
            )
    return since, cursor


def sync_field_of(view, queryset) -> str:
    """The field a list's changes are pulled by: the view's `sync_field`, else the model's `updated_at`."""
    field = getattr(view, "sync_field", None)
    model = getattr(queryset, "model", None)
    if (
        field is None
        and model is not None
        and any(f.name == "updated_at" for f in model._meta.concrete_fields)
    ):
        field = "updated_at"
    if field is None:
        raise exceptions.ValidationError({"updated_since": [_("This list cannot be pulled by changes.")]})
    return field


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


PICKER_LIMIT = 20


@functools.cache
def _picker_results():
    """One component for every picker's answer (a second class of the same name would be a schema conflict)."""
    from drf_spectacular.utils import inline_serializer
    from rest_framework import serializers

    item = inline_serializer(
        "PickerItem", {"id": serializers.IntegerField(), "label": serializers.CharField()}, many=True
    )
    return inline_serializer("PickerResults", {"results": item})


def picker_view(*, get_queryset, search, label, order, description: str, filters=None):
    """An endpoint answering a picker (config/widgets.py): `?q=` → the first 20 matches in the caller's scope,
    `{"results": [{"id": …, "label": …}]}`; `filters` names further exact-match parameters, each repeatable,
    with its values: `int` for ids, or the choices (`User.Role`) it takes."""
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import OpenApiParameter, extend_schema
    from rest_framework import serializers
    from rest_framework.views import APIView

    filters = filters or {}

    def field(kind):
        child = serializers.IntegerField() if kind is int else serializers.ChoiceField(kind.choices)
        return serializers.ListField(child=child)

    def parameter(name, kind):
        if kind is int:
            return OpenApiParameter(name, OpenApiTypes.INT, many=True)
        return OpenApiParameter(name, OpenApiTypes.STR, enum=list(kind.values), many=True)

    class PickerView(APIView):
        @extend_schema(
            description=description,
            parameters=[
                OpenApiParameter(
                    "q", OpenApiTypes.STR, description="Text the choices contain (none: the first)"
                ),
                *[parameter(name, kind) for name, kind in filters.items()],
            ],
            responses=_picker_results(),
        )
        def get(self, request):
            queryset = get_queryset(request.user)
            # Each value is checked first: a malformed id is bad input (400), never a database error.
            errors = {}
            for name, kind in filters.items():
                values = [v for v in request.query_params.getlist(name) if v]
                if not values:
                    continue
                try:
                    values = field(kind).run_validation(values)
                except serializers.ValidationError as exc:
                    errors[name] = exc.detail
                    continue
                queryset = queryset.filter(**{f"{name}__in": values})
            if errors:
                raise exceptions.ValidationError(errors)
            text = (request.query_params.get("q") or "").strip()[:100]
            if text:
                queryset = search(queryset, text)
            rows = queryset.order_by(*order)[:PICKER_LIMIT]
            return Response({"results": [{"id": obj.pk, "label": label(obj)} for obj in rows]})

    return PickerView.as_view()
