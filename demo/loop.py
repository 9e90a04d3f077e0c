"""Demo history of the loop for `make run`: a realistic share of the demo clients (accepted leads, now in
screening) is taken through the ten steps with the records each step needs, back-dated over the weeks since
their lead was accepted, so the kanban, the funnel and the client timelines have something in every column.
Every move goes through pipeline.transitions; every record through pipeline.steps and visits.services."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role
from pipeline.models import (
    Client,
    Competitor,
    Contract,
    Evaluation,
    NeedsAnalysis,
    Proposal,
    Survey,
    TrialShipment,
)
from pipeline.models.clients import CompanyType, ContactRole
from pipeline.models.loop import LOOP, DropReason, Stage
from pipeline.services import screening, steps, transitions
from visits import services as visits
from visits.models import Outcome, VisitKind

# Where the demo clients end up (share of those in screening); the rest stay in screening.
TARGETS = [
    (Stage.ARCHIVE, 0.04),
    (Stage.FOLLOW_UP, 0.08),
    (Stage.CONTRACT, 0.04),
    (Stage.TRIAL_SHIPMENT, 0.05),
    (Stage.VISIT, 0.07),
    (Stage.PROPOSAL, 0.08),
    (Stage.NEEDS, 0.08),
    (Stage.SURVEY, 0.10),
    (Stage.DROPPED, 0.06),
    (Stage.COLLECT, 0.02),  # sent back to the collector to complete
]
SURNAMES = "王李张刘陈杨赵黄周吴"
DECISION_TITLES = ["总经理", "物流总监", "采购经理", "行政总监"]
PRODUCTS = [("标准快递", "8.00"), ("经济快递", "6.00"), ("次日达", "12.00"), ("同城急送", "15.00")]
ROUTES = ["上海→江浙沪", "上海→北京", "上海→广深", "上海→成渝", "全国"]
DROP_NOTES = {
    DropReason.LOST_PRICE: "对方报价低两毛，客户选择了对方",
    DropReason.LOST_SERVICE: "客户更看重对方的上门时效",
    DropReason.TOO_SMALL: "实际每月不到五十件",
    DropReason.UNREACHABLE: "多次上门无人，电话无人接听",
    DropReason.OTHER: "公司搬迁到外省",
}


def _quota(clients: list, rng) -> list[tuple]:
    """Pick which clients go where: the oldest go furthest (they had the time), at least one per target."""
    n = len(clients)
    picks, start = [], 0
    for stage, share in TARGETS:
        count = max(1, round(n * share)) if n >= 2 * len(TARGETS) else (1 if start < n else 0)
        for client in clients[start : start + count]:
            picks.append((client, stage))
        start += count
    return picks


def _when(start: dt.datetime, end: dt.datetime, steps_left: int, rng) -> dt.datetime:
    """A moment between start and end that leaves room for the remaining steps."""
    room = (end - start) / max(steps_left + 1, 2)
    return start + room * (0.5 + rng.random() * 0.5)


def _backdate(model, pk, at):
    model.objects.filter(pk=pk).update(created_at=at)


def _owner(client, marketer):
    return client.owner or marketer


def _satisfy(client, by, at, rng, kam, master) -> None:
    """Write, dated `at`, what the client's current step needs before it may move on."""
    stage = client.stage
    today = timezone.localtime(at, client.station.tz).date()
    if stage == Stage.SCREEN and not (client.has_priority and client.has_visit_plan):
        screening.client_screen(
            client=client,
            by=by,
            difficulty_manual=None,
            visit_plan={
                "plan_key_points": "了解现用快递和价格，介绍时效和月结",
                "plan_topics": "月结折扣、上门时间",
            },
        )
        client.refresh_from_db()
    elif stage == Stage.SURVEY:
        competitor = Competitor.objects.order_by("?").first()
        survey = steps.survey_record(
            client=client,
            by=by,
            company_type=client.company_type or rng.choice(CompanyType.values),
            decision_structure=rng.choice(
                ["老板一人拍板", "物流部推荐，总经理审批", "集团统一招标，分公司执行"]
            ),
            competitors_notes=f"{competitor.name if competitor else '同行'}在做，月结，价格略低",
            contacts=[
                {
                    "name": f"{rng.choice(SURNAMES)}总",
                    "title": rng.choice(DECISION_TITLES),
                    "role": ContactRole.DECISION_MAKER,
                },
                {"name": f"小{rng.choice(SURNAMES)}", "title": "仓库主管", "role": ContactRole.INSIDER},
            ],
        )
        _backdate(Survey, survey.pk, at)
    elif stage == Stage.NEEDS:
        needs = steps.needs_record(
            client=client,
            by=by,
            speed=rng.choice(["江浙沪次日达", "全国三日内", "同城当日达"]),
            price=rng.choice(["首重8元以内", "希望月结九折", "对价格敏感"]),
            pickup_windows=rng.choice(["每天16:00后上门", "上午、下午各一次"]),
            packaging=rng.choice(["", "易碎品需加固包装"]),
            reporting=rng.choice(["", "每月对账单"]),
            tqcso_time="时效是第一位",
            tqcso_cost="价格要有竞争力",
        )
        _backdate(NeedsAnalysis, needs.pk, at)
    elif stage == Stage.PROPOSAL:
        lines = [
            {
                "product": product,
                "route": rng.choice(ROUTES),
                "unit_price": Decimal(price),
                "discount": Decimal(rng.choice([0, 5, 10, 15])),
                "volume_from": rng.choice([0, 500, 1000, 3000]),
            }
            for product, price in rng.sample(PRODUCTS, rng.randint(1, 3))
        ]
        proposal = steps.proposal_create(
            client=client,
            by=by,
            title=f"{client.name}寄递方案",
            summary="以标准快递为主，大件走经济快递；专人上门揽收，月结。",
            service_commitments="48小时内处理投诉；破损照价赔偿",
            lines=lines,
            status="sent",
        )
        _backdate(Proposal, proposal.pk, at)
    elif stage == Stage.VISIT:
        visits.record_create(
            client=client,
            by=by,
            visited_at=at,
            kind=VisitKind.NEGOTIATION,
            met=f"{rng.choice(SURNAMES)}总、采购经理",
            situation="每天发货约两百件，现在用两家快递",
            problem="旺季经常延误，破损理赔慢",
            implication="差评增加，退货率上升",
            need_payoff="稳定时效和快速理赔能减少差评",
            outcome=Outcome.INTERESTED,
            next_step="安排试寄",
            next_step_on=today + dt.timedelta(days=2),
        )
    elif stage == Stage.TRIAL_SHIPMENT:
        count = rng.randint(5, 30)
        shipment = steps.trial_shipment_create(
            client=client,
            by=by,
            sent_on=today,
            waybill_numbers="\n".join(f"LT{rng.randint(10**9, 10**10 - 1)}" for _ in range(min(count, 5))),
            parcel_count=count,
            on_time_count=count - rng.randint(0, 2),
            damaged_count=rng.choice([0, 0, 0, 1]),
            feedback=rng.choice(["时效满意", "有一件晚了一天，其他都好", "包装很好"]),
        )
        _backdate(TrialShipment, shipment.pk, at)
        if client.owner_id != kam.pk:
            steps.owner_transfer(
                client=client, by=master, to_owner=kam, reason="试寄通过，转大客户经理签约维护"
            )
    elif stage == Stage.CONTRACT:
        contract = steps.contract_create(
            client=client,
            by=kam,
            number=f"LT-{today:%Y%m}-{client.pk:04d}",
            signed_on=today,
            starts_on=today,
            ends_on=today.replace(year=today.year + 1),
            price_terms="标准快递首重7.5元，续重1.5元/公斤；月结九五折",
            committed_monthly_volume=rng.choice([1000, 2000, 3000, 5000, 8000]),
            settlement_mode=rng.choice(["monthly", "monthly", "prepaid"]),
        )
        _backdate(Contract, contract.pk, at)
        steps.tier_set(client=client, by=kam, tier=rng.choice("AABC"))
        steps.relationship_set(client=client, by=kam, to="initial", reason="签约")
    elif stage == Stage.FOLLOW_UP:
        contract = client.contracts.first()
        month = today.replace(day=1)
        evaluation = steps.evaluation_record(
            client=client,
            by=kam,
            month=month,
            actual_volume=int(contract.committed_monthly_volume * rng.uniform(0.7, 1.2)),
            notes="首月磨合，量在爬坡",
        )
        _backdate(Evaluation, evaluation.pk, at)


def seed(org, *, scale, today, rng) -> None:
    now = timezone.now()
    people = {(p.role, p.area_id): p for p in org.people}
    kam = next((p for p in org.people if p.role == Role.KEY_ACCOUNT_MANAGER), None)
    master = next((p for p in org.people if p.role == Role.STATION_MASTER), None)
    if kam is None or master is None:
        return
    clients = list(
        Client.objects.filter(station__in=org.stations, stage=Stage.SCREEN, merged_into__isnull=True)
        .select_related("station")
        .order_by("stage_entered_at", "pk")
    )
    for client, target in _quota(clients, rng):
        marketer = people.get((Role.AREA_MARKETER, client.area_id)) or kam
        by = _owner(client, marketer)
        at = client.stage_entered_at
        if target == Stage.COLLECT:
            at = _when(at, now, 1, rng)
            transitions.move(
                client=client, to=Stage.COLLECT, by=by, reason="联系人电话有误，退回揽投员补全", at=at
            )
            continue
        final = Stage.PROPOSAL if target == Stage.DROPPED else target
        while client.stage != final:
            remaining = LOOP.index(final) - LOOP.index(client.stage)
            at = _when(at, now, remaining, rng)
            _satisfy(client, by, at, rng, kam, master)
            actor = kam if LOOP.index(client.stage) >= LOOP.index(Stage.CONTRACT) else by
            transitions.move(client=client, to=transitions.next_stage(client.stage), by=actor, at=at)
        if target == Stage.DROPPED:
            reason = rng.choice(list(DROP_NOTES))
            at = _when(at, now, 1, rng)
            transitions.move(
                client=client, to=Stage.DROPPED, by=by, reason=DROP_NOTES[reason], drop_reason=reason, at=at
            )
        if target == Stage.ARCHIVE and rng.random() < 0.5:
            steps.relationship_set(client=client, by=kam, to="stable", reason="连续达量，合作稳定")
    _key_account_stories(org, kam, rng)


def _key_account_stories(org, kam, rng) -> None:
    """A secondary-development opportunity and a regression, so those parts of the client page are not empty."""
    archived = Client.objects.filter(station__in=org.stations, stage=Stage.ARCHIVE).order_by("pk").first()
    if archived is not None:
        steps.opportunity_create(
            client=archived,
            by=kam,
            kind="branches",
            description="客户在苏州新开分仓，可承接其华东发货",
            expected_monthly_volume=2000,
        )
    maintained = (
        Client.objects.filter(station__in=org.stations, stage=Stage.FOLLOW_UP).order_by("-pk").first()
    )
    if maintained is not None:
        steps.regression_record(
            client=maintained,
            by=kam,
            kind="regression",
            cause="complaint_unhandled",
            reason="两次破损投诉处理慢，客户把部分货量转给了同行",
            occurred_on=maintained.station.local_date(),
            relationship_to="incubation",
        )
