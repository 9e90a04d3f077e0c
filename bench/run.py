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
    "lead list page (master)",
    "client list page (master)",
    "client list page (courier)",
    "client page search (HQ)",
    "client page search (master)",
    "screening list page (HQ)",
    "review queue page (HQ)",
    "kanban page (HQ)",
    "funnel page (HQ)",
    "global search (master)",
    "global search (courier)",
    "lead page search (courier)",
    "area picker (HQ)",
    "client picker (HQ)",
}
# Target p95 <= 100 ms for the capture and the pages people open every day (issue: fast where people wait).
DAILY_PREFIXES = ("capture", "daily")


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


def fire(port: int, path, cookie, n: int, concurrency: int) -> dict:
    """`n` requests from `concurrency` threads; latency per request, throughput over the wall time. `path` is a
    path to GET with the `cookie`, or a callable making each request: () -> (method, path, headers, body)."""
    latencies, queries, statuses = [], [], {}
    lock = threading.Lock()
    remaining = [n]
    if callable(path):
        make = path
    else:

        def make():
            return "GET", path, {"Cookie": cookie, "Accept": "application/json, text/html"}, None

    def worker():
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while True:
            with lock:
                if remaining[0] == 0:
                    break
                remaining[0] -= 1
            method, url, headers, body = make()
            started = time.perf_counter()
            conn.request(method, url, body=body, headers=headers)
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


def _people(station) -> dict[str, str]:
    """User names of the station's people by the role that opens the daily pages."""
    from accounts.models import User

    first = {}
    for role, key in (("area_marketer", "marketer"), ("key_account_manager", "kam")):
        first[key] = (
            User.objects.filter(role=role, station=station, is_active=True)
            .order_by("pk")
            .values_list("username", flat=True)[0]
        )
    return first


def _export_of_1000(station) -> str:
    """The lead export of one area from the day that makes it (about) 1,000 leads."""
    from pipeline.models import Lead

    area_id = Lead.objects.filter(station=station).order_by("pk").values_list("area_id", flat=True)[0]
    since = (
        Lead.objects.filter(area_id=area_id)
        .order_by("-collected_on")
        .values_list("collected_on", flat=True)[999:1000]
        .first()
    )
    return f"/api/v1/leads/export/?area={area_id}&collected_on_after={since}"


def _cold(path: str, cookie: str):
    """A page whose cached figures are dropped before each request: the view right after a change."""
    from django.core.cache import cache

    def make():
        cache.clear()
        return "GET", path, {"Cookie": cookie, "Accept": "text/html"}, None

    make.label = f"{path} (cache cleared)"
    return make


def _capture_requests(station):
    """Makers of capture POSTs, each a new company with a new phone, spread over 32 couriers of the station as a
    working day spreads them: through the API (token, Idempotency-Key) and through the phone form (session)."""
    import itertools
    import random
    import secrets

    from accounts.models import User
    from accounts.services import token_issue
    from pipeline.models import Competitor

    couriers = list(User.objects.filter(role="courier", station=station, is_active=True).order_by("pk")[:32])
    tokens = [token_issue(user=c)[1] for c in couriers]
    sessions = [session_cookie(c.username) for c in couriers]
    competitor = Competitor.objects.filter(is_active=True).order_by("pk").first()
    seed = random.randrange(10**8)
    counter = itertools.count()
    lock = threading.Lock()

    def fields(i: int) -> dict:
        return {
            "company_name": f"压测商行{seed}{i}",
            "contact_name": "王经理",
            "contact_phone": f"13{(seed * 1000 + i) % 10**9:09d}",
            "address": "测试路1号",
            "industry": "服装",
            "source": "courier_route",
            "inbound_monthly": 300,
            "outbound_monthly": 50,
        }

    def api():
        with lock:
            i = next(counter)
        body = fields(i)
        if competitor is not None:
            body["competitors"] = [{"competitor": competitor.name, "monthly": 200}]
        headers = {
            "Authorization": f"Token {tokens[i % len(tokens)]}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": f"bench-{seed}-{i}",
        }
        return "POST", "/api/v1/leads/", headers, json.dumps(body).encode()

    def form():
        from urllib.parse import urlencode

        with lock:
            i = next(counter)
        csrf = secrets.token_hex(16)  # 32 characters: the form's token may be the cookie's secret itself
        body = {**fields(i), "idempotency_key": f"bench-form-{seed}-{i}", "csrfmiddlewaretoken": csrf}
        if competitor is not None:
            body[f"competitor_{competitor.pk}"] = "200"
        headers = {
            "Cookie": f"{sessions[i % len(sessions)]}; csrftoken={csrf}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return "POST", "/leads/new/", headers, urlencode(body).encode()

    api.label, form.label = "POST /api/v1/leads/", "POST /leads/new/"
    return api, form


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
    from pipeline.models import Client, Lead
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
    client_name = quote(
        Client.objects.filter(station=station).order_by("pk").values_list("name", flat=True)[0]
    )
    people = _people(station)
    cookies = {role: session_cookie(username) for role, username in people.items()}
    client_id = (
        Client.objects.filter(station=station, owner__username=people["kam"])
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
        or Client.objects.filter(station=station).order_by("pk").values_list("pk", flat=True).first()
    )
    export_path = _export_of_1000(station)
    capture_api, capture_form = _capture_requests(station)
    connection.close()
    daily = [
        # Issue 15: the capture, and the pages people open every day, as the role that opens them.
        ("capture POST API", capture_api, None),
        ("capture POST form", capture_form, None),
        ("daily /leads/ (courier)", "/leads/", courier),
        ("daily /leads/review/ (marketer)", "/leads/review/", cookies["marketer"]),
        ("daily /screening/ (marketer)", "/screening/", cookies["marketer"]),
        ("daily /clients/ (kam)", "/clients/", cookies["kam"]),
        ("daily /kanban/ (kam)", "/kanban/", cookies["kam"]),
        ("daily /funnel/ (kam)", "/funnel/", cookies["kam"]),
        ("daily client page (kam)", f"/clients/{client_id}/", cookies["kam"]),
        ("daily /quota/flags/ (master)", "/quota/flags/", master),
        ("daily station dashboard cold (master)", _cold(f"/dashboard/stations/{station.pk}/", master), None),
        ("daily station dashboard warm (master)", f"/dashboard/stations/{station.pk}/", master),
        ("daily /dashboard/stations/ (HQ)", "/dashboard/stations/", executive),
        ("daily export of 1,000 leads (marketer)", export_path, cookies["marketer"]),
    ]
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
        ("lead list page (master)", "/leads/", master),
        ("client list page (master)", "/clients/", master),
        ("client list page (courier)", "/clients/", courier),
        ("client page search (HQ)", f"/clients/?q={client_name}", executive),
        ("client page search (master)", f"/clients/?q={client_name}", master),
        ("screening list page (HQ)", "/screening/", executive),
        ("review queue page (HQ)", "/leads/review/", executive),
        ("kanban page (HQ)", "/kanban/", executive),
        ("funnel page (HQ)", "/funnel/", executive),
        ("global search (master)", f"/search/?q={name}", master),
        ("global search (courier)", f"/search/?q={name}", courier),
        ("lead page search (courier)", f"/leads/?q={name}", courier),
        ("area picker (HQ)", f"/api/v1/pick/areas/?q={quote('P05')}", executive),
        ("client picker (HQ)", f"/api/v1/pick/clients/?q={client_name}", executive),
        *daily,
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
            label = getattr(path, "label", path)
            results[name] = dict(path=label, **fire(port, path, cookie, args.requests, args.concurrency))
            r = results[name]
            print(
                f"  {name:<40} p50 {r['p50_ms']:>7} ms  p95 {r['p95_ms']:>7} ms  {r['rps']:>7} req/s  "
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
                "province dashboard page p95 <= 150 ms",
                "province dashboard page",
                lambda: p95["province dashboard page"] <= 150,
            ),
            (
                "lead list API p95 <= 60 ms",
                "lead list API (25)",
                lambda: p95["lead list API (25)"] <= 60,
            ),
            (
                "lead list >= 75% of the bare view",
                "bare values() view (25)",
                lambda: (
                    lead
                    and lead.get("statuses") == {200: args.requests}
                    and lead["rps"] >= 0.75 * bare["rps"]
                ),
            ),
            (
                "capture API >= 150 req/s and p95 <= 80 ms",
                "capture POST API",
                lambda: results["capture POST API"]["rps"] >= 150 and p95["capture POST API"] <= 80,
            ),
            (
                "station dashboard computed p95 <= 50 ms",
                "daily station dashboard cold (master)",
                lambda: p95["daily station dashboard cold (master)"] <= 50,
            ),
            (
                "capture and daily pages p95 <= 100 ms",
                next((n for n, _p, _c in targets if n.startswith(DAILY_PREFIXES)), "-"),
                lambda: all(p95[n] <= 100 for n in p95 if n.startswith(DAILY_PREFIXES)),
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
