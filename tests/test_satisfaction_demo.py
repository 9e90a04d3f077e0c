"""The demo history: everything a visitor should find on the satisfaction pages after `make run`."""

import random
from dataclasses import dataclass, field
from datetime import date

import pytest
import time_machine

from demo import satisfaction as demo
from pipeline.models import Client
from satisfaction.health import low_health
from satisfaction.models import (
    Campaign,
    Complaint,
    FollowUpTask,
    IndicatorWarning,
    Questionnaire,
    QuestionnaireStatus,
    SurveyResponse,
)
from tests.factories_leads import ClientContactFactory, ClientFactory
from tests.factories_satisfaction import at

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 30)


@dataclass
class DemoOrg:
    stations: list
    people: list = field(default_factory=list)


def test_demo_seeds_a_piloted_questionnaire_responses_complaints_and_a_warning(org):
    for n in range(6):
        client = ClientFactory(signed=True, area=org.a1 if n % 2 else org.a2, owner=org.kam)
        ClientContactFactory(surveyed=True, client=client, email="")  # no e-mail: nothing is queued
    people = [org.kam, org.station_master, org.manager]
    with time_machine.travel(at(TODAY, 8), tick=False):
        demo.seed(
            DemoOrg(stations=[org.station_a], people=people), scale="small", today=TODAY, rng=random.Random(1)
        )
    questionnaire = Questionnaire.objects.get()
    assert (
        questionnaire.status == QuestionnaireStatus.APPROVED
        and questionnaire.approved_by == org.station_master
    )
    assert set(Campaign.objects.values_list("kind", flat=True)) == {"pilot", "segment"}
    assert SurveyResponse.objects.filter(is_pilot=True).exists()
    quarters = {r.submitted_at.month for r in SurveyResponse.objects.filter(is_pilot=False)}
    assert len(quarters) >= 2  # a trend to show
    assert set(Complaint.objects.values_list("status", flat=True)) == {
        "open",
        "in_progress",
        "resolved",
        "closed",
    }
    assert Complaint.objects.filter(escalation_level__gt=0).count() == 1
    assert IndicatorWarning.objects.filter(cleared_on__isnull=True).count() == 1
    assert FollowUpTask.objects.exists()
    with time_machine.travel(at(TODAY, 8), tick=False):
        low = low_health(Client.objects.filter(station=org.station_a), now=at(TODAY, 8))
    assert len(low) == 1  # the unhappy customer: low scores, the escalated complaint and the warning


def test_demo_without_clients_adds_nothing(org):
    demo.seed(
        DemoOrg(stations=[org.station_b], people=[org.kam_b, org.station_master_b]),
        scale="small",
        today=TODAY,
        rng=random.Random(1),
    )
    assert not Questionnaire.objects.exists()
