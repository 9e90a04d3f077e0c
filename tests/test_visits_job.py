"""visits/tasks.py: the daily return-visit job, run by a real Celery worker over Redis."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.result import AsyncResult

from accounts.models import Notification
from pipeline.models import Client
from pipeline.models.loop import Stage
from tests.factories_leads import ClientFactory
from visits.models import PlanSource, VisitPlan
from visits.tasks import plan_return_visits, plan_return_visits_all

pytestmark = [pytest.mark.redis, pytest.mark.postgres]
SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def _customer(area, owner, *, tier, since):
    client = ClientFactory(area=area, owner=owner, stage=Stage.FOLLOW_UP, tier=tier)
    Client.objects.filter(pk=client.pk).update(stage_entered_at=since)
    return client


def _notes():
    return sorted(
        Notification.objects.filter(kind__startswith="return_visit").values_list(
            "recipient__username", "kind"
        )
    )


def test_the_worker_plans_due_return_visits_once_per_station_business_date(org, celery_worker):
    # Given an A customer of station A untouched since 1 February (due 3 March), a C customer signed up
    # yesterday, and in station B, which keeps UTC, an A customer due on 5 March
    org.station_b.timezone = "UTC"
    org.station_b.save()
    due_a = _customer(org.a1, org.kam, tier="A", since=datetime(2026, 2, 1, 10, tzinfo=SHANGHAI))
    _customer(org.a1, org.kam, tier="C", since=datetime(2026, 3, 5, 10, tzinfo=SHANGHAI))
    due_b = _customer(org.b1, org.kam_b, tier="A", since=datetime(2026, 2, 3, 12, tzinfo=UTC))

    # When the worker runs station A's job for 6 March, twice
    assert plan_return_visits.delay(org.station_a.pk, "2026-03-06").get(timeout=30) == 1
    assert plan_return_visits.delay(org.station_a.pk, "2026-03-06").get(timeout=30) == 1

    # Then A's customer has one return visit, overdue since 3 March, and its owner one notification
    plan = VisitPlan.objects.get(source=PlanSource.CADENCE)
    assert (plan.client_id, plan.planned_for, plan.assignee) == (due_a.pk, date(2026, 3, 3), org.kam)
    assert _notes() == [("kam", "return_visit_overdue")]

    # When beat fires at 23:30 UTC on 5 March (07:30 on 6 March in Shanghai)
    with time_machine.travel(datetime(2026, 3, 5, 23, 30, tzinfo=UTC), tick=True):
        ids = plan_return_visits_all.delay().get(timeout=30)
        counts = [AsyncResult(i).get(timeout=30) for i in ids]

    # Then each station was evaluated on its own date: station B's visit is due today (5 March there), and
    # nothing was repeated for station A
    assert counts == [1, 1]
    assert VisitPlan.objects.get(client=due_b).planned_for == date(2026, 3, 5)
    assert _notes() == [("kam", "return_visit_overdue"), ("kam_b", "return_visit_due")]
