"""Every operation of the API answers as its OpenAPI schema says, tried by schemathesis in-process.

Schemathesis reads the schema the application serves and calls the WSGI application directly (no server, no
sockets), in the test's thread and transaction, as an administrator (who may call every operation), on both
databases. Its examples, coverage and fuzzing phases run over every operation the schema has (in four shards,
so that parallel test workers share them), with a fixed seed and one example each (`make api-fuzz`: 25), and
fail on a server error, an answer whose body, headers or content type the schema does not describe, a status
code the operation does not list, and (in `make api-fuzz`) a valid request refused (`positive_data_acceptance`).

A refusal of a valid request is accepted where it depends on data, not on the request's shape:
- an id in the body that names no record (a 400 whose every message says so; in the path or the query such an
  id is 404, which the check accepts);
- the operations named in REFUSALS_BY_DATA, for the reason given beside each;
- the operations named in NOT_YET_DECLARED, refused for rules the schema does not state yet: a list to shorten.
"""

import os
import zlib

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

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
]
# Valid requests still refused, each for a reason the schema does not state yet (found by this test; to be
# declared one by one, then taken off this list). Every other check runs on them.
NOT_YET_DECLARED = [
    # a file part: the schema says binary, any bytes; the server wants a real photo, spreadsheet or document
    ("POST", "/api/v1/contracts/"),
    ("POST", "/api/v1/imports/"),
    ("POST", "/api/v1/indicator-readings/upload/"),
    ("POST", "/api/v1/leads/"),
    ("POST", "/api/v1/leads/read-card/"),
    ("POST", "/api/v1/visit-records/"),
    # values the schema leaves open: competitor names, time zones, a status's values, a month's pattern, a
    # non-empty list, numbers sent as form text, a due day not in the past
    ("POST", "/api/v1/clients/"),
    ("POST", "/api/v1/stations/"),
    ("POST", "/api/v1/opportunities/{id}/status/"),
    ("POST", "/api/v1/targets/"),
    ("POST", "/api/v1/trial-shipments/"),
    ("POST", "/api/v1/indicator-readings/"),
    ("POST", "/api/v1/indicator-readings/bulk/"),
    ("POST", "/api/v1/proposals/"),
    ("POST", "/api/v1/tasks/"),
    # rules across fields or rows: a role's station and area, a five-point question's dimension, a unique name
    ("POST", "/api/v1/users/"),
    ("POST", "/api/v1/questionnaires/"),
    ("POST", "/api/v1/competitors/"),
    # a reason needed when returning or rejecting
    ("POST", "/api/v1/leads/bulk-review/"),
]
# Refused valid requests fail the thorough run (`make api-fuzz`) only: in `make test`'s one example an operation,
# which requests are generated still varies with the records present, so a rule the schema does not state yet
# surfaces in one run and not the next; until the list above is empty, that would make the suite flaky.
ENFORCE_ACCEPTANCE = MAX_EXAMPLES > 1


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
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none", "no-shrink": True},
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

    def call_and_validate(case):
        try:
            label = (case.operation.method.upper(), case.operation.path)
            refused_by_data = label in REFUSALS_BY_DATA or label in NOT_YET_DECLARED or not ENFORCE_ACCEPTANCE
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
        if _names_no_record(response):
            return None
        return positive_data_acceptance(ctx, response, case)

    failures, tried = [], 0
    # The pytest plugin's parametrisation runs each operation as a subtest; this is its loop, kept in the test's
    # thread and transaction, and going on past a failing operation so that one run reports them all.
    schema = api_schema.include(lambda ctx: zlib.crc32(ctx.operation.label.encode()) % SHARDS == shard)
    for result in get_all_tests(schema=schema, test_func=call_and_validate, settings=None, given_kwargs={}):
        operation, test = result.ok()
        tried += 1
        try:
            test()
        except FailureGroup as exc:
            failures.append(f"{operation.label}\n{exc}")
    assert tried > 0
    assert not failures, f"{len(failures)} of {tried} operations:\n\n" + "\n\n".join(failures)
