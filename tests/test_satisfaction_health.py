"""Relationship health (satisfaction/health.py) against a hand-computed example, and the low-health lists."""

from datetime import date, timedelta

import pytest
import time_machine

from pipeline.models import Evaluation
from satisfaction.health import health_for, health_for_clients, low_health
from satisfaction.models import Invitation
from satisfaction.services import complaints, indicators, surveys
from tests.factories_leads import ClientContactFactory, ClientFactory
from tests.factories_satisfaction import approved, at, indicator, scores

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

TODAY = date(2026, 5, 20)
NOW = at(TODAY, 12)


@pytest.fixture
def account(org):
    """A key account with two responses (all 4s, all 3s), three complaints, one warning and four months."""
    client = ClientFactory(signed=True, area=org.a1, owner=org.kam, name="甲公司")
    ClientContactFactory(surveyed=True, client=client)
    ClientContactFactory(surveyed=True, client=client)
    pilot_client = ClientFactory(signed=True, area=org.a1)
    ClientContactFactory(surveyed=True, client=pilot_client)
    questionnaire = approved(
        by=org.kam, approver=org.station_master, pilot_clients=[pilot_client], now=at(TODAY)
    )
    campaign = surveys.campaign_create(
        by=org.kam, questionnaire=questionnaire, name="调查", start_on=TODAY, today=TODAY
    )
    surveys.campaign_run(campaign=campaign, now=at(TODAY, 9))
    first, second = Invitation.objects.filter(client=client).order_by("pk")
    surveys.response_submit(invitation=first, answers=scores(questionnaire, 4), now=at(TODAY, 10))
    surveys.response_submit(invitation=second, answers=scores(questionnaire, 3), now=at(TODAY, 11))
    # unresolved: one high (not yet due), one low received four days ago (overdue); one closed (not counted)
    complaints.complaint_create(
        by=org.kam,
        client=client,
        channel="phone",
        category="delay",
        severity="high",
        description="晚到",
        now=NOW,
    )
    complaints.complaint_create(
        by=org.kam,
        client=client,
        channel="email",
        category="billing",
        severity="low",
        description="账单错误",
        now=NOW - timedelta(days=4),
    )
    closed = complaints.complaint_create(
        by=org.kam,
        client=client,
        channel="visit",
        category="damage",
        severity="medium",
        description="破损",
        now=NOW,
    )
    complaints.complaint_resolve(by=org.kam, complaint=closed, resolution="已赔", now=NOW)
    complaints.complaint_close(by=org.kam, complaint=closed, confirmation="客户确认", now=NOW)
    indicator("on_time_rate")
    indicators.readings_record(
        by=org.kam,
        rows=[("r", {"client": client.pk, "indicator": "on_time_rate", "day": TODAY, "value": "90"})],
        source="api",
        today=TODAY,
    )
    return client


def _evaluations(client):
    # The last three evaluated months count: 900 + 950 + 1000 of 3 × 1000; older ones do not.
    for month, actual in ((date(2026, 4, 1), 900), (date(2026, 3, 1), 950), (date(2026, 2, 1), 1000)):
        Evaluation.objects.create(client=client, month=month, committed_volume=1000, actual_volume=actual)
    Evaluation.objects.create(client=client, month=date(2026, 1, 1), committed_volume=1000, actual_volume=100)


def test_health_agrees_with_the_hand_computed_example(account):
    # S = (3.5 − 1) ÷ 4 × 100 = 62.5
    # C = 100 − 40 (high) − 10 (low) − 10 (low is overdue) = 40
    # W = 100 − 25 = 75
    # V = min(2850 ÷ 3000, 1) × 100 = 95
    # score = (40 × 62.5 + 25 × 40 + 15 × 75 + 20 × 95) ÷ 100 = 65.25 → 65
    _evaluations(account)
    health = health_for(account, now=NOW)
    assert {c.key: c.value for c in health.components} == {
        "satisfaction": 62.5,
        "complaints": 40,
        "warnings": 75,
        "volume": 95,
        "trend": None,
    }
    assert health.exact == pytest.approx(65.25)
    assert health.score == 65
    assert health.formula == "(40×62.5 + 25×40 + 15×75 + 20×95) ÷ 100 = 65.25 → 65"
    assert "2850" in health.by_key["volume"].detail and "3000" in health.by_key["volume"].detail


def test_without_evaluated_months_the_volume_is_left_out_and_the_other_weights_count(account):
    # (40 × 62.5 + 25 × 40 + 15 × 75) ÷ 80 = 57.8125 → 58
    health = health_for(account, now=NOW)
    assert health.by_key["volume"].value is None
    assert health.exact == pytest.approx(57.8125)
    assert health.score == 58
    assert health.is_low(60)


def test_a_client_with_nothing_against_it_scores_100(org):
    quiet = ClientFactory(signed=True, area=org.a1)
    assert health_for(quiet, now=NOW).score == 100


def test_low_health_lists_clients_below_the_threshold_for_owner_and_station(org, account):
    ClientFactory(signed=True, area=org.a1, owner=org.kam)  # healthy: not listed
    other_station = ClientFactory(signed=True, area=org.b1)
    complaints.complaint_create(
        by=org.kam_b,
        client=other_station,
        channel="phone",
        category="loss",
        severity="high",
        description="丢",
        now=NOW,
    )
    listed = low_health(account.__class__.objects.filter(owner=org.kam), now=NOW)
    assert [(c.name, h.score) for c, h in listed] == [("甲公司", 58)]
    station_a = account.__class__.objects.filter(station=org.station_a)
    assert [c.pk for c, _h in low_health(station_a, now=NOW)] == [account.pk]


def test_many_clients_in_constant_queries(org, account, django_assert_max_num_queries):
    others = [ClientFactory(signed=True, area=org.a1) for _ in range(5)]
    with django_assert_max_num_queries(5):
        scores_by_client = health_for_clients([account.pk, *[c.pk for c in others]], now=NOW)
    assert scores_by_client[account.pk].score == 58
    assert {scores_by_client[c.pk].score for c in others} == {100}


def test_the_health_endpoint_explains_each_component(org, account, api_as):
    with time_machine.travel(NOW, tick=False):
        body = api_as(org.kam).get(f"/api/v1/clients/{account.pk}/health/").json()
        low = api_as(org.station_master).get("/api/v1/client-health/").json()
    assert body["score"] == 58 and body["low"] is True and body["threshold"] == 60
    assert [c["key"] for c in body["components"]] == [
        "satisfaction",
        "complaints",
        "warnings",
        "volume",
        "trend",
    ]
    assert body["components"][3]["counted"] is False
    assert [r["client"] for r in low["results"]] == [account.pk] and low["results"][0][
        "client_name"
    ] == "甲公司"
