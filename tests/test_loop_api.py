"""pipeline/api_loop.py: the transition and history endpoints of the public contract, and the step records."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pipeline.models import (
    Client,
    ClientContact,
    Contract,
    Evaluation,
    Proposal,
    QuoteLine,
    StageChange,
    TrialShipment,
)
from pipeline.models.loop import LOOP, Stage
from tests.factories_leads import ClientFactory
from tests.factories_loop import add_account_history, walk_to
from visits.models import VisitPlan, VisitRecord

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _move(api, client, to, **body):
    return api.post(f"/api/v1/clients/{client.pk}/transition/", {"to": to, **body}, format="json", **EN)


def _unchanged(client, stage, moves):
    row = Client.objects.get(pk=client.pk)
    assert row.stage == stage
    assert StageChange.objects.filter(client=client).count() == moves


def test_a_client_goes_from_collect_to_archive_through_the_api_with_every_gate_enforced(org, api_as):
    # Given a screened client with a visit plan, and its key-account manager's API client
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.COLLECT)
    api = api_as(org.kam)
    today = timezone.localdate()
    first = _move(api, client, Stage.SCREEN)
    assert (first.status_code, first.json()["stage"]) == (200, "screen")
    Client.objects.filter(pk=client.pk).update(screened_at=timezone.now(), plan_updated_at=timezone.now())

    # What each step needs, posted through its endpoint, after the gate has refused once.
    records = {
        Stage.SCREEN: None,
        Stage.SURVEY: (
            "/api/v1/surveys/",
            {
                "client": client.pk,
                "company_type": "ecommerce",
                "decision_structure": "老板一人决定",
                "contacts": [
                    {"name": "李总", "title": "总经理", "role": "decision_maker", "phone": "13800138000"}
                ],
                "competitors": [],
            },
        ),
        Stage.NEEDS: (
            "/api/v1/needs-analyses/",
            {"client": client.pk, "speed": "次日达", "cod": "需要代收货款"},
        ),
        Stage.PROPOSAL: (
            "/api/v1/proposals/",
            {
                "client": client.pk,
                "title": "华东电商件方案",
                "lines": [
                    {
                        "product": "标快",
                        "route": "上海→杭州",
                        "unit_price": "6.50",
                        "discount": "5",
                        "volume_from": 1000,
                    }
                ],
            },
        ),
        Stage.VISIT: (
            "/api/v1/visit-records/",
            {
                "client": client.pk,
                "kind": "negotiation",
                "visited_at": (timezone.now() - timedelta(hours=1)).isoformat(),
                "met": "李总",
                "outcome": "interested",
                "situation": "每天300单",
            },
        ),
        Stage.TRIAL_SHIPMENT: (
            "/api/v1/trial-shipments/",
            {
                "client": client.pk,
                "sent_on": today.isoformat(),
                "waybills": ["YT1", "YT2", "YT3"],
                "parcel_count": 3,
                "on_time_count": 3,
                "damaged_count": 0,
                "feedback": "满意",
            },
        ),
        Stage.CONTRACT: (
            "/api/v1/contracts/",
            {
                "client": client.pk,
                "signed_on": today.isoformat(),
                "starts_on": today.isoformat(),
                "ends_on": (today + timedelta(days=365)).isoformat(),
                "price_terms": "首重6.5元，续重1元",
                "committed_monthly_volume": 9000,
                "settlement_mode": "monthly",
            },
        ),
        Stage.FOLLOW_UP: (
            "/api/v1/evaluations/",
            {"client": client.pk, "month": today.isoformat(), "actual_volume": 8700},
        ),
    }
    moves = 1
    for stage in LOOP[1:-1]:
        nxt = LOOP[LOOP.index(stage) + 1]
        if records[stage] is not None:
            # When the step's record is missing, the gate refuses and names it; nothing changes
            refused = _move(api, client, nxt)
            assert refused.status_code == 400, (stage, refused.json())
            assert "not finished: missing" in refused.json()["detail"]
            _unchanged(client, stage, moves)
            url, body = records[stage]
            created = api.post(url, body, format="json", **EN)
            assert created.status_code == 201, (stage, created.json())
        # Then the move goes through
        response = _move(api, client, nxt)
        assert response.status_code == 200, (stage, response.json())
        assert response.json()["stage"] == nxt
        moves += 1
    _unchanged(client, Stage.ARCHIVE, 9)
    # The records are the ones posted
    assert ClientContact.objects.get(client=client).role == "decision_maker"
    assert QuoteLine.objects.get(proposal__client=client).unit_price == 6.5
    assert TrialShipment.objects.get(client=client).waybills == ["YT1", "YT2", "YT3"]
    assert Contract.objects.get(client=client).committed_monthly_volume == 9000
    assert Evaluation.objects.get(client=client).committed_volume == 9000  # taken from the contract


def test_history_lists_the_moves_oldest_first_with_the_contract_keys(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SCREEN)
    walk_to(client, Stage.NEEDS, org.kam)
    api = api_as(org.marketer)
    _move(api, client, Stage.SURVEY, reason="决策人不对")
    response = api.get(f"/api/v1/clients/{client.pk}/history/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["from"], r["to"]) for r in rows] == [
        ("screen", "survey"),
        ("survey", "needs"),
        ("needs", "survey"),
    ]
    assert rows[-1]["by"] == org.marketer.pk
    assert rows[-1]["reason"] == "决策人不对"
    assert {"from", "to", "by", "at", "reason"} <= set(rows[0])
    assert rows[0]["at"].endswith("+08:00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to": "somewhere"}, "to"),
        ({"to": "trial_shipment"}, "detail"),  # a jump
        ({"to": "screen"}, "reason"),  # back without a reason
        ({"to": "dropped", "reason": "太远", "drop_reason": "bored"}, "drop_reason"),
        ({"to": "dropped", "drop_reason": "too_small"}, "reason"),
        ({"to": "needs"}, "detail"),  # the survey gate: no company type, no decision maker
        ({}, "to"),
    ],
)
def test_bad_transitions_answer_400_naming_the_problem_and_change_nothing(org, api_as, body, field):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)
    response = api_as(org.kam).post(f"/api/v1/clients/{client.pk}/transition/", body, format="json", **EN)
    assert response.status_code == 400
    assert field in response.json()
    _unchanged(client, Stage.SURVEY, 0)


def test_transition_messages_follow_the_language_of_the_request(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)
    response = api_as(org.kam).post(
        f"/api/v1/clients/{client.pk}/transition/",
        {"to": "needs"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "关键决策人" in response.json()["detail"]


def test_the_gate_endpoint_says_what_is_missing_and_where_the_client_may_go(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY, company_type="startup")
    response = api_as(org.kam).get(f"/api/v1/clients/{client.pk}/gate/", **EN)
    assert response.json() == {
        "stage": "survey",
        "next": "needs",
        "missing": ["a key decision maker among the contacts"],
        "targets": ["collect", "screen", "needs", "dropped"],
    }


def test_couriers_may_not_move_clients_and_other_scopes_get_404(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY, collected_by=org.courier)
    assert _move(api_as(org.courier), client, Stage.SCREEN, reason="x").status_code == 403
    assert _move(api_as(org.kam_b), client, Stage.SCREEN, reason="x").status_code == 404
    assert api_as(org.kam_b).get(f"/api/v1/clients/{client.pk}/history/").status_code == 404
    _unchanged(client, Stage.SURVEY, 0)


def test_a_proposal_with_a_negative_price_is_refused_and_nothing_is_saved(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.PROPOSAL)
    response = api_as(org.kam).post(
        "/api/v1/proposals/",
        {"client": client.pk, "title": "方案", "lines": [{"product": "标快", "unit_price": "-1.00"}]},
        format="json",
        **EN,
    )
    assert response.status_code == 400
    assert "unit_price" in str(response.json())
    assert not Proposal.objects.exists()


def test_a_proposal_discount_over_100_percent_is_refused(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.PROPOSAL)
    response = api_as(org.kam).post(
        "/api/v1/proposals/",
        {
            "client": client.pk,
            "title": "方案",
            "lines": [{"product": "标快", "unit_price": "8", "discount": "120"}],
        },
        format="json",
        **EN,
    )
    assert response.status_code == 400
    assert not Proposal.objects.exists()


def test_posting_a_proposal_again_adds_the_next_version(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.PROPOSAL)
    api = api_as(org.kam)
    body = {"client": client.pk, "title": "方案", "lines": [{"product": "标快", "unit_price": "8"}]}
    first = api.post("/api/v1/proposals/", body, format="json").json()
    second = api.post("/api/v1/proposals/", {**body, "title": "方案（降价）"}, format="json").json()
    assert (first["version"], second["version"]) == (1, 2)
    assert second["lines"][0]["net_price"] == "8.00"
    assert (
        api.post(f"/api/v1/proposals/{first['id']}/status/", {"status": "declined"}, format="json").json()[
            "status"
        ]
        == "declined"
    )


def test_a_contract_ending_before_it_starts_is_refused(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.CONTRACT)
    today = timezone.localdate()
    response = api_as(org.kam).post(
        "/api/v1/contracts/",
        {
            "client": client.pk,
            "signed_on": today.isoformat(),
            "starts_on": today.isoformat(),
            "ends_on": (today - timedelta(days=1)).isoformat(),
            "price_terms": "x",
            "committed_monthly_volume": 100,
            "settlement_mode": "monthly",
        },
        format="json",
        **EN,
    )
    assert response.status_code == 400
    assert "ends_on" in response.json()
    assert not Contract.objects.exists()


def test_a_visit_dated_in_the_far_future_is_refused(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.VISIT)
    api = api_as(org.kam)
    record = api.post(
        "/api/v1/visit-records/",
        {
            "client": client.pk,
            "visited_at": (timezone.now() + timedelta(days=400)).isoformat(),
            "met": "王总",
            "outcome": "interested",
        },
        format="json",
        **EN,
    )
    assert record.status_code == 400
    assert "visited_at" in record.json()
    plan = api.post(
        "/api/v1/visit-plans/",
        {"client": client.pk, "planned_for": (timezone.localdate() + timedelta(days=3650)).isoformat()},
        format="json",
        **EN,
    )
    assert plan.status_code == 400
    assert "planned_for" in plan.json()
    assert not VisitRecord.objects.exists()
    assert not VisitPlan.objects.exists()


def test_trial_results_arrive_later_and_cannot_exceed_the_parcels_sent(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.TRIAL_SHIPMENT)
    api = api_as(org.kam)
    shipment = api.post(
        "/api/v1/trial-shipments/",
        {
            "client": client.pk,
            "sent_on": timezone.localdate().isoformat(),
            "waybills": ["A1"],
            "parcel_count": 5,
        },
        format="json",
    ).json()
    assert shipment["on_time_count"] is None
    too_many = api.post(
        f"/api/v1/trial-shipments/{shipment['id']}/results/",
        {"on_time_count": 6, "damaged_count": 0},
        format="json",
    )
    assert too_many.status_code == 400
    assert TrialShipment.objects.get().on_time_count is None
    ok = api.post(
        f"/api/v1/trial-shipments/{shipment['id']}/results/",
        {"on_time_count": 4, "damaged_count": 1},
        format="json",
    )
    assert ok.json()["on_time_count"] == 4


def test_key_account_endpoints_keep_history(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.marketer, stage=Stage.FOLLOW_UP)
    api = api_as(org.station_master)
    assert (
        api.post(
            "/api/v1/owner-transfers/",
            {"client": client.pk, "to_owner": org.kam.pk, "reason": "升级为大客户"},
            format="json",
        ).status_code
        == 201
    )
    assert (
        api.post(
            "/api/v1/relationship-changes/",
            {"client": client.pk, "to_stage": "initial", "reason": "签约"},
            format="json",
        ).status_code
        == 201
    )
    assert api.post(f"/api/v1/clients/{client.pk}/tier/", {"tier": "A"}, format="json").json() == {
        "tier": "A"
    }
    regression = api.post(
        "/api/v1/regressions/",
        {
            "client": client.pk,
            "kind": "regression",
            "occurred_on": timezone.localdate().isoformat(),
            "cause": "competitor_price",
            "reason": "顺丰降价",
            "relationship_to": "incubation",
        },
        format="json",
    ).json()
    assert regression["controllable"] is True
    client.refresh_from_db()
    assert (client.owner, client.tier, client.relationship_stage) == (org.kam, "A", "incubation")
    changes = api.get(f"/api/v1/relationship-changes/?client={client.pk}").json()["results"]
    assert sorted((c["from_stage"], c["to_stage"]) for c in changes) == [
        ("incubation", "initial"),
        ("initial", "incubation"),
    ]
    transfers = api.get(f"/api/v1/owner-transfers/?client={client.pk}").json()["results"]
    assert [(t["from_owner"], t["to_owner"]) for t in transfers] == [(org.marketer.pk, org.kam.pk)]


def test_an_archived_client_reopens_for_secondary_development_through_an_opportunity(org, api_as):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.ARCHIVE)
    response = api_as(org.kam).post(
        "/api/v1/opportunities/",
        {
            "client": client.pk,
            "kind": "branches",
            "description": "苏州新仓",
            "expected_monthly_volume": 2000,
            "reopen": True,
        },
        format="json",
    )
    assert response.status_code == 201
    client.refresh_from_db()
    assert client.stage == Stage.FOLLOW_UP
    assert "苏州新仓" in StageChange.objects.get(client=client).reason


LISTS = [
    "/api/v1/stage-changes/",
    "/api/v1/surveys/",
    "/api/v1/needs-analyses/",
    "/api/v1/proposals/",
    "/api/v1/trial-shipments/",
    "/api/v1/contracts/",
    "/api/v1/evaluations/",
    "/api/v1/opportunities/",
    "/api/v1/owner-transfers/",
    "/api/v1/relationship-changes/",
    "/api/v1/regressions/",
    "/api/v1/visit-plans/",
    "/api/v1/visit-records/",
]


@pytest.mark.parametrize("url", LISTS)
def test_list_endpoints_keep_a_constant_number_of_queries(org, api_as, django_assert_max_num_queries, url):
    for _ in range(6):
        client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SCREEN)
        walk_to(client, Stage.ARCHIVE, org.kam)
        add_account_history(client, org.station_master, new_owner=org.marketer)
    api = api_as(org.kam)
    with django_assert_max_num_queries(8):
        response = api.get(url)
    assert response.status_code == 200
    assert response.json()["count"] >= 1
