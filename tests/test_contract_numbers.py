"""Ids and numbers typed into query strings and bodies: characters that look like digits but are not ("²", "³")
are bad input, answered with a 400 or ignored like any other text, never with a server error."""

import pytest

from pipeline.models import Lead
from satisfaction.models import IndicatorReading
from tests.factories_leads import ClientFactory

pytestmark = pytest.mark.django_db

SUPERSCRIPT_TWO = "\u00b2"  # str.isdigit() says yes, int() says no


def test_a_competitor_named_by_a_superscript_is_an_unknown_competitor(org, api_as):
    # Given a lead whose competitor is "²"
    body = {
        "company_name": "上海测试贸易有限公司",
        "contact_phone": "13912345678",
        "competitors": [{"competitor": SUPERSCRIPT_TWO, "monthly": 10}],
    }

    # When a courier submits it
    response = api_as(org.courier).post("/api/v1/leads/", body, format="json")

    # Then it is refused as an unknown competitor, and no lead was written
    assert response.status_code == 400
    assert response.json()["competitors"][0].startswith("未知的竞争对手“²”")
    assert not Lead.objects.exists()


def test_a_competitor_named_by_its_id_in_a_string_still_resolves(org, api_as):
    from tests.factories_leads import competitor

    sf = competitor("SF")
    body = {
        "company_name": "上海测试贸易有限公司",
        "contact_phone": "13912345678",
        "competitors": [{"competitor": str(sf.pk), "monthly": 10}],
    }

    response = api_as(org.courier).post("/api/v1/leads/", body, format="json")

    assert response.status_code == 201
    assert response.json()["competitors"] == [{"competitor": sf.name, "monthly": 10}]


def test_the_duplicate_check_ignores_an_exclude_that_is_not_a_number(org, api_as):
    response = api_as(org.courier).get(
        "/api/v1/leads/duplicates/", {"company_name": "测试", "exclude": SUPERSCRIPT_TWO}
    )

    assert response.status_code == 200
    assert response.json() == {"duplicate_of": None, "matches": []}


@pytest.mark.parametrize("param", ["owner", "station", "threshold"])
def test_low_health_filters_that_are_not_whole_numbers_are_a_400(org, api_as, param):
    response = api_as(org.station_master).get("/api/v1/client-health/", {param: SUPERSCRIPT_TWO})

    assert response.status_code == 400
    assert list(response.json()) == [param]


def test_indicator_readings_for_a_client_given_as_a_superscript_are_refused_whole(org, api_as):
    # Given one good reading and one whose client is "²"
    client = ClientFactory(area=org.a1)
    readings = [
        {"client": client.pk, "indicator": "on_time_rate", "day": "2026-01-05", "value": 99},
        {"client": SUPERSCRIPT_TWO, "indicator": "on_time_rate", "day": "2026-01-05", "value": 99},
    ]

    # When a station master sends them together
    response = api_as(org.station_master).post(
        "/api/v1/indicator-readings/bulk/", {"readings": readings}, format="json"
    )

    # Then the batch is refused and nothing was recorded
    assert response.status_code == 400
    assert not IndicatorReading.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/kanban/?area=²",
        "/kanban/?owner=²",
        "/leads/lookup/?company_name=x&exclude=²",
        "/visits/?area=²",
        "/visits/?person=²",
        "/visits/records/new/?plan=²",
        "/visits/records/new/?client=²",
    ],
)
def test_pages_read_ids_from_the_query_string_only_when_they_are_numbers(org, client, path):
    client.force_login(org.station_master)

    response = client.get(path)

    assert response.status_code == 200


def test_the_merge_page_ignores_another_client_given_as_a_superscript(org, client):
    kept = ClientFactory(area=org.a1)
    client.force_login(org.station_master)

    response = client.get(f"/clients/{kept.pk}/merge/", {"other": SUPERSCRIPT_TWO})

    assert response.status_code == 200


def test_headquarters_picking_a_station_as_a_superscript_on_the_work_calendar_get_a_404(org, client):
    client.force_login(org.admin)

    response = client.get("/quota/calendar/", {"station": SUPERSCRIPT_TWO})

    assert response.status_code == 404
