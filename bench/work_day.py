"""Time the task rules' run of a busy station, a key-account manager's day page, the task list API and the
station's scorecard, on PostgreSQL.

    DATABASE_URL=postgres://user@host/lantou .venv/bin/python bench/work_day.py [--clients 20000]

Creates a throw-away database next to the configured one (suffix `_work_bench`) and fills it with bulk inserts:
one station of 10 areas, 200 couriers and marketers, 20 key-account managers owning `--clients` clients across the
loop; a visit with a next step for every client in play, a sent proposal for one in six, an unfinished trial for
one in eight, a contract ending in the coming months for every signed one, planned return visits, dropped clients,
unreviewed leads in every area, and this month's targets for every person and area. Then it times the first run of
the rules (which makes every task), a second run (which finds nothing to do), the day page and the tasks API of one
key-account manager, and the scorecard of the station, with their query counts. The database is dropped afterwards.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
# Production behaviour over plain HTTP in this process (as bench/run.py), with a throw-away key.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS"):
    os.environ.setdefault(name, "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

KAMS = 20
AREAS = 10
FIELD_PEOPLE = 200


def build(clients: int):
    from accounts.models import Area, Role, Station, User
    from pipeline.models import Client, Contract, Lead, Proposal, StageChange, TrialShipment
    from pipeline.models.loop import Stage
    from quota.models import QuotaSettings
    from targets.models import Target
    from visits.models import PlanSource, VisitKind, VisitPlan, VisitRecord

    station = Station.objects.create(name="基准站", code="WORK01")
    today = station.local_date()
    QuotaSettings.objects.create(station=station, starts_on=today - datetime.timedelta(days=60))
    areas = Area.objects.bulk_create([Area(station=station, name=f"片区{a}") for a in range(AREAS)])
    joined = today - datetime.timedelta(days=400)
    people = [
        User(username="master", role=Role.STATION_MASTER, station=station, password="!", date_joined=joined)
    ]
    people += [
        User(
            username=f"kam{k}",
            role=Role.KEY_ACCOUNT_MANAGER,
            station=station,
            password="!",
            date_joined=joined,
        )
        for k in range(KAMS)
    ]
    people += [
        User(
            username=f"mgr{a.pk}",
            role=Role.AREA_MANAGER,
            station=station,
            area=a,
            password="!",
            date_joined=joined,
        )
        for a in areas
    ]
    people += [
        User(
            username=f"p{i}",
            role=Role.AREA_MARKETER if i % 10 == 0 else Role.COURIER,
            station=station,
            area=areas[i % AREAS],
            password="!",
            date_joined=joined,
        )
        for i in range(FIELD_PEOPLE)
    ]
    User.objects.bulk_create(people, batch_size=2000)
    kams = list(User.objects.filter(role=Role.KEY_ACCOUNT_MANAGER).order_by("pk"))
    field = list(User.objects.filter(role__in=[Role.COURIER, Role.AREA_MARKETER]).order_by("pk"))
    stages = [
        Stage.SCREEN,
        Stage.SURVEY,
        Stage.NEEDS,
        Stage.PROPOSAL,
        Stage.VISIT,
        Stage.TRIAL_SHIPMENT,
        Stage.CONTRACT,
        Stage.FOLLOW_UP,
        Stage.ARCHIVE,
        Stage.DROPPED,
    ]
    now = timezone.now()
    Client.objects.bulk_create(
        [
            Client(
                name=f"客户{i}",
                normalized_name=f"客户{i}",
                station=station,
                area=areas[i % AREAS],
                owner=kams[i % KAMS],
                stage=stages[i % len(stages)],
                stage_entered_at=now - datetime.timedelta(days=i % 97),
                # As transitions.move() leaves it (the dropped ones left from the visit, below).
                furthest_stage=stages[i % len(stages)]
                if stages[i % len(stages)] != Stage.DROPPED
                else Stage.VISIT,
                tier="ABC"[i % 3],
            )
            for i in range(clients)
        ],
        batch_size=5000,
    )
    rows = list(Client.objects.filter(station=station).values_list("pk", "stage", "owner_id").order_by("pk"))
    records, proposals, trials, contracts, plans, drops = [], [], [], [], [], []
    for n, (pk, stage, owner) in enumerate(rows):
        if stage == Stage.DROPPED:
            drops.append(
                StageChange(
                    client_id=pk,
                    from_stage=Stage.VISIT,
                    to_stage=Stage.DROPPED,
                    at=now - datetime.timedelta(days=80 + n % 20),
                )
            )
            continue
        records.append(
            VisitRecord(
                client_id=pk,
                by_id=owner,
                visited_at=now - datetime.timedelta(days=1 + n % 20),
                met="采购",
                outcome="interested",
                next_step="回电",
                next_step_on=today + datetime.timedelta(days=n % 25 - 10),
            )
        )
        if n % 6 == 0:
            proposals.append(
                Proposal(
                    client_id=pk,
                    by_id=owner,
                    version=1,
                    title="方案",
                    status="sent",
                    sent_at=now - datetime.timedelta(days=n % 12),
                )
            )
        if n % 8 == 0:
            trials.append(
                TrialShipment(
                    client_id=pk,
                    by_id=owner,
                    sent_on=today - datetime.timedelta(days=n % 14),
                    waybill_numbers="YT1",
                    parcel_count=3,
                )
            )
        if stage in (Stage.CONTRACT, Stage.FOLLOW_UP, Stage.ARCHIVE):
            ends = today + datetime.timedelta(days=20 + n % 60)
            contracts.append(
                Contract(
                    client_id=pk,
                    by_id=owner,
                    signed_on=today.replace(day=1),
                    starts_on=ends - datetime.timedelta(days=365),
                    ends_on=ends,
                    price_terms="首重7元",
                    committed_monthly_volume=500,
                    settlement_mode="monthly",
                )
            )
            plans.append(
                VisitPlan(
                    client_id=pk,
                    kind=VisitKind.RETURN,
                    source=PlanSource.CADENCE,
                    planned_for=today + datetime.timedelta(days=n % 21 - 7),
                    assignee_id=owner,
                )
            )
    for model, objs in (
        (VisitRecord, records),
        (Proposal, proposals),
        (TrialShipment, trials),
        (Contract, contracts),
        (VisitPlan, plans),
        (StageChange, drops),
    ):
        model.objects.bulk_create(objs, batch_size=5000)
    Lead.objects.bulk_create(
        [
            Lead(
                company_name=f"线索{i}",
                contact_phone="13800000000",
                collected_by_id=p.pk,
                collected_at=now,
                collected_on=today - datetime.timedelta(days=i % 3),
                station=station,
                area_id=p.area_id,
            )
            for i, p in enumerate(field * 5)
        ],
        batch_size=5000,
    )
    month = today.replace(day=1)
    Target.objects.bulk_create(
        [Target(station=station, person=p, month=month, metric="leads", value=26) for p in field]
        + [
            Target(station=station, person=k, month=month, metric=m, value=v)
            for k in kams
            for m, v in (("contracts", 3), ("committed_parcels", 9000), ("revenue", 72000))
        ]
        + [Target(station=station, area=a, month=month, metric="leads", value=500) for a in areas]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts = {
        "visit records": len(records),
        "proposals": len(proposals),
        "trials": len(trials),
        "contracts": len(contracts),
        "return visits": len(plans),
        "drops": len(drops),
    }
    return station, kams[0], counts


def timed(label, fn, repeat=1):
    durations, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = fn()
            durations.append(time.perf_counter() - started)
        queries = len(captured)
    if os.environ.get("BENCH_VERBOSE"):  # the slowest statements of the last repetition
        for q in sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:6]:
            print(f"    {float(q['time']):7.3f}  {q['sql'][:300]}")
    shown = (
        f"p50 {statistics.median(durations) * 1000:.0f} ms over {repeat}"
        if repeat > 1
        else f"{durations[0]:.2f} s"
    )
    print(f"{label}: {shown}, {queries} queries")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20_000)
    args = parser.parse_args()
    if not settings.IS_POSTGRES:
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    from config.celery import app

    app.conf.broker_url = "memory://"  # escalation e-mails are queued as in production, into memory
    original_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{original_name}_work_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from django.test import Client as WebClient

        from agenda import rules
        from agenda.models import Task
        from targets.scorecards import summary

        started = time.perf_counter()
        station, kam, counts = build(args.clients)
        print(
            f"Built {args.clients:,} clients ({', '.join(f'{v:,} {k}' for k, v in counts.items())}) "
            f"in {time.perf_counter() - started:.1f} s."
        )
        today = station.local_date()
        evening = timezone.now().astimezone(station.tz).replace(hour=19)
        first = timed(
            "Rules, first run (makes every task)",
            lambda: rules.sync_station(station=station, on=today, now=evening),
        )
        print(
            f"  {first}; {Task.objects.count():,} tasks, {Task.objects.filter(assignee=kam).count()} of one key-account manager"
        )
        again = timed("Rules, second run", lambda: rules.sync_station(station=station, on=today, now=evening))
        print(f"  {again}")
        web = WebClient()
        web.force_login(kam)
        web.get("/")
        timed("Day page of a key-account manager", lambda: web.get("/"), repeat=20)
        timed("Tasks API, first page (theirs)", lambda: web.get("/api/v1/tasks/?assignee=me"), repeat=20)
        master = type(kam).objects.get(username="master")
        timed(
            "Station scorecard (people and areas)",
            lambda: summary(master, month=today.replace(day=1), today=today, station_id=station.pk),
            repeat=20,
        )
        return 0
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
