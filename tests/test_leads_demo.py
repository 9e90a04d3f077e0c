"""pipeline/demo.py: the demo leads behind `make run`."""

import datetime as dt
import random

import pytest
import time_machine
from django.db.models import Count

from accounts.roles import QUOTA_ROLES
from demo import leads as demo
from demo.organisation import seed_small_org
from pipeline.models import Client, ClientCompetitorVolume, Lead
from quota.models import DailyTally

pytestmark = pytest.mark.django_db


@time_machine.travel(dt.datetime(2026, 3, 20, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
def test_demo_leads_cover_most_working_days_with_every_kind_of_decision():
    today = dt.date(2026, 3, 20)
    org = seed_small_org(today=today)

    demo.seed(org, scale="small", today=today, rng=random.Random(2026))

    station = org.stations[0]
    working = [d for d in (today - dt.timedelta(days=n) for n in range(0, 28)) if d >= dt.date(2026, 3, 1)]
    working = [d for d in working if demo._working_day(station, d)]
    collectors = [p for p in org.people if p.role in QUOTA_ROLES]
    absent = sorted((p for p in collectors if p.role == "courier"), key=lambda p: p.username)[-1]
    for person in collectors:
        days = set(Lead.objects.filter(collected_by=person).values_list("collected_on", flat=True))
        share = len(days & set(working)) / len(working)
        assert share >= (0.5 if person == absent else 0.7), (person.username, share)
    statuses = dict(Lead.objects.values_list("status").annotate(n=Count("id")))
    assert set(statuses) == {"submitted", "returned", "accepted", "rejected"}
    assert Client.objects.count() >= statuses["accepted"] - 1
    assert ClientCompetitorVolume.objects.values("client").distinct().count() >= statuses["accepted"] - 1
    assert Client.objects.exclude(plan_updated_at=None).exists()
    assert Lead.objects.filter(status="submitted").exclude(duplicate_of=None).exists()
    # Every lead was counted in its collector's day.
    assert sum(DailyTally.objects.values_list("leads", flat=True)) == Lead.objects.count()
