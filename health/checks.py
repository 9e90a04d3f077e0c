"""The readiness checks behind /readyz and `manage.py readiness`: state and ages only, nothing else.

- database: a query answers; without it nothing works ("down", 503).
- cache, broker: Redis answers; without them pages still answer from PostgreSQL and queued work waits in the
  outbox ("degraded", 200). The broker's check also gives the age of the oldest message still waiting.
- beat: the age of the scheduler's last tick; past BEAT_LATE_MINUTES scheduled jobs are not running ("degraded",
  503), which needs someone to act.
- quota_evaluation: the age of the daily evaluation's last run; a day and two hours without one is late
  ("degraded", 200).
"""

import datetime

from celery import current_app
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.utils import timezone

from outbox.services import oldest_waiting

from . import services

QUOTA_EVALUATION_LATE = datetime.timedelta(hours=26)  # once a day per station, plus slack


def _seconds(age: datetime.timedelta | None) -> int | None:
    return None if age is None else int(age.total_seconds())


def database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return {"status": "down"}
    return {"status": "ok"}


def cache() -> dict:
    backend = caches["default"]
    try:
        if hasattr(backend, "ping"):
            backend.ping()
        else:
            backend.get("readyz")
    except Exception:  # any failure of the backend's client means "down"
        return {"status": "down"}
    return {"status": "ok"}


def broker(*, now: datetime.datetime, database_up: bool) -> dict:
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=3)
        status = "ok"
    except Exception:  # kombu's errors differ by transport
        status = "down"
    waiting = oldest_waiting(now=now) if database_up else None
    return {"status": status, "oldest_waiting_seconds": _seconds(waiting)}


def _job(at: datetime.datetime | None, now: datetime.datetime, late_after: datetime.timedelta, *, never: str):
    age = None if at is None else max(now - at, datetime.timedelta(0))
    if age is None:
        status = never
    else:
        status = "late" if age > late_after else "ok"
    return status, (None if at is None else timezone.localtime(at).isoformat()), _seconds(age)


def readiness(*, now: datetime.datetime) -> tuple[int, dict]:
    """(HTTP status, body) of /readyz."""
    checks = {"database": database(), "cache": cache()}
    database_up = checks["database"]["status"] == "ok"
    checks["broker"] = broker(now=now, database_up=database_up)
    if database_up:
        beats = services.heartbeats([services.BEAT, services.QUOTA_EVALUATION])
        beat_late = datetime.timedelta(minutes=settings.BEAT_LATE_MINUTES)
        status, at, age = _job(beats.get(services.BEAT), now, beat_late, never="late")
        checks["beat"] = {"status": status, "last_tick": at, "age_seconds": age}
        status, at, age = _job(
            beats.get(services.QUOTA_EVALUATION), now, QUOTA_EVALUATION_LATE, never="unknown"
        )
        checks["quota_evaluation"] = {"status": status, "last_run": at, "age_seconds": age}
    else:
        checks["beat"] = {"status": "unknown", "last_tick": None, "age_seconds": None}
        checks["quota_evaluation"] = {"status": "unknown", "last_run": None, "age_seconds": None}
    if not database_up:
        overall, code = "down", 503
    else:
        failing = [name for name, check in checks.items() if check["status"] not in ("ok", "unknown")]
        overall = "degraded" if failing else "ok"
        code = 503 if checks["beat"]["status"] != "ok" else 200
    return code, {"status": overall, "checks": checks}
