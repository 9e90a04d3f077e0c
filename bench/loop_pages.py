"""Time the kanban and the funnel in-process, as each role, on a database loaded at province scale.

    DATABASE_URL=postgres://postgres@127.0.0.1/lantou_copy .venv/bin/python bench/loop_pages.py [--repeat 10]
        [--warmup 1] [--station P001]

Reads the database named by DATABASE_URL, loaded with `manage.py seed_demo --scale province` and migrated. It
writes to it too — the sessions of `force_login` and the users' last login — so point it at a copy
(`createdb -T lantou_province lantou_copy`), not at a database somebody else measures on. Requests `/kanban/` and
`/funnel/` in-process with Django's test client, sessions and authentication included, as headquarters
(`province_exec`), the station master of `--station`, its first key-account manager and the manager of its
first area, and as headquarters and the station master the same pages filtered to one area and the funnel of
the clients collected this month, after `--warmup` untimed requests, then `--repeat` timed ones. Prints the median and the slowest time and the number of queries of each page, and the load average; with
BENCH_VERBOSE=1 also each query's time and its start.
"""

import argparse
import logging
import os
import statistics
import sys
import time
import warnings
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
# The benchmark serves no static files (as bench/run.py): WhiteNoise's warning about the missing directory is noise.
warnings.filterwarnings("ignore", message="No directory at")

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def measure(client, url: str, repeat: int) -> tuple[float, float, list, int]:
    times, queries, status = [], [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        queries, status = captured.captured_queries, response.status_code
    return statistics.median(times) * 1000, max(times) * 1000, queries, status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1, help="untimed requests to each page first")
    parser.add_argument("--station", default="P001", help="the station whose people are measured")
    args = parser.parse_args()
    if not settings.IS_POSTGRES:
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2

    from django.test import Client as Browser
    from django.utils import timezone

    from accounts.models import Area, Role, User

    logging.getLogger("axes").setLevel(logging.WARNING)  # every force_login would log a line
    code = args.station.lower()
    people = {
        "HQ": User.objects.get(username="province_exec"),
        "master": User.objects.get(username=f"{code}master"),
        "kam": User.objects.filter(role=Role.KEY_ACCOUNT_MANAGER, station__code=args.station)
        .order_by("pk")
        .first(),
        "area manager": User.objects.get(username=f"{code}a01mgr"),
    }
    area = Area.objects.filter(station__code=args.station).order_by("pk").values_list("pk", flat=True)[0]
    month = timezone.localdate().replace(day=1)
    pages = [
        (who, url)
        for url in (
            "/kanban/",
            "/funnel/",
            f"/kanban/?area={area}",
            f"/funnel/?area={area}",
            f"/funnel/?start={month}",  # the clients collected this month
        )
        for who in people
        if "?" not in url or who in ("HQ", "master")
    ]
    print(
        f"{connection.settings_dict['NAME']}: {args.repeat} requests per page after {args.warmup} untimed; "
        f"load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())}.",
        flush=True,
    )
    print(
        f"{'who':<13} {'page':<20} {'median ms':>10} {'max ms':>9} {'queries':>8} {'status':>7}", flush=True
    )
    for who, url in pages:
        browser = Browser()
        browser.force_login(people[who])
        for _ in range(args.warmup):  # translations, templates, the connection, the session
            browser.get(url)
        median, slowest, queries, status = measure(browser, url, args.repeat)
        print(
            f"{who:<13} {url:<20} {median:>10.1f} {slowest:>9.1f} {len(queries):>8} {status:>7}", flush=True
        )
        if os.environ.get("BENCH_VERBOSE"):
            for query in queries:
                print(f"    {float(query['time']) * 1000:8.1f} ms  {query['sql'][:150]}")
    print(f"load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())} at the end.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
