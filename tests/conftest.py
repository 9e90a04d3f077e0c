"""The shared test harness: service detection, the organisation fixture, a browser and a real Celery worker.

Tests that need PostgreSQL, Redis or Chromium carry the marks `postgres`, `redis` or `browser`. When the
service is missing they are skipped with the reason, unless REQUIRE_SERVICES=1 (CI), which makes them fail.
"""

import os
import shutil
import threading
from dataclasses import dataclass

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run under one unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def _redis_available() -> str | None:
    if not settings.REDIS_URL:
        return "REDIS_URL is not set"
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # any connection problem means "not available"
        return f"Redis at REDIS_URL does not answer ({exc.__class__.__name__})"
    return None


def _browser_available() -> str | None:
    if not CHROMIUM:
        return "Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


def _missing_service(marker: str) -> str | None:
    if marker == "postgres":
        return (
            None if settings.IS_POSTGRES else "PostgreSQL is not configured (set DATABASE_URL=postgres://...)"
        )
    if marker == "redis":
        return _redis_available()
    if marker == "browser":
        return _browser_available()
    return None


def pytest_configure(config):
    # Hashing dominates fixture time with the production hasher; tests don't need its strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _isolate_parallel_worker()


def _isolate_parallel_worker():
    """Under pytest-xdist each worker process has its own test database (pytest-django suffixes its name); give
    it its own cache keys and Celery queue in the shared Redis too, so one worker's real Celery worker never
    takes another's task and a cached figure or throttle count never crosses between them."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    for alias in settings.CACHES:
        settings.CACHES[alias] = {**settings.CACHES[alias], "KEY_PREFIX": f"test-{worker}"}
    from config.celery import app

    app.conf.task_default_queue = f"test-{worker}"


_reasons: dict[str, str | None] = {}


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser"):
        if item.get_closest_marker(marker) is None:
            continue
        if marker not in _reasons:
            _reasons[marker] = _missing_service(marker)
        reason = _reasons[marker]
        if reason:
            if REQUIRE_SERVICES:
                pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
            pytest.skip(reason)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": settings.PRIVATE_ROOT},
        },
    }
    from django.utils.functional import empty

    from pipeline.models.imports import private_files

    private_files._wrapped = empty  # looked up again, in this test's folder


@pytest.fixture(autouse=True)
def _own_dashboard_cache(monkeypatch):
    """Each test its own dashboard cache, as a new database would have: ids repeat between tests on SQLite and
    frozen clocks repeat timestamps, so figures cached by an earlier test could otherwise match a later one."""
    import uuid

    monkeypatch.setattr("dashboard.versions.NAMESPACE", uuid.uuid4().hex)


@pytest.fixture(autouse=True)
def _own_subscribed_types(monkeypatch):
    """Each test learns afresh which events anyone subscribes to (a cached set would cross between tests)."""
    import uuid

    monkeypatch.setattr("outbox.events.SUBSCRIBED_KEY", f"subscribed-types-{uuid.uuid4().hex}")


@pytest.fixture(autouse=True)
def _own_throttle_counts(monkeypatch):
    """Each test its own request counts: throttles count in the shared cache (Redis when configured)."""
    import uuid

    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "cache_format", f"throttle-{uuid.uuid4().hex}-%(scope)s-%(ident)s"
    )


# --- The organisation ----------------------------------------------------------------------------------


@dataclass
class Org:
    """Two stations. Station A has areas a1 and a2; station B has area b1. A person of every role."""

    station_a: object
    station_b: object
    a1: object
    a2: object
    b1: object
    courier: object  # a1
    marketer: object  # a1
    manager: object  # a1
    courier_a2: object
    marketer_a2: object
    station_master: object  # A
    kam: object  # A
    courier_b: object
    marketer_b: object
    station_master_b: object
    kam_b: object
    executive: object
    admin: object

    def by_role(self):
        return {
            "courier": self.courier,
            "area_marketer": self.marketer,
            "area_manager": self.manager,
            "station_master": self.station_master,
            "key_account_manager": self.kam,
            "executive": self.executive,
            "admin": self.admin,
        }


def _competitors_seeded():
    """The competitors a migration seeds: a transactional test's flush empties every table, so the tests after it
    on the same worker would find none."""
    import importlib

    from pipeline.models import Competitor

    if not Competitor.objects.exists():
        seed = importlib.import_module("pipeline.migrations.0003_competitors_and_trigram_index")
        for name, short_name, strengths in seed.CARRIERS:
            Competitor.objects.create(name=name, short_name=short_name, strengths=strengths)


@pytest.fixture
def org(db):
    from tests.factories import AreaFactory, StationFactory, UserFactory

    _competitors_seeded()

    station_a = StationFactory(name="站A", code="A01")
    station_b = StationFactory(name="站B", code="B01")
    a1 = AreaFactory(station=station_a, name="片区A1")
    a2 = AreaFactory(station=station_a, name="片区A2")
    b1 = AreaFactory(station=station_b, name="片区B1")
    return Org(
        station_a=station_a,
        station_b=station_b,
        a1=a1,
        a2=a2,
        b1=b1,
        courier=UserFactory(username="courier", role="courier", area=a1),
        marketer=UserFactory(username="marketer", role="area_marketer", area=a1),
        manager=UserFactory(username="manager", role="area_manager", area=a1),
        courier_a2=UserFactory(username="courier_a2", role="courier", area=a2),
        marketer_a2=UserFactory(username="marketer_a2", role="area_marketer", area=a2),
        station_master=UserFactory(username="master", role="station_master", station=station_a),
        kam=UserFactory(username="kam", role="key_account_manager", station=station_a),
        courier_b=UserFactory(username="courier_b", role="courier", area=b1),
        marketer_b=UserFactory(username="marketer_b", role="area_marketer", area=b1),
        station_master_b=UserFactory(username="master_b", role="station_master", station=station_b),
        kam_b=UserFactory(username="kam_b", role="key_account_manager", station=station_b),
        executive=UserFactory(username="exec", role="executive", station=None),
        admin=UserFactory(username="admin", role="admin", station=None, is_staff=True, is_superuser=True),
    )


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def api_as(api_client):
    """api_as(user) -> an APIClient authenticated as that user."""

    def login(user):
        api_client.force_authenticate(user=user)
        return api_client

    return login


@pytest.fixture
def eager_tasks():
    """Queued Celery tasks (e-mails, notifications) run in place, so a test sees their outcome (mail.outbox)."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


# --- A real Celery worker --------------------------------------------------------------------------------


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (in a thread of this process) consuming from Redis, for job tests.

    Mark the test `@pytest.mark.redis`; with `@pytest.mark.postgres` too when the job writes concurrently.
    """
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.conf.task_always_eager = False
    # Start from an empty queue: work that earlier tests published after their commits (and no worker consumed)
    # would otherwise stand before this test's own.
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(app.conf.task_default_queue)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


# --- A browser ------------------------------------------------------------------------------------------------

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def _chromium():
    reason = _browser_available()
    if reason:
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _live_server_one_request_at_a_time_on_sqlite():
    """On SQLite the live server's threads share the test's one in-memory connection, which cannot serve two
    requests at once (a browser asks for a page and its scripts together): there the server answers one request
    at a time. PostgreSQL gives each thread its own connection and keeps the threaded server as it is."""
    from django.test.testcases import LiveServerThread, ThreadedWSGIServer

    if "sqlite" not in settings.DATABASES["default"]["ENGINE"]:
        yield
        return
    lock = threading.Lock()

    class OneRequestAtATime(ThreadedWSGIServer):
        def set_app(self, application):
            def serialised(environ, start_response):
                with lock:
                    result = application(environ, start_response)
                    try:
                        body = b"".join(result)
                    finally:
                        if hasattr(result, "close"):
                            result.close()
                return [body]

            super().set_app(serialised)

    before = LiveServerThread.server_class
    LiveServerThread.server_class = OneRequestAtATime
    yield
    LiveServerThread.server_class = before


@pytest.fixture
def browser_page(_chromium, live_server):
    """browser_page(user=None, phone=False) -> a Playwright page on the live server, logged in as `user`."""
    from django.test import Client

    contexts = []

    def open_page(user=None, *, phone=False, locale="zh-CN"):
        context = _chromium.new_context(
            viewport=PHONE if phone else DESKTOP,
            base_url=live_server.url,
            locale=locale,
            is_mobile=phone,
            has_touch=phone,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
            )
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
