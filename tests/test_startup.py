"""The product starts in every configuration the README names, each in a fresh interpreter.

Whether an import cycle bites depends on what happened to be imported first, so each case runs `manage.py` in a
process of its own; a test process that has already loaded everything would hide it.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
# Variables of the caller's shell that would change what is being tried.
_OWN = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_SETTINGS_MODULE",  # the test suite's own settings module
)


def _env(**env) -> dict:
    return {k: v for k, v in os.environ.items() if k not in _OWN} | {k: v for k, v in env.items() if v}


def _run(args, timeout=120, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=_env(**env), capture_output=True, text=True, timeout=timeout
    )


def _production(**env) -> dict:
    # No DEBUG: production is what the product does unless told otherwise.
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    } | env


def test_the_module_drf_settings_name_does_not_import_drf_views():
    code = (
        "import os, sys; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        "import django; from django.conf import settings; settings.INSTALLED_APPS; "
        "import config.api; "
        "assert 'rest_framework.views' not in sys.modules, 'config.api imports rest_framework.views'"
    )
    result = _run(["-c", code], DEBUG="1", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stderr


_DATABASES = {
    "sqlite": pytest.param(None, id="sqlite"),
    "postgres": pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
}
_CACHES = {
    "no-redis": pytest.param(None, id="no-redis"),
    "redis": pytest.param("redis", id="redis", marks=pytest.mark.redis),
}


@pytest.mark.parametrize("database", _DATABASES.values())
@pytest.mark.parametrize("cache", _CACHES.values())
@pytest.mark.parametrize("debug", ["0", "1"])
def test_manage_check_passes_in_a_fresh_interpreter(debug, database, cache):
    env = {
        "DATABASE_URL": settings.DATABASE_URL if database else None,
        "REDIS_URL": settings.REDIS_URL if cache else None,
    }
    if debug == "0":
        result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **_production(**env))
    else:
        # The development profile is asked for explicitly, as make run does.
        result = _run(["manage.py", "check"], DEBUG="1", SECRET_KEY=secrets.token_urlsafe(50), **env)
    assert result.returncode == 0, result.stdout + result.stderr


# --- A production server, for real -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(url, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        # Generous: the first request waits for a worker to load the application, slow on a busy machine
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def production_database(tmp_path_factory):
    """A SQLite file migrated under production settings, with its static files collected and one administrator:
    built once for the module (a migration takes a while), copied for each test."""
    root = tmp_path_factory.mktemp("production")
    env = _production(
        DATABASE_URL=f"sqlite:///{root / 'db.sqlite3'}",
        STATIC_ROOT=str(root / "static"),
        SECURE_SSL_REDIRECT="0",
    )
    for step in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        result = _run(["manage.py", *step], timeout=600, **env)
        assert result.returncode == 0, result.stdout + result.stderr
    create = (
        "from accounts.models import User, Role; "
        "User.objects.create_user('smoke', password='smoke-Passw0rd!', role=Role.ADMIN, is_staff=True)"
    )
    result = _run(["manage.py", "shell", "-c", create], **env)
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.fixture
def production_env(tmp_path, production_database):
    """Production settings on a database of their own: a copy of the migrated SQLite file in tmp_path (a
    PostgreSQL test database would be invisible to a second process while the test holds it in a transaction)."""

    def make(**extra):
        shutil.copyfile(production_database / "db.sqlite3", tmp_path / "db.sqlite3")
        return _production(
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            STATIC_ROOT=str(production_database / "static"),
            MEDIA_ROOT=str(tmp_path / "media"),
            # The server runs behind no TLS proxy here: plain HTTP, as a health check on the host would see it.
            SECURE_SSL_REDIRECT="0",
            **extra,
        )

    return make


@pytest.fixture
def gunicorn():
    processes = []

    def start(env) -> str:
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", "2", "--timeout", "60"],
            cwd=ROOT,
            env=_env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{process.stdout.read()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return base
            except OSError:
                time.sleep(0.2)
        pytest.fail("gunicorn did not start listening within 120 s (a busy machine)")

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _serves_login_and_api(base):
    status, headers, body = _request(f"{base}/accounts/login/")
    assert status == 200, body[:500]
    assert headers["Content-Type"].startswith("text/html")

    status, headers, body = _request(
        f"{base}/api/v1/auth/token/",
        data=b'{"username": "smoke", "password": "smoke-Passw0rd!"}',
        headers={"Content-Type": "application/json"},
    )
    assert status == 200, body[:500]
    import json

    token = json.loads(body)["token"]

    status, headers, body = _request(f"{base}/api/v1/leads/", headers={"Authorization": f"Token {token}"})
    assert status == 200, body[:500]
    assert headers["Content-Type"].startswith("application/json")
    assert "results" in json.loads(body)


# Both on one worker, so the migrated database is built once.
@pytest.mark.xdist_group("production_database")
def test_gunicorn_in_production_without_redis_serves_login_and_api(production_env, gunicorn):
    _serves_login_and_api(gunicorn(production_env()))


@pytest.mark.redis
@pytest.mark.xdist_group("production_database")
def test_gunicorn_in_production_with_redis_serves_login_and_api(production_env, gunicorn):
    _serves_login_and_api(gunicorn(production_env(REDIS_URL=settings.REDIS_URL)))
