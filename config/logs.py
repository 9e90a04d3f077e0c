"""Request ids and the request log.

Every request gets an id (a proxy's `X-Request-ID` when it looks like one, else a new one), returned in the
`X-Request-ID` header, attached to every log record written while the request runs, and shown on error pages and
in 500 answers, so that "it failed" from a user finds its traceback in the log. Each request then writes one line
to the `lantou.request` logger: method, path, status, duration, user id, request id; with `LOG_FORMAT=json` every
log line is one JSON object (python-json-logger) with those as fields.

Written here rather than taken from a library: django-guid does not install with Django 6 on Python 3.12, and
django-log-request-id logs neither the duration nor the fields separately.
"""

import contextvars
import logging
import re
import time
import uuid

from django.core.signals import request_finished
from django.dispatch import receiver
from django.utils.functional import SimpleLazyObject, empty

HEADER = "X-Request-ID"
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,64}")
_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
logger = logging.getLogger("lantou.request")


def current_request_id() -> str:
    """The id of the request being served ("-" outside a request)."""
    return _current.get()


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record (the handlers' formats and the JSON lines use it)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True


def _user_id(request) -> int | None:
    # Only a user the request has already loaded: looking one up here would add queries to every request.
    user = getattr(request, "user", None)
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    """First in MIDDLEWARE, so the id and the duration cover every other middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _ACCEPTED.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Kept until the response is closed: Django logs 4xx answers after the middleware has returned.
        _current.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[HEADER] = request_id
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        logger.info(
            "%s %s %s %sms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": _user_id(request),
            },
        )
        return response


@receiver(request_finished)
def _forget_request_id(**kwargs):
    _current.set("-")
