"""Time the daily quota evaluation of one day for 10,000 people on PostgreSQL.

    DATABASE_URL=postgres://user@host/lantou .venv/bin/python bench/quota_day.py [--people 10000] [--stations 1]

Creates a throw-away database next to the configured one (Django's test-database machinery, name suffixed
`_quota_bench`), fills it with bulk inserts — the people, three days of leads (5% of the people collect nothing,
so the third day raises their flags and notifies their area managers), the live daily tallies — evaluates the
first two days untimed, then times the third and prints the figure. The database is dropped afterwards, also when
the run fails. Target: at most 1 second and 10 statements.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

DAY = datetime.date(2026, 3, 4)  # a Wednesday; the two days before are working days too
TARGET_SECONDS = 1.0
TARGET_QUERIES = 10  # statements, transaction control (BEGIN, SET LOCAL, COMMIT) left out


def build(people: int, stations: int) -> list:
    from accounts.models import Area, Role, Station, User
    from pipeline.models import Lead
    from quota.models import DailyTally, QuotaSettings

    per_station = people // stations
    result = []
    for s in range(stations):
        station = Station.objects.create(name=f"基准站{s}", code=f"BENCH{s:03d}")
        QuotaSettings.objects.create(station=station, starts_on=DAY - datetime.timedelta(days=2))
        areas = Area.objects.bulk_create(
            [Area(station=station, name=f"片区{a}") for a in range(max(per_station // 100, 1))]
        )
        User.objects.bulk_create(
            [
                User(
                    username=f"m{s}_{a.pk}",
                    role=Role.AREA_MANAGER,
                    station=station,
                    area=a,
                    email=f"m{s}_{a.pk}@example.com",
                    password="!",
                    date_joined=DAY - datetime.timedelta(days=400),
                )
                for a in areas
            ],
            batch_size=2000,
        )
        User.objects.bulk_create(
            [
                User(
                    username=f"p{s}_{i}",
                    display_name=f"揽投员{s}-{i}",
                    role=Role.COURIER if i % 4 else Role.AREA_MARKETER,
                    station=station,
                    area=areas[i % len(areas)],
                    password="!",
                    date_joined=DAY - datetime.timedelta(days=400),
                )
                for i in range(per_station)
            ],
            batch_size=2000,
        )
        staff = list(
            User.objects.filter(station=station, role__in=[Role.COURIER, Role.AREA_MARKETER]).values_list(
                "pk", "area_id"
            )
        )
        leads, tallies = [], []
        for index, (pk, area_id) in enumerate(staff):
            if index % 20 == 0:
                continue  # 5% collect nothing on any of the three days
            for back in range(3):
                day = DAY - datetime.timedelta(days=back)
                leads.append(
                    Lead(
                        company_name=f"客户{pk}-{back}",
                        contact_phone="13800000000",
                        collected_by_id=pk,
                        collected_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=station.tz),
                        collected_on=day,
                        station=station,
                        area_id=area_id,
                    )
                )
                tallies.append(
                    DailyTally(person_id=pk, day=day, station=station, area_id=area_id, leads=1, counted=1)
                )
        Lead.objects.bulk_create(leads, batch_size=5000)
        DailyTally.objects.bulk_create(tallies, batch_size=5000)
        result.append(station)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--stations", type=int, default=1)
    args = parser.parse_args()
    if not settings.IS_POSTGRES:
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2

    from config.celery import app
    from quota.evaluation import evaluate_station_day, evaluate_station_through

    # The e-mails to the area managers are queued as in production, but into memory: nothing to deliver later.
    app.conf.broker_url = "memory://"

    original_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{original_name}_quota_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        started = time.perf_counter()
        stations = build(args.people, args.stations)
        print(
            f"Built {args.people:,} people in {len(stations)} station(s) with three days of leads "
            f"in {time.perf_counter() - started:.1f} s."
        )
        for station in stations:
            evaluate_station_through(station=station, through=DAY - datetime.timedelta(days=1))
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            results = [evaluate_station_day(station=station, day=DAY) for station in stations]
            elapsed = time.perf_counter() - started
        if os.environ.get("BENCH_VERBOSE"):
            for q in queries.captured_queries:
                print(f"{float(q['time']):7.3f}  {q['sql'][:110]}")
        on_duty = sum(r.on_duty for r in results)
        met = sum(r.met for r in results)
        raised = sum(r.flags_raised for r in results)
        print(
            f"Evaluated {DAY} for {on_duty:,} people on duty in {elapsed:.2f} s "
            f"({len(queries)} queries): {met:,} met, {on_duty - met:,} missed, {raised:,} flags raised."
        )
        statements = [
            q for q in queries.captured_queries if q["sql"].split(" ", 1)[0] not in ("BEGIN", "COMMIT", "SET")
        ]
        fast, few = elapsed <= TARGET_SECONDS, len(statements) <= TARGET_QUERIES
        print(f"Target <= {TARGET_SECONDS:.0f} s: {'met' if fast else 'NOT met'}.")
        print(
            f"Target <= {TARGET_QUERIES} statements: {'met' if few else 'NOT met'} ({len(statements)} besides "
            "BEGIN, SET LOCAL and COMMIT; BENCH_VERBOSE=1 lists them)."
        )
        return 0 if fast and few else 1
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
