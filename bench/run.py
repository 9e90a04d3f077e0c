"""Benchmark the dashboards and the lead list against a running server at province scale.

    python bench/run.py [--database URL] [--requests 300] [--concurrency 4] [--workers 4]

Needs a PostgreSQL database loaded with `python manage.py seed_demo --scale province` (default database:
postgres://postgres@127.0.0.1/lantou_province). Starts gunicorn on 127.0.0.1 with `bench.settings` (the product's
settings plus a bare reference view and an `X-Queries` header), fires a bounded number of concurrent requests per
endpoint from a few threads, prints p50/p95 latency, requests per second and queries per request, and stops the
server. Only 127.0.0.1 is ever contacted.
"""

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1/lantou_province"
HOST = "127.0.0.1"
# Target p95 <= 200 ms at province scale for every role (issue: lists and search that stay fast for HQ).
LIST_PAGES = {
    "lead list page (HQ)",
    "lead page search (HQ)",
    "lead page search (master)",
    "lead list page (courier)",
    "client list page (HQ)",
    "global search (HQ)",
    "people picker (HQ)",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--requests", type=int, default=300, help="measured requests per endpoint (max 5000)")
    parser.add_argument("--warmup", type=int, default=20)
    cores = os.cpu_count() or 2
    parser.add_argument(
        "--concurrency", type=int, default=cores, help="client threads (default: one per core; max 32)"
    )
    parser.add_argument(
        "--workers", type=int, default=2 * cores, help="gunicorn worker processes (default: two per core)"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="measure only endpoints whose name contains this (repeatable)",
    )
    args = parser.parse_args()
    args.requests = max(1, min(args.requests, 5000))
    args.concurrency = max(1, min(args.concurrency, 32))
    return args


def setup_django(database: str) -> None:
    os.environ["DATABASE_URL"] = database
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS"):
        os.environ.setdefault(name, "0")
    os.environ.setdefault("ALLOWED_HOSTS", HOST)
    import django

    django.setup()


def session_cookie(username: str) -> str:
    """A logged-in session for `username`, made directly in the session store (no password round trip)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def fire(port: int, path: str, cookie: str, n: int, concurrency: int) -> dict:
    """`n` GETs of `path` from `concurrency` threads; latency per request, throughput over the wall time."""
    latencies, queries, statuses = [], [], {}
    lock = threading.Lock()
    remaining = [n]

    def worker():
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while True:
            with lock:
                if remaining[0] == 0:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie, "Accept": "application/json, text/html"})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1
                if response.getheader("X-Queries"):
                    queries.append(int(response.getheader("X-Queries")))
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": n,
        "statuses": statuses,
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000, 1),
        "rps": round(n / wall, 1),
        "queries": round(statistics.median(queries), 1) if queries else None,
    }


def machine() -> dict:
    from django.db import connection

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    import django

    return {
        "load average before the run": " ".join(f"{x:.1f}" for x in LOAD_BEFORE),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg,
    }


LOAD_BEFORE = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)


def main() -> None:
    args = parse_args()
    if LOAD_BEFORE[0] > (os.cpu_count() or 1):
        print(
            f"Warning: the machine is busy (load average {LOAD_BEFORE[0]:.1f}); figures will be pessimistic."
        )
    if not args.database.startswith("postgres"):
        raise SystemExit("The benchmark runs against PostgreSQL (--database postgres://...).")
    setup_django(args.database)
    from django.db import connection

    from accounts.models import Station, User
    from pipeline.models import Lead
    from quota.models import DailyTally

    station = Station.objects.filter(code="P001").first()
    if station is None:
        raise SystemExit(
            f"No province-scale data in {args.database}: run (development profile: DEBUG=1 and a SECRET_KEY)\n"
            f"  DATABASE_URL={args.database} python manage.py migrate\n"
            f"  DATABASE_URL={args.database} python manage.py seed_demo --scale province"
        )
    sizes = {
        "stations": Station.objects.count(),
        "leads": Lead.objects.count(),
        "daily_tallies": DailyTally.objects.count(),
    }
    master, executive = session_cookie("p001master"), session_cookie("province_exec")
    courier = session_cookie(
        User.objects.filter(role="courier", station=station)
        .order_by("pk")
        .values_list("username", flat=True)[0]
    )
    # A company name as people search it: one lead's whole name, found among 3 million.
    name = quote(
        Lead.objects.filter(station=station).order_by("pk").values_list("company_name", flat=True)[0]
    )
    connection.close()
    targets = [
        ("station dashboard API", f"/api/v1/dashboard/?station={station.pk}", master),
        ("station dashboard page", f"/dashboard/stations/{station.pk}/", master),
        ("province dashboard API", "/api/v1/dashboard/stations/", executive),
        ("province dashboard page", "/dashboard/stations/", executive),
        ("lead list API (25)", "/api/v1/leads/", master),
        ("bare values() view (25)", "/bench/bare-leads/", master),
        # The list pages and their searches (one read path: config/paging.py, pipeline/selectors/): LIST_PAGES.
        ("lead list page (HQ)", "/leads/", executive),
        ("lead page search (HQ)", f"/leads/?q={name}", executive),
        ("lead page search (master)", f"/leads/?q={name}", master),
        ("lead list page (courier)", "/leads/", courier),
        ("client list page (HQ)", "/clients/", executive),
        ("global search (HQ)", f"/search/?q={name}", executive),
        ("people picker (HQ)", f"/api/v1/pick/people/?q={quote('p001')}", executive),
    ]
    if args.only:
        targets = [t for t in targets if any(word in t[0] for word in args.only)]
    port = free_port()
    print(
        f"Starting gunicorn ({args.workers} workers) on {HOST}:{port} against {args.database} …", flush=True
    )
    server = start_server(port, args.workers)
    results = {}
    try:
        for name, path, cookie in targets:
            fire(port, path, cookie, args.warmup, args.concurrency)
            results[name] = dict(path=path, **fire(port, path, cookie, args.requests, args.concurrency))
            r = results[name]
            print(
                f"  {name:<26} p50 {r['p50_ms']:>7} ms  p95 {r['p95_ms']:>7} ms  {r['rps']:>7} req/s  "
                f"{r['queries']} queries  {r['statuses']}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)

    info = machine()
    p95 = {name: r["p95_ms"] for name, r in results.items()}
    lead, bare = results.get("lead list API (25)"), results.get("bare values() view (25)")
    lists = [name for name, _path, _cookie in targets if name in LIST_PAGES]
    checks = {
        label: ok
        for label, needed, ok in [
            (
                "station dashboard API p95 <= 50 ms",
                "station dashboard API",
                lambda: p95["station dashboard API"] <= 50,
            ),
            (
                "station dashboard page p95 <= 50 ms",
                "station dashboard page",
                lambda: p95["station dashboard page"] <= 50,
            ),
            (
                "province dashboard API p95 <= 300 ms",
                "province dashboard API",
                lambda: p95["province dashboard API"] <= 300,
            ),
            (
                "province dashboard page p95 <= 300 ms",
                "province dashboard page",
                lambda: p95["province dashboard page"] <= 300,
            ),
            (
                "lead list >= 60% of the bare view",
                "bare values() view (25)",
                lambda: (
                    lead and lead.get("statuses") == {200: args.requests} and lead["rps"] >= 0.6 * bare["rps"]
                ),
            ),
            (
                "list pages, searches and pickers p95 <= 200 ms",
                lists[0] if lists else "-",
                lambda: all(p95[name] <= 200 for name in lists),
            ),
        ]
        if needed in results
    }
    checks = {label: ok() for label, ok in checks.items()}
    print()
    print("Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print("Data: " + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in sizes.items()))
    print(
        f"Run: {args.requests} requests per endpoint after {args.warmup} warm-up, {args.concurrency} client "
        f"threads, gunicorn {args.workers} sync workers"
    )
    if lead and bare:
        print(f"Lead list throughput: {lead['rps'] / bare['rps']:.0%} of the bare view")
    print()
    print("| endpoint | p50 ms | p95 ms | req/s | queries/request |")
    print("|---|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} (`{r['path']}`) | {r['p50_ms']} | {r['p95_ms']} | {r['rps']} | {r['queries']} |")
    print()
    for check, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {check}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"machine": info, "data": sizes, "results": results, "checks": checks}, indent=2, default=str
            )
        )


if __name__ == "__main__":
    main()
