"""visits/views.py and visits/panels.py: the week calendar, planning, recording, the decision, the home card."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from pipeline.models.loop import Stage
from tests.factories_leads import ClientFactory
from tests.factories_loop import VisitPlanFactory, VisitRecordFactory
from visits.models import PlanStatus, SuperiorStatus, VisitKind, VisitPlan, VisitRecord

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def customer(org):
    return ClientFactory(area=org.a1, owner=org.kam, stage=Stage.VISIT, name="浦东制衣厂")


def test_the_week_calendar_shows_a_persons_plans_and_visits_and_an_areas(org, client, customer):
    with time_machine.travel(datetime(2026, 3, 4, 9, tzinfo=SHANGHAI), tick=False):
        VisitPlanFactory(client=customer, assignee=org.marketer, planned_for=date(2026, 3, 5))
        VisitPlanFactory(client=customer, assignee=org.kam, planned_for=date(2026, 3, 12))  # next week
        VisitRecordFactory(client=customer, by=org.kam, visited_at=datetime(2026, 3, 3, 15, tzinfo=SHANGHAI))
        other = ClientFactory(area=org.a2, owner=org.kam, stage=Stage.VISIT, name="张江药业")
        VisitPlanFactory(client=other, assignee=org.kam, planned_for=date(2026, 3, 6))
        client.force_login(org.kam)

        mine = client.get("/visits/").context
        assert [
            (d["day"], len(d["plans"]), len(d["records"])) for d in mine["week"] if d["plans"] or d["records"]
        ] == [
            (date(2026, 3, 3), 0, 1),
            (date(2026, 3, 6), 1, 0),
        ]
        marketer = client.get(f"/visits/?person={org.marketer.pk}").context
        assert [len(d["plans"]) for d in marketer["week"]] == [0, 0, 0, 1, 0, 0, 0]
        area = client.get(f"/visits/?area={org.a1.pk}").context
        assert sum(len(d["plans"]) + len(d["records"]) for d in area["week"]) == 2
        later = client.get("/visits/?week=2026-03-12").context
        assert later["monday"] == date(2026, 3, 9)
        assert sum(len(d["plans"]) for d in later["week"]) == 1


def test_the_calendar_answers_404_for_people_and_areas_outside_scope(org, client):
    client.force_login(org.marketer)
    assert client.get(f"/visits/?person={org.kam_b.pk}").status_code == 404
    assert client.get(f"/visits/?area={org.a2.pk}").status_code == 404
    client.force_login(org.courier)
    assert client.get("/visits/").status_code == 403


def test_planning_a_visit_with_a_superior_and_the_managers_decision(org, client, customer):
    client.force_login(org.marketer)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        "/visits/plans/new/",
        {
            "client": customer.pk,
            "kind": "first",
            "planned_for": tomorrow.isoformat(),
            "assignee": org.marketer.pk,
            "key_points": "介绍时效产品",
            "superior_requested": "on",
            "superior_request_note": "对方是总经理",
        },
    )
    plan = VisitPlan.objects.get()
    assert response.status_code == 302
    assert plan.superior_status == SuperiorStatus.PENDING
    # The marketer cannot decide; the area manager sees it on the home card and approves
    assert client.post(f"/visits/plans/{plan.pk}/decide/", {"decision": "approve"}).status_code == 403
    client.force_login(org.manager)
    assert "浦东制衣厂" in client.get("/").content.decode()
    client.post(f"/visits/plans/{plan.pk}/decide/", {"decision": "approve", "note": "同去"})
    plan.refresh_from_db()
    assert (plan.superior_status, plan.superior) == (SuperiorStatus.APPROVED, org.manager)


def test_a_plan_in_the_past_shows_the_error(org, client, customer):
    client.force_login(org.kam)
    response = client.post(
        "/visits/plans/new/",
        {"client": customer.pk, "kind": "first", "planned_for": "2020-01-01", "assignee": org.kam.pk},
    )
    assert response.status_code == 200
    assert "拜访只能计划在今天或以后" in response.content.decode()
    assert not VisitPlan.objects.exists()


def test_recording_a_planned_visit_with_location_closes_the_plan(org, client, customer):
    plan = VisitPlanFactory(client=customer, assignee=org.kam, planned_for=timezone.localdate())
    client.force_login(org.kam)
    form = client.get(f"/visits/records/new/?plan={plan.pk}").content.decode()
    assert 'id="locate"' in form
    response = client.post(
        f"/visits/records/new/?plan={plan.pk}",
        {
            "client": customer.pk,
            "kind": "first",
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "attendees": [org.kam.pk],
            "met": "厂长",
            "situation": "自有车队",
            "outcome": "follow_up",
            "next_step": "带报价再访",
            "latitude": "31.221",
            "longitude": "121.544",
            "accuracy": "30",
            "located_at": "2026-01-01T02:03:04.000Z",
        },
    )
    assert response.status_code == 302
    record = VisitRecord.objects.get()
    assert (record.plan, record.outcome, float(record.latitude)) == (plan, "follow_up", 31.221)
    assert record.located_at == datetime(2026, 1, 1, 2, 3, 4, tzinfo=ZoneInfo("UTC"))
    assert VisitPlan.objects.get().status == PlanStatus.DONE
    detail = client.get(f"/visits/records/{record.pk}/").content.decode()
    assert "自有车队" in detail


def test_a_visit_dated_in_the_future_is_refused_on_the_page(org, client, customer):
    client.force_login(org.kam)
    response = client.post(
        "/visits/records/new/",
        {
            "client": customer.pk,
            "kind": "first",
            "visited_at": "2099-01-01T10:00",
            "met": "厂长",
            "outcome": "interested",
        },
    )
    assert response.status_code == 200
    assert "这个时间在未来" in response.content.decode()
    assert not VisitRecord.objects.exists()


def test_the_home_card_lists_due_and_overdue_return_visits_of_the_assignee(org, client):
    # (Key-account managers and area marketers have them on their day, as tasks: tests/test_agenda_pages.py.)
    today = timezone.localdate()
    customer = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.FOLLOW_UP, name="老客户")
    late = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.FOLLOW_UP, name="久未回访")
    VisitPlan.objects.create(
        client=customer, kind=VisitKind.RETURN, planned_for=today + timedelta(days=3), assignee=org.manager
    )
    VisitPlan.objects.create(
        client=late, kind=VisitKind.RETURN, planned_for=today - timedelta(days=9), assignee=org.manager
    )
    client.force_login(org.manager)
    page = client.get("/").content.decode()
    assert 'id="visits-panel"' in page
    assert "老客户" in page and "久未回访" in page
    assert page.index("久未回访") < page.index("老客户")  # the overdue one first
    assert 'class="overdue"' in page
    client.force_login(org.courier)
    assert 'id="visits-panel"' not in client.get("/").content.decode()
