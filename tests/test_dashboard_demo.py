"""The large demo generator: the tallies, flags and station days it writes agree with the leads it writes."""

import datetime
import io

import pytest
from django.db.models import Count, Q, Sum

from accounts.models import Station
from demo import province as demo_large
from pipeline.models import Client, Lead
from pipeline.services import screening
from pipeline.services.normalize import normalize_company_name, normalize_phone
from quota.models import DailyTally, QuotaFlag, StationDay

pytestmark = pytest.mark.django_db

TINY = demo_large.Scale(
    "tiny", stations=2, areas_per_station=2, couriers_per_area=3, days=40, code_prefix="T"
)


def test_generated_tallies_match_the_generated_leads():
    out = io.StringIO()

    demo_large._seed(TINY, stdout=out, seed=7)

    assert Station.objects.filter(code__startswith="T").count() == 2
    per_day = {
        (r["collected_by"], r["collected_on"]): r
        for r in Lead.objects.values("collected_by", "collected_on").annotate(
            n=Count("pk"), counted=Count("pk", filter=~Q(reject_reason__in=["fake", "duplicate"]))
        )
    }
    tallies = {(t.person_id, t.day): t for t in DailyTally.objects.all()}
    assert len(per_day) > 100
    for key, row in per_day.items():
        assert (tallies[key].leads, tallies[key].counted) == (row["n"], row["counted"])
    # Every evaluated working day of every person has a row; a miss is a row with no counted lead.
    for t in tallies.values():
        if t.evaluated_at is not None and t.working_day:
            assert t.met == (t.counted >= 1)
    assert Lead.objects.filter(status="accepted", client__isnull=True).count() == 0
    assert Client.objects.filter(station__code__startswith="T").exists()
    day = StationDay.objects.filter(working_day=True).first()
    assert (
        day.on_duty == DailyTally.objects.filter(station=day.station, day=day.day, working_day=True).count()
    )
    assert day.met == DailyTally.objects.filter(station=day.station, day=day.day, met=True).count()
    for flag in QuotaFlag.objects.all():
        misses = DailyTally.objects.filter(
            person=flag.person, day__range=(flag.first_missed_on, flag.last_missed_on), working_day=True
        )
        assert misses.count() == flag.days_missed >= 3
        assert not misses.filter(met=True).exists()
    assert "Loaded" in out.getvalue()


def test_generated_names_phones_and_screening_are_what_the_live_functions_compute():
    demo_large._seed(TINY, stdout=io.StringIO(), seed=5)

    for lead in Lead.objects.order_by("pk")[:200]:
        assert lead.normalized_name == normalize_company_name(lead.company_name)
        assert lead.phone_normalized == normalize_phone(lead.contact_phone)
    clients = list(Client.objects.filter(station__code__startswith="T").prefetch_related("contacts"))
    assert clients
    for client in clients:
        screened = screening.assess(client)
        assert (client.expected_revenue, client.difficulty, client.priority_score) == (
            screened.expected_revenue,
            screened.difficulty,
            screened.priority_score,
        )


def test_dashboard_reads_the_generated_history_like_any_other(api_as):
    demo_large._seed(TINY, stdout=io.StringIO(), seed=3)
    station = Station.objects.get(code="T001")
    master = station.people.get(role="station_master")
    today = station.local_date()
    start = today - datetime.timedelta(days=29)

    data = api_as(master).get("/api/v1/dashboard/").json()

    assert (
        data["totals"]["leads_period"]
        == Lead.objects.filter(station=station, collected_on__range=(start, today)).count()
    )
    assert data["totals"]["leads"] == Lead.objects.filter(station=station, collected_on=today).count()
    assert sum(data["funnel"].values()) == Client.objects.filter(station=station).count()
    tally = DailyTally.objects.filter(station=station, day__range=(start, today)).aggregate(n=Sum("leads"))
    assert tally["n"] == data["totals"]["leads_period"]


def test_seeding_twice_changes_nothing():
    demo_large._seed(TINY, stdout=io.StringIO(), seed=1)
    leads = Lead.objects.count()
    out = io.StringIO()

    demo_large._seed(TINY, stdout=out, seed=1)

    assert Lead.objects.count() == leads
    assert "already loaded" in out.getvalue()
