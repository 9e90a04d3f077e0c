"""The daily pages read a constant number of queries: the client page whatever the client's history (contacts,
visits, leads, step records), the screening list whatever the number of stations headquarters see."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pipeline.models import Client, StageChange
from pipeline.models.loop import Stage
from pipeline.services import steps
from tests.factories import AreaFactory, StationFactory
from tests.factories_leads import ClientContactFactory, ClientFactory, LeadFactory
from tests.factories_loop import VisitPlanFactory, VisitRecordFactory, walk_to

pytestmark = pytest.mark.django_db

# Session, user, the client, one query per kind of record on the timeline (the sections reuse five of them),
# the profile, the panels and the notification count: 35 on PostgreSQL for a client with one of everything.
CLIENT_PAGE_MAX_QUERIES = 35
SCREENING_MAX_QUERIES = 8


def _queries(browser, url) -> list[str]:
    browser.get(url)  # warm: the session and the user's rows are read the same way on every request
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url).status_code == 200
    return [q["sql"][:60] for q in captured]


def _relationship(customer) -> str:
    return Client.objects.values_list("relationship_stage", flat=True).get(pk=customer.pk)


def _more_history(customer, by, n):
    """n more of everything the client page lists: contacts, visits, leads, moves and step records."""
    today = timezone.localdate()
    for i in range(n):
        ClientContactFactory(client=customer)
        VisitRecordFactory(client=customer, by=by)
        VisitPlanFactory(client=customer, assignee=by)
        LeadFactory(client=customer, collected_by=by, area=customer.area)
        StageChange.objects.create(
            client=customer, from_stage=Stage.CONTRACT, to_stage=Stage.FOLLOW_UP, by=by, at=timezone.now()
        )
        steps.proposal_create(
            client=customer,
            by=by,
            title=f"方案{i}",
            lines=[{"product": "标快", "route": "上海→北京", "unit_price": Decimal("8.00"), "discount": 10}],
        )
        steps.trial_shipment_create(
            client=customer,
            by=by,
            sent_on=today,
            waybill_numbers=f"YT{i}",
            parcel_count=1,
            on_time_count=1,
            damaged_count=0,
        )
        steps.evaluation_record(
            client=customer,
            by=by,
            month=today - timedelta(days=31 * (i + 1)),
            actual_volume=9,
            committed_volume=10,
        )
        steps.opportunity_create(client=customer, by=by, kind="products", description="冷链产品")
        steps.regression_record(
            client=customer, by=by, kind="interruption", cause="our_service", reason="丢件", occurred_on=today
        )
        steps.relationship_set(
            client=customer,
            by=by,
            to="initial" if _relationship(customer) == "stable" else "stable",
            reason="合作",
        )


def test_the_client_page_reads_constant_queries_whatever_its_history(org, client):
    customer = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SCREEN)
    walk_to(customer, Stage.FOLLOW_UP, org.kam)
    _more_history(customer, org.kam, 1)  # one of everything, so that no section is skipped for being empty
    client.force_login(org.kam)
    url = f"/clients/{customer.pk}/"
    before = _queries(client, url)
    _more_history(customer, org.kam, 3)
    after = _queries(client, url)
    assert after == before, set(after) ^ set(before)
    assert len(after) <= CLIENT_PAGE_MAX_QUERIES, after
    page = client.get(url).content.decode()
    assert page.count('data-kind="proposal"') == 5 and "方案2" in page


def test_the_screening_list_reads_one_price_query_for_all_stations(org, client):
    def grow(n):
        for _ in range(n):
            area = AreaFactory(station=StationFactory())
            ClientFactory(area=area, stage=Stage.SCREEN)

    client.force_login(org.executive)
    grow(2)
    before = _queries(client, "/screening/")
    grow(5)
    after = _queries(client, "/screening/")
    assert len(after) == len(before) <= SCREENING_MAX_QUERIES, (before, after)
