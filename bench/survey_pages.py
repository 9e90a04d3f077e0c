"""Time the survey pages (`/surveys/` and a campaign page) on a realistic volume, on PostgreSQL.

    DATABASE_URL=postgres://user@host/lantou .venv/bin/python bench/survey_pages.py [--campaigns 50]
        [--invitations 800] [--repeat 5]

Creates a throw-away database next to the configured one (Django's test-database machinery, name suffixed
`_survey_bench`), fills it with bulk inserts — four stations of clients with one contact each, a company-wide
questionnaire and one per station, `--campaigns` campaigns (one in five company-wide, the rest spread over the
stations) of `--invitations` personal links each, seven in ten answered with five scores — and then requests each
page `--repeat` times in-process (Django's test client, sessions and authentication included) as an executive,
a station master and a key-account manager of the first station, after `--warmup` untimed requests. Prints the
median and the slowest time and the number of queries of each page; with BENCH_VERBOSE=1 also each query's time
and its start. The database is dropped afterwards, also when the run fails, unless `--keep` is given.
"""

import argparse
import datetime
import logging
import os
import statistics
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

STATIONS = 4
DIMENSIONS = ["time", "quality", "cost", "service", "openness"]


def build(campaigns: int, invitations: int) -> dict:
    from django.utils import timezone

    from accounts.models import Area, Role, Station, User
    from pipeline.models import Client, ClientContact, Stage
    from satisfaction.models import (
        Answer,
        Campaign,
        Invitation,
        Question,
        Questionnaire,
        SurveyResponse,
    )

    now = timezone.now()
    today = timezone.localdate(now)
    executive = User.objects.create(username="bench_exec", role=Role.EXECUTIVE, password="!")
    stations, masters, kams, contacts = [], [], [], {}
    for s in range(STATIONS):
        station = Station.objects.create(name=f"基准站{s}", code=f"SURV{s:02d}")
        area = Area.objects.create(station=station, name=f"基准片区{s}")
        masters.append(
            User.objects.create(
                username=f"bench_master{s}", role=Role.STATION_MASTER, station=station, password="!"
            )
        )
        kams.append(
            User.objects.create(
                username=f"bench_kam{s}", role=Role.KEY_ACCOUNT_MANAGER, station=station, password="!"
            )
        )
        clients = Client.objects.bulk_create(
            [
                Client(
                    name=f"基准客户{s}-{i}有限公司",
                    normalized_name=f"基准客户{s}-{i}",
                    station=station,
                    area=area,
                    owner=kams[-1],
                    stage=Stage.FOLLOW_UP,
                    furthest_stage=Stage.FOLLOW_UP,
                    tier="A",
                )
                for i in range(invitations)
            ],
            batch_size=2000,
        )
        contacts[station.pk] = ClientContact.objects.bulk_create(
            [
                ClientContact(
                    client=c, name=f"联系人{c.pk}", email=f"c{c.pk}@example.com", role="decision_maker"
                )
                for c in clients
            ],
            batch_size=2000,
        )
        stations.append(station)

    def questionnaire(station):
        q = Questionnaire.objects.create(
            station=station, title="满意度调查", status="approved", created_by=executive, approved_at=now
        )
        questions = Question.objects.bulk_create(
            [
                Question(questionnaire=q, position=n, kind="scale", dimension=d, text=f"{d}满意吗？")
                for n, d in enumerate(DIMENSIONS, start=1)
            ]
        )
        return q, questions

    company_wide = questionnaire(None)
    per_station = {station.pk: questionnaire(station) for station in stations}
    made = []
    for n in range(campaigns):
        hq = n % 5 == 0
        station = None if hq else stations[n % STATIONS]
        q, questions = company_wide if hq else per_station[station.pk]
        campaign = Campaign.objects.create(
            name=f"基准调查{n}",
            questionnaire=q,
            station=station,
            start_on=today,
            next_run_on=None,
            last_run_on=today,
            status="finished" if n % 3 == 0 else "active",
            reminder_after_days=5,
            link_valid_days=30,
            created_by=executive,
        )
        if hq:  # a company-wide campaign reaches every station's clients
            share = invitations // STATIONS
            reached = [c for station in stations for c in contacts[station.pk][:share]]
        else:
            reached = contacts[station.pk][:invitations]
        links = Invitation.objects.bulk_create(
            [
                Invitation(
                    campaign=campaign,
                    round_on=today,
                    client_id=contact.client_id,
                    contact=contact,
                    contact_name=contact.name,
                    email=contact.email,
                    token=f"bench-{campaign.pk}-{contact.pk}",
                    sent_at=now,
                    expires_at=now + datetime.timedelta(days=30),
                    emailed_at=now,
                )
                for contact in reached
            ],
            batch_size=5000,
        )
        answered = [link for i, link in enumerate(links) if i % 10 < 7]
        responses = SurveyResponse.objects.bulk_create(
            [
                SurveyResponse(
                    invitation=link,
                    campaign=campaign,
                    questionnaire=q,
                    client_id=link.client_id,
                    submitted_at=now,
                    channel="link",
                    average=4,
                )
                for link in answered
            ],
            batch_size=5000,
        )
        Answer.objects.bulk_create(
            [
                Answer(response=r, question=question, dimension=question.dimension, score=4)
                for r in responses
                for question in questions
            ],
            batch_size=10000,
        )
        made.append(campaign)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "executive": executive,
        "master": masters[0],
        "kam": kams[0],
        "hq_campaign": made[0],
        "station_campaign": next(c for c in made if c.station_id == stations[0].pk),
    }


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
    parser.add_argument("--campaigns", type=int, default=50)
    parser.add_argument("--invitations", type=int, default=800)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="untimed requests to each page first")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards, to inspect plans")
    args = parser.parse_args()
    if not settings.IS_POSTGRES:
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2

    from django.test import Client

    logging.getLogger("axes").setLevel(logging.WARNING)  # every force_login would log a line
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    original_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{original_name}_survey_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        started = time.perf_counter()
        world = build(args.campaigns, args.invitations)
        print(
            f"Built {args.campaigns} campaigns × {args.invitations} links (70 % answered, 5 answers each) "
            f"in {time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.1f}.",
            flush=True,
        )
        hq, own = world["hq_campaign"].pk, world["station_campaign"].pk
        pages = [
            ("executive", "/surveys/"),
            ("executive", "/surveys/?page=2"),
            ("executive", "/surveys/?pending=1"),
            ("executive", f"/surveys/campaigns/{hq}/"),
            ("master", "/surveys/"),
            ("master", f"/surveys/campaigns/{hq}/"),
            ("master", f"/surveys/campaigns/{own}/"),
            ("kam", "/surveys/"),
            ("kam", f"/surveys/campaigns/{own}/?pending=1"),
        ]
        print(
            f"{'who':<10} {'page':<32} {'median ms':>10} {'max ms':>9} {'queries':>8} {'status':>7}",
            flush=True,
        )
        for who, url in pages:
            client = Client()
            client.force_login(world[who])
            for _ in range(args.warmup):  # translations, templates, the connection
                client.get(url)
            median, slowest, queries, status = measure(client, url, args.repeat)
            print(
                f"{who:<10} {url:<32} {median:>10.1f} {slowest:>9.1f} {len(queries):>8} {status:>7}",
                flush=True,
            )
            if os.environ.get("BENCH_VERBOSE"):
                for query in queries:
                    print(f"    {float(query['time']) * 1000:8.1f} ms  {query['sql'][:150]}")
        return 0
    finally:
        if args.keep:
            print(f"Kept the database {connection.settings_dict['NAME']}.")
        else:
            connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
