"""Demo history for satisfaction: a piloted and approved questionnaire, a quarterly campaign with three sendings
and their responses, complaints in every state (one escalated), and indicator readings with one early warning.
Everything goes through the services, at past dates, so the demo shows what the rules produce."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from accounts.models import Role
from pipeline.models import Client, Stage
from satisfaction.models import Dimension, QuestionKind, ReadingSource, Schedule
from satisfaction.services import complaints, indicators, surveys

QUESTIONS = [
    (
        QuestionKind.SCALE,
        Dimension.TIME,
        "您对我们的揽收与派送时效满意吗？",
        "Are you satisfied with our pickup and delivery times?",
    ),
    (
        QuestionKind.SCALE,
        Dimension.TIME,
        "您对查询与响应速度满意吗？",
        "Are you satisfied with how fast we answer and track?",
    ),
    (
        QuestionKind.SCALE,
        Dimension.QUALITY,
        "您对快件完好率满意吗？",
        "Are you satisfied with how intact your parcels arrive?",
    ),
    (
        QuestionKind.SCALE,
        Dimension.COST,
        "您对价格与结算方式满意吗？",
        "Are you satisfied with our prices and settlement?",
    ),
    (
        QuestionKind.SCALE,
        Dimension.SERVICE,
        "您对大客户经理的服务满意吗？",
        "Are you satisfied with your key-account manager's service?",
    ),
    (
        QuestionKind.SCALE,
        Dimension.SERVICE,
        "您对投诉与理赔处理满意吗？",
        "Are you satisfied with how complaints and claims are handled?",
    ),
    (
        QuestionKind.SCALE,
        Dimension.OPENNESS,
        "您对信息透明与反馈渠道满意吗？",
        "Are you satisfied with the information and feedback channels?",
    ),
    (QuestionKind.TEXT, "", "您希望我们改进什么？", "What should we improve?"),
]
COMMENTS = [
    "",
    "",
    "希望晚上能多一次揽收。",
    "月结对账单能否提前两天发？",
    "快递员服务很好。",
    "旺季时效有点慢。",
]


def _at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _person(org, role):
    return next((p for p in org.people if p.role == role), None)


def seed(org, *, scale, today, rng):
    station = org.stations[0]
    kam = _person(org, Role.KEY_ACCOUNT_MANAGER)
    master = _person(org, Role.STATION_MASTER)
    if kam is None or master is None:
        return
    indicators.ensure_standard_indicators()
    clients = list(
        Client.objects.filter(station=station)
        .active()
        .exclude(stage=Stage.DROPPED)
        .annotate(n=Count("contacts"))
        .order_by("-n", "pk")[:12]
    )
    if not clients:
        return
    start = today - timedelta(days=200)
    questionnaire = surveys.questionnaire_create(
        by=kam,
        title="大客户满意度调查",
        title_en="Key-account satisfaction survey",
        intro="感谢您的支持！以下问题约需三分钟。",
        intro_en="Thank you for your business! The questions take about three minutes.",
        questions=[
            {"kind": k, "dimension": d, "text": t, "text_en": e, "required": k == QuestionKind.SCALE}
            for k, d, t, e in QUESTIONS
        ],
    )
    with_contacts = [c for c in clients if c.n]
    if not with_contacts:
        return
    pilot = surveys.pilot_start(
        by=kam,
        questionnaire=questionnaire,
        clients=with_contacts[:2],
        now=_at(start - timedelta(days=14)),
        email=False,
    )
    for invitation in pilot.invitations.all()[:2]:
        _answer(invitation, rng, when=_at(start - timedelta(days=12)), low=False)
    surveys.questionnaire_approve(
        by=master,
        questionnaire=questionnaire,
        review="试点两家客户均顺利作答，问题表述清楚，无需修改。",
        now=_at(start - timedelta(days=10)),
    )
    campaign = surveys.campaign_create(
        by=kam,
        questionnaire=questionnaire,
        name="季度满意度调查",
        start_on=start,
        schedule=Schedule.QUARTERLY,
        today=start,
    )
    unhappy = with_contacts[0].pk  # low scores, the escalated complaint and the warning: low health
    while campaign.next_run_on and campaign.next_run_on <= today:
        sent_on = campaign.next_run_on
        for invitation in surveys.campaign_run(campaign=campaign, now=_at(sent_on), email=False):
            if rng.random() < 0.75:
                answered = min(sent_on + timedelta(days=rng.randint(1, 6)), today)
                _answer(invitation, rng, when=_at(answered, 15), low=invitation.client_id == unhappy)
        campaign.refresh_from_db()
    _complaints(clients, unhappy=with_contacts[0], kam=kam, today=today)
    _readings(
        [with_contacts[0], *[c for c in clients if c.pk != unhappy][:3]], by=master, today=today, rng=rng
    )


def _answer(invitation, rng, *, when, low):
    answers = []
    for question in invitation.campaign.questionnaire.questions.all():
        if question.kind == QuestionKind.SCALE:
            score = rng.choice([1, 2, 2, 3]) if low else rng.choice([3, 4, 4, 5, 5])
            answers.append(surveys.AnswerInput(question_id=question.pk, score=score))
        else:
            answers.append(surveys.AnswerInput(question_id=question.pk, text=rng.choice(COMMENTS)))
    surveys.response_submit(invitation=invitation, answers=answers, now=when, language="zh-hans")


def _complaints(clients, *, unhappy, kam, today):
    now = _at(today, 9)
    cases = [
        # (days ago, channel, category, severity, description, steps)
        (20, "phone", "damage", "medium", "三箱样品外箱破损，客户要求赔偿。", ["start", "resolve", "close"]),
        (6, "visit", "billing", "low", "月结账单金额与运单数不符。", ["start", "resolve"]),
        (4, "email", "delay", "high", "连续两天下午的快件未按时揽收。", ["start"]),
        (0, "api", "attitude", "low", "派件员电话沟通态度生硬。", []),
    ]
    for index, (ago, channel, category, severity, description, steps) in enumerate(cases):
        client = unhappy if severity == "high" else clients[(index + 1) % len(clients)]
        received = now - timedelta(days=ago, hours=2)
        complaint = complaints.complaint_create(
            by=kam,
            client=client,
            channel=channel,
            category=category,
            severity=severity,
            description=description,
            now=received,
            received_at=received,
            owner=client.owner or kam,
        )
        step_at = received + timedelta(hours=3)
        for step in steps:
            if step == "start":
                complaints.complaint_start(
                    by=kam, complaint=complaint, now=step_at, note="已联系客户了解情况。"
                )
            elif step == "resolve":
                complaints.complaint_resolve(
                    by=kam, complaint=complaint, resolution="已核实并按协议处理，客户接受方案。", now=step_at
                )
            elif step == "close":
                complaints.complaint_close(
                    by=kam, complaint=complaint, confirmation="客户采购经理电话确认满意。", now=step_at
                )
            step_at += timedelta(hours=20)
    # The in-progress high-severity one is past its deadline: the hourly job escalates it.
    complaints.escalate_overdue_complaints(now=now)


def _readings(clients, *, by, today, rng):
    rows = []
    for client_index, client in enumerate(clients):
        for ago in range(13, -1, -1):
            day = today - timedelta(days=ago)
            on_time = Decimal(str(round(rng.uniform(96.0, 99.5), 1)))
            if client_index == 0 and ago <= 2:  # the first key account slips: the early warning
                on_time = Decimal(str(round(rng.uniform(90.0, 93.5), 1)))
            damage = Decimal(str(round(rng.uniform(0.05, 0.4), 2)))
            for code, value in (("on_time_rate", on_time), ("damage_rate", damage)):
                rows.append(
                    (
                        f"{client.pk}-{day}-{code}",
                        {"client": client.pk, "indicator": code, "day": day, "value": value},
                    )
                )
    indicators.readings_record(by=by, rows=rows, source=ReadingSource.UPLOAD, today=today)
