"""pipeline/screening.py: signals, expected revenue, difficulty, priority and its explanation, visit plan."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from pipeline.models import Client, ScreeningSettings
from pipeline.services import screening
from tests.factories_leads import ClientContactFactory, ClientFactory, volume

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def codes(client):
    return [s.code for s in screening.assess(client).signals]


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"inbound_monthly": 300, "outbound_monthly": 0}, ["inbound_no_outbound"]),
        ({"inbound_monthly": 300, "outbound_monthly": 50}, ["outbound_below_inbound"]),
        ({"inbound_monthly": 50, "outbound_monthly": 300}, []),
        ({"source": "hotline_11183"}, ["hotline_caller"]),
        ({"source": "referral"}, ["referral"]),
    ],
)
def test_signals_come_from_the_parcel_profile_and_the_source(org, fields, expected):
    assert codes(ClientFactory(area=org.a1, **fields)) == expected


def test_small_with_us_and_large_with_a_competitor(org):
    client = ClientFactory(area=org.a1, our_monthly=20)
    volume(client, "SF", 300)
    screening.refresh(client)
    assert codes(client) == ["competitor_dominant"]
    assert Client.objects.filter(screening.SIGNALS_BY_CODE["competitor_dominant"].filter).get() == client


@pytest.mark.parametrize("code", [s.code for s in screening.SIGNALS])
def test_each_signals_database_filter_agrees_with_its_rule(org, code):
    clients = [
        ClientFactory(area=org.a1, inbound_monthly=300, outbound_monthly=0),
        ClientFactory(area=org.a1, inbound_monthly=300, outbound_monthly=50),
        ClientFactory(area=org.a1, source="hotline_11183", outbound_monthly=10),
        ClientFactory(area=org.a1, source="referral"),
        ClientFactory(area=org.a1, our_monthly=5, competitor_monthly_total=50),
    ]
    signal = screening.SIGNALS_BY_CODE[code]
    assert {c.pk for c in clients if signal.applies(c)} == set(
        Client.objects.filter(signal.filter).values_list("pk", flat=True)
    )


def test_expected_revenue_is_volume_times_the_configurable_average_price(org):
    client = ClientFactory(area=org.a1, outbound_monthly=1000, our_monthly=100)
    assert screening.assess(client).expected_revenue == Decimal("8000.00")
    ScreeningSettings.objects.create(station=org.station_a, average_parcel_price=Decimal("9.50"))
    assert screening.assess(client).expected_revenue == Decimal("9500.00")
    other_station = ClientFactory(area=org.b1, outbound_monthly=1000)
    assert screening.assess(other_station).expected_revenue == Decimal("8000.00")


def test_the_default_price_comes_from_settings(org, settings):
    settings.AVERAGE_PARCEL_PRICE = "6"
    assert screening.assess(ClientFactory(area=org.a1, outbound_monthly=100)).expected_revenue == 600


def test_volume_is_what_the_customer_sends_or_what_carriers_carry(org):
    client = ClientFactory(area=org.a1, outbound_monthly=100, our_monthly=50)
    volume(client, "SF", 400)
    screening.refresh(client)
    assert screening.potential_monthly(client) == 450


def test_difficulty_rises_with_a_dominant_competitor_and_formal_purchasing_and_falls_with_a_referral(org):
    hard = ClientFactory(area=org.a1, company_type="government", outbound_monthly=5000)
    volume(hard, "SF", 4000)
    screening.refresh(hard)
    easy = ClientFactory(area=org.a1, source="referral", company_type="shop")
    ClientContactFactory(client=easy, role="decision_maker")
    assert screening.assess(hard).difficulty == 5  # 3 + competitor + government + large, capped
    assert (
        screening.assess(easy).difficulty == 1
    )  # 3 - referral - owner decides - decision maker known (floor 1)
    assert screening.assess(ClientFactory(area=org.a1)).difficulty == 3


def test_a_marketer_may_override_the_difficulty(org):
    client = ClientFactory(area=org.a1, source="referral")
    screening.client_screen(client=client, by=org.marketer, difficulty_manual=5)
    client.refresh_from_db()
    result = screening.assess(client)
    assert (client.difficulty, result.difficulty, result.difficulty_auto, result.difficulty_is_manual) == (
        5,
        5,
        2,
        True,
    )
    assert client.screened_by == org.marketer and client.has_priority


def test_the_priority_adds_up_its_explained_lines(org):
    client = ClientFactory(
        area=org.a1, inbound_monthly=900, outbound_monthly=600, our_monthly=0, source="referral"
    )
    volume(client, "ZTO", 600)
    result = screening.refresh(client)
    labels = [(line.label, line.points) for line in result.lines]
    assert labels == [
        ("Expected revenue ¥4,800 a month (600 parcels × ¥8.00)", 20),
        ("Sends fewer parcels than it receives", 5),
        ("Small volume with us, large with a competitor", 15),
        ("Referred by an existing customer", 15),
        ("Difficulty: Medium", -10),
    ]
    assert result.priority_score == 45
    client.refresh_from_db()
    assert (client.priority_score, client.expected_revenue, client.difficulty) == (45, Decimal("4800.00"), 3)


def test_priority_stays_between_0_and_100(org):
    nothing = ClientFactory(area=org.a1, company_type="government")
    volume(nothing, "SF", 1)
    screening.refresh(nothing)
    assert screening.assess(nothing).priority_score == 0


def test_changing_the_price_recomputes_the_stations_clients(org):
    a = ClientFactory(area=org.a1, outbound_monthly=3000)
    b = ClientFactory(area=org.b1, outbound_monthly=3000)
    for c in (a, b):
        screening.refresh(c)
    screening.screening_settings_update(
        by=org.station_master, station=org.station_a, average_parcel_price=Decimal("2")
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.expected_revenue, b.expected_revenue) == (Decimal("6000.00"), Decimal("24000.00"))
    with pytest.raises(PermissionDenied):
        screening.screening_settings_update(
            by=org.station_master, station=org.station_b, average_parcel_price=Decimal("2")
        )
    with pytest.raises(PermissionDenied):
        screening.screening_settings_update(
            by=org.marketer, station=org.station_a, average_parcel_price=Decimal("2")
        )
    with pytest.raises(ValidationError):
        screening.screening_settings_update(
            by=org.admin, station=org.station_a, average_parcel_price=Decimal("0")
        )
    assert ScreeningSettings.objects.get().average_parcel_price == Decimal("2")


def test_the_visit_plan_of_step_2_is_recorded(org):
    client = ClientFactory(area=org.a1)
    screening.visit_plan_update(
        client=client,
        by=org.marketer,
        plan={
            "plan_key_points": "了解现用快递和月结价",
            "plan_initial_quote": True,
            "plan_route_combination": True,
            "plan_topics": "价格、时效",
            "plan_department_head": "物流部经理",
            "plan_relationships": "老客户王总介绍",
            "plan_superior_needed": True,
        },
    )
    client.refresh_from_db()
    assert client.has_visit_plan and client.has_priority
    assert (client.plan_department_head, client.plan_superior_needed, client.plan_updated_by) == (
        "物流部经理",
        True,
        org.marketer,
    )


def test_a_visit_plan_needs_key_points_and_a_role_that_edits_clients(org):
    client = ClientFactory(area=org.a1)
    with pytest.raises(ValidationError):
        screening.visit_plan_update(client=client, by=org.marketer, plan={"plan_key_points": " "})
    with pytest.raises(ValidationError):
        screening.visit_plan_update(
            client=client, by=org.marketer, plan={"plan_key_points": "x", "stage": "contract"}
        )
    with pytest.raises(PermissionDenied):
        screening.visit_plan_update(client=client, by=org.courier, plan={"plan_key_points": "x"})
    client.refresh_from_db()
    assert not client.has_visit_plan and client.stage == "collect"


def test_the_client_profile_block_renders_contacts_shares_signals_and_plan(org):
    client = ClientFactory(area=org.a1, our_monthly=100, inbound_monthly=500, outbound_monthly=0)
    ClientContactFactory(client=client, name="周总", role="decision_maker")
    volume(client, "SF", 300)
    screening.refresh(client)
    context = screening.client_profile_context(client)
    profile = context["profile"]
    assert profile["our_share"] == 0.25
    assert [(s["name"], s["monthly"], s["share"]) for s in profile["competitor_shares"]] == [
        ("顺丰速运", 300, 0.75)
    ]
    request = RequestFactory().get("/")
    request.user = org.marketer
    html = render_to_string(
        "pipeline/includes/client_profile.html", {**context, "user": org.marketer}, request=request
    )
    assert "周总" in html and "25%" in html and 'data-signal="inbound_no_outbound"' in html
    assert f"/clients/{client.pk}/visit-plan/" in html
    courier_html = render_to_string(
        "pipeline/includes/client_profile.html", {**context, "user": org.courier}, request=request
    )
    assert "/visit-plan/" not in courier_html  # no edit links for a role that may not edit
