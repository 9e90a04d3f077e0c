"""Redis (cache and broker) really stopped under a running stack: gunicorn and a Celery worker in processes of
their own, pointed at a Redis this test starts, stops and starts again (never the shared one).

While Redis is down, pages and the API answer from PostgreSQL and queued work waits in the outbox; once it is back
the relay publishes the work and the worker runs it, once.
"""

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from health.services import BEAT, heartbeat_record
from outbox.models import Message
from pipeline.models import ImportJob, Lead
from pipeline.services import importing
from tests.factories_leads import phone_for

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "outage-Passw0rd!"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"{what} did not listen within {seconds} s")


class OwnRedis:
    def __init__(self, directory: Path):
        self.port = _free_port()
        self.directory = directory
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        _wait_for_port(self.port, self.process, "redis-server")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    redis = OwnRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def stack(own_redis, tmp_path):
    """gunicorn and a worker on the test database, the test's file folders and `own_redis`."""
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")} | {
        # Static files as `make run` serves them (no collectstatic); the test's key, so its log-in holds there.
        "DEBUG": "1",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": own_redis.url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PRIVATE_ROOT": str(settings.PRIVATE_ROOT),
        "PGPASSWORD": db.get("PASSWORD") or "",
    }
    port = _free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--threads", "2", "--timeout", "60"],
        cwd=ROOT,
        env=env,
        stdout=open(tmp_path / "web.log", "w"),  # noqa: SIM115 - closed with the process
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"]
        + ["--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=env,
        stdout=open(tmp_path / "worker.log", "w"),  # noqa: SIM115 - closed with the process
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, web, "gunicorn")
        yield {
            "base": f"http://127.0.0.1:{port}",
            "env": env,
            "logs": (tmp_path / "web.log", tmp_path / "worker.log"),
        }
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _request(url, *, data=None, headers=None, method=None):
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def _token(base, user) -> str:
    body = json.dumps({"username": user.username, "password": PASSWORD}).encode()
    status, _headers, text = _request(
        f"{base}/api/v1/auth/token/", data=body, headers={"Content-Type": "application/json"}
    )
    assert status == 200, text[:500]
    return json.loads(text)["token"]


def _sheet(rows: int) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["公司名称", "联系电话"])
    for n in range(rows):
        sheet.append([f"停机{n}号商行", phone_for(n)])
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("big.xlsx", out.getvalue())


def test_with_redis_stopped_pages_and_api_answer_and_work_waits_then_runs_once(org, own_redis, stack):
    base = stack["base"]
    for user in (org.courier, org.station_master):
        # The stack's own hasher (the tests' faster one is not configured there).
        user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
        user.save()
    heartbeat_record(name=BEAT, at=timezone.now())  # beat is not what this test stops
    rows = importing.SYNC_MAX_ROWS + 20
    job = importing.import_upload(by=org.courier, kind="leads", upload=_sheet(rows))
    browser = Client()
    browser.force_login(org.station_master)
    session = {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    }

    own_redis.stop()

    courier = {"Authorization": f"Token {_token(base, org.courier)}", "Content-Type": "application/json"}
    master = {"Authorization": f"Token {_token(base, org.station_master)}"}
    status, _h, text = _request(f"{base}/api/v1/dashboard/?station={org.station_a.pk}", headers=master)
    assert status == 200, text[:500]
    assert "people" in json.loads(text)
    status, headers, text = _request(f"{base}/dashboard/stations/{org.station_a.pk}/", headers=session)
    assert status == 200, stack["logs"][0].read_text()[-4000:]
    assert headers["Content-Type"].startswith("text/html")
    lead = {"company_name": "停机也能采集的商行", "contact_phone": phone_for(9999)}
    status, _h, text = _request(f"{base}/api/v1/leads/", data=json.dumps(lead).encode(), headers=courier)
    assert status == 201, text[:500]
    status, _h, text = _request(f"{base}/api/v1/imports/{job.pk}/start/", data=b"{}", headers=courier)
    assert status == 202, text[:500]
    assert json.loads(text)["status"] == "queued"
    status, _h, text = _request(f"{base}/readyz")
    assert status == 200, text
    readiness = json.loads(text)
    assert readiness["status"] == "degraded"
    assert readiness["checks"]["cache"]["status"] == "down"
    assert readiness["checks"]["broker"]["status"] == "down"
    assert readiness["checks"]["broker"]["oldest_waiting_seconds"] is not None
    # The work waits in PostgreSQL; nothing ran.
    waiting = Message.objects.get(task="pipeline.tasks.run_import_job")
    assert waiting.args == [job.pk] and waiting.published_at is None and waiting.attempts >= 1
    assert Lead.objects.filter(company_name__startswith="停机").count() == 1

    own_redis.start()
    relay = subprocess.run(
        [sys.executable, "manage.py", "relay_outbox"],
        cwd=ROOT,
        env=stack["env"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert relay.returncode == 0, relay.stderr
    assert relay.stdout.strip() == "1 published"

    deadline = time.monotonic() + 90
    while ImportJob.objects.get(pk=job.pk).status != "done" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ImportJob.objects.get(pk=job.pk).status == "done", stack["logs"][1].read_text()[-3000:]
    waiting.refresh_from_db()
    assert waiting.published_at is not None
    # Run once: every row of the sheet once, plus the lead captured during the outage.
    assert Lead.objects.filter(company_name__startswith="停机").count() == rows + 1
    # A second relay finds nothing left to publish.
    again = subprocess.run(
        [sys.executable, "manage.py", "relay_outbox"],
        cwd=ROOT,
        env=stack["env"],
        capture_output=True,
        text=True,
    )
    assert again.stdout.strip() == "0 published"
    status, _h, text = _request(f"{base}/readyz")
    assert json.loads(text)["checks"]["cache"]["status"] == "ok", text
