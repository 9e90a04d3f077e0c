"""pipeline/demo_loop.py and visits/demo.py: the demo puts clients in every column, each move through the rules."""

import random
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from demo import loop as demo_loop
from demo import visits as visits_demo
from pipeline.models import Client, StageChange
from pipeline.models.loop import LOOP, Stage
from tests.factories_leads import ClientFactory
from visits.models import SuperiorStatus, VisitPlan

pytestmark = pytest.mark.django_db


@dataclass
class DemoOrg:
    stations: list
    people: list = field(default_factory=list)


def test_the_demo_fills_every_column_of_the_kanban_with_a_consistent_history(org):
    for n in range(30):
        client = ClientFactory(area=org.a1 if n % 2 else org.a2, stage=Stage.SCREEN)
        Client.objects.filter(pk=client.pk).update(
            stage_entered_at=timezone.now() - timedelta(days=25 - n % 20)
        )
    people = [org.kam, org.station_master, org.marketer, org.marketer_a2, org.manager]
    demo_org = DemoOrg(stations=[org.station_a], people=people)
    today = org.station_a.local_date()

    demo_loop.seed(demo_org, scale="small", today=today, rng=random.Random(3))
    visits_demo.seed(demo_org, scale="small", today=today, rng=random.Random(3))

    stages = set(Client.objects.values_list("stage", flat=True))
    assert stages == {*LOOP, Stage.DROPPED}
    # Every history is in order and in the past
    for client in Client.objects.exclude(stage=Stage.SCREEN):
        moves = list(StageChange.objects.filter(client=client).order_by("at", "pk"))
        assert moves and moves[-1].to_stage == client.stage
        assert all(a.at <= b.at for a, b in zip(moves, moves[1:], strict=False))
        assert moves[-1].at <= timezone.now()
    # Signed customers belong to the key-account manager
    assert set(
        Client.objects.filter(stage__in=[Stage.CONTRACT, Stage.FOLLOW_UP]).values_list("owner", flat=True)
    ) == {org.kam.pk}
    assert VisitPlan.objects.filter(superior_status=SuperiorStatus.PENDING).exists()
