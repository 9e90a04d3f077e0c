"""The loop's history summed up where the kanban and the funnel read it (pipeline/services/transitions.py): each
client's furthest step and drop reason, and the network's step totals, by every door that writes stage changes —
a move, a merge, the migration that filled them in, the province demo data — always what the history says."""

import importlib
import io
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.models import Avg, Count, Sum

from pipeline.models import Client, StageChange, StepTotal
from pipeline.models.loop import LOOP, DropReason, Stage
from pipeline.selectors.funnel import forward_moves, funnel
from pipeline.services import transitions
from pipeline.services.clients import client_merge
from tests.factories_leads import ClientFactory
from tests.factories_loop import walk_to

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _ordinal(stage):
    return LOOP.index(stage) if stage in LOOP else -1


def from_history(client) -> tuple[str, str]:
    """The furthest step and the drop reason as the history says them: every stage the client was in, and the
    reason of its last drop while it is dropped."""
    changes = list(StageChange.objects.filter(client=client).order_by("at", "pk"))
    stages = [client.stage, *[s for c in changes for s in (c.from_stage, c.to_stage)]]
    best = max(stages, key=_ordinal)
    drops = [c.drop_reason for c in changes if c.to_stage == Stage.DROPPED]
    reason = drops[-1] if client.stage == Stage.DROPPED and drops else ""
    return (best if best in LOOP else ""), reason


def step_totals() -> dict[str, tuple[int, int]]:
    return {t.stage: (t.moves, t.days) for t in StepTotal.objects.all()}


def totals_from_history() -> dict[str, tuple[int, int]]:
    rows = (
        forward_moves(StageChange.objects.filter(client__merged_into__isnull=True))
        .values_list("from_stage")
        .annotate(n=Count("pk"), d=Sum("days_in_previous"))
        .order_by()
    )
    return {stage: (n, d) for stage, n, d in rows}


def assert_kept_as_the_history_says():
    for client in Client.objects.active():
        assert (client.furthest_stage, client.drop_reason) == from_history(client), client.pk
    assert step_totals() == totals_from_history()
    # The funnel reads them; headquarters' average days from the totals are those of the history.
    network, direct = funnel(Client.objects.active(), network=True), funnel(Client.objects.active())
    assert [s.avg_days for s in network.steps] == pytest.approx([s.avg_days for s in direct.steps])


def on(day):
    """9 o'clock on that day of March, the clock standing still (days between moves are whole days)."""
    return time_machine.travel(datetime(2026, 3, day, 9, tzinfo=SHANGHAI), tick=False)


def test_a_move_keeps_the_furthest_step_and_why_the_client_is_dropped(org):
    client = ClientFactory(area=org.a1, owner=org.kam)
    assert (client.furthest_stage, client.drop_reason) == (Stage.COLLECT, "")
    walk_to(client, Stage.PROPOSAL, org.kam)
    transitions.move(client=client, to=Stage.SURVEY, by=org.kam, reason="换了决策人")
    client.refresh_from_db()
    assert (client.stage, client.furthest_stage) == (Stage.SURVEY, Stage.PROPOSAL)

    transitions.move(
        client=client, to=Stage.DROPPED, by=org.kam, reason="量太小", drop_reason=DropReason.TOO_SMALL
    )
    assert (client.furthest_stage, client.drop_reason) == (Stage.PROPOSAL, DropReason.TOO_SMALL)
    client.refresh_from_db()
    assert (client.furthest_stage, client.drop_reason) == (Stage.PROPOSAL, DropReason.TOO_SMALL)

    transitions.move(client=client, to=Stage.SURVEY, by=org.kam)  # re-opened where it left
    client.refresh_from_db()
    assert (client.stage, client.furthest_stage, client.drop_reason) == (Stage.SURVEY, Stage.PROPOSAL, "")
    assert_kept_as_the_history_says()


def test_the_step_totals_count_every_move_forward_and_the_days_before_it(org):
    # Given clients that move on after some days, go back, are dropped and re-opened
    with on(1):
        a = walk_to(ClientFactory(area=org.a1, owner=org.kam), Stage.SCREEN, org.kam)
        b = walk_to(ClientFactory(area=org.b1, owner=org.kam_b), Stage.SURVEY, org.kam_b)
    with on(5):
        walk_to(a, Stage.SURVEY, org.kam)  # 4 days in screen
        transitions.move(client=b, to=Stage.SCREEN, by=org.kam_b, reason="退回")  # back: not forward
    with on(12):
        walk_to(b, Stage.SURVEY, org.kam_b)  # 7 days in screen
        transitions.move(client=a, to=Stage.DROPPED, by=org.kam, reason="放弃")
    with on(14):
        transitions.move(client=a, to=Stage.SURVEY, by=org.kam)  # re-opened: out of "dropped", no step

    # Then the totals hold the moves forward out of each step and their days
    assert step_totals() == {Stage.COLLECT: (2, 0), Stage.SCREEN: (3, 11)}
    assert_kept_as_the_history_says()
    steps = {s.stage: s for s in funnel(Client.objects.active(), network=True).steps}
    assert steps[Stage.SCREEN].avg_days == pytest.approx(11 / 3)
    assert steps[Stage.SURVEY].avg_days is None


def test_a_merge_brings_the_other_clients_history_and_its_last_drop_along(org):
    # Given a client dropped on 2 March, and another record of the same company that got further and was
    # dropped later for another reason
    with on(1):
        kept = walk_to(ClientFactory(area=org.a1, owner=org.kam), Stage.SCREEN, org.kam)
        other = walk_to(ClientFactory(area=org.a1, owner=org.kam), Stage.NEEDS, org.kam)
    with on(2):
        transitions.move(client=kept, to=Stage.DROPPED, by=org.kam, reason="小", drop_reason="too_small")
    with on(3):
        transitions.move(client=other, to=Stage.DROPPED, by=org.kam, reason="贵", drop_reason="lost_price")
    totals = step_totals()

    # When they are merged
    client_merge(kept=kept, merged=other, by=org.marketer)

    # Then the kept client reached what the other did, and its last drop is the other's
    kept.refresh_from_db()
    assert (kept.furthest_stage, kept.drop_reason) == (Stage.NEEDS, DropReason.LOST_PRICE)
    # And the network's totals are those of the same moves, now all the kept client's
    assert step_totals() == totals
    assert_kept_as_the_history_says()
    result = funnel(Client.objects.active())
    assert [s.reached for s in result.steps][:4] == [1, 1, 1, 1]
    assert result.drop_reasons[0][1] == 1


def test_the_migration_fills_in_what_the_moves_keep(org):
    # Given a history written through the moves
    with on(1):
        a = walk_to(ClientFactory(area=org.a1, owner=org.kam), Stage.VISIT, org.kam)
        b = walk_to(ClientFactory(area=org.a2, owner=org.kam), Stage.SURVEY, org.kam)
        ClientFactory(area=org.a2, owner=org.kam)  # never moved
    with on(9):
        transitions.move(client=a, to=Stage.NEEDS, by=org.kam, reason="重新谈")
        transitions.move(client=b, to=Stage.DROPPED, by=org.kam, reason="联系不上", drop_reason="unreachable")
    kept = {c.pk: (c.furthest_stage, c.drop_reason) for c in Client.objects.all()}
    totals = step_totals()

    # When the summary is lost and the migration's backfill runs
    Client.objects.update(furthest_stage="", drop_reason="")
    StepTotal.objects.all().delete()
    migration = importlib.import_module("pipeline.migrations.0013_loop_summary")
    with connection.cursor() as cursor:
        migration.backfill(None, SimpleNamespace(connection=connection, execute=cursor.execute))

    # Then it is what the moves had kept
    assert {c.pk: (c.furthest_stage, c.drop_reason) for c in Client.objects.all()} == kept
    assert step_totals() == totals
    assert_kept_as_the_history_says()


def test_the_province_demo_data_carry_the_summary_of_their_history():
    from demo import province

    tiny = province.Scale(
        "tiny", stations=1, areas_per_station=2, couriers_per_area=3, days=60, code_prefix="L"
    )
    province._seed(tiny, stdout=io.StringIO(), seed=11)

    assert Client.objects.filter(stage=Stage.DROPPED).exists()
    assert StepTotal.objects.exists()
    assert_kept_as_the_history_says()
    tally_is_the_clients_count()


def test_the_funnels_average_days_are_those_of_the_moves_forward(org):
    with on(1):
        a = walk_to(ClientFactory(area=org.a1, owner=org.kam), Stage.SCREEN, org.kam)
    with on(7):
        walk_to(a, Stage.SURVEY, org.kam)
    expected = dict(
        forward_moves(StageChange.objects.all())
        .values_list("from_stage")
        .annotate(d=Avg("days_in_previous"))
        .order_by()
    )
    steps = {s.stage: s.avg_days for s in funnel(Client.objects.filter(area=org.a1)).steps}
    assert steps[Stage.SCREEN] == expected[Stage.SCREEN] == 6


def tally_is_the_clients_count():
    """The network's tally (LoopTally, kept by PostgreSQL's triggers) says what counting the clients says."""
    from pipeline.selectors.funnel import loop_counts

    active = Client.objects.active()
    assert sorted(loop_counts(active, network=True)) == sorted(loop_counts(active, network=False))


@pytest.mark.postgres
def test_the_network_tally_follows_every_write_to_the_clients(org):
    from decimal import Decimal

    from pipeline.models import LoopTally
    from pipeline.services.tally import loop_tally_compact, loop_tally_rebuild

    # Clients created, moved on, sent back, dropped and re-opened
    with on(1):
        a = walk_to(
            ClientFactory(area=org.a1, owner=org.kam, expected_revenue=Decimal("1200")), Stage.NEEDS, org.kam
        )
        b = walk_to(ClientFactory(area=org.b1, owner=org.kam_b), Stage.SURVEY, org.kam_b)
        c = ClientFactory(area=org.a2, owner=org.kam)
    tally_is_the_clients_count()
    with on(4):
        transitions.move(client=a, to=Stage.SURVEY, by=org.kam, reason="换了决策人")
        transitions.move(client=b, to=Stage.DROPPED, by=org.kam_b, reason="贵", drop_reason="lost_price")
    tally_is_the_clients_count()
    # Written around the services too: an update of many rows, a revenue changed in place, a merge, a deletion
    Client.objects.filter(pk=c.pk).update(stage=Stage.SCREEN)
    Client.objects.filter(pk=a.pk).update(expected_revenue=Decimal("3456.78"))
    tally_is_the_clients_count()
    client_merge(kept=a, merged=ClientFactory(area=org.a1, owner=org.kam), by=org.marketer)
    tally_is_the_clients_count()
    ClientFactory(area=org.a1).delete()
    tally_is_the_clients_count()

    # Folding the rows keeps the sums, one row per key
    rows = LoopTally.objects.count()
    assert loop_tally_compact()
    assert LoopTally.objects.count() < rows
    assert (
        LoopTally.objects.count()
        == LoopTally.objects.values("stage", "furthest_stage", "drop_reason").distinct().count()
    )
    tally_is_the_clients_count()

    # And a tally gone wrong is counted again
    LoopTally.objects.all().delete()
    loop_tally_rebuild()
    tally_is_the_clients_count()


@pytest.mark.postgres
def test_headquarters_kanban_and_funnel_read_the_tally(org, client):
    from pipeline.models import LoopTally

    with on(1):
        for _ in range(3):
            walk_to(ClientFactory(area=org.a1, owner=org.kam), Stage.SURVEY, org.kam)
        ClientFactory(area=org.b1, owner=org.kam_b)
    client.force_login(org.executive)
    board = client.get("/kanban/").content.decode()
    assert "data-count>3<" in board and "data-count>1<" in board
    # A tally row of its own shows: the pages count from it, not from the clients
    LoopTally.objects.create(stage=Stage.SURVEY, furthest_stage=Stage.SURVEY, clients=2)
    assert "data-count>5<" in client.get("/kanban/").content.decode()
    steps = {s.stage: s for s in client.get("/funnel/").context["funnel"].steps}
    assert steps[Stage.SURVEY].now == 5
    # Filtered, the pages count the clients
    assert "data-count>3<" in client.get(f"/kanban/?area={org.a1.pk}").content.decode()
