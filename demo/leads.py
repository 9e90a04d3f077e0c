"""Demo leads for `make run`: every courier and marketer of the small demo organisation collected leads on most
working days of the past weeks; the marketers accepted most, returned and rejected some; the accepted ones are
clients with competitor volumes over the last months, a few screened with a visit plan. One courier missed three
working days in a row, so the quota has a flag to show. Leads are bulk-inserted; decisions go through the services.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import Role
from accounts.roles import QUOTA_ROLES
from pipeline.models import ClientCompetitorVolume, Competitor, Lead, LeadCompetitor, LeadEvent
from pipeline.models.clients import CompanyType, ContactRole, Source
from pipeline.models.leads import LeadAction, RejectReason
from pipeline.services import leads as services
from pipeline.services import screening, validation
from pipeline.services.normalize import normalize_company_name
from quota.calendar import is_working_day
from quota.tallies import record_leads

DAYS_BACK = 28
PLACES = ["浦东", "陆家嘴", "张江", "金桥", "川沙", "北蔡", "花木", "洋泾"]
CORES = [
    "嘉禾",
    "鼎盛",
    "华联",
    "恒达",
    "瑞丰",
    "永安",
    "新元",
    "宏图",
    "金穗",
    "盛世",
    "佳美",
    "安信",
    "博雅",
    "汇通",
    "天成",
    "九州",
]
TRADES = [
    ("服装", "服装批发", CompanyType.ECOMMERCE),
    ("电子", "电子元器件", CompanyType.PRIVATE),
    ("食品", "食品贸易", CompanyType.SHOP),
    ("印务", "印刷包装", CompanyType.PRIVATE),
    ("文具", "文具办公", CompanyType.SHOP),
    ("医疗器械", "医疗器械", CompanyType.MATURE),
    ("化妆品", "化妆品电商", CompanyType.ECOMMERCE),
    ("机电", "机电设备", CompanyType.MATURE),
    ("茶叶", "茶叶零售", CompanyType.SHOP),
    ("科技", "软件和信息服务", CompanyType.STARTUP),
]
SUFFIXES = ["有限公司", "贸易有限公司", "商行", "股份有限公司", "经营部"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超"]
TITLES = ["总经理", "老板", "行政主管", "仓库主管", "采购经理", "电商运营", "前台"]
NEEDS = [
    "希望每天下午四点后上门揽收",
    "对价格敏感，想要月结折扣",
    "有大件发货需求，关心破损赔付",
    "电商退货件多，想要上门取件",
    "需要发往西北和东北的时效保障",
    "希望提供电子面单和批量打单",
    "",
]
STREETS = ["世纪大道", "张江路", "金桥路", "杨高中路", "川沙路", "东方路", "浦东大道", "碧波路"]
MOBILE_PREFIXES = [
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "158",
    "159",
    "186",
    "187",
    "188",
    "189",
]
MAIN_COMPETITORS = ["ZTO", "YTO", "SF", "Yunda", "STO", "J&T", "JD"]


def _working_day(station, day: dt.date) -> bool:
    return is_working_day(station, day)


def _phone(rng) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def _company(rng, used: set) -> tuple[str, str, str]:
    for _attempt in range(100):
        trade, industry, kind = rng.choice(TRADES)
        name = f"上海{rng.choice(PLACES)}{rng.choice(CORES)}{trade}{rng.choice(SUFFIXES)}"
        if normalize_company_name(name) not in used:
            used.add(normalize_company_name(name))
            return name, industry, kind
    return f"上海{len(used)}号商行", "贸易", CompanyType.SHOP


def _at(day: dt.date, tz, rng, *, latest: dt.datetime) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randint(0, 59)), tzinfo=tz)
    return min(moment, latest)


def seed(org, *, scale, today, rng) -> None:
    station = org.stations[0]
    tz = ZoneInfo(station.timezone)
    now = timezone.now()
    competitors = {c.short_name: c for c in Competitor.objects.all()}
    people = [p for p in org.people if p.role in QUOTA_ROLES and p.area_id]
    reviewers = {p.area_id: p for p in org.people if p.role == Role.AREA_MARKETER}
    # One courier misses three working days in a row a week or two ago: the quota flags it.
    couriers = sorted((p for p in people if p.role == Role.COURIER), key=lambda p: p.username)
    absent = couriers[-1] if couriers else None
    working = [
        today - dt.timedelta(days=n)
        for n in range(DAYS_BACK, -1, -1)
        if _working_day(station, today - dt.timedelta(days=n))
    ]
    gap = set(working[-9:-6]) if len(working) > 9 else set()

    used: set = set()
    leads, comps = [], []
    local_now = timezone.localtime(now, tz)
    for person in people:
        missed_yesterday = False
        for day in working:
            if day < person.date_joined or (person == absent and day in gap):
                continue
            if day == today and local_now.hour < 10:
                continue
            # Most days, never two misses in a row (that is for the absent courier alone).
            if not missed_yesterday and day != today and rng.random() < 0.12:
                missed_yesterday = True
                continue
            missed_yesterday = False
            for _n in range(1 if rng.random() < 0.7 else 2):
                name, industry, kind = _company(rng, used)
                phone = _phone(rng)
                inbound = rng.choice([0, 20, 50, 80, 150, 300, 600, 1200])
                outbound = rng.choice([0, 10, 30, 60, 120, 250, 500, 1500, 3000])
                complete = rng.random() > 0.08
                when = _at(day, tz, rng, latest=now - dt.timedelta(minutes=5))
                # Validated, normalised and built as the capture does it; written in bulk below.
                fields = validation.clean_lead_fields(
                    {
                        "company_name": name,
                        "contact_name": rng.choice(SURNAMES) + rng.choice(GIVEN) if complete else "",
                        "contact_title": rng.choice(TITLES),
                        "contact_role": rng.choice(
                            [ContactRole.DECISION_MAKER, ContactRole.OTHER, ContactRole.PURCHASING]
                        ),
                        "contact_phone": phone,
                        "address": f"浦东新区{rng.choice(STREETS)}{rng.randint(1, 999)}号"
                        if complete
                        else "",
                        "industry": industry,
                        "company_type": kind,
                        "source": rng.choice(
                            [Source.COURIER_ROUTE] * 6
                            + [Source.HOTLINE_11183, Source.REFERRAL, Source.MARKET_SURVEY]
                        ),
                        "inbound_monthly": inbound,
                        "outbound_monthly": outbound,
                        "our_monthly": rng.choice([0, 0, 5, 20, 50]),
                        "needs": rng.choice(NEEDS),
                    }
                )
                lead = services.lead_build(by=person, collector=person, when=when, fields=fields)
                leads.append(lead)
                for short in rng.sample(MAIN_COMPETITORS, rng.randint(0, 2)):
                    monthly = rng.choice([30, 80, 150, 300, 800])
                    if short in competitors:  # an administrator may have removed a carrier from the list
                        comps.append((lead, competitors[short], monthly))

    Lead.objects.bulk_create(leads, batch_size=500)
    # The duplicate match was evaluated inside the INSERT; the review below reads it from the leads in memory.
    matched = dict(
        Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list("pk", "duplicate_of_id")
    )
    for lead in leads:
        lead.duplicate_of_id = matched[lead.pk]
    LeadCompetitor.objects.bulk_create(
        [LeadCompetitor(lead=lead, competitor=c, monthly=m) for lead, c, m in comps], batch_size=500
    )
    LeadEvent.objects.bulk_create(
        [
            LeadEvent(lead=lead, action=LeadAction.SUBMITTED, by=lead.collected_by, at=lead.collected_at)
            for lead in leads
        ],
        batch_size=500,
    )
    record_leads(leads)

    # The marketers' decisions: older leads mostly decided, the last two days' mostly waiting.
    accepted = []
    for lead in sorted(leads, key=lambda item: item.collected_at):
        reviewer = reviewers.get(lead.area_id)
        if reviewer is None:
            continue
        age = (today - lead.collected_on).days
        roll = rng.random()
        decided_at = min(
            lead.collected_at + dt.timedelta(hours=rng.randint(2, 8)), now - dt.timedelta(minutes=1)
        )
        if age < 2 and roll < 0.6:
            continue  # today's and yesterday's: most still wait in the review queue
        if services.missing_for_acceptance(lead):
            if age <= 5:
                services.lead_return(
                    lead=lead, by=reviewer, reason="请补全联系人姓名和详细地址", at=decided_at
                )
            else:
                services.lead_reject(
                    lead=lead,
                    by=reviewer,
                    category=RejectReason.OTHER,
                    reason="多次联系仍未补全资料",
                    at=decided_at,
                )
            continue
        if roll < 0.08:
            services.lead_reject(
                lead=lead,
                by=reviewer,
                category=RejectReason.FAKE,
                reason="电话是空号，现场无此公司",
                at=decided_at,
            )
        elif roll < 0.13:
            services.lead_reject(
                lead=lead,
                by=reviewer,
                category=RejectReason.OUT_OF_AREA,
                reason="地址在浦西，转交对应网点",
                at=decided_at,
            )
        else:
            accepted.append(services.lead_accept(lead=lead, by=reviewer, at=decided_at))

    # Competitor volumes of the accepted clients over the last three months, and a few screened with a plan.
    month = today.replace(day=1)
    months = [
        month,
        (month - dt.timedelta(days=1)).replace(day=1),
        (month - dt.timedelta(days=40)).replace(day=1),
    ]
    volumes = []
    for client in accepted:
        for short in rng.sample(MAIN_COMPETITORS, rng.randint(1, 3)):
            base = rng.choice([50, 120, 300, 600, 1500])
            if short not in competitors:
                continue
            for i, m in enumerate(months[1:], start=1):
                volumes.append(
                    ClientCompetitorVolume(
                        client=client,
                        competitor=competitors[short],
                        month=m,
                        monthly=max(0, base + rng.randint(-30, 30) * i),
                    )
                )
    ClientCompetitorVolume.objects.bulk_create(volumes, ignore_conflicts=True, batch_size=500)
    for client in accepted:
        screening.refresh(client)
    ranked = sorted(accepted, key=lambda c: -c.priority_score)[:6]
    for client in ranked:
        reviewer = reviewers.get(client.area_id)
        if reviewer is None:
            continue
        screening.client_screen(
            client=client,
            by=reviewer,
            difficulty_manual=None,
            visit_plan={
                "plan_key_points": "了解目前合作的快递公司和月结价格，介绍我司时效和上门揽收服务",
                "plan_initial_quote": rng.random() < 0.6,
                "plan_route_combination": rng.random() < 0.4,
                "plan_topics": "月结折扣、上门时间、破损赔付",
                "plan_department_head": rng.choice(["行政部经理", "仓储物流主管", "总经理"]),
                "plan_relationships": "由老客户转介绍" if client.source == Source.REFERRAL else "",
                "plan_superior_needed": client.expected_revenue > 10000,
            },
        )

    # Two records of one shop, for the merge, and a new lead waiting that matches an existing client.
    if accepted and couriers:
        existing = accepted[0]
        contact = existing.contacts.first()
        if contact is not None:
            services.lead_submit(
                by=couriers[0],
                data={
                    "company_name": existing.name.replace("有限公司", "股份有限公司"),
                    "contact_name": contact.name,
                    "contact_phone": "+86 " + contact.phone,
                    "address": existing.address,
                    "industry": existing.industry,
                    "inbound_monthly": existing.inbound_monthly,
                    "outbound_monthly": existing.outbound_monthly,
                },
            )
