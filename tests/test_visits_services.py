"""visits/services.py: plans, the superior's approval, records, and the return-visit cadence."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from accounts.models import Notification
from pipeline.models import Client, Contract
from pipeline.models.loop import Stage
from tests.factories_leads import ClientFactory
from tests.factories_loop import VisitRecordFactory
from visits import services
from visits.models import (
    PlanSource,
    PlanStatus,
    SuperiorStatus,
    VisitKind,
    VisitPhoto,
    VisitPlan,
    VisitRecord,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client_a1(org):
    return ClientFactory(area=org.a1, owner=org.kam, stage=Stage.VISIT)


def _png(name="card.png"):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# --- Plans ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [-1, 400])
def test_a_plan_in_the_past_or_far_ahead_is_refused(org, client_a1, days):
    with pytest.raises(ValidationError) as refused:
        services.plan_create(
            client=client_a1, by=org.kam, planned_for=client_a1.station.local_date() + timedelta(days=days)
        )
    assert "planned_for" in refused.value.message_dict
    assert not VisitPlan.objects.exists()


def test_a_companion_outside_ones_scope_is_refused_without_being_named(org, client_a1):
    with pytest.raises(ValidationError) as refused:
        services.plan_create(
            client=client_a1,
            by=org.kam,
            planned_for=client_a1.station.local_date() + timedelta(days=1),
            companions=[org.kam_b],
        )
    message = " ".join(refused.value.message_dict["assignee"])
    assert "outside your scope" in message
    assert org.kam_b.username not in message and str(org.kam_b) not in message
    assert not VisitPlan.objects.exists()


def test_a_plan_from_the_screening_plan_carries_its_points_over(org, client_a1):
    Client.objects.filter(pk=client_a1.pk).update(
        plan_key_points="谈时效", plan_topics="月结", plan_initial_quote=True, plan_superior_needed=True
    )
    client_a1.refresh_from_db()
    plan = services.plan_create(
        client=client_a1,
        by=org.marketer,
        planned_for=client_a1.station.local_date() + timedelta(days=2),
        from_screening=True,
        companions=[org.kam],
    )
    assert (plan.source, plan.key_points, plan.topics, plan.needs_initial_quote) == (
        PlanSource.SCREENING,
        "谈时效",
        "月结",
        True,
    )
    assert plan.assignee == org.marketer
    assert list(plan.companions.all()) == [org.kam]
    # The screening plan asked for a superior: the area manager is asked to decide
    assert plan.superior_status == SuperiorStatus.PENDING
    assert Notification.objects.filter(recipient=org.manager, kind="visit_superior_request").count() == 1


def test_the_area_manager_decides_on_a_superior_once(org, client_a1):
    plan = services.plan_create(
        client=client_a1,
        by=org.marketer,
        planned_for=client_a1.station.local_date() + timedelta(days=2),
        superior_requested=True,
        superior_request_note="客户要求见领导",
    )
    # Somebody who is not the client's area manager may not decide
    for outsider in (org.marketer, org.kam, org.station_master_b):
        with pytest.raises(PermissionDenied):
            services.superior_decide(plan=plan, by=outsider, approve=True)
    # The area manager approves and goes themself
    services.superior_decide(plan=plan, by=org.manager, approve=True, note="我去")
    plan.refresh_from_db()
    assert (plan.superior_status, plan.superior, plan.superior_decided_by, plan.superior_decision_note) == (
        SuperiorStatus.APPROVED,
        org.manager,
        org.manager,
        "我去",
    )
    assert Notification.objects.filter(recipient=org.marketer, kind="visit_superior_decision").count() == 1
    # A second decision is refused and changes nothing
    with pytest.raises(ValidationError):
        services.superior_decide(plan=plan, by=org.station_master, approve=False)
    plan.refresh_from_db()
    assert plan.superior_status == SuperiorStatus.APPROVED


def test_a_declined_request_keeps_the_visit(org, client_a1):
    plan = services.plan_create(
        client=client_a1,
        by=org.marketer,
        planned_for=client_a1.station.local_date(),
        superior_requested=True,
    )
    services.superior_decide(plan=plan, by=org.manager, approve=False, note="本周没空")
    plan.refresh_from_db()
    assert (plan.superior_status, plan.status) == (SuperiorStatus.DECLINED, PlanStatus.PLANNED)


def test_only_a_planned_visit_can_be_cancelled(org, client_a1):
    plan = services.plan_create(client=client_a1, by=org.kam, planned_for=client_a1.station.local_date())
    services.plan_cancel(plan=plan, by=org.kam)
    with pytest.raises(ValidationError):
        services.plan_cancel(plan=plan, by=org.kam)
    assert VisitPlan.objects.get().status == PlanStatus.CANCELLED


# --- Records ---------------------------------------------------------------------------------------------------


def test_a_record_keeps_spin_notes_location_and_photos_and_closes_its_plan(org, client_a1):
    plan = services.plan_create(client=client_a1, by=org.kam, planned_for=client_a1.station.local_date())
    record = services.record_create(
        client=client_a1,
        by=org.kam,
        plan=plan,
        visited_at=timezone.now() - timedelta(minutes=30),
        met="王总、采购李经理",
        situation="每月发货2万件",
        problem="现在的快递丢件多",
        implication="丢件导致差评",
        need_payoff="时效+理赔",
        outcome="interested",
        next_step="发报价",
        next_step_on=client_a1.station.local_date() + timedelta(days=3),
        location=services.Location(31.2304, 121.4737, 25.0),
        photos=[_png()],
        attendees=[org.kam, org.manager],
    )
    record.refresh_from_db()
    assert (float(record.latitude), float(record.longitude), record.accuracy) == (31.2304, 121.4737, 25.0)
    assert record.located_at is not None
    assert [label for label, _ in record.spin] == [
        "S: situation",
        "P: problem",
        "I: implication",
        "N: need-payoff",
    ]
    assert set(record.attendees.all()) == {org.kam, org.manager}
    # Stored re-encoded under a random name that says nothing about the client.
    assert re.fullmatch(r"visits/[0-9a-f]{32}\.png", VisitPhoto.objects.get(record=record).image.name)
    assert VisitPlan.objects.get(pk=plan.pk).status == PlanStatus.DONE


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"visited_at": "future"}, "visited_at"),
        ({"outcome": ""}, "outcome"),
        ({"met": ""}, "met"),
        ({"location": services.Location(95.0, 10.0)}, "latitude"),
        ({"photos": [SimpleUploadedFile("x.png", b"not an image")]}, "photos"),
        ({"next_step_on": date(2000, 1, 1)}, "next_step_on"),
    ],
)
def test_bad_records_are_refused_and_nothing_is_saved(org, client_a1, change, field):
    data = {"visited_at": timezone.now() - timedelta(hours=1), "met": "王总", "outcome": "interested"}
    if change.get("visited_at") == "future":
        change = {"visited_at": timezone.now() + timedelta(days=30)}
    with pytest.raises(ValidationError) as refused:
        services.record_create(client=client_a1, by=org.kam, **{**data, **change})
    assert field in refused.value.message_dict
    assert not VisitRecord.objects.exists()
    assert not VisitPhoto.objects.exists()


def test_a_photo_over_the_size_limit_is_refused(org, client_a1, settings):
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError):
        services.record_create(
            client=client_a1,
            by=org.kam,
            visited_at=timezone.now(),
            met="王总",
            outcome="interested",
            photos=[_png()],
        )


# --- Return-visit cadence -----------------------------------------------------------------------------------------


def _maintained(org, *, tier, stage=Stage.FOLLOW_UP, owner=None, **extra):
    return ClientFactory(area=org.a1, owner=owner or org.kam, stage=stage, tier=tier, **extra)


def _contract(client, signed_on):
    Contract.objects.create(
        client=client,
        signed_on=signed_on,
        starts_on=signed_on,
        ends_on=signed_on + timedelta(days=365),
        price_terms="x",
        committed_monthly_volume=100,
        settlement_mode="monthly",
    )


def test_cadence_defaults_are_monthly_quarterly_and_half_yearly():
    assert [services.cadence_days(t) for t in ("A", "B", "C", "")] == [30, 91, 182, 182]


def test_cadence_is_configurable(settings):
    settings.RETURN_VISIT_CADENCE_DAYS = {"A": 14}
    assert (services.cadence_days("A"), services.cadence_days("B")) == (14, 91)


def test_the_daily_run_plans_due_and_overdue_return_visits_once_and_tells_the_owner(org):
    # Given, on 6 March 2026:
    with time_machine.travel(datetime(2026, 1, 1, 9, tzinfo=SHANGHAI), tick=False):
        due_a = _maintained(org, tier="A", name="A客户")  # last visit 10 Feb → due 12 Mar
        later_b = _maintained(org, tier="B", name="B客户")  # signed 1 Jan, no visit → due 2 Apr
        old_c = _maintained(org, tier="", stage=Stage.ARCHIVE, name="C客户")  # entered 1 Jan → due 2 Jul
        prospect = _maintained(org, tier="A", stage=Stage.PROPOSAL, name="潜在")  # not a customer yet
        orphan = _maintained(org, tier="A", owner=None, name="无人")
        Client.objects.filter(pk=orphan.pk).update(owner=None)
    Client.objects.filter(pk=old_c.pk).update(stage_entered_at=datetime(2025, 6, 1, 9, tzinfo=SHANGHAI))
    _contract(due_a, date(2026, 1, 5))
    _contract(later_b, date(2026, 1, 1))
    VisitRecordFactory(
        client=due_a, visited_at=datetime(2026, 2, 10, 15, tzinfo=SHANGHAI), kind=VisitKind.RETURN
    )
    assert prospect and orphan

    # When the job runs for 6 March, twice
    first = services.plan_return_visits(station=org.station_a, on=date(2026, 3, 6))
    again = services.plan_return_visits(station=org.station_a, on=date(2026, 3, 6))

    # Then A (due in 6 days) and C (overdue since 28 Nov) have one cadence plan each; nothing else
    plans = {p.client.name: p for p in VisitPlan.objects.filter(source=PlanSource.CADENCE)}
    assert sorted(plans) == ["A客户", "C客户"]
    assert plans["A客户"].planned_for == date(2026, 3, 12)
    assert plans["C客户"].planned_for == date(2025, 11, 30)
    assert all(p.assignee == org.kam and p.kind == VisitKind.RETURN for p in plans.values())
    assert len(first) == len(again) == 2
    # And the owner was told once per plan: one due, one overdue
    notes = Notification.objects.filter(recipient=org.kam, kind__startswith="return_visit")
    assert sorted(notes.values_list("kind", flat=True)) == ["return_visit_due", "return_visit_overdue"]

    # When A's day passes without a visit, the next run says it is overdue (once)
    services.plan_return_visits(station=org.station_a, on=date(2026, 3, 13))
    services.plan_return_visits(station=org.station_a, on=date(2026, 3, 13))
    assert notes.filter(kind="return_visit_overdue").count() == 2
    assert VisitPlan.objects.filter(source=PlanSource.CADENCE).count() == 2

    # When the owner records the return visit, the plan is done and the next one is a month after it
    with time_machine.travel(datetime(2026, 3, 14, 10, tzinfo=SHANGHAI), tick=False):
        services.record_create(
            client=due_a,
            by=org.kam,
            visited_at=timezone.now(),
            met="王总",
            outcome="satisfied",
            kind=VisitKind.RETURN,
        )
    assert VisitPlan.objects.get(pk=plans["A客户"].pk).status == PlanStatus.DONE
    services.plan_return_visits(station=org.station_a, on=date(2026, 4, 8))
    next_a = VisitPlan.objects.get(client=due_a, status=PlanStatus.PLANNED)
    assert next_a.planned_for == date(2026, 4, 13)


def test_other_stations_are_left_alone(org):
    other = ClientFactory(area=org.b1, owner=org.kam_b, stage=Stage.FOLLOW_UP, tier="A")
    Client.objects.filter(pk=other.pk).update(stage_entered_at=datetime(2025, 1, 1, tzinfo=SHANGHAI))
    services.plan_return_visits(station=org.station_a, on=date(2026, 3, 6))
    assert not VisitPlan.objects.exists()


def test_due_return_visits_list_what_is_due_within_the_notice_days(org):
    client = _maintained(org, tier="A")
    far = VisitPlan.objects.create(
        client=client, kind=VisitKind.RETURN, planned_for=date(2026, 3, 30), assignee=org.kam
    )
    soon = VisitPlan.objects.create(
        client=_maintained(org, tier="A"),
        kind=VisitKind.RETURN,
        planned_for=date(2026, 3, 10),
        assignee=org.kam,
    )
    late = VisitPlan.objects.create(
        client=_maintained(org, tier="B"),
        kind=VisitKind.RETURN,
        planned_for=date(2026, 2, 1),
        assignee=org.kam,
    )
    assert list(services.due_return_visits(org.kam, on=date(2026, 3, 6))) == [late, soon]
    assert far not in services.due_return_visits(org.kam, on=date(2026, 3, 6))
