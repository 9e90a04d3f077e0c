"""/healthz, /readyz and `manage.py readiness`: the checks' state and ages, no authentication, JSON."""

import datetime
import json
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from config.celery import app
from health.models import Heartbeat
from health.services import BEAT, QUOTA_EVALUATION, heartbeat_record
from health.tasks import beat_tick
from outbox.models import Message

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime.datetime(2026, 3, 2, 4, 0, tzinfo=datetime.UTC)


def test_healthz_answers_without_database_or_login(client):
    # No django_db mark: any database access would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_readyz_is_ok_when_beat_ticked_recently(client):
    heartbeat_record(name=BEAT, at=NOW - datetime.timedelta(seconds=40))
    heartbeat_record(name=QUOTA_EVALUATION, at=NOW - datetime.timedelta(hours=3))

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["cache"] == {"status": "ok"}
    assert body["checks"]["broker"] == {"status": "ok", "oldest_waiting_seconds": None}
    assert body["checks"]["beat"] == {
        "status": "ok",
        "last_tick": timezone.localtime(NOW - datetime.timedelta(seconds=40)).isoformat(),
        "age_seconds": 40,
    }
    assert body["checks"]["quota_evaluation"]["status"] == "ok"
    assert body["checks"]["quota_evaluation"]["age_seconds"] == 3 * 3600


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_readyz_is_503_when_beat_is_late_or_never_ticked(client, settings):
    settings.BEAT_LATE_MINUTES = 5
    never = client.get("/readyz")
    heartbeat_record(name=BEAT, at=NOW - datetime.timedelta(minutes=6))
    late = client.get("/readyz")

    assert never.status_code == late.status_code == 503
    assert never.json()["status"] == late.json()["status"] == "degraded"
    assert never.json()["checks"]["beat"] == {"status": "late", "last_tick": None, "age_seconds": None}
    assert late.json()["checks"]["beat"]["status"] == "late"
    assert late.json()["checks"]["beat"]["age_seconds"] == 360
    # A quota evaluation that never ran is not a failure (a new installation); one a day and more behind is.
    assert never.json()["checks"]["quota_evaluation"]["status"] == "unknown"


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_readyz_reports_a_late_quota_evaluation_and_waiting_work_as_degraded_but_ready(client):
    heartbeat_record(name=BEAT, at=NOW)
    heartbeat_record(name=QUOTA_EVALUATION, at=NOW - datetime.timedelta(hours=27))
    message = Message.objects.create(task="accounts.tasks.send_notification_email", args=[1])
    Message.objects.filter(pk=message.pk).update(created_at=NOW - datetime.timedelta(minutes=3))

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["quota_evaluation"]["status"] == "late"
    assert response.json()["checks"]["broker"]["oldest_waiting_seconds"] == 180


@pytest.mark.django_db
def test_probes_skip_the_host_check_and_the_https_redirect(client, settings):
    """Compose and load balancers probe the container's own address over plain HTTP."""
    settings.ALLOWED_HOSTS = ["crm.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    heartbeat_record(name=BEAT, at=timezone.now())

    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/accounts/login/", HTTP_HOST="crm.example.com").status_code == 301


@pytest.mark.django_db
def test_the_schema_describes_both_probes(client, admin_user):
    client.force_login(admin_user)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert set(schema["paths"]["/readyz"]["get"]["responses"]) == {"200", "503"}
    assert "/healthz" in schema["paths"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_readyz_is_503_down_when_the_database_does_not_answer():
    """A process whose database is unreachable (a port nothing listens on) still answers both probes."""
    dead = f"postgres://postgres@127.0.0.1:{_free_port()}/lantou"
    code = (
        "import django, json; django.setup(); "
        "from django.test import Client; c = Client(); "
        "h = c.get('/healthz'); r = c.get('/readyz'); "
        "print(json.dumps([h.status_code, h.json(), r.status_code, r.json()]))"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": dead,
        "DEBUG": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),  # no default key, even in development
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    healthz_code, healthz, readyz_code, readyz = json.loads(result.stdout.strip().splitlines()[-1])
    assert (healthz_code, healthz) == (200, {"status": "ok"})
    assert readyz_code == 503
    assert readyz["status"] == "down"
    assert readyz["checks"]["database"] == {"status": "down"}
    assert readyz["checks"]["beat"]["status"] == "unknown"


@pytest.mark.django_db
def test_readiness_command_exits_1_when_beat_is_late_and_0_for_another_check(capsys):
    with pytest.raises(SystemExit) as exited:
        call_command("readiness", only="beat")
    assert exited.value.code == 1
    assert json.loads(capsys.readouterr().out)["status"] == "late"
    call_command("readiness", only="database")
    assert json.loads(capsys.readouterr().out) == {"status": "ok"}


@pytest.mark.django_db
def test_the_beat_tick_records_when_it_ran_and_beat_runs_it_and_the_relay_every_minute():
    with time_machine.travel(NOW, tick=False):
        beat_tick()
    with time_machine.travel(NOW + datetime.timedelta(minutes=1), tick=False):
        beat_tick()
    assert list(Heartbeat.objects.values_list("name", "at")) == [(BEAT, NOW + datetime.timedelta(minutes=1))]
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    for task in ("health.tasks.beat_tick", "outbox.tasks.relay"):
        assert schedule[task].remaining_estimate(NOW) <= datetime.timedelta(minutes=1)
