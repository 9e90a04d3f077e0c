"""Lists are paginated as the public contract says: {"count", "next", "previous", "results"}."""

import pytest
from django.utils import timezone

from satisfaction.services import complaints
from tests.factories_leads import ClientFactory

pytestmark = pytest.mark.django_db


def _complained_about(org, n):
    clients = [ClientFactory(area=org.a1, name=f"客户{i}有限公司") for i in range(n)]
    for client in clients:
        complaints.complaint_create(
            by=org.kam,
            client=client,
            channel="phone",
            category="delay",
            severity="low",
            description="延误",
            now=timezone.now(),
        )
    return clients


def test_the_low_health_list_is_paginated_and_keeps_its_threshold(org, api_as, django_assert_max_num_queries):
    # Given three clients whose open complaint lowers their health below 100
    _complained_about(org, 3)
    api = api_as(org.station_master)

    # When the list is read two at a time
    with django_assert_max_num_queries(12):
        first = api.get("/api/v1/client-health/", {"threshold": 100, "page_size": 2}).json()
    second = api.get(first["next"]).json()

    # Then it has the contract's shape, the threshold it was read with, and every client once
    assert set(first) == {"count", "next", "previous", "results", "threshold"}
    assert (first["count"], first["previous"], first["threshold"]) == (3, None, 100)
    assert (len(first["results"]), len(second["results"]), second["next"]) == (2, 1, None)
    assert second["previous"] is not None
    names = [row["client_name"] for row in first["results"] + second["results"]]
    assert sorted(names) == ["客户0有限公司", "客户1有限公司", "客户2有限公司"]


def test_an_empty_low_health_list_has_the_same_shape(org, api_as):
    body = api_as(org.station_master).get("/api/v1/client-health/").json()

    assert body == {"count": 0, "next": None, "previous": None, "results": [], "threshold": 60}


def test_the_schema_describes_the_page_the_endpoint_returns(org, api_as):
    schema = api_as(org.admin).get("/api/schema/", {"format": "json"}).json()

    ok = schema["paths"]["/api/v1/client-health/"]["get"]["responses"]["200"]
    ref = ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {
        "count",
        "next",
        "previous",
        "threshold",
        "results",
    }


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/leads/",
        "/api/v1/leads/review-queue/",
        "/api/v1/clients/",
        "/api/v1/flags/",
        "/api/v1/complaints/",
    ],
)
@pytest.mark.parametrize("page", ["999999999999999999999999999999", "-1", "abc", "0"])
def test_an_impossible_page_is_404_not_a_server_error(org, api_as, url, page):
    response = api_as(org.station_master).get(f"{url}?page={page}")
    assert response.status_code == 404
