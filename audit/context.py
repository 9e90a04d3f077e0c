"""Who is acting: the context every audit row carries (pghistory's context, stored as JSON on each row).

- a request: `user` (the person, once authenticated, session or token), `request_id` (config/logs.py), `url`;
- a Celery job: `job` (the task's name) and `task_id`, and `user` when a person's request queued it eagerly;
- a management command run through manage.py: `command` (and `os_user`);
- anything else (psql, another program): no context, the row says the database did it.

On PostgreSQL pghistory prefixes each write statement with the context, and the triggers copy it into the row.
SQLite has no triggers: the same context is kept here for the ORM path (audit/recording.py).
"""

import contextlib
import contextvars
import getpass
import uuid

import pghistory
from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection

# Only for SQLite's ORM path: (context id, metadata) of the innermost context entered.
_orm_context: contextvars.ContextVar[tuple[uuid.UUID, dict] | None] = contextvars.ContextVar(
    "audit_context", default=None
)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


@contextlib.contextmanager
def audit_context(**metadata):
    """Everything written inside is attributed to `metadata`. Nested contexts add to the outer one."""
    if _postgres():
        with pghistory.context(**metadata):
            yield
        return
    outer = _orm_context.get()
    if outer is not None:
        outer[1].update(metadata)
        yield
        return
    token = _orm_context.set((uuid.uuid4(), dict(metadata)))
    try:
        yield
    finally:
        _orm_context.reset(token)


def add_to_context(**metadata) -> None:
    """Adds to the context already entered (nothing outside one)."""
    if _postgres():
        pghistory.context(**metadata)
        return
    current = _orm_context.get()
    if current is not None:
        current[1].update(metadata)


def current_orm_context() -> tuple[uuid.UUID | None, dict | None]:
    current = _orm_context.get()
    return (current[0], dict(current[1])) if current else (None, None)


def _user_id(user) -> int | None:
    return user.pk if getattr(user, "is_authenticated", False) else None


class _AuditedRequest(WSGIRequest):
    """DRF authenticates a token inside the view and sets `request.user` then; so does `login()`. Whoever
    becomes the request's user from then on is the actor of what follows."""

    def __setattr__(self, name, value):
        if name == "user":
            add_to_context(user=_user_id(value))
        super().__setattr__(name, value)


class AuditContextMiddleware:
    """After the authentication middleware: the request's user (session) and id are known."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        metadata = {
            "user": _user_id(getattr(request, "user", None)),
            "request_id": getattr(request, "request_id", None),
            "url": request.path,
        }
        with audit_context(**metadata):
            if type(request) is WSGIRequest:
                request.__class__ = _AuditedRequest
            return self.get_response(request)


# --- Jobs -------------------------------------------------------------------------------------------------------

_job_contexts: dict[str, contextlib.ExitStack] = {}


def _job_started(task_id=None, task=None, **kwargs):
    stack = contextlib.ExitStack()
    stack.enter_context(audit_context(job=task.name, task_id=task_id))
    _job_contexts[task_id] = stack


def _job_finished(task_id=None, **kwargs):
    stack = _job_contexts.pop(task_id, None)
    if stack is not None:
        stack.close()


def connect_jobs() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_job_started, weak=False, dispatch_uid="audit-job-started")
    task_postrun.connect(_job_finished, weak=False, dispatch_uid="audit-job-finished")


# --- Management commands ----------------------------------------------------------------------------------------

# The development server's own process writes nothing; its requests have their own context.
_UNAUDITED_COMMANDS = frozenset({"runserver"})


@contextlib.contextmanager
def command_context(argv: list[str]):
    """manage.py runs every command inside this: `command` names it in the trail (seed_demo, shell,
    changepassword, run_quota_check, ...)."""
    name = argv[1] if len(argv) > 1 else ""
    if not name or name.startswith("-") or name in _UNAUDITED_COMMANDS:
        yield
        return
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):
        os_user = None
    # Settings are read lazily: this must not fail before Django is configured.
    settings.INSTALLED_APPS  # noqa: B018
    with audit_context(command=name, os_user=os_user):
        yield
