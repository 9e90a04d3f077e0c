"""The tier rule (80/20 on each station's revenue), the manual override that wins until cleared, the two-month
commitment warning and the jobs that run them."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Notification
from pipeline.models import Client
from pipeline.services import steps
from tests.factories_leads import ClientFactory
from tests.factories_volumes import contract, volume
from volumes import tasks
from volumes.selectors import shortfalls
from volumes.tiers import ranked_tiers, tiers_compute

TODAY = datetime.date(2026, 5, 10)


def test_the_ranking_gives_a_to_the_first_80_percent_and_b_to_95():
    revenue = {
        1: Decimal(50),
        2: Decimal(25),
        3: Decimal(10),
        4: Decimal(6),
        5: Decimal(5),
        6: Decimal(4),
        7: 0,
    }
    # before each: 0, 50, 75, 85, 91, 96 (of 100)
    assert ranked_tiers(revenue) == {1: "A", 2: "A", 3: "A", 4: "B", 5: "B", 6: "C", 7: "C"}


def test_ties_are_broken_by_id_and_the_first_client_is_always_a(settings):
    settings.TIER_B_PERCENT = 85
    # before each: 0, 80, 90 (of 100)
    assert ranked_tiers({9: Decimal(10), 3: Decimal(10), 5: Decimal(80)}) == {5: "A", 3: "B", 9: "C"}
    assert ranked_tiers({7: Decimal(1)}) == {7: "A"}
    assert ranked_tiers({5: Decimal(0)}) == {5: "C"}


def test_thresholds_are_settings(settings):
    settings.TIER_A_PERCENT, settings.TIER_B_PERCENT = 50, 60
    # before each: 0, 50, 80 (of 100)
    assert ranked_tiers({1: Decimal(50), 2: Decimal(30), 3: Decimal(20)}) == {1: "A", 2: "B", 3: "C"}


@pytest.fixture
def station_clients(org):
    big = ClientFactory(area=org.a1, tier="C")
    middle = ClientFactory(area=org.a2, tier="C")
    small = ClientFactory(area=org.a1, tier="A")
    untouched = ClientFactory(area=org.a1, tier="B")  # no volume at all: keeps its hand-set tier
    elsewhere = ClientFactory(area=org.b1, tier="B")
    volume(big, "2026-05", 100, "9000")
    volume(big, "2026-01", 100, "99999")  # outside the three-month window
    volume(middle, "2026-04", 10, "900")
    volume(small, "2026-03", 1, "100")
    volume(elsewhere, "2026-04", 1, "1")
    return big, middle, small, untouched, elsewhere


def _tiers(*clients):
    return [Client.objects.get(pk=c.pk).tier for c in clients]


def test_a_station_is_ranked_on_its_own_revenue_over_the_window(org, station_clients):
    big, middle, small, untouched, elsewhere = station_clients
    assert tiers_compute(station_id=org.station_a.pk, today=TODAY) == 3
    assert _tiers(big, middle, small, untouched, elsewhere) == ["A", "B", "C", "B", "B"]
    assert Client.objects.get(pk=big.pk).tier_computed == "A"
    # Run twice: nothing changes.
    assert tiers_compute(station_id=org.station_a.pk, today=TODAY) == 0


def test_a_manual_override_wins_until_cleared(org, station_clients):
    big, middle, *_rest = station_clients
    steps.tier_set(client=middle, by=org.station_master, tier="A", reason="战略客户")
    tiers_compute(station_id=org.station_a.pk, today=TODAY)
    stored = Client.objects.get(pk=middle.pk)
    assert (stored.tier, stored.tier_computed, stored.tier_override) == ("A", "B", "A")
    assert (stored.tier_override_by, stored.tier_override_reason) == (org.station_master, "战略客户")
    assert stored.tier_override_at is not None
    steps.tier_clear(client=middle, by=org.station_master)
    stored = Client.objects.get(pk=middle.pk)
    assert (stored.tier, stored.tier_override, stored.tier_override_by) == ("B", "", None)


def test_the_tier_api_sets_and_clears_the_override(org, station_clients, api_as):
    _big, middle, *_rest = station_clients
    tiers_compute(station_id=org.station_a.pk, today=TODAY)
    api = api_as(org.kam)
    answer = api.post(
        f"/api/v1/clients/{middle.pk}/tier/", {"tier": "C", "reason": "只寄文件"}, format="json"
    )
    assert answer.json() == {"tier": "C"}
    detail = api.get(f"/api/v1/clients/{middle.pk}/").json()
    assert (detail["tier_override"], detail["tier_override_reason"], detail["tier_override_by"]) == (
        "C",
        "只寄文件",
        org.kam.pk,
    )
    assert api.post(f"/api/v1/clients/{middle.pk}/tier/", {"tier": None}, format="json").json() == {
        "tier": "B"
    }


def test_the_job_recomputes_tiers_and_warns_the_owner(org, eager_tasks):
    client = ClientFactory(area=org.a1, owner=org.kam, name="短量公司", stage="follow_up")
    contract(client, committed=1000)
    volume(client, "2026-03", 900, "7200")
    volume(client, "2026-04", 950, "7600")
    result = tasks.volumes_changed([org.station_a.pk], TODAY.isoformat())
    assert result == {"tiers_changed": 1, "warned": 1}
    notes = list(Notification.objects.filter(recipient=org.kam, kind="volume_shortfall"))
    assert len(notes) == 1 and "短量公司" in notes[0].message and "2026-04: 950/1000" in notes[0].message
    # Twice: the same warning is not sent again.
    assert tasks.volumes_changed([org.station_a.pk], TODAY.isoformat()) == {"tiers_changed": 0, "warned": 0}


@pytest.mark.parametrize(
    "march, april, warned",
    [
        (900, 950, True),  # two months short
        (1000, 950, False),  # March met the commitment
        (None, 950, False),  # no figures for March: not judged
        (900, 1200, False),
    ],
)
def test_a_warning_needs_two_complete_months_below_the_commitment(org, march, april, warned):
    client = ClientFactory(area=org.a1, owner=org.kam)
    contract(client, committed=1000)
    if march is not None:
        volume(client, "2026-03", march)
    volume(client, "2026-04", april)
    volume(client, "2026-05", 1)  # the month under way is never judged
    assert (client.pk in shortfalls([client.pk], today=TODAY)) is warned


def test_no_contract_no_warning(org):
    client = ClientFactory(area=org.a1, owner=org.kam)
    volume(client, "2026-03", 1)
    volume(client, "2026-04", 1)
    assert shortfalls([client.pk], today=TODAY) == {}


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_nightly_entry_runs_on_a_real_worker(org, celery_worker):
    from celery.result import AsyncResult

    from config.celery import app

    this_month = org.station_a.local_date().strftime("%Y-%m")
    first, second = ClientFactory(area=org.a1, tier="C"), ClientFactory(area=org.a2, tier="A")
    volume(first, this_month, 5, "900")
    volume(second, this_month, 5, "100")
    entry = app.conf.beat_schedule["volumes-nightly"]
    for _ in range(2):
        for task_id in app.send_task(entry["task"]).get(timeout=30):
            AsyncResult(task_id, app=app).get(timeout=60)
    assert _tiers(first, second) == ["A", "B"]
