"""What the audit trail costs: the lead capture POST and a stage move with the audit triggers on and off, and the
trail's rows and bytes per captured lead (to size it at province scale), on PostgreSQL.

    DATABASE_URL=postgres://user@host/lantou .venv/bin/python bench/audit_cost.py [--repeat 200]

Creates a throw-away database next to the configured one (suffix `_audit_bench`) with one station, a courier and
a key-account manager, then alternates rounds of requests through Django's test client (no network): `--repeat`
lead captures (`POST /api/v1/leads/`) and as many stage moves (`POST /api/v1/clients/{id}/transition/`, a drop
and its re-opening) with the triggers enabled, then disabled (`ALTER TABLE … DISABLE TRIGGER`, pgtrigger.disable;
the request's context is still attached to each statement). The database is dropped afterwards.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS"):
    os.environ.setdefault(name, "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

ROUNDS = 3


def _audit_triggers() -> list[str]:
    import pgtrigger

    from audit.models import PROXIES

    uris = []
    for model, trigger in pgtrigger.registered():
        if model in PROXIES.values() or model._meta.label == "accounts.User":
            uris.append(f"{model._meta.label}:{trigger.name}")
    return [u for u in uris if not u.endswith(":append_only")]


def _trail_size() -> tuple[int, int]:
    from audit.services import ALL_EVENT_MODELS

    rows = sum(m.objects.count() for m in ALL_EVENT_MODELS)
    with connection.cursor() as cursor:
        tables = [m._meta.db_table for m in ALL_EVENT_MODELS]
        cursor.execute("SELECT sum(pg_total_relation_size(t::regclass)) FROM unnest(%s::text[]) t", [tables])
        size = cursor.fetchone()[0]
    return rows, int(size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    if not settings.IS_POSTGRES:
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    from config.celery import app

    app.conf.broker_url = "memory://"
    original_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{original_name}_audit_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        import pgtrigger
        from django.test import Client as WebClient

        from accounts.models import Area, Role, Station, User
        from pipeline.models import Client
        from quota.models import QuotaSettings

        station = Station.objects.create(name="基准站", code="AUD01")
        QuotaSettings.objects.create(station=station, starts_on=station.local_date())
        area = Area.objects.create(station=station, name="片区1")
        courier = User.objects.create(username="courier", role=Role.COURIER, station=station, area=area)
        kam = User.objects.create(username="kam", role=Role.KEY_ACCOUNT_MANAGER, station=station)
        client = Client.objects.create(
            name="基准客户", normalized_name="基准客户", station=station, area=area, owner=kam
        )
        capture, mover = WebClient(), WebClient()
        capture.force_login(courier)
        mover.force_login(kam)
        triggers = _audit_triggers()
        counter = iter(range(10**9))

        def one_capture():
            n = next(counter)
            response = capture.post(
                "/api/v1/leads/",
                {
                    "company_name": f"基准公司{n}",
                    "contact_name": "张三",
                    "contact_phone": f"139{n:08d}",
                    "inbound_monthly": 100,
                    "outbound_monthly": 20,
                    "competitors": [{"competitor": "顺丰速运", "monthly": 30}],
                },
                content_type="application/json",
            )
            assert response.status_code == 201, response.content

        def one_move():
            client.refresh_from_db()
            body = {"to": "dropped", "reason": "基准"} if client.stage != "dropped" else {"to": "collect"}
            response = mover.post(
                f"/api/v1/clients/{client.pk}/transition/", body, content_type="application/json"
            )
            assert response.status_code == 200, response.content

        def timed(fn) -> list[float]:
            out = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                fn()
                out.append((time.perf_counter() - started) * 1000)
            return out

        one_capture(), one_move(), one_move()  # warm up
        results = {("capture", True): [], ("capture", False): [], ("move", True): [], ("move", False): []}
        growth = {"capture": [0, 0], "move": [0, 0]}
        for _ in range(ROUNDS):
            for on in (True, False):
                if not on:
                    pgtrigger.disable(*triggers)
                try:
                    for what, fn in (("capture", one_capture), ("move", one_move)):
                        rows, size = _trail_size()
                        results[(what, on)] += timed(fn)
                        if on:
                            after_rows, after_size = _trail_size()
                            growth[what][0] += after_rows - rows
                            growth[what][1] += after_size - size
                finally:
                    if not on:
                        pgtrigger.enable(*triggers)
        for (what, on), times in results.items():
            label = {"capture": "Lead capture POST", "move": "Stage move POST"}[what]
            print(
                f"{label:<20} audit {'on ' if on else 'off'}: p50 {statistics.median(times):6.1f} ms, "
                f"p95 {statistics.quantiles(times, n=20)[18]:6.1f} ms ({len(times)} requests)"
            )
        requests = ROUNDS * args.repeat
        for what, (rows, size) in growth.items():
            print(
                f"Trail per {what}: {rows / requests:.1f} rows, {size / requests:,.0f} bytes "
                f"(tables and indexes, over {requests} requests)"
            )
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
