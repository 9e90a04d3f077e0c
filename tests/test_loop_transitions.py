"""pipeline/transitions.py: legal moves, the gate table, the history row, and concurrent moves."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from pipeline.models import Client, StageChange
from pipeline.models.loop import LOOP, DropReason, Stage
from pipeline.services import transitions
from tests.factories_leads import ClientFactory
from tests.factories_loop import satisfy_gate, walk_to

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client_a1(org):
    return ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SCREEN)


def _state(client):
    row = Client.objects.get(pk=client.pk)
    return row.stage, row.stage_entered_at, StageChange.objects.filter(client=client).count()


def test_a_client_walks_from_collect_to_archive_and_every_move_is_a_history_row(org):
    # Given a freshly collected client
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.COLLECT)
    # When it is taken through every step, each gate satisfied just before leaving
    walk_to(client, Stage.ARCHIVE, org.kam)
    # Then it is archived and the history holds the nine moves, in order
    client.refresh_from_db()
    assert client.stage == Stage.ARCHIVE
    moves = list(StageChange.objects.filter(client=client).values_list("from_stage", "to_stage"))
    assert moves == list(zip(LOOP[:-1], LOOP[1:], strict=True))


def test_the_history_row_says_who_when_why_and_how_long(org, client_a1):
    # Given a client that entered `screen` on 1 March and is ready to leave it
    with time_machine.travel(datetime(2026, 3, 1, 9, tzinfo=SHANGHAI), tick=False):
        Client.objects.filter(pk=client_a1.pk).update(
            stage_entered_at=datetime(2026, 3, 1, 9, tzinfo=SHANGHAI)
        )
        client_a1.refresh_from_db()
        satisfy_gate(client_a1, org.kam)
    # When the key-account manager moves it on 11 March
    with time_machine.travel(datetime(2026, 3, 11, 10, tzinfo=SHANGHAI), tick=False):
        change = transitions.move(client=client_a1, to=Stage.SURVEY, by=org.kam, reason="约好了调研")
    # Then the row and the client say so
    change.refresh_from_db()
    assert (change.from_stage, change.to_stage, change.by, change.reason) == (
        Stage.SCREEN,
        Stage.SURVEY,
        org.kam,
        "约好了调研",
    )
    assert change.at == datetime(2026, 3, 11, 10, tzinfo=SHANGHAI)
    assert change.days_in_previous == 10
    client_a1.refresh_from_db()
    assert client_a1.stage == Stage.SURVEY
    assert client_a1.stage_entered_at == change.at


GATE_REFUSALS = [
    (Stage.SCREEN, "a priority"),
    (Stage.SCREEN, "a visit plan"),
    (Stage.SURVEY, "the company type"),
    (Stage.SURVEY, "a key decision maker"),
    (Stage.NEEDS, "a needs analysis"),
    (Stage.PROPOSAL, "a proposal with at least one quote line"),
    (Stage.VISIT, "a visit record with an outcome"),
    (Stage.TRIAL_SHIPMENT, "a trial shipment with its results"),
    (Stage.CONTRACT, "a signed contract"),
    (Stage.FOLLOW_UP, "a return visit or an evaluation"),
]


@pytest.mark.parametrize(("stage", "missing"), GATE_REFUSALS)
def test_each_gate_refuses_a_client_that_lacks_its_requirement_and_changes_nothing(
    org, settings, stage, missing
):
    # Given a client that reached `stage` but has nothing of what the step requires
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SCREEN)
    walk_to(client, stage, org.kam)
    before = _state(client)
    # When someone tries to move it on
    with pytest.raises(ValidationError) as refused:
        transitions.move(client=client, to=transitions.next_stage(stage), by=org.kam)
    # Then the refusal names what is missing, and nothing changed
    assert missing in " ".join(refused.value.messages)
    assert _state(client) == before


def test_a_gate_with_a_proposal_but_no_quote_lines_stays_closed(org):
    from pipeline.models import Proposal

    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.PROPOSAL)
    Proposal.objects.create(client=client, version=1, title="空方案")
    assert transitions.missing_for_next_step(client) == ["a proposal with at least one quote line"]


def test_trial_shipment_without_results_keeps_the_gate_closed(org):
    from pipeline.services import steps

    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.TRIAL_SHIPMENT)
    steps.trial_shipment_create(
        client=client, by=org.kam, sent_on=client.station.local_date(), waybill_numbers="A1", parcel_count=1
    )
    assert transitions.missing_for_next_step(client) == ["a trial shipment with its results"]


@pytest.mark.parametrize(
    ("to", "reason", "drop_reason", "field"),
    [
        ("nowhere", "", "", "to"),  # unknown stage
        (Stage.PROPOSAL, "", "", None),  # a jump
        (Stage.SURVEY, "", "", None),  # the same stage
        (Stage.SCREEN, "", "", "reason"),  # back without a reason
        (Stage.DROPPED, "", DropReason.TOO_SMALL, "reason"),  # dropped without a reason
        (Stage.DROPPED, "太小", "bored", "drop_reason"),  # an unknown drop reason
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(org, to, reason, drop_reason, field):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)
    before = _state(client)
    with pytest.raises(ValidationError) as refused:
        transitions.move(client=client, to=to, by=org.kam, reason=reason, drop_reason=drop_reason)
    if field:
        assert field in refused.value.message_dict
    assert _state(client) == before


def test_moving_back_with_a_reason_skips_the_gate(org):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.PROPOSAL)
    transitions.move(client=client, to=Stage.SURVEY, by=org.kam, reason="决策人换了")
    client.refresh_from_db()
    assert client.stage == Stage.SURVEY
    assert StageChange.objects.get(client=client).reason == "决策人换了"


def test_a_dropped_client_reopens_only_at_the_step_it_left(org):
    # Given a client dropped from `proposal`
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.PROPOSAL)
    transitions.move(
        client=client, to=Stage.DROPPED, by=org.kam, reason="顺丰便宜两毛", drop_reason=DropReason.LOST_PRICE
    )
    drop = StageChange.objects.get(client=client)
    assert (drop.to_stage, drop.drop_reason) == (Stage.DROPPED, DropReason.LOST_PRICE)
    assert transitions.legal_targets(client) == [Stage.PROPOSAL]
    # When someone re-opens it elsewhere, it is refused
    with pytest.raises(ValidationError):
        transitions.move(client=client, to=Stage.SURVEY, by=org.kam)
    # And re-opening at `proposal` works
    transitions.move(client=client, to=Stage.PROPOSAL, by=org.kam)
    client.refresh_from_db()
    assert client.stage == Stage.PROPOSAL


def test_an_archived_client_reenters_follow_up_for_secondary_development(org):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.ARCHIVE)
    assert Stage.FOLLOW_UP in transitions.legal_targets(client)
    transitions.move(client=client, to=Stage.FOLLOW_UP, by=org.kam, reason="二次开发：新增华南仓")
    client.refresh_from_db()
    assert client.stage == Stage.FOLLOW_UP


def test_legal_targets_offer_every_earlier_step_the_next_one_and_dropped(org):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.NEEDS)
    assert transitions.legal_targets(client) == [
        Stage.COLLECT,
        Stage.SCREEN,
        Stage.SURVEY,
        Stage.PROPOSAL,
        Stage.DROPPED,
    ]


def test_a_courier_may_not_move_and_an_outsider_sees_nothing(org):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY, collected_by=org.courier)
    before = _state(client)
    with pytest.raises(PermissionDenied):
        transitions.move(client=client, to=Stage.SCREEN, by=org.courier, reason="x")
    with pytest.raises(PermissionDenied):
        transitions.move(client=client, to=Stage.SCREEN, by=org.kam_b, reason="x")
    with pytest.raises(PermissionDenied):
        transitions.move(client=client, to=Stage.SCREEN, by=org.marketer_a2, reason="x")
    assert _state(client) == before


def test_a_job_moves_without_a_person(org):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)
    change = transitions.move(client=client, to=Stage.SCREEN, by=None, reason="数据修正")
    assert change.by is None


def test_a_move_based_on_a_stale_view_is_refused(org):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)
    stale = Client.objects.get(pk=client.pk)
    transitions.move(client=client, to=Stage.SCREEN, by=org.kam, reason="补资料")
    with pytest.raises(ValidationError, match="meanwhile"):
        transitions.move(
            client=stale,
            to=Stage.DROPPED,
            by=org.marketer,
            reason="x",
            drop_reason="other",
            expected_from=Stage.SURVEY,
        )
    assert Client.objects.get(pk=client.pk).stage == Stage.SCREEN


def test_a_move_cannot_be_dated_in_the_future(org):
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)
    with pytest.raises(ValidationError):
        transitions.move(
            client=client,
            to=Stage.SCREEN,
            by=org.kam,
            reason="x",
            at=datetime.now(SHANGHAI) + timedelta(days=1),
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_moves_of_one_client_cannot_both_succeed(org):
    # Given a client in `survey`, and two people who each saw it there
    client = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY)
    barrier = threading.Barrier(2)
    results = {}

    def attempt(name, user, to, **kwargs):
        try:
            barrier.wait(timeout=5)
            transitions.move(
                client=Client.objects.get(pk=client.pk), to=to, by=user, expected_from=Stage.SURVEY, **kwargs
            )
            results[name] = "moved"
        except ValidationError as exc:
            results[name] = exc.messages[0]
        finally:
            connection.close()

    # When one moves it back to screening while the other drops it, at the same moment
    threads = [
        threading.Thread(target=attempt, args=("kam", org.kam, Stage.SCREEN), kwargs={"reason": "补资料"}),
        threading.Thread(
            target=attempt,
            args=("marketer", org.marketer, Stage.DROPPED),
            kwargs={"reason": "联系不上", "drop_reason": DropReason.UNREACHABLE},
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    # Then exactly one succeeded, the other was refused, and the history has one row
    assert sorted(v == "moved" for v in results.values()) == [False, True], results
    assert StageChange.objects.filter(client=client).count() == 1
    change = StageChange.objects.get(client=client)
    assert Client.objects.get(pk=client.pk).stage == change.to_stage
