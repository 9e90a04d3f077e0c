"""Every operation of the API answers as its OpenAPI schema says, tried by schemathesis in-process.

Schemathesis reads the schema the application serves and calls the WSGI application directly (no server, no
sockets), in the test's thread and transaction, as an administrator (who may call every operation), on both
databases. Its examples, coverage and fuzzing phases run over every operation the schema has (in four shards,
so that parallel test workers share them), with a fixed seed and one example each (`make api-fuzz`: 25), and
fail on a server error, an answer whose body, headers or content type the schema does not describe, a status
code the operation does not list, and a valid request refused (`positive_data_acceptance`). The file takes
about two minutes on two workers.

The schema states the rules the server applies to a request's shape (enumerations, patterns, lengths, non-empty
lists, one of several bodies, the media types of file parts), so a request valid by the schema is accepted. A
file part gets a small real file of a media type its `encoding` lists. A refusal of a valid request is accepted
where it depends on data, not on the request's shape:
- an id in the body that names no record (a 400 whose every message says so; in the path or the query such an
  id is 404, which the check accepts);
- the operations named in REFUSALS_BY_DATA, for the reason given beside each;
- a request whose file part holds bytes that are no file (the coverage phase sends such, see
  _carries_a_non_file);
- a `cursor` the server did not issue: it is an opaque position taken from a page's `next`, not a value a client
  makes up (a 400 naming `cursor` alone).
"""

import os
import zlib

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from config.schema import XLSX

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

# make api-fuzz asks for more (API_FUZZ_EXAMPLES); make test keeps the run within two minutes on two cores.
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "1"))
SEED = 20261129
# The operations in shards, so that parallel test workers share them.
SHARDS = 4
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
]


# Valid requests these operations refuse (400) for what the data is, not the request's shape; the schema cannot
# say it. Every other check still runs on them.
REFUSALS_BY_DATA = [
    # `from` must not be after `to`, and the span at most 366 days: a dependency between parameters.
    ("GET", "/api/v1/quota/working-days/"),
    # Wrong credentials are 400 by the contract: which username and password exist is data.
    ("POST", "/api/v1/auth/token/"),
    # `station` may be left out only by a caller bound to one station; headquarters and the administrator
    # must name one ("Choose a station.").
    ("GET", "/api/v1/dashboard/"),
    ("GET", "/api/v1/dashboard/notice/"),
    # `object_id` needs `object_type` beside it (ids of different kinds repeat), and is a number unless the
    # object is an API token: a dependency between parameters OpenAPI 3.0 has no words for.
    ("GET", "/api/v1/audit/"),
    # A key's expiry must lie in the future: the present moment is not something a schema can state.
    ("POST", "/api/v1/integration-keys/"),
    # A webhook's host must resolve, to public addresses only: what the DNS answers is data (and a test machine
    # may have no DNS at all).
    ("POST", "/api/v1/webhooks/"),
    # Names that must be new: a station's code, a competitor's name. Which are taken is data (an earlier request
    # of the same run may have taken it).
    ("POST", "/api/v1/stations/"),
    ("POST", "/api/v1/competitors/"),
    # A new task is due today or later: the present day is not something a schema can state.
    ("POST", "/api/v1/tasks/"),
    # Competitors are named by the names of records (`competitors[].competitor`); and a caller bound to no area
    # (the administrator) must name the client's area.
    ("POST", "/api/v1/clients/"),
    # A caller bound to no station (the administrator) must name `collected_by`; and a phone number must be one
    # by the numbering plan (`phonenumbers`), which no pattern states.
    ("POST", "/api/v1/leads/"),
    # Each reading names its client (by id or exact name) and its indicator (by code) in free text, answered per
    # item; an indicator's code is a record.
    ("POST", "/api/v1/indicator-readings/bulk/"),
    # The column mapping names the uploaded file's columns by index: a rule between two parts of the request,
    # one of them a file.
    ("POST", "/api/v1/imports/"),
    # A unique username; a password the password validators take (not common, not all digits, not like the
    # username); the area within the station: data, or beyond a schema.
    ("POST", "/api/v1/users/"),
    # At least one question must be a five-point one, each with its dimension: OpenAPI 3.0 has no `contains`.
    ("POST", "/api/v1/questionnaires/"),
]
# A file part (`format: binary`) gets a small real file of a media type its encoding lists (config/schema.py):
# the server reads the content. schemathesis names a part after the format it sniffs, and an Office file sniffs
# as a zip; so a spreadsheet is offered only to the operations that read the content alone (a contract's document
# is checked by its name's extension too).
SPREADSHEET_UPLOADS = [("POST", "/api/v1/imports/"), ("POST", "/api/v1/indicator-readings/upload/")]


class Admin:
    """The administrator the run calls as, kept able to: a generated request may revoke its token, change its
    password (which ends its tokens) or its role; the next request then finds it restored with a new token."""

    def __init__(self, user):
        from accounts.models import User

        self.user = user
        self.row = User.objects.filter(pk=user.pk).values().get()
        self._issue()

    def _issue(self):
        from accounts.services import token_issue

        _, key = token_issue(user=self.user)
        self.headers = {"Authorization": f"Token {key}", "Accept-Language": "en"}

    def restore(self):
        from accounts.models import User

        User.objects.filter(pk=self.user.pk).update(**self.row)
        self.user.refresh_from_db()
        self._issue()


def _files(client) -> dict[str, bytes]:
    """A small file of each media type a file part lists; the spreadsheet's one reading names `client`."""
    import datetime as dt
    import io

    from openpyxl import Workbook
    from PIL import Image

    files = {}
    for media_type, fmt in (("image/jpeg", "JPEG"), ("image/png", "PNG"), ("image/webp", "WEBP")):
        out = io.BytesIO()
        Image.new("RGB", (8, 8), "white").save(out, fmt)
        files[media_type] = out.getvalue()
    files["application/pdf"] = (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    files["text/csv"] = b"name,contact_phone\nACME,13800138000\n"
    workbook = Workbook()
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    for row in (["client", "indicator", "day", "value"], [client.pk, "on_time_rate", yesterday, 95]):
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    files[XLSX] = out.getvalue()
    return files


def _file_types(raw_schema: dict, method: str, path: str) -> set[str]:
    """The media types the file parts of an operation's request list in their encoding."""
    body = raw_schema["paths"][path][method.lower()].get("requestBody", {})
    return {
        media_type.strip()
        for content in body.get("content", {}).values()
        for encoding in content.get("encoding", {}).values()
        for media_type in encoding.get("contentType", "").split(",")
    }


def _carries_a_non_file(case, files: dict[str, bytes]) -> bool:
    """Whether a file part of the body holds bytes that are no file of ours. The coverage phase fills a file part
    with bytes of its own (its `format: binary` takes any), though the part's `encoding` names a media type, and
    a request whose photo is not a photo is not a valid one."""
    from schemathesis.transport.serialization import Binary

    if not isinstance(case.body, dict):
        return False
    real = set(files.values())
    parts = [item for value in case.body.values() for item in (value if isinstance(value, list) else [value])]
    blobs = [
        part.data if isinstance(part, Binary) else part for part in parts if isinstance(part, (Binary, bytes))
    ]
    return any(blob not in real for blob in blobs)


def _some_records(org):
    """One record of each kind the loop has, so that generated ids and filters meet real rows too; and the
    scheduled jobs' heartbeats, as a running beat keeps them, so that /readyz answers 200."""
    from django.utils import timezone

    from health import services as health
    from tests.factories_leads import ClientFactory, LeadFactory

    ClientFactory(area=org.a1, owner=org.kam)
    LeadFactory(collected_by=org.courier)
    for name in (health.BEAT, health.QUOTA_EVALUATION):
        health.heartbeat_record(name=name, at=timezone.now())


@pytest.fixture
def _in_process():
    """As Django's test client does, requests must not close the test's database connection when they end; and
    tens of thousands of them need no line each in the request log (server errors are still logged)."""
    import logging

    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    loggers = [logging.getLogger(name) for name in ("lantou.request", "django.request")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin(org):
    return Admin(org.admin)


@pytest.fixture
def api_schema(org, admin, _in_process):
    from config.wsgi import application

    _some_records(org)
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            # DRF refuses a NUL character in any text ("Null characters are not allowed."), which the schema does
            # not repeat on every string; so none is generated (the refusal is a clear 400 all the same).
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "database": "none",
                "no-shrink": True,
                "allow-x00": False,
            },
            "phases": {
                "examples": {"enabled": True},
                # Methods an operation does not have answer 405 everywhere (one test says so); not tried here.
                "coverage": {"enabled": True, "unexpected-methods": []},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        }
    )
    return schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", application, config=config, headers=admin.headers
    )


def _refuses_the_cursor(response) -> bool:
    """A 400 about the `cursor` alone: a position the server did not issue."""
    if response.status_code != 400:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and set(body) == {"cursor"}


def _names_no_record(response) -> bool:
    """A 400 whose every message says an id in the body names no record: 'Invalid pk "7" - object does not
    exist.', 'Object with code=X does not exist.', 'No such person in your scope.' (English asked for)."""
    if response.status_code != 400:
        return False
    messages = []

    def collect(value):
        if isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        else:
            messages.append(str(value))

    try:
        collect(response.json())
    except ValueError:
        return False
    return bool(messages) and all(m.endswith("does not exist.") or m.startswith("No such ") for m in messages)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_operation_answers_as_its_schema_says(api_schema, admin, shard):
    from schemathesis.checks import load_all_checks
    from schemathesis.core.failures import FailureGroup
    from schemathesis.pytest.lazy import get_all_tests
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    from pipeline.models import Client

    def call_and_validate(case):
        try:
            label = (case.operation.method.upper(), case.operation.path)
            refused_by_data = label in REFUSALS_BY_DATA or _carries_a_non_file(case, files)
            case.call_and_validate(
                headers=admin.headers,
                excluded_checks=[positive_data_acceptance],
                additional_checks=[] if refused_by_data else [valid_data_accepted],
            )
        finally:
            if case.operation.path.startswith("/api/v1/auth/") or case.operation.path.startswith(
                "/api/v1/users/"
            ):
                admin.restore()

    load_all_checks()

    @schemathesis.check
    def valid_data_accepted(ctx, response, case):
        """positive_data_acceptance, except for a refusal of ids in the body that name no record: the schema
        says an id is an integer, not which integers name records."""
        if _names_no_record(response) or _refuses_the_cursor(response):
            return None
        return positive_data_acceptance(ctx, response, case)

    files = _files(Client.objects.order_by("pk").first())
    failures, tried = [], 0
    # The pytest plugin's parametrisation runs each operation as a subtest; this is its loop, kept in the test's
    # thread and transaction, and going on past a failing operation so that one run reports them all.
    schema = api_schema.include(lambda ctx: zlib.crc32(ctx.operation.label.encode()) % SHARDS == shard)
    labels = [result.ok().label for result in schema.get_all_operations()]
    tests = get_all_tests(schema=schema, test_func=call_and_validate, settings=None, given_kwargs={})
    registered = None
    for expected in labels:
        # An operation's strategies are made with its test, as the loop asks for it: its files are chosen first.
        method, path = expected.split(" ", 1)
        offered = [
            content
            for media_type, content in files.items()
            if media_type in _file_types(api_schema.raw_schema, method, path)
            and (media_type != XLSX or (method, path) in SPREADSHEET_UPLOADS)
        ]
        if offered != registered:  # registering anew empties schemathesis' caches: only when the files change
            schemathesis.openapi.format("binary", st.sampled_from(offered) if offered else st.binary())
            registered = offered
        operation, test = next(tests).ok()
        assert operation.label == expected
        tried += 1
        try:
            test()
        except FailureGroup as exc:
            failures.append(f"{operation.label}\n{exc}")
    assert tried > 0
    assert not failures, f"{len(failures)} of {tried} operations:\n\n" + "\n\n".join(failures)
