"""pipeline/views_loop.py: the client page, the move form, the step-record forms, kanban and funnel pages."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pipeline.models import (
    Client,
    ClientContact,
    Contract,
    Evaluation,
    Opportunity,
    OwnerTransfer,
    Proposal,
    Regression,
    RelationshipChange,
    StageChange,
    TrialShipment,
)
from pipeline.models.loop import LOOP, Stage
from pipeline.services import transitions
from tests.factories_leads import ClientFactory
from tests.factories_loop import walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_kam(client, org):
    client.force_login(org.kam)
    client.cookies["django_language"] = "en"  # pages follow the language switch, not the browser
    return client


def _client(org, stage=Stage.SURVEY, **kwargs):
    return ClientFactory(area=org.a1, owner=org.kam, stage=stage, **kwargs)


def test_the_client_page_shows_what_the_step_lacks_and_one_timeline(org, as_kam):
    customer = _client(org, Stage.SCREEN)
    walk_to(customer, Stage.NEEDS, org.kam)
    page = as_kam.get(f"/clients/{customer.pk}/").content.decode()
    assert "a needs analysis" in page
    assert page.count('data-kind="stage"') == 2
    assert 'data-kind="survey"' in page


def test_the_move_form_refuses_with_the_reason_and_moves_when_the_gate_holds(org, as_kam):
    customer = _client(org, Stage.NEEDS)
    refused = as_kam.post(
        f"/clients/{customer.pk}/move/", {"to": "proposal", "expected_from": "needs"}, follow=True
    )
    assert "需求分析" in refused.content.decode() or "needs analysis" in refused.content.decode()
    assert Client.objects.get(pk=customer.pk).stage == Stage.NEEDS
    as_kam.post(f"/clients/{customer.pk}/needs/", {"speed": "当日达"})
    moved = as_kam.post(f"/clients/{customer.pk}/move/", {"to": "proposal", "expected_from": "needs"})
    assert moved.status_code == 302
    assert Client.objects.get(pk=customer.pk).stage == Stage.PROPOSAL


def test_dropping_from_the_page_needs_a_reason_and_a_cause(org, as_kam):
    customer = _client(org, Stage.PROPOSAL)
    as_kam.post(f"/clients/{customer.pk}/move/", {"to": "dropped", "reason": ""})
    assert Client.objects.get(pk=customer.pk).stage == Stage.PROPOSAL
    as_kam.post(
        f"/clients/{customer.pk}/move/", {"to": "dropped", "reason": "太远", "drop_reason": "too_small"}
    )
    drop = StageChange.objects.get(client=customer)
    assert (drop.to_stage, drop.drop_reason, drop.reason) == ("dropped", "too_small", "太远")


def test_the_survey_form_adds_the_decision_maker_and_the_insider(org, as_kam):
    customer = _client(org)
    response = as_kam.post(
        f"/clients/{customer.pk}/survey/",
        {
            "company_type": "government",
            "decision_structure": "办公室主任",
            "dm_name": "张主任",
            "dm_title": "主任",
            "dm_phone": "021-68881234",
            "insider_name": "小王",
        },
    )
    assert response.status_code == 302
    assert set(ClientContact.objects.filter(client=customer).values_list("name", "role")) == {
        ("张主任", "decision_maker"),
        ("小王", "insider"),
    }
    assert Client.objects.get(pk=customer.pk).company_type == "government"


def test_a_proposal_form_saves_its_lines_and_a_new_version_starts_from_the_old_one(org, as_kam):
    customer = _client(org, Stage.PROPOSAL)
    data = {
        "title": "电商方案",
        "status": "draft",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": "标快",
        "lines-0-route": "上海→北京",
        "lines-0-unit_price": "9.00",
        "lines-0-discount": "10",
        "lines-0-volume_from": "500",
    }
    assert as_kam.post(f"/clients/{customer.pk}/proposals/new/", data).status_code == 302
    proposal = Proposal.objects.get()
    assert [(li.product, str(li.net_price)) for li in proposal.lines.all()] == [("标快", "8.10")]
    prefilled = as_kam.get(f"/clients/{customer.pk}/proposals/new/?from={proposal.pk}").content.decode()
    assert 'value="上海→北京"' in prefilled
    printed = as_kam.get(f"/proposals/{proposal.pk}/print/").content.decode()
    assert "8.10" in printed and customer.name in printed


def test_a_proposal_form_with_a_negative_price_shows_the_error_and_saves_nothing(org, as_kam):
    customer = _client(org, Stage.PROPOSAL)
    response = as_kam.post(
        f"/clients/{customer.pk}/proposals/new/",
        {
            "title": "方案",
            "status": "draft",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": "标快",
            "lines-0-unit_price": "-3",
        },
    )
    assert response.status_code == 200
    assert "Line 1" in response.content.decode()
    assert not Proposal.objects.exists()


def test_trial_contract_evaluation_and_opportunity_forms(org, as_kam):
    customer = _client(org, Stage.TRIAL_SHIPMENT)
    today = timezone.localdate()
    as_kam.post(
        f"/clients/{customer.pk}/trial-shipments/new/",
        {"sent_on": today.isoformat(), "waybill_numbers": "YT1\nYT2", "parcel_count": "2"},
    )
    shipment = TrialShipment.objects.get()
    as_kam.post(f"/trial-shipments/{shipment.pk}/results/", {"on_time_count": "2", "damaged_count": "0"})
    assert TrialShipment.objects.get().on_time_count == 2

    pdf = SimpleUploadedFile("合同.pdf", b"%PDF-1.4 contract", content_type="application/pdf")
    response = as_kam.post(
        f"/clients/{customer.pk}/contracts/new/",
        {
            "signed_on": today.isoformat(),
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=365)).isoformat(),
            "price_terms": "首重7元",
            "committed_monthly_volume": "2000",
            "settlement_mode": "monthly",
            "attachment": pdf,
        },
    )
    assert response.status_code == 302
    contract = Contract.objects.get()
    download = as_kam.get(f"/contracts/{contract.pk}/attachment/")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 contract"

    as_kam.post(
        f"/clients/{customer.pk}/evaluations/new/",
        {"month": today.strftime("%Y-%m"), "actual_volume": "1800"},
    )
    assert Evaluation.objects.get().committed_volume == 2000
    as_kam.post(f"/clients/{customer.pk}/opportunities/new/", {"kind": "routes", "description": "华南线路"})
    assert Opportunity.objects.get().kind == "routes"


def test_a_contract_ending_before_it_starts_shows_the_error(org, as_kam):
    customer = _client(org, Stage.CONTRACT)
    today = timezone.localdate()
    response = as_kam.post(
        f"/clients/{customer.pk}/contracts/new/",
        {
            "signed_on": today.isoformat(),
            "starts_on": today.isoformat(),
            "ends_on": (today - timedelta(days=10)).isoformat(),
            "price_terms": "x",
            "committed_monthly_volume": "10",
            "settlement_mode": "monthly",
        },
    )
    assert response.status_code == 200
    assert "must end after it starts" in response.content.decode()
    assert not Contract.objects.exists()


def test_key_account_forms(org, client):
    customer = ClientFactory(area=org.a1, owner=org.marketer, stage=Stage.FOLLOW_UP)
    client.force_login(org.station_master)
    client.post(f"/clients/{customer.pk}/owner/", {"to_owner": org.kam.pk, "reason": "转大客户"})
    client.post(f"/clients/{customer.pk}/tier/", {"tier": "A"})
    client.post(f"/clients/{customer.pk}/relationship/", {"to": "stable", "reason": "稳定"})
    client.post(
        f"/clients/{customer.pk}/regressions/new/",
        {
            "kind": "regression",
            "occurred_on": timezone.localdate().isoformat(),
            "cause": "policy",
            "reason": "停产",
        },
    )
    customer.refresh_from_db()
    assert (customer.owner, customer.tier, customer.relationship_stage) == (org.kam, "A", "stable")
    assert OwnerTransfer.objects.count() == RelationshipChange.objects.count() == 1
    assert Regression.objects.get().controllable is False


@pytest.mark.parametrize(
    "path",
    [
        "survey/",
        "needs/",
        "proposals/new/",
        "trial-shipments/new/",
        "contracts/new/",
        "evaluations/new/",
        "owner/",
    ],
)
def test_couriers_get_403_and_other_stations_404_on_the_forms(org, client, path):
    customer = _client(org, collected_by=org.courier)
    client.force_login(org.courier)
    assert client.get(f"/clients/{customer.pk}/{path}").status_code == 403
    client.force_login(org.kam_b)
    assert client.get(f"/clients/{customer.pk}/{path}").status_code == 404


def test_a_courier_reads_the_page_of_a_client_they_collected_but_gets_no_forms(org, client):
    customer = _client(org, collected_by=org.courier)
    client.force_login(org.courier)
    page = client.get(f"/clients/{customer.pk}/").content.decode()
    assert customer.name in page
    assert "move-form" not in page


def _thousand_clients(org):
    """1,000 clients across every stage and both areas of station A, each with a move in its history."""
    owners = [org.kam, org.marketer, org.marketer_a2]
    stages = [*LOOP, Stage.DROPPED]
    clients = Client.objects.bulk_create(
        [
            Client(
                name=f"客户{i:04d}",
                normalized_name=f"客户{i:04d}",
                station=org.station_a,
                area=org.a1 if i % 2 else org.a2,
                owner=owners[i % 3],
                stage=stages[i % len(stages)],
                tier="ABC"[i % 3],
            )
            for i in range(1000)
        ]
    )
    now = timezone.now()
    StageChange.objects.bulk_create(
        [
            StageChange(
                client=c,
                from_stage=Stage.COLLECT,
                to_stage=c.stage if c.stage != Stage.COLLECT else Stage.SCREEN,
                at=now,
                drop_reason="too_small" if c.stage == Stage.DROPPED else "",
            )
            for c in clients
        ]
    )
    return clients


KANBAN_MAX_QUERIES = 6
FUNNEL_MAX_QUERIES = 7  # with an area and an owner chosen, the filter names them: one query each


def test_kanban_with_1000_clients_takes_a_constant_number_of_queries(
    org, client, django_assert_max_num_queries
):
    _thousand_clients(org)
    client.force_login(org.station_master)
    client.get("/")  # the first request after a login renews the session (a write at most once a minute)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/kanban/")
    with django_assert_max_num_queries(KANBAN_MAX_QUERIES):
        client.get("/kanban/?owner=me")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="kanban-card"') == 11 * 25  # every column capped at 25 cards
    assert "data-count>91<" in page  # the column's badge counts all 91 clients of the step
    print(f"\nkanban, 1,000 clients: {len(queries)} queries")
    assert len(queries) <= KANBAN_MAX_QUERIES


def test_funnel_with_1000_clients_takes_a_constant_number_of_queries(
    org, client, django_assert_max_num_queries
):
    _thousand_clients(org)
    client.force_login(org.station_master)
    client.get("/")  # the first request after a login renews the session (a write at most once a minute)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/funnel/")
    with django_assert_max_num_queries(FUNNEL_MAX_QUERIES):
        client.get(f"/funnel/?area={org.a1.pk}&owner={org.kam.pk}")
    assert response.status_code == 200
    print(f"\nfunnel, 1,000 clients: {len(queries)} queries")
    assert len(queries) <= FUNNEL_MAX_QUERIES


def test_the_timeline_gathers_leads_moves_step_records_visits_and_key_account_changes(org, as_kam):
    from tests.factories_leads import LeadFactory
    from tests.factories_loop import add_account_history

    customer = _client(org, Stage.SCREEN)
    LeadFactory(client=customer, collected_by=org.courier, status="accepted")
    walk_to(customer, Stage.FOLLOW_UP, org.kam)
    add_account_history(customer, org.station_master, new_owner=org.marketer)
    page = as_kam.get(f"/clients/{customer.pk}/").content.decode()
    kinds = {
        "lead",
        "stage",
        "survey",
        "needs",
        "proposal",
        "visit",
        "visit_plan",
        "shipment",
        "contract",
        "opportunity",
        "owner",
        "relationship",
        "regression",
    }
    assert {kind for kind in kinds if f'data-kind="{kind}"' in page} == kinds


def test_client_page_shows_the_satisfaction_block(org, client):
    from tests.factories_loop import ClientFactory

    record = ClientFactory(station=org.station_a, area=org.a1, owner=org.kam)
    client.force_login(org.kam)
    page = client.get(f"/clients/{record.pk}/").content.decode()
    assert 'id="satisfaction-client-card"' in page


def test_kanban_columns_show_their_oldest_cards_and_a_dropped_card_the_step_it_left(org, client, monkeypatch):
    from pipeline.views import loop as views

    monkeypatch.setattr(views, "KANBAN_CARDS_PER_COLUMN", 2)
    now = timezone.now()
    for days, name in [(3, "三天"), (9, "九天"), (1, "一天"), (5, "五天")]:
        card = _client(org, Stage.SURVEY, name=name)
        Client.objects.filter(pk=card.pk).update(stage_entered_at=now - timedelta(days=days))
    dropped = _client(org, Stage.PROPOSAL, name="放弃的")
    transitions.move(client=dropped, to=Stage.DROPPED, by=org.kam, reason="太贵", drop_reason="lost_price")
    client.force_login(org.kam)
    response = client.get("/kanban/")
    columns = {col["stage"]: col for col in response.context["board"]}
    survey = columns[Stage.SURVEY]
    assert ([c.name for c in survey["cards"]], survey["count"], survey["more"]) == (["九天", "五天"], 4, 2)
    assert [(c.name, c.left_from, c.owner) for c in columns[Stage.DROPPED]["cards"]] == [
        ("放弃的", Stage.PROPOSAL, str(org.kam))
    ]
    page = response.content.decode()
    assert f'data-id="{dropped.pk}" data-stage="dropped" data-reopen="proposal"' in page
    assert 'data-stage="survey" data-reopen=""' in page


def test_kanban_cards_carry_expected_revenue_and_columns_their_totals(org, client):
    ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY, name="甲", expected_revenue=13856)
    ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY, name="乙", expected_revenue=144)
    ClientFactory(area=org.b1, owner=org.kam_b, stage=Stage.SURVEY, name="外站", expected_revenue=99999)
    client.force_login(org.kam)
    response = client.get("/kanban/")
    survey = next(col for col in response.context["board"] if col["stage"] == Stage.SURVEY)
    assert (survey["count"], survey["revenue"]) == (2, 14000)
    page = response.content.decode()
    assert "<span data-total>¥14,000</span>/月" in page
    assert 'data-revenue="13856"' in page and "¥13,856/月" in page
