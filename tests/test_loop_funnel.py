"""pipeline/funnel.py: counts, furthest step reached and conversion, against a hand-computed example."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from pipeline.models import Client
from pipeline.models.loop import Stage
from pipeline.selectors.funnel import funnel
from pipeline.services import transitions
from tests.factories_leads import ClientFactory
from tests.factories_loop import walk_to

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_funnel_counts_each_client_at_the_furthest_step_it_reached(org):
    # Given six clients:
    #   two still collected, one in screen, one that reached needs and went back to survey,
    #   one that reached proposal and was dropped (lost on price), one that reached contract
    with time_machine.travel(datetime(2026, 3, 1, 9, tzinfo=SHANGHAI)):
        make = lambda: ClientFactory(area=org.a1, owner=org.kam, stage=Stage.COLLECT)  # noqa: E731
        make(), make()
        walk_to(make(), Stage.SCREEN, org.kam)
        back = walk_to(make(), Stage.NEEDS, org.kam)
        lost = walk_to(make(), Stage.PROPOSAL, org.kam)
        walk_to(make(), Stage.CONTRACT, org.kam)
    with time_machine.travel(datetime(2026, 3, 11, 9, tzinfo=SHANGHAI)):
        transitions.move(client=back, to=Stage.SURVEY, by=org.kam, reason="换了决策人")
        transitions.move(client=lost, to=Stage.DROPPED, by=org.kam, reason="贵", drop_reason="lost_price")

    with translation.override("en"):
        result = funnel(Client.objects.all())

    steps = {s.stage: s for s in result.steps}
    # Now: 2 collect, 1 screen, 1 survey, 1 contract, 1 dropped
    assert [steps[s].now for s in ("collect", "screen", "survey", "needs", "contract")] == [2, 1, 1, 0, 1]
    assert (result.total, result.dropped) == (6, 1)
    # Reached at least: collect 6, screen 4, survey 3, needs 3, proposal 2, visit…contract 1, follow-up 0
    assert [s.reached for s in result.steps] == [6, 4, 3, 3, 2, 1, 1, 1, 0, 0]
    assert [round(s.conversion, 2) if s.conversion is not None else None for s in result.steps] == [
        0.67,
        0.75,
        1.0,
        0.67,
        0.5,
        1.0,
        1.0,
        0.0,
        None,
        None,
    ]
    assert result.drop_reasons == [("Lost to a competitor on price", 1)]
    assert result.counts["dropped"] == 1
    # Forward moves all happened on 1 March: no day spent in a step before moving on
    assert steps["screen"].avg_days == 0


def test_funnel_page_filters_by_area_owner_and_period(org, client):
    ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)
    ClientFactory(area=org.a2, owner=org.marketer_a2, stage=Stage.SURVEY)
    old = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)
    Client.objects.filter(pk=old.pk).update(created_at=datetime(2020, 1, 1, tzinfo=SHANGHAI))
    client.force_login(org.station_master)

    def reached_survey(query=""):
        page = client.get(f"/funnel/{query}").context["funnel"]
        return page.steps[2].now

    assert reached_survey() == 3  # without dates, every client, as the dashboard's funnel counts them
    assert reached_survey("?start=2021-01-01") == 2  # the 2020 client was collected before
    assert reached_survey(f"?area={org.a1.pk}") == 2
    assert reached_survey(f"?owner={org.marketer_a2.pk}") == 1
    assert reached_survey("?start=2019-12-01&end=2020-02-01") == 1
    reversed_period = client.get("/funnel/?start=2026-02-01&end=2025-01-01")
    assert "结束早于开始" in reversed_period.content.decode()
    assert client.get("/funnel/?start=garbage").status_code == 200
    assert reached_survey("?start=0001-01-01&end=9999-12-31") == 3  # the calendar's ends bound nothing
