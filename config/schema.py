"""The OpenAPI schema's shared part: the error answers an operation can give, in the contract's format.

Every operation of the API can refuse in the same few ways (config/api.py and config/errors.py make the bodies).
Rather than decorate each view, the schema class adds them from what the operation is: a body or a query string
can be refused (400), a protected operation answers 401 without credentials and 403 to a role that may not act, an
object in the path or a page past the end is 404, a throttled one is 429. Answers a view names itself (a 409, a 413,
a richer 400) win over these.
"""

import copy
from collections.abc import Sequence

from django.core.exceptions import FieldDoesNotExist
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiRequest
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.settings import api_settings

# A month as the API takes it: YYYY-MM, years 0001-9999.
MONTH_PATTERN = r"^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])$"
MONTH = {"type": "string", "pattern": MONTH_PATTERN, "example": "2026-03"}

# DRF writes times as "09:30:00"; JSON Schema's `time` format wants an offset too ("09:30:00+08:00").
TIME_PATTERN = r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$"

_DETAIL = {"type": "string", "description": "What went wrong, in the request's language."}

ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {"detail": _DETAIL},
        "required": ["detail"],
    },
    # DRF's field errors: {"field": ["message", ...], "detail": ...}; a service's refusal is {"detail": [...]}.
    "ValidationError": {
        "type": "object",
        "description": "Field errors (each field with its messages) or, for the request as a whole, `detail`.",
        "properties": {
            "detail": {
                "oneOf": [_DETAIL, {"type": "array", "items": {"type": "string"}}],
            },
            "non_field_errors": {"type": "array", "items": {"type": "string"}},
        },
        "additionalProperties": True,
    },
}

DESCRIPTIONS = {
    "400": "Bad input, or a change the object's present state refuses.",
    "401": "No credentials, or credentials no longer valid.",
    "403": "The caller's role may not do this.",
    "404": "No such object within the caller's scope (in the path, the query or the body), or a page past the end.",
    "415": "A body in a format the operation does not take.",
    "429": "Too many requests; `Retry-After` says when to try again.",
}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self._error_codes(operation):
            responses.setdefault(code, {"description": DESCRIPTIONS[code]})
        for code, response in responses.items():
            # An error a view names without saying its body has the contract's body.
            if code >= "400" and "content" not in response:
                schema = "ValidationError" if code == "400" else "Error"
                response["content"] = {"application/json": {"schema": self._error_schema(schema)}}
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def map_parsers(self):
        # Nested objects, lists and nulls have no form encoding: an operation on the API's default parsers is
        # documented as taking JSON only; one naming its own parsers (a file upload) keeps what it names.
        if list(self.view.parser_classes) == list(api_settings.DEFAULT_PARSER_CLASSES):
            return ["application/json"]
        return super().map_parsers()

    def _error_codes(self, operation) -> list[str]:
        parameters = operation.get("parameters", [])
        has_input = "requestBody" in operation or any(p["in"] in ("path", "query") for p in parameters)
        codes = []
        if self.method != "GET" or has_input:
            codes.append("400")
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            if self.view.get_authenticators():
                codes.append("401")
            codes.append("403")
            # Ids name objects in the path, the query (a station, an area) and bodies; out of scope they are 404.
            if has_input:
                codes.append("404")
        if "requestBody" in operation:
            codes.append("415")
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if isinstance(field, serializers.ChoiceField) and field.read_only and _blank_in_model(field):
            # DRF drops `allow_blank` from read-only fields, but the stored value can still be "".
            field = copy.copy(field)
            field.allow_blank = True
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            del schema["format"]
            schema["pattern"] = TIME_PATTERN
        if (
            isinstance(field, serializers.DecimalField)
            and schema.get("format") == "decimal"
            and "pattern" in schema
        ):
            schema["pattern"] = _decimal_pattern(field)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not field.allow_blank
            and "pattern" not in schema
        ):
            schema["pattern"] = r"\S"  # blanks alone are trimmed to nothing: "This field may not be blank."
        if isinstance(field, serializers.FileField) and not field.allow_empty_file and direction == "request":
            schema.setdefault("minLength", 1)  # "The submitted file is empty."
        if isinstance(field, (serializers.ListField, serializers.ListSerializer)) and not field.allow_empty:
            schema["minItems"] = max(schema.get("minItems", 0), 1)  # "This list may not be empty."
        return schema

    def _error_schema(self, name: str) -> dict:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, schema=ERROR_SCHEMAS[name], object=name
        )
        self.registry.register_on_missing(component)
        return component.ref


def _decimal_pattern(field) -> str:
    """What DRF reads as a number of the field's digits: drf-spectacular's pattern also lets "", "-" and "."
    through, which DRF refuses ("A valid number is required."); no minus sign where no number below zero is taken."""
    whole, places = field.max_whole_digits, field.decimal_places
    sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
    fraction = rf"(?:\.[0-9]{{0,{places}}})?" if places else ""
    only_fraction = rf"|\.[0-9]{{1,{places}}}" if places else ""
    if whole == 0:
        return rf"^{sign}(?:0{fraction}{only_fraction})$"
    return rf"^{sign}(?:[0-9]{{1,{whole}}}{fraction}{only_fraction})$"


class IdFilterExtension(DjangoFilterExtension):
    """A record's id in a filter is a database id, from 1: config.filtering answers an unknown one 404, and refuses
    one that is no id at all (a minus sign) with a 400, so the schema says where ids start."""

    target_class = "config.filtering.FilterBackend"
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        if isinstance(filter_field, (ModelChoiceFilter, ModelMultipleChoiceFilter)):
            for parameter in parameters:
                schema = parameter["schema"]
                schema = schema.get("items", schema)
                if schema.get("type") == "integer":
                    schema.setdefault("minimum", 1)
        return parameters


def _blank_in_model(field) -> bool:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return False
    try:
        return model._meta.get_field(field.source).blank
    except FieldDoesNotExist:
        return False


# The files the server takes, by media type. It reads the content (and, for photos and documents, the file name's
# extension), never the part's Content-Type; the encoding's `contentType` tells integrators what to send.
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPREADSHEET_TYPES = (XLSX, "text/csv")
DOCUMENT_TYPES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    XLSX,
    "application/msword",
    "application/vnd.ms-excel",
    *PHOTO_TYPES,
)


def upload_request(serializer_class, files: dict[str, Sequence[str]], *, json: bool = True) -> dict:
    """An operation's request that carries files, for extend_schema(request=...).

    multipart/form-data carries the files, each file part listing the media types the server reads (`encoding`).
    Its other parts are text, one value each (a list repeats its part): a form has no nested objects (JSON has
    them) and no null (an optional value is left out). With `json`, the operation also takes JSON: everything
    but the files, under the serializer's own component name."""
    name = _component_name(serializer_class)
    form = _variant(serializer_class, f"{name}Multipart" if json else name, drop=_not_in_forms)
    request = {
        "multipart/form-data": OpenApiRequest(
            form, encoding={part: {"contentType": ", ".join(types)} for part, types in files.items()}
        )
    }
    if json:
        request = {
            "application/json": _variant(
                serializer_class, name, drop=lambda field_name, field: field_name in files
            ),
            **request,
        }
    return request


def _component_name(serializer_class) -> str:
    ref_name = getattr(getattr(serializer_class, "Meta", None), "ref_name", None)
    name = ref_name or serializer_class.__name__
    return name.removesuffix("Serializer") if name.endswith("Serializer") and name != "Serializer" else name


def _not_in_forms(field_name, field) -> bool:
    return isinstance(field, (serializers.BaseSerializer, serializers.DictField, serializers.HStoreField))


def _variant(serializer_class, ref_name: str, *, drop):
    """The serializer as the schema shows it for one media type: without the fields `drop` names and, in a form,
    without null (nothing spells it)."""
    in_form = drop is _not_in_forms

    def get_fields(self):
        fields = super(variant, self).get_fields()
        for field_name, field in list(fields.items()):
            if drop(field_name, field):
                del fields[field_name]
            elif in_form and field.allow_null:
                field.allow_null = False
        return fields

    meta = type("Meta", (getattr(serializer_class, "Meta", object),), {"ref_name": ref_name})
    variant = type(ref_name, (serializer_class,), {"Meta": meta, "get_fields": get_fields})
    return variant
