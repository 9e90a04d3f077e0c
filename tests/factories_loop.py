"""Factories for the loop (steps 3-10) and visits, and `walk_to()`, which takes a client through the loop by
satisfying each gate with real records and moving it through pipeline.transitions."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from pipeline.models import Client, ClientContact
from pipeline.models.clients import CompanyType, ContactRole
from pipeline.models.loop import LOOP, Stage
from pipeline.services import steps, transitions
from tests.factories_leads import ClientFactory
from visits import services as visit_services
from visits.models import Outcome, VisitKind, VisitPlan, VisitRecord


class VisitPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitPlan

    client = factory.SubFactory(ClientFactory)
    planned_for = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))
    assignee = factory.LazyAttribute(lambda o: o.client.owner)


class VisitRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitRecord

    client = factory.SubFactory(ClientFactory)
    visited_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    by = factory.LazyAttribute(lambda o: o.client.owner)
    met = "采购部 王经理"
    outcome = Outcome.INTERESTED
    kind = VisitKind.FIRST


def satisfy_gate(client: Client, by) -> None:
    """Give `client` what its current step requires before it may leave it."""
    stage = client.stage
    today = client.station.local_date()
    if stage == Stage.SCREEN:
        Client.objects.filter(pk=client.pk).update(
            screened_at=timezone.now(), plan_updated_at=timezone.now(), plan_key_points="报价与线路组合"
        )
        client.refresh_from_db()
    elif stage == Stage.SURVEY:
        steps.survey_record(
            client=client,
            by=by,
            company_type=CompanyType.ECOMMERCE,
            decision_structure="总经理拍板",
            contacts=[{"name": "王总", "title": "总经理", "role": ContactRole.DECISION_MAKER}],
        )
    elif stage == Stage.NEEDS:
        steps.needs_record(client=client, by=by, speed="次日达", price="首重8元")
    elif stage == Stage.PROPOSAL:
        steps.proposal_create(
            client=client,
            by=by,
            title="电商件方案",
            lines=[{"product": "标快", "route": "上海→北京", "unit_price": Decimal("8.00"), "discount": 10}],
        )
    elif stage == Stage.VISIT:
        visit_services.record_create(
            client=client,
            by=by,
            visited_at=timezone.now() - timedelta(hours=2),
            met="王总",
            outcome=Outcome.INTERESTED,
            kind=VisitKind.NEGOTIATION,
        )
    elif stage == Stage.TRIAL_SHIPMENT:
        steps.trial_shipment_create(
            client=client,
            by=by,
            sent_on=today,
            waybill_numbers="YT0001\nYT0002",
            parcel_count=2,
            on_time_count=2,
            damaged_count=0,
        )
    elif stage == Stage.CONTRACT:
        steps.contract_create(
            client=client,
            by=by,
            signed_on=today,
            starts_on=today,
            ends_on=today + timedelta(days=365),
            price_terms="首重7.5元",
            committed_monthly_volume=3000,
            settlement_mode="monthly",
        )
    elif stage == Stage.FOLLOW_UP:
        steps.evaluation_record(client=client, by=by, month=today, actual_volume=2800)


def walk_to(client: Client, stage: str, by) -> Client:
    """Move `client` forward step by step until it reaches `stage`, satisfying each gate on the way."""
    while LOOP.index(client.stage) < LOOP.index(stage):
        satisfy_gate(client, by)
        transitions.move(client=client, to=transitions.next_stage(client.stage), by=by)
    return client


def decision_maker(client: Client) -> ClientContact:
    return ClientContact.objects.create(client=client, name="王总", role=ContactRole.DECISION_MAKER)


def add_account_history(client: Client, by, *, new_owner) -> None:
    """A maintained customer's usual extras: a planned return visit, an opportunity, an owner hand-over, a
    relationship step and a regression."""
    today = client.station.local_date()
    visit_services.plan_create(
        client=client, by=by, planned_for=today + timedelta(days=7), kind=VisitKind.RETURN
    )
    steps.opportunity_create(client=client, by=by, kind="products", description="冷链产品")
    steps.owner_transfer(client=client, by=by, to_owner=new_owner, reason="调整分工")
    steps.relationship_set(client=client, by=by, to="initial", reason="签约")
    steps.regression_record(
        client=client, by=by, kind="interruption", cause="our_service", reason="丢件未赔", occurred_on=today
    )
