"""pipeline/steps.py: the records of steps 3-10 and the key-account fields."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pipeline.models import (
    Client,
    ClientCompetitorVolume,
    ClientContact,
    Competitor,
    Contract,
    Evaluation,
    NeedsAnalysis,
    Opportunity,
    OwnerTransfer,
    Proposal,
    Regression,
    RelationshipChange,
    StageChange,
    Survey,
    TrialShipment,
)
from pipeline.models.loop import Stage
from pipeline.services import steps
from tests.factories_leads import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_a1(org):
    return ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)


def _today(client):
    return client.station.local_date()


def test_a_survey_sets_the_company_type_adds_contacts_and_competitor_volumes(org, client_a1):
    sf = Competitor.objects.get_or_create(name="顺丰")[0]
    survey = steps.survey_record(
        client=client_a1,
        by=org.kam,
        company_type="mature",
        decision_structure="物流部经理推荐，总经理拍板",
        contacts=[
            {"name": "王总", "title": "总经理", "phone": "138 0013 8000", "role": "decision_maker"},
            {"name": "小李", "title": "仓库主管", "role": "insider"},
            {"name": "", "role": "other"},  # an empty row of the form is ignored
        ],
        competitor_volumes=[(sf, 1200)],
    )
    client_a1.refresh_from_db()
    assert client_a1.company_type == "mature"
    assert survey.by == org.kam
    assert list(
        ClientContact.objects.filter(client=client_a1).values_list("name", "role", "phone_normalized")
    ) == [
        ("王总", "decision_maker", "+8613800138000"),
        ("小李", "insider", ""),
    ]
    volume = ClientCompetitorVolume.objects.get(client=client_a1)
    assert (volume.competitor, volume.monthly, volume.month) == (sf, 1200, _today(client_a1).replace(day=1))
    assert client_a1.competitor_monthly_total == 1200  # the screening figures follow


def test_a_survey_with_a_bad_phone_saves_nothing(org, client_a1):
    with pytest.raises(ValidationError) as refused:
        steps.survey_record(
            client=client_a1,
            by=org.kam,
            company_type="mature",
            contacts=[{"name": "王总", "phone": "12", "role": "decision_maker"}],
        )
    assert "contacts" in refused.value.message_dict
    assert not Survey.objects.exists()
    assert not ClientContact.objects.exists()
    assert Client.objects.get(pk=client_a1.pk).company_type == ""


def test_a_needs_analysis_needs_at_least_one_need(org, client_a1):
    with pytest.raises(ValidationError):
        steps.needs_record(client=client_a1, by=org.kam, tqcso_time="快")
    assert not NeedsAnalysis.objects.exists()
    steps.needs_record(client=client_a1, by=org.kam, pickup_windows="每天17点前", tqcso_cost="价格敏感")
    assert NeedsAnalysis.objects.get().pickup_windows == "每天17点前"


def test_proposals_are_versioned_and_each_version_keeps_its_lines(org, client_a1):
    first = steps.proposal_create(
        client=client_a1, by=org.kam, title="方案", lines=[{"product": "标快", "unit_price": Decimal("10")}]
    )
    second = steps.proposal_create(
        client=client_a1,
        by=org.kam,
        title="方案",
        lines=[
            {"product": "标快", "unit_price": Decimal("10"), "discount": Decimal("15")},
            {"product": "经济", "route": "上海→广州", "unit_price": Decimal("6"), "volume_from": 5000},
        ],
    )
    assert (first.version, second.version) == (1, 2)
    assert first.lines.count() == 1
    assert [line.net_price for line in second.lines.all()] == [Decimal("8.50"), Decimal("6.00")]


@pytest.mark.parametrize(
    "lines",
    [
        [],
        [{"product": "标快", "unit_price": Decimal("-0.01")}],
        [{"product": "标快", "unit_price": Decimal("8"), "discount": Decimal("101")}],
        [{"product": "", "unit_price": Decimal("8")}],
    ],
)
def test_a_proposal_without_valid_lines_is_refused(org, client_a1, lines):
    with pytest.raises(ValidationError) as refused:
        steps.proposal_create(client=client_a1, by=org.kam, title="方案", lines=lines)
    assert "lines" in refused.value.message_dict
    assert not Proposal.objects.exists()


def test_an_already_expired_proposal_is_refused(org, client_a1):
    with pytest.raises(ValidationError):
        steps.proposal_create(
            client=client_a1,
            by=org.kam,
            title="方案",
            valid_until=_today(client_a1) - timedelta(days=1),
            lines=[{"product": "标快", "unit_price": Decimal("8")}],
        )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sent_on": date(2099, 1, 1)}, "sent_on"),
        ({"waybill_numbers": "  "}, "waybill_numbers"),
        ({"on_time_count": 3, "damaged_count": 0}, "on_time_count"),
        ({"on_time_count": 2}, "__all__"),
    ],
)
def test_trial_shipments_refuse_impossible_figures(org, client_a1, kwargs, field):
    base = {"sent_on": _today(client_a1), "waybill_numbers": "A1\nA2", "parcel_count": 2}
    with pytest.raises(ValidationError) as refused:
        steps.trial_shipment_create(client=client_a1, by=org.kam, **{**base, **kwargs})
    assert field in refused.value.message_dict
    assert not TrialShipment.objects.exists()


def test_waybills_may_be_separated_by_commas_or_lines(org, client_a1):
    shipment = steps.trial_shipment_create(
        client=client_a1, by=org.kam, sent_on=_today(client_a1), waybill_numbers="A1, A2\nA3", parcel_count=3
    )
    assert shipment.waybills == ["A1", "A2", "A3"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"signed_on": date(2099, 1, 1)}, "signed_on"),
        ({"ends_on": "same"}, "ends_on"),
        ({"committed_monthly_volume": 0}, "committed_monthly_volume"),
        ({"settlement_mode": "barter"}, "settlement_mode"),
        ({"price_terms": ""}, "price_terms"),
    ],
)
def test_contracts_refuse_bad_terms(org, client_a1, change, field):
    today = _today(client_a1)
    data = {
        "signed_on": today,
        "starts_on": today,
        "ends_on": today + timedelta(days=365),
        "price_terms": "首重8元",
        "committed_monthly_volume": 1000,
        "settlement_mode": "monthly",
    }
    if change.get("ends_on") == "same":
        change = {"ends_on": today}
    with pytest.raises(ValidationError) as refused:
        steps.contract_create(client=client_a1, by=org.kam, **{**data, **change})
    assert field in refused.value.message_dict
    assert not Contract.objects.exists()


def test_an_evaluation_takes_the_commitment_from_the_contract_and_a_month_is_corrected_not_doubled(
    org, client_a1
):
    today = _today(client_a1)
    with pytest.raises(ValidationError) as refused:
        steps.evaluation_record(client=client_a1, by=org.kam, month=today, actual_volume=10)
    assert "committed_volume" in refused.value.message_dict
    steps.contract_create(
        client=client_a1,
        by=org.kam,
        signed_on=today,
        starts_on=today.replace(day=1),
        ends_on=today + timedelta(days=365),
        price_terms="x",
        committed_monthly_volume=1000,
        settlement_mode="monthly",
    )
    steps.evaluation_record(client=client_a1, by=org.kam, month=today, actual_volume=800)
    steps.evaluation_record(client=client_a1, by=org.marketer, month=today.replace(day=2), actual_volume=950)
    evaluation = Evaluation.objects.get()
    assert (evaluation.month, evaluation.committed_volume, evaluation.actual_volume, evaluation.by) == (
        today.replace(day=1),
        1000,
        950,
        org.marketer,
    )
    assert evaluation.fulfilment == 0.95
    with pytest.raises(ValidationError):
        steps.evaluation_record(
            client=client_a1, by=org.kam, month=today + timedelta(days=40), actual_volume=1
        )


def test_reopening_for_secondary_development_works_only_from_archive(org, client_a1):
    with pytest.raises(ValidationError):
        steps.opportunity_create(
            client=client_a1, by=org.kam, kind="products", description="冷链", reopen=True
        )
    assert not Opportunity.objects.exists()
    Client.objects.filter(pk=client_a1.pk).update(stage=Stage.ARCHIVE)
    client_a1.refresh_from_db()
    steps.opportunity_create(client=client_a1, by=org.kam, kind="products", description="冷链", reopen=True)
    assert Client.objects.get(pk=client_a1.pk).stage == Stage.FOLLOW_UP
    assert StageChange.objects.get(client=client_a1).to_stage == Stage.FOLLOW_UP


def test_owner_transfers_keep_history_and_respect_who_may_hand_over(org):
    client = ClientFactory(area=org.a1, owner=org.marketer, stage=Stage.CONTRACT)
    # A key-account manager who does not own it may not hand it over
    with pytest.raises(PermissionDenied):
        steps.owner_transfer(client=client, by=org.kam, to_owner=org.kam)
    # Nor may anybody give it to a courier, or to somebody of another station
    with pytest.raises(ValidationError):
        steps.owner_transfer(client=client, by=org.marketer, to_owner=org.courier)
    with pytest.raises(ValidationError):
        steps.owner_transfer(client=client, by=org.station_master, to_owner=org.kam_b)
    assert not OwnerTransfer.objects.exists()
    # The owner hands it to the key-account manager, who is now its owner
    steps.owner_transfer(client=client, by=org.marketer, to_owner=org.kam, reason="签约后转大客户经理")
    transfer = OwnerTransfer.objects.get()
    assert (transfer.from_owner, transfer.to_owner, transfer.by, transfer.reason) == (
        org.marketer,
        org.kam,
        org.marketer,
        "签约后转大客户经理",
    )
    assert Client.objects.get(pk=client.pk).owner == org.kam
    with pytest.raises(ValidationError):
        steps.owner_transfer(client=client, by=org.kam, to_owner=org.kam)


def test_relationship_stage_changes_keep_history(org, client_a1):
    steps.relationship_set(client=client_a1, by=org.kam, to="stable", reason="连续三个月达量")
    with pytest.raises(ValidationError):
        steps.relationship_set(client=client_a1, by=org.kam, to="stable")
    with pytest.raises(ValidationError):
        steps.relationship_set(client=client_a1, by=org.kam, to="married")
    change = RelationshipChange.objects.get()
    assert (change.from_stage, change.to_stage, change.reason) == ("incubation", "stable", "连续三个月达量")
    assert Client.objects.get(pk=client_a1.pk).relationship_stage == "stable"


def test_a_regression_is_controllable_by_its_cause_unless_told_and_can_step_the_relationship_back(
    org, client_a1
):
    steps.relationship_set(client=client_a1, by=org.kam, to="strategic")
    today = _today(client_a1)
    lost = steps.regression_record(
        client=client_a1,
        by=org.kam,
        kind="regression",
        cause="complaint_unhandled",
        reason="投诉两周未处理",
        occurred_on=today,
        relationship_to="stable",
    )
    policy = steps.regression_record(
        client=client_a1,
        by=org.kam,
        kind="interruption",
        cause="policy",
        reason="疫情停工",
        occurred_on=today,
    )
    forced = steps.regression_record(
        client=client_a1,
        by=org.kam,
        kind="interruption",
        cause="other",
        reason="我们的司机罢工",
        occurred_on=today,
        controllable=True,
    )
    assert (lost.controllable, policy.controllable, forced.controllable) == (True, False, True)
    assert (lost.relationship_from, lost.relationship_to) == ("strategic", "stable")
    assert Client.objects.get(pk=client_a1.pk).relationship_stage == "stable"
    assert RelationshipChange.objects.count() == 2
    with pytest.raises(ValidationError):
        steps.regression_record(
            client=client_a1,
            by=org.kam,
            kind="regression",
            cause="other",
            reason="x",
            occurred_on=date(2099, 1, 1),
        )
    assert Regression.objects.count() == 3


def test_tier_must_be_a_b_or_c(org, client_a1):
    with pytest.raises(ValidationError):
        steps.tier_set(client=client_a1, by=org.kam, tier="S")
    steps.tier_set(client=client_a1, by=org.kam, tier="A")
    assert Client.objects.get(pk=client_a1.pk).tier == "A"


@pytest.mark.parametrize("who", ["courier", "kam_b", "marketer_a2"])
def test_people_without_the_role_or_the_scope_write_nothing(org, client_a1, who):
    with pytest.raises(PermissionDenied):
        steps.needs_record(client=client_a1, by=getattr(org, who), speed="快")
    assert not NeedsAnalysis.objects.exists()


def test_records_are_dated_now_by_default(org, client_a1):
    before = timezone.now()
    needs = steps.needs_record(client=client_a1, by=org.kam, speed="快")
    assert before <= needs.created_at <= timezone.now()
