"""The task rules, each on fixed dates: a rule makes its task once however often it runs, the task closes itself
when what it asked for happens, and overdue tasks go to the assignee's manager after the station's grace."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import translation

from accounts.models import Notification
from agenda import rules
from agenda.models import CloseReason, Task, TaskKind, TaskSettings
from pipeline.models.loop import Stage
from pipeline.services import leads as lead_services
from pipeline.services import steps, transitions
from tests.factories_leads import ClientFactory, LeadFactory
from tests.factories_loop import VisitRecordFactory
from tests.factories_quota import quota_settings
from visits import services as visit_services
from visits.models import VisitKind

pytestmark = pytest.mark.django_db
CN = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=CN)


def sync(org, day: str, hour: int = 9, minute: int = 0) -> dict:
    """One run of the rules at station A on `day` at `hour` local time, with the clock there."""
    instant = at(day, hour, minute)
    with time_machine.travel(instant, tick=False):
        return rules.sync_station(station=org.station_a, on=instant.date(), now=instant)


def tasks(kind=None):
    qs = Task.objects.order_by("pk")
    return qs.filter(kind=kind) if kind else qs


@pytest.fixture
def client(org):
    return ClientFactory(area=org.a1, owner=org.kam, stage=Stage.VISIT, tier="B")


def test_a_visits_next_step_makes_one_task_and_the_next_visit_closes_it(org, client):
    with time_machine.travel(at("2026-05-04", 11), tick=False):
        VisitRecordFactory(
            client=client,
            by=org.kam,
            visited_at=at("2026-05-04", 10),
            next_step="送报价",
            next_step_on=dt.date(2026, 5, 8),
        )
    first = sync(org, "2026-05-05")
    again = sync(org, "2026-05-05", 9, 15)
    task = tasks().get()
    assert (first["made"], again["made"]) == (1, 0)
    assert (task.kind, task.assignee, task.due_on, task.client, task.detail) == (
        TaskKind.NEXT_STEP,
        org.kam,
        dt.date(2026, 5, 8),
        client,
        "送报价",
    )
    with translation.override("en"):
        assert task.display_title == f"Next step with {client.name}: 送报价"
    with time_machine.travel(at("2026-05-07", 16), tick=False):
        VisitRecordFactory(client=client, by=org.kam, visited_at=at("2026-05-07", 15))
    assert sync(org, "2026-05-07", 17)["resolved"] == 1
    task.refresh_from_db()
    assert (task.status, task.close_reason) == ("done", CloseReason.RESOLVED)
    assert sync(org, "2026-05-08")["made"] == 0  # never made twice, even once closed


def test_a_rule_key_is_unique_in_the_database(org, client):
    Task.objects.create(
        kind=TaskKind.WIN_BACK,
        rule_key="win_back:1",
        station=org.station_a,
        assignee=org.kam,
        due_on=dt.date(2026, 5, 1),
        show_on=dt.date(2026, 5, 1),
    )
    with pytest.raises(IntegrityError):
        Task.objects.create(
            kind=TaskKind.WIN_BACK,
            rule_key="win_back:1",
            station=org.station_a,
            assignee=org.kam,
            due_on=dt.date(2026, 5, 1),
            show_on=dt.date(2026, 5, 1),
        )


def test_a_sent_proposal_unanswered_for_the_stations_interval(org, client):
    with time_machine.travel(at("2026-05-01", 10), tick=False):
        proposal = steps.proposal_create(
            client=client,
            by=org.kam,
            title="电商件方案",
            status="sent",
            lines=[{"product": "标快", "unit_price": Decimal("8"), "discount": 0}],
        )
        draft = steps.proposal_create(
            client=ClientFactory(area=org.a1, owner=org.kam),
            by=org.kam,
            title="草稿",
            lines=[{"product": "标快", "unit_price": Decimal("8"), "discount": 0}],
        )
    assert proposal.sent_at == at("2026-05-01", 10) and draft.sent_at is None
    sync(org, "2026-05-02")
    task = tasks().get()
    assert (task.kind, task.due_on, task.detail) == (
        TaskKind.PROPOSAL_UNANSWERED,
        dt.date(2026, 5, 8),
        "电商件方案 v1",
    )
    with time_machine.travel(at("2026-05-06", 10), tick=False):
        steps.proposal_set_status(proposal=proposal, by=org.kam, status="accepted")
    assert sync(org, "2026-05-06", 11)["resolved"] == 1


def test_a_newer_proposal_version_answers_the_older_and_the_interval_is_the_stations(org, client):
    TaskSettings.objects.create(station=org.station_a, proposal_days=3)
    line = [{"product": "标快", "unit_price": Decimal("8"), "discount": 0}]
    with time_machine.travel(at("2026-05-01", 10), tick=False):
        steps.proposal_create(client=client, by=org.kam, title="方案", status="sent", lines=line)
    sync(org, "2026-05-02")
    assert tasks().get().due_on == dt.date(2026, 5, 4)
    with time_machine.travel(at("2026-05-03", 10), tick=False):
        steps.proposal_create(client=client, by=org.kam, title="方案", lines=line)
    result = sync(org, "2026-05-03", 11)
    assert result["resolved"] == 1 and result["made"] == 0


def test_trial_results_due_after_sending_and_closed_by_the_results(org, client):
    with time_machine.travel(at("2026-05-01", 10), tick=False):
        shipment = steps.trial_shipment_create(
            client=client, by=org.kam, sent_on=dt.date(2026, 5, 1), waybill_numbers="YT1", parcel_count=1
        )
    sync(org, "2026-05-02")
    assert tasks(TaskKind.TRIAL_RESULTS).get().due_on == dt.date(2026, 5, 8)
    with time_machine.travel(at("2026-05-09", 10), tick=False):
        steps.trial_shipment_results(shipment=shipment, by=org.kam, on_time_count=1, damaged_count=0)
    assert sync(org, "2026-05-09", 11)["resolved"] == 1


def _contract(client, by, *, signed: str, ends: str):
    return steps.contract_create(
        client=client,
        by=by,
        signed_on=dt.date.fromisoformat(signed),
        starts_on=dt.date.fromisoformat(signed),
        ends_on=dt.date.fromisoformat(ends),
        price_terms="首重7元",
        committed_monthly_volume=1000,
        settlement_mode="monthly",
    )


def test_a_contract_ending_reminds_60_then_30_days_before_and_a_renewal_closes_it(org, client):
    with time_machine.travel(at("2025-09-01", 10), tick=False):
        _contract(client, org.kam, signed="2025-09-01", ends="2026-08-31")
    sync(org, "2026-06-10")
    assert not tasks().exists()  # 60 days before is 07-02: made two weeks ahead, from 06-18
    sync(org, "2026-06-18")
    first = tasks().get()
    assert (first.kind, first.due_on, first.detail) == (
        TaskKind.CONTRACT_ENDING,
        dt.date(2026, 7, 2),
        "2026-08-31",
    )
    sync(org, "2026-07-18")
    second = tasks().last()
    first.refresh_from_db()
    assert second.due_on == dt.date(2026, 8, 1)
    assert (first.status, first.close_reason) == ("done", CloseReason.OBSOLETE)  # the second replaces it
    with time_machine.travel(at("2026-07-20", 10), tick=False):
        _contract(client, org.kam, signed="2026-07-20", ends="2027-08-31")
    assert sync(org, "2026-07-20", 11)["resolved"] == 1
    assert sync(org, "2026-08-20")["made"] == 0  # renewed: nothing more about the old contract


def test_return_visits_planned_by_the_cadence_become_tasks_until_recorded(org):
    with time_machine.travel(at("2026-01-05", 10), tick=False):
        kept = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.FOLLOW_UP, tier="A")
        _contract(kept, org.kam, signed="2026-01-05", ends="2027-01-04")
    with time_machine.travel(at("2026-02-02", 6), tick=False):
        (plan,) = visit_services.plan_return_visits(station=org.station_a, on=dt.date(2026, 2, 2))
    sync(org, "2026-02-02")
    task = tasks(TaskKind.RETURN_VISIT).get()
    assert (task.assignee, task.due_on, task.source_id) == (org.kam, dt.date(2026, 2, 4), plan.pk)
    assert task.link == f"/visits/records/new/?plan={plan.pk}"
    with time_machine.travel(at("2026-02-04", 15), tick=False):
        visit_services.record_create(
            client=kept,
            by=org.kam,
            visited_at=at("2026-02-04", 14),
            met="王总",
            outcome="satisfied",
            kind=VisitKind.RETURN,
        )
    assert sync(org, "2026-02-04", 16)["resolved"] >= 1
    task.refresh_from_db()
    assert task.status == "done"


def test_a_high_level_visit_each_quarter_for_a_tier_customers(org):
    with time_machine.travel(at("2026-04-01", 10), tick=False):
        big = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.FOLLOW_UP, tier="A")
        small = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.FOLLOW_UP, tier="B")
        prospect = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY, tier="A")
    sync(org, "2026-05-05")
    task = tasks().get()
    assert (task.kind, task.client, task.due_on) == (TaskKind.HIGH_LEVEL_VISIT, big, dt.date(2026, 6, 30))
    assert small and prospect
    with time_machine.travel(at("2026-05-20", 16), tick=False):
        VisitRecordFactory(client=big, by=org.kam, visited_at=at("2026-05-20", 15), kind=VisitKind.HIGH_LEVEL)
    assert sync(org, "2026-05-20", 17)["resolved"] == 1
    assert sync(org, "2026-06-01")["made"] == 0  # visited this quarter
    sync(org, "2026-07-01")
    assert tasks(TaskKind.HIGH_LEVEL_VISIT).filter(status="open").get().due_on == dt.date(2026, 9, 30)


def test_a_customer_no_longer_a_tier_loses_its_high_level_visit(org):
    big = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.FOLLOW_UP, tier="A")
    sync(org, "2026-05-05")
    with time_machine.travel(at("2026-05-06", 10), tick=False):
        steps.tier_set(client=big, by=org.kam, tier="B")
    assert sync(org, "2026-05-06", 11)["obsolete"] == 1


def test_win_back_90_days_after_a_drop_until_the_client_is_reopened(org, client):
    with time_machine.travel(at("2026-02-01", 10), tick=False):
        transitions.move(
            client=client, to=Stage.DROPPED, by=org.kam, reason="价格输给顺丰", drop_reason="lost_price"
        )
    sync(org, "2026-04-15")
    assert not tasks().exists()
    sync(org, "2026-04-20")
    task = tasks().get()
    assert (task.kind, task.due_on, task.assignee, task.detail) == (
        TaskKind.WIN_BACK,
        dt.date(2026, 5, 2),
        org.kam,
        "2026-02-01",
    )
    with time_machine.travel(at("2026-05-02", 10), tick=False):
        transitions.move(client=client, to=Stage.VISIT, by=org.kam)
    assert sync(org, "2026-05-02", 11)["resolved"] == 1


def test_a_dropped_client_takes_its_reminders_with_it(org, client):
    with time_machine.travel(at("2026-05-04", 11), tick=False):
        VisitRecordFactory(
            client=client, by=org.kam, visited_at=at("2026-05-04", 10), next_step_on=dt.date(2026, 5, 8)
        )
    sync(org, "2026-05-05")
    with time_machine.travel(at("2026-05-06", 10), tick=False):
        transitions.move(client=client, to=Stage.DROPPED, by=org.kam, reason="联系不上")
    assert sync(org, "2026-05-06", 11)["obsolete"] == 1
    assert tasks(TaskKind.NEXT_STEP).get().close_reason == CloseReason.OBSOLETE


def test_a_rule_switched_off_makes_nothing_and_closes_its_open_tasks(org, client):
    with time_machine.travel(at("2026-05-04", 11), tick=False):
        VisitRecordFactory(
            client=client, by=org.kam, visited_at=at("2026-05-04", 10), next_step_on=dt.date(2026, 5, 8)
        )
    sync(org, "2026-05-05")
    TaskSettings.objects.create(station=org.station_a, next_step=False)
    assert sync(org, "2026-05-05", 10)["obsolete"] == 1
    Task.objects.all().delete()
    assert sync(org, "2026-05-05", 11)["made"] == 0


def test_client_tasks_follow_the_clients_new_owner(org, client):
    other = type(org.kam).objects.create(username="kam2", role="key_account_manager", station=org.station_a)
    with time_machine.travel(at("2026-05-04", 11), tick=False):
        VisitRecordFactory(
            client=client, by=org.kam, visited_at=at("2026-05-04", 10), next_step_on=dt.date(2026, 5, 8)
        )
    sync(org, "2026-05-05")
    with time_machine.travel(at("2026-05-05", 12), tick=False):
        steps.owner_transfer(client=client, by=org.station_master, to_owner=other, reason="调整分工")
    assert sync(org, "2026-05-05", 13)["reassigned"] == 1
    assert tasks().get().assignee == other


def _submitted_lead(person, day: str):
    return LeadFactory(collected_by=person, day=dt.date.fromisoformat(day), status="submitted")


def test_leads_left_unreviewed_at_the_end_of_a_working_day_then_the_area_manager(org):
    quota_settings(org.station_a, starts_on=dt.date(2026, 5, 1))
    lead = _submitted_lead(org.courier, "2026-05-12")  # a Tuesday
    assert sync(org, "2026-05-12", 17, 59)["made"] == 0  # the day is not over
    sync(org, "2026-05-12", 18)
    task = tasks().get()
    assert (task.kind, task.assignee, task.area, task.due_on, task.detail) == (
        TaskKind.LEADS_UNREVIEWED,
        org.marketer,
        org.a1,
        dt.date(2026, 5, 12),
        "1",
    )
    assert task.link == "/leads/review/"
    assert sync(org, "2026-05-13", 17)["escalated"] == 0  # the marketer has until the end of the next day
    assert sync(org, "2026-05-13", 18, 30)["escalated"] == 1
    task.refresh_from_db()
    assert task.escalated_to == org.manager
    note = Notification.objects.get(kind="task_escalated")
    assert (note.recipient, note.link, note.message) == (
        org.manager,
        "/",
        "1 项逾期任务已转给你（marketer）。",
    )
    assert sync(org, "2026-05-13", 18, 45)["escalated"] == 0
    assert Notification.objects.filter(kind="task_escalated").count() == 1
    with time_machine.travel(at("2026-05-14", 9), tick=False):
        lead_services.lead_return(lead=lead, by=org.marketer, reason="缺少联系人职务")
    assert sync(org, "2026-05-14", 9, 15)["resolved"] == 2  # the 05-12 and the 05-13 tasks
    assert not Task.objects.filter(status="open").exists()


def test_no_review_task_on_a_rest_day_and_none_for_an_area_without_leads(org):
    quota_settings(org.station_a, starts_on=dt.date(2026, 5, 1))
    _submitted_lead(org.courier, "2026-05-03")
    sync(org, "2026-05-05", 19)  # Labour Day
    sync(org, "2026-05-10", 19)  # a Sunday
    assert not tasks().exists()
    sync(org, "2026-05-06", 19)
    assert list(tasks().values_list("assignee__username", flat=True)) == ["marketer"]


def test_an_overdue_task_goes_to_the_managers_after_the_grace(org, client):
    with time_machine.travel(at("2026-05-04", 11), tick=False):
        VisitRecordFactory(
            client=client, by=org.kam, visited_at=at("2026-05-04", 10), next_step_on=dt.date(2026, 5, 8)
        )
    sync(org, "2026-05-05")
    assert sync(org, "2026-05-11", 17)["escalated"] == 0  # three days overdue at the end of 05-11
    assert sync(org, "2026-05-11", 18)["escalated"] == 1
    task = tasks().get()
    assert task.escalated_to == org.station_master  # a key-account manager answers to the station master
    assert Task.objects.visible_to(org.station_master).filter(pk=task.pk).exists()


def test_a_snoozed_task_escalates_only_after_its_snooze(org, client):
    from agenda import services

    with time_machine.travel(at("2026-05-04", 11), tick=False):
        VisitRecordFactory(
            client=client, by=org.kam, visited_at=at("2026-05-04", 10), next_step_on=dt.date(2026, 5, 8)
        )
    sync(org, "2026-05-05")
    with time_machine.travel(at("2026-05-09", 10), tick=False):
        services.task_snooze(task=tasks().get(), by=org.kam, until=dt.date(2026, 5, 12))
    assert sync(org, "2026-05-11", 19)["escalated"] == 0
    assert sync(org, "2026-05-15", 19)["escalated"] == 1


def test_period_of_counts_blocks_from_january():
    assert rules.period_of(dt.date(2026, 5, 5), 3) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert rules.period_of(dt.date(2026, 12, 31), 6) == (dt.date(2026, 7, 1), dt.date(2026, 12, 31))
    assert rules.period_of(dt.date(2026, 2, 1), 12) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert rules.period_of(dt.date(2026, 2, 28), 1) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))


def test_a_task_made_already_overdue_gets_its_whole_grace_and_one_notice_covers_many(org):
    # Given next steps agreed long ago, found when the rule is first run on 05-20.
    for _n in range(3):
        owned = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.VISIT)
        with time_machine.travel(at("2026-05-01", 11), tick=False):
            VisitRecordFactory(
                client=owned, by=org.kam, visited_at=at("2026-05-01", 10), next_step_on=dt.date(2026, 5, 5)
            )
    assert sync(org, "2026-05-20", 19)["made"] == 3
    assert sync(org, "2026-05-22", 19)["escalated"] == 0
    assert sync(org, "2026-05-23", 19)["escalated"] == 3  # three days after they were made
    (note,) = Notification.objects.filter(kind="task_escalated")
    assert (note.recipient, note.message) == (org.station_master, "3 项逾期任务已转给你（kam）。")
