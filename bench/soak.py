"""Soak test: mixed traffic from every role for a while, against gunicorn + PostgreSQL + Redis + a Celery worker.

    python bench/soak.py [--minutes 10] [--clients 32] [--workers 4] [--server postgres://postgres@127.0.0.1:5432/]

Everything is local and thrown away afterwards: the script creates a database of its own on the given PostgreSQL
server (migrated, loaded with the small demo, its static files collected as production needs), starts its own
redis-server, gunicorn and Celery worker on free ports of 127.0.0.1, and removes them all at the end. The clients are threads, each acting as one role in a loop:
couriers and marketers capture leads, marketers review their queue, key-account managers and station masters list
leads and clients, open client pages and move clients (drop and re-open), station masters and HQ watch the
dashboards and export the notice. It prints the errors (anything but the expected answer; must be 0), p50/p95 per
action, and the resident memory of gunicorn's workers after the warm-up and at the end (must stay within 10%).
"""

import argparse
import http.client
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
MAX_MINUTES = 60
MAX_CLIENTS = 32


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--minutes", type=float, default=10.0, help=f"duration (default 10, max {MAX_MINUTES})"
    )
    parser.add_argument("--clients", type=int, default=32, help=f"concurrent clients (max {MAX_CLIENTS})")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument(
        "--server",
        default=os.environ.get("SOAK_POSTGRES", "postgres://postgres@127.0.0.1:5432/"),
        help="a PostgreSQL server on this machine; the script creates and drops a database of its own there",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    args.minutes = max(0.5, min(args.minutes, MAX_MINUTES))
    args.clients = max(7, min(args.clients, MAX_CLIENTS))
    if urlsplit(args.server).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(
            "The soak runs against a local PostgreSQL only (--server postgres://...@127.0.0.1/)."
        )
    return args


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for(check, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{what} did not start within {seconds:.0f} s")


def database_url(server: str, name: str) -> str:
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def admin_sql(server: str, statement: str) -> None:
    import psycopg2

    conn = psycopg2.connect(database_url(server, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(statement)
    conn.close()


class Stack:
    """The throw-away database, Redis, gunicorn and Celery worker; `close()` removes whatever was started."""

    def __init__(self, args):
        self.args = args
        self.db_name = f"lantou_soak_{os.getpid()}"
        self.processes: list[subprocess.Popen] = []
        self.tmp = Path(tempfile.mkdtemp(prefix="lantou-soak-"))
        self.db_created = False
        self.web_port = free_port()
        self.redis_port = free_port()

    def env(self) -> dict:
        return dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=database_url(self.args.server, self.db_name),
            REDIS_URL=f"redis://{HOST}:{self.redis_port}/0",
            DEBUG="0",
            SECRET_KEY="soak-only-not-a-secret-" + "x" * 40,
            ALLOWED_HOSTS=HOST,
            SECURE_SSL_REDIRECT="0",
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
            SECURE_HSTS_SECONDS="0",
            LOG_LEVEL="WARNING",
            MEDIA_ROOT=str(self.tmp / "media"),
            STATIC_ROOT=str(self.tmp / "static"),
        )

    def start(self) -> None:
        env = self.env()
        bin_dir = Path(sys.executable).parent
        redis_server = shutil.which("redis-server")
        if not redis_server:
            raise SystemExit("redis-server is not installed (the soak starts one of its own).")
        self._spawn(
            [
                redis_server,
                "--bind",
                HOST,
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            "redis",
        )
        wait_for(lambda: socket.create_connection((HOST, self.redis_port), timeout=1), "redis-server")
        admin_sql(self.args.server, f'CREATE DATABASE "{self.db_name}"')
        self.db_created = True
        print(
            f"Database {self.db_name}: migrating, loading the small demo, collecting static files …",
            flush=True,
        )
        # Production mode keeps static files in whitenoise's manifest storage: a page's {% static %} looks its
        # file up in STATIC_ROOT's manifest and answers 500 when there is none, so the stack collects first.
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["seed_demo", "--scale", "small", "--allow-production"],
            ["collectstatic", "--noinput", "-v0"],
        ):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        self._spawn(
            [
                str(bin_dir / "celery"),
                "-A",
                "config",
                "worker",
                "--concurrency",
                "1",
                "--loglevel",
                "WARNING",
            ],
            "worker",
        )
        self.gunicorn = self._spawn(
            [
                str(bin_dir / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"{HOST}:{self.web_port}",
                "--workers",
                str(self.args.workers),
                "--log-level",
                "warning",
            ],
            "gunicorn",
        )

        def answers():
            conn = http.client.HTTPConnection(HOST, self.web_port, timeout=2)
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200

        wait_for(answers, "gunicorn")

    def _spawn(self, command: list[str], name: str) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "wb")  # closed with the process
        process = subprocess.Popen(command, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def worker_memory(self) -> dict[int, int]:
        """Resident memory (kB) of each gunicorn worker: the master's children."""
        memory = {}
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            except OSError:
                continue
            if int(fields.get("PPid", "0").strip()) == self.gunicorn.pid and "VmRSS" in fields:
                memory[int(status.parent.name)] = int(fields["VmRSS"].split()[0])
        return memory

    def close(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in reversed(self.processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.db_created:
            admin_sql(self.args.server, f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        shutil.rmtree(self.tmp, ignore_errors=True)


# --- The clients ------------------------------------------------------------------------------------------------


def credentials(stack: Stack) -> dict:
    """A token (API) and a session cookie (pages) for each demo person, made directly in the database."""
    os.environ.update(stack.env())
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    from accounts.models import Station, User
    from accounts.services import token_issue
    from pipeline.models import Client

    people = {}
    for user in User.objects.filter(is_active=True):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        _token, key = token_issue(user=user)
        people[user.username] = {
            "Authorization": f"Token {key}",
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        }
    kam = User.objects.get(username="kam")
    clients = list(
        Client.objects.filter(owner=kam).exclude(stage__in=["dropped", "archive"]).values_list("pk", "stage")
    )
    station = Station.objects.get(code="PD01").pk
    connection.close()
    return {"people": people, "clients": clients, "station": station}


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.errors = defaultdict(int)
        self.samples = {}

    def add(self, action: str, elapsed: float, ok: bool, sample: str = "") -> None:
        with self.lock:
            self.latencies[action].append(elapsed)
            if not ok:
                self.errors[action] += 1
                self.samples.setdefault(action, sample)


class Client:
    def __init__(self, port: int, headers: dict, recorder: Recorder):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.headers = headers
        self.recorder = recorder

    def call(self, action, method, path, body=None, expect=(200,), page=False):
        headers = {"Accept-Language": "zh-hans"}
        if page:
            headers["Cookie"] = self.headers["Cookie"]
        else:
            headers["Authorization"] = self.headers["Authorization"]
            headers["Accept"] = "application/json"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            content = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            status, content = 0, repr(exc).encode()
        elapsed = time.perf_counter() - started
        ok = status in expect
        self.recorder.add(action, elapsed, ok, f"{method} {path} → {status} {content[:200]!r}")
        if ok and not page and content:
            return json.loads(content)
        return None


SOAK_PREFIX = "浸泡测试商贸"
_phone = itertools.count(1)
_phone_lock = threading.Lock()


def next_phone() -> str:
    with _phone_lock:
        return f"139{next(_phone):08d}"


def capture(client: Client, state: dict) -> None:
    n = next_phone()
    client.call(
        "capture",
        "POST",
        "/api/v1/leads/",
        {
            "company_name": f"{SOAK_PREFIX}{n}",
            "contact_name": "王经理",
            "contact_phone": n,
            "address": "浦东新区张江路1号",
            "industry": "服装批发",
            "source": "courier_route",
            "inbound_monthly": 300,
            "outbound_monthly": 40,
            "competitors": [{"competitor": "中通", "monthly": 200}],
        },
        expect=(201,),
    )


def review(client: Client, state: dict) -> None:
    """Accept the complete leads this soak captured, return the demo's older ones to their collectors."""
    queue = client.call("review queue", "GET", "/api/v1/leads/review-queue/?page_size=5")
    if queue and queue["results"]:
        lead = queue["results"][0]
        if lead["company_name"].startswith(SOAK_PREFIX):
            client.call("review", "POST", f"/api/v1/leads/{lead['id']}/accept/", {})
        else:
            client.call(
                "review", "POST", f"/api/v1/leads/{lead['id']}/return/", {"reason": "请补充联系人职务"}
            )


def listing(client: Client, state: dict) -> None:
    path = "/api/v1/leads/?page_size=25" if next(state["turn"]) % 2 else "/api/v1/clients/?page_size=25"
    client.call("list", "GET", path)


def client_page(client: Client, state: dict) -> None:
    pk, _stage = state["clients"][next(state["turn"]) % len(state["clients"])]
    client.call("client page", "GET", f"/clients/{pk}/", page=True)


def transition(client: Client, state: dict) -> None:
    """Drop one of this thread's own clients, then re-open it at the step it left (always legal moves)."""
    mine = state["mine"]
    index = next(state["turn"]) % len(mine)
    pk, stage, dropped = mine[index]
    if dropped:
        body = {"to": stage, "reason": "客户重新联系"}
    else:
        body = {"to": "dropped", "reason": "暂停合作", "drop_reason": "other"}
    if client.call("transition", "POST", f"/api/v1/clients/{pk}/transition/", body) is not None:
        mine[index] = (pk, stage, not dropped)


def dashboard(client: Client, state: dict) -> None:
    """HQ compares the stations; a station master watches the station (API and page)."""
    if state["person"] == "exec":
        client.call("dashboard", "GET", "/api/v1/dashboard/stations/")
    elif next(state["turn"]) % 2:
        client.call("dashboard", "GET", f"/api/v1/dashboard/?station={state['station']}")
    else:
        client.call("dashboard", "GET", f"/dashboard/stations/{state['station']}/", page=True)


def notice_export(client: Client, state: dict) -> None:
    client.call("notice export", "GET", "/dashboard/notice.xlsx", page=True)


# (action, person, threads): 32 clients by default; transitions split the key-account manager's clients.
ROLES = [
    (capture, ["courier1", "courier2", "courier3", "courier4", "marketer1", "marketer2", "marketer3"], 9),
    (review, ["marketer1", "marketer2", "marketer3"], 3),
    (listing, ["kam", "master", "manager1", "manager2"], 6),
    (client_page, ["kam", "master"], 5),
    (transition, ["kam"], 3),
    (dashboard, ["master", "exec"], 4),
    (notice_export, ["master"], 2),
]


def plan(total: int) -> list[tuple]:
    """Scale the role table to `total` threads, every role keeping at least one."""
    base = sum(n for _a, _p, n in ROLES)
    counts = [max(1, round(n * total / base)) for _a, _p, n in ROLES]
    while sum(counts) > total:
        counts[counts.index(max(counts))] -= 1
    while sum(counts) < total:
        counts[0] += 1
    threads = []
    for (action, people, _n), count in zip(ROLES, counts, strict=True):
        threads += [(action, people[i % len(people)]) for i in range(count)]
    return threads


def run(stack: Stack, seconds: float, clients: int, recorder: Recorder, data: dict) -> None:
    deadline = time.monotonic() + seconds
    threads = plan(clients)
    movers = [i for i, (action, _p) in enumerate(threads) if action is transition]
    # Each mover keeps its own clients and where they stand, from one run (the warm-up) to the next.
    moved = data.setdefault("moved", {})
    for slot, i in enumerate(movers):
        moved.setdefault(i, [(pk, stage, False) for pk, stage in data["clients"][slot :: len(movers)]])
    reviewers = set()

    def loop(i, action, person):
        client = Client(stack.web_port, data["people"][person], recorder)
        state = {"turn": itertools.count(i), "person": person, **data}
        if action is transition:
            state["mine"] = moved[i]
            if not state["mine"]:
                return
        while time.monotonic() < deadline:
            action(client, state)

    workers = []
    for i, (action, person) in enumerate(threads):
        if action is review:
            if person in reviewers:
                continue  # one reviewer per marketer: two would race for the same lead
            reviewers.add(person)
        workers.append(threading.Thread(target=loop, args=(i, action, person), daemon=True))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def p(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * q))] * 1000, 1)


def main() -> None:
    args = parse_args()
    load = os.getloadavg()
    stack = Stack(args)
    try:
        stack.start()
        data = credentials(stack)
        recorder = Recorder()
        warmup = min(30.0, args.minutes * 60 / 10)
        print(f"Warm-up {warmup:.0f} s with {args.clients} clients …", flush=True)
        run(stack, warmup, args.clients, Recorder(), data)
        memory_start = stack.worker_memory()
        print(f"Soak {args.minutes:g} min with {args.clients} clients …", flush=True)
        started = time.monotonic()
        run(stack, args.minutes * 60, args.clients, recorder, data)
        wall = time.monotonic() - started
        memory_end = stack.worker_memory()
        if recorder.errors:
            log = (stack.tmp / "gunicorn.log").read_text(errors="replace").splitlines()
            print("The web server's log ends:\n" + "\n".join(log[-40:]))
    finally:
        stack.close()

    total = sum(len(v) for v in recorder.latencies.values())
    errors = sum(recorder.errors.values())
    start_kb, end_kb = sum(memory_start.values()), sum(memory_end.values())
    growth = (end_kb - start_kb) / start_kb if start_kb else 0.0
    print()
    print(
        f"Machine: {os.cpu_count()} cores, load average before {load[0]:.1f}; gunicorn {args.workers} sync "
        f"workers, 1 Celery worker, PostgreSQL, Redis; {args.clients} clients for {args.minutes:g} min"
    )
    print(f"Requests: {total:,} ({total / wall:.1f}/s); errors: {errors}")
    print()
    print("| action | requests | errors | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|---:|")
    results = {}
    for action, values in sorted(recorder.latencies.items()):
        results[action] = {
            "requests": len(values),
            "errors": recorder.errors[action],
            "p50_ms": p(values, 0.5),
            "p95_ms": p(values, 0.95),
        }
        r = results[action]
        print(f"| {action} | {r['requests']} | {r['errors']} | {r['p50_ms']} | {r['p95_ms']} |")
    print()
    print(
        f"Web workers' memory: {start_kb / 1024:.0f} MB after the warm-up, {end_kb / 1024:.0f} MB at the end "
        f"({growth:+.1%}; per worker {sorted(v // 1024 for v in memory_start.values())} → "
        f"{sorted(v // 1024 for v in memory_end.values())} MB)"
    )
    for action, sample in recorder.samples.items():
        print(f"First error in {action}: {sample}")
    checks = {"no errors": errors == 0, "memory flat within 10%": abs(growth) <= 0.10}
    for check, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {check}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"results": results, "errors": errors, "memory_kb": [start_kb, end_kb], "checks": checks},
                indent=2,
            )
        )
    sys.exit(0 if all(checks.values()) else 1)


if __name__ == "__main__":
    main()
