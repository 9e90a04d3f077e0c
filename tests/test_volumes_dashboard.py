"""Revenue from the volume feed on the station dashboard (per area) and the network dashboard (per station), each
from one aggregate query, scoped like the rest of the dashboard."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from tests.factories_leads import ClientFactory
from tests.factories_volumes import volume

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 5, 20, 4, 0, tzinfo=datetime.UTC)


@pytest.fixture
def fed(org):
    volume(ClientFactory(area=org.a1), "2026-05", 10, "1000.50")
    volume(ClientFactory(area=org.a1), "2026-05", 10, "500", source="cod")
    volume(ClientFactory(area=org.a2), "2026-05", 10, "200")
    volume(ClientFactory(area=org.a2), "2026-04", 10, "99999")  # another month
    volume(ClientFactory(area=org.b1), "2026-05", 10, "70")


def test_the_station_dashboard_has_revenue_per_area(org, fed, api_as):
    with time_machine.travel(NOW, tick=False):
        data = api_as(org.station_master).get("/api/v1/dashboard/", {"date": "2026-05-20"}).json()
    assert data["revenue"]["month"] == "2026-05"
    assert Decimal(data["revenue"]["total"]) == Decimal("1700.50")
    assert [(a["name"], Decimal(a["revenue"])) for a in data["revenue"]["areas"]] == [
        ("片区A1", Decimal("1500.50")),
        ("片区A2", Decimal("200")),
    ]


def test_an_area_manager_sees_the_revenue_of_their_area(org, fed, api_as):
    with time_machine.travel(NOW, tick=False):
        data = api_as(org.manager).get("/api/v1/dashboard/", {"date": "2026-05-20"}).json()
    assert Decimal(data["revenue"]["total"]) == Decimal("1500.50")


def test_the_network_dashboard_has_revenue_per_station(org, fed, api_as):
    with time_machine.travel(NOW, tick=False):
        data = api_as(org.executive).get("/api/v1/dashboard/stations/", {"date": "2026-05-20"}).json()
    by_code = {row["code"]: Decimal(row["revenue"]) for row in data["stations"]}
    assert by_code == {"A01": Decimal("1700.50"), "B01": Decimal("70")}
    assert Decimal(data["totals"]["revenue"]) == Decimal("1770.50")


def test_revenue_costs_one_query_however_many_clients(org, api_as, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dashboard.sections import revenue

    def count():
        with CaptureQueriesContext(connection) as queries:
            revenue(station=org.station_a, area=None, day=datetime.date(2026, 5, 1))
        return len(queries)

    volume(ClientFactory(area=org.a1), "2026-05", 1, "1")
    few = count()
    for _ in range(10):
        volume(ClientFactory(area=org.a2), "2026-05", 1, "1")
    assert count() == few <= 2
