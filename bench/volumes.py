"""Time the volume feed at province scale: `POST /api/v1/volumes/` with 10,000 rows (target: at most 5 s a call),
the tier rule over every station, and the dashboards' revenue queries.

    DATABASE_URL=postgres://postgres@127.0.0.1/lantou_province .venv/bin/python bench/volumes.py [--rows 10000]

Needs the province demo (`seed_demo --scale province`). Everything runs in one transaction that is rolled back at
the end, so the database keeps neither the volumes nor the tiers; where this branch's migrations are not applied
yet, the tables and columns the feed needs are created inside that transaction too (and vanish with it), so a
shared demo database is left as it was. Calls go through the whole request path
in-process (middleware, authentication as the province executive, JSON parsing, the service), three of them:
rows by id into an empty month, the same rows again (all replaced), and rows naming clients by waybill code.
"""

import argparse
import datetime
import json
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

from django.db import connection, transaction  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


class Rollback(Exception):
    pass


def timed(label: str, func):
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = func()
        seconds = time.perf_counter() - start
    print(f"{label:<58} {seconds:7.2f} s  {len(queries):4d} queries")
    return seconds, result


def create_schema():
    """The volume table and the columns the feed's code path reads, as the migrations would add them."""
    from accounts.models import Station, User
    from pipeline.models import Client
    from volumes.models import MonthlyVolume

    client_fields = [
        "waybill_code",
        "tier_computed",
        "tier_override",
        "tier_override_by",
        "tier_override_reason",
        "tier_override_at",
    ]
    with connection.schema_editor(atomic=False) as editor:
        for name in client_fields:
            editor.add_field(Client, Client._meta.get_field(name))
        for constraint in Client._meta.constraints:
            if constraint.name == "client_waybill_code_unique":
                editor.add_constraint(Client, constraint)
        for model in (User, Station):
            editor.add_field(model, model._meta.get_field("updated_at"))
        editor.create_model(MonthlyVolume)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    from accounts.models import Station, User
    from dashboard.sections import revenue
    from pipeline.models import Client
    from volumes.months import months_back
    from volumes.selectors import revenue_by
    from volumes.tiers import tiers_compute

    seconds = []
    try:
        with transaction.atomic():
            if "volumes_monthlyvolume" not in connection.introspection.table_names():
                timed("schema for the feed, in this transaction only", create_schema)
            executive = User.objects.filter(username="province_exec").first()
            if executive is None:
                sys.exit("No province demo here: load it with `manage.py seed_demo --scale province`.")
            print(
                f"database {connection.settings_dict['NAME']}: {Station.objects.count()} stations, "
                f"{Client.objects.count():,} clients; {args.rows:,} rows a call"
            )
            today = datetime.date.today()
            month = months_back(today.replace(day=1), 1).strftime("%Y-%m")
            ids = list(Client.objects.active().order_by("pk").values_list("pk", flat=True)[: args.rows])
            if len(ids) < args.rows:
                sys.exit(f"Only {len(ids)} clients: fewer than --rows.")
            http = HttpClient()
            http.force_login(executive)
            # A served process has answered requests before: the first one's imports and start-up are not the feed's.
            assert http.get("/api/v1/volumes/", {"page_size": 1}).status_code == 200

            def push(rows):
                body = json.dumps({"rows": rows})

                def call():
                    answer = http.post("/api/v1/volumes/", body, content_type="application/json")
                    assert answer.status_code == 200, answer.content[:500]
                    return answer.json()

                return call

            by_id = [
                {
                    "client": pk,
                    "month": month,
                    "parcels": 100 + i % 900,
                    "revenue": f"{(i % 997) * 13.5:.2f}",
                    "source": "bench",
                }
                for i, pk in enumerate(ids)
            ]
            again = [{**row, "parcels": row["parcels"] + 1} for row in by_id]
            by_code = [
                {**{k: v for k, v in row.items() if k != "client"}, "client_code": f"BENCH-{row['client']}"}
                for row in by_id
            ]
            s, body = timed(f"POST /api/v1/volumes/ {args.rows:,} rows by id, all new", push(by_id))
            assert body["created"] == args.rows, body
            seconds.append(s)
            s, body = timed(f"POST /api/v1/volumes/ {args.rows:,} rows by id, all replaced", push(again))
            assert body["updated"] == args.rows, body
            seconds.append(s)
            # Waybill codes for the same clients (rolled back with the rest).
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE pipeline_client SET waybill_code = 'BENCH-' || id WHERE id = ANY(%s)", [ids]
                )
            s, body = timed(f"POST /api/v1/volumes/ {args.rows:,} rows by waybill code", push(by_code))
            assert body["updated"] == args.rows, body
            seconds.append(s)
            stations = list(Station.objects.order_by("pk").values_list("pk", flat=True))
            timed(
                f"tier rule, all {len(stations)} stations (nightly job)",
                lambda: sum(tiers_compute(station_id=pk, today=today) for pk in stations),
            )
            first_month = months_back(today.replace(day=1), 1)
            timed(
                "network dashboard: revenue per station (1 query)",
                lambda: revenue_by("client__station", month=first_month),
            )
            station = Station.objects.order_by("pk").first()
            timed(
                "station dashboard: revenue per area (1 query + names)",
                lambda: revenue(station=station, area=None, day=first_month),
            )
            raise Rollback
    except Rollback:
        pass
    print(
        f"feed: {statistics.mean(seconds):.2f} s a call on average, slowest {max(seconds):.2f} s (target 5 s)"
    )


if __name__ == "__main__":
    main()
