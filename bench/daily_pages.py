"""Time the daily pages on an existing, filled database (the province-scale copy), in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1/lantou_daily DEBUG=0 \
        .venv/bin/python bench/daily_pages.py [--repeat 10] [--warmup 2] [--profile PAGE]

Requests each page `--warmup` times untimed and then `--repeat` times through Django's test client (sessions,
authentication and middleware included, over https as production settings want), logged in as the user each page
is for, and prints the median and slowest time, the number of queries and the status, with the load average when
the run started and ended. Nothing is written. The pages:

    export     /api/v1/leads/export/?area=1&collected_on_after=2026-07-31  as p001a01mkt (about 1,000 leads)
    client     /clients/6/                                                as p001kam1
    screening  /screening/                                                as province_exec and p001a01mkt

`--profile export` (or another page) prints the cProfile of one more request of that page, sorted by cumulative
time. `--only` limits the run to some pages.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import warnings  # noqa: E402

import django  # noqa: E402

# No collected static files here; the pages render their static URLs without them.
warnings.filterwarnings("ignore", message="No directory at")

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client as TestClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

PAGES = {
    "export": [("p001a01mkt", "/api/v1/leads/export/?area=1&collected_on_after=2026-07-31")],
    "client": [("p001kam1", "/clients/6/")],
    "screening": [("province_exec", "/screening/"), ("p001a01mkt", "/screening/")],
}


def browser(username: str) -> TestClient:
    from accounts.models import User

    client = TestClient()
    client.force_login(User.objects.get(username=username))
    return client


def measure(client: TestClient, url: str, warmup: int, repeat: int) -> tuple[float, float, int, int]:
    for _ in range(warmup):
        client.get(url, secure=True)
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url, secure=True)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, max(times) * 1000, len(captured), response.status_code


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--only", nargs="*", choices=sorted(PAGES), default=sorted(PAGES))
    parser.add_argument("--profile", choices=sorted(PAGES))
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'who':<14} {'page':<60} {'median ms':>10} {'max ms':>9} {'queries':>8} {'status':>7}")
    for page in args.only:
        for username, url in PAGES[page]:
            median, slowest, queries, status = measure(browser(username), url, args.warmup, args.repeat)
            print(f"{username:<14} {url:<60} {median:>10.1f} {slowest:>9.1f} {queries:>8} {status:>7}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.profile:
        username, url = PAGES[args.profile][0]
        client = browser(username)
        client.get(url, secure=True)
        profiler = cProfile.Profile()
        profiler.enable()
        client.get(url, secure=True)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    return 0


if __name__ == "__main__":
    sys.exit(main())
