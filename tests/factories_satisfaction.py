"""Factories for satisfaction tests. Records that rules produce (responses, warnings, escalations) are made
through the services in the tests themselves; these build the starting points."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from satisfaction.models import Campaign, Dimension, Indicator, Invitation, QuestionKind, SurveyResponse
from satisfaction.services import surveys

STANDARD_INDICATORS = {
    "on_time_rate": ("准时率", "On-time rate", "%", "higher", "95"),
    "damage_rate": ("破损率", "Damage rate", "%", "lower", "0.5"),
}


def indicator(code: str = "on_time_rate") -> Indicator:
    name, name_en, unit, direction, threshold = STANDARD_INDICATORS[code]
    found, _created = Indicator.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "name_en": name_en,
            "unit": unit,
            "direction": direction,
            "threshold": Decimal(threshold),
            "active": True,
        },
    )
    return found


QUESTIONS = [
    {
        "kind": QuestionKind.SCALE,
        "dimension": Dimension.TIME,
        "text": "时效满意吗？",
        "text_en": "Delivery times?",
    },
    {
        "kind": QuestionKind.SCALE,
        "dimension": Dimension.QUALITY,
        "text": "质量满意吗？",
        "text_en": "Quality?",
    },
    {"kind": QuestionKind.SCALE, "dimension": Dimension.COST, "text": "价格满意吗？", "text_en": "Prices?"},
    {
        "kind": QuestionKind.SCALE,
        "dimension": Dimension.SERVICE,
        "text": "服务满意吗？",
        "text_en": "Service?",
    },
    {
        "kind": QuestionKind.SCALE,
        "dimension": Dimension.OPENNESS,
        "text": "信息透明吗？",
        "text_en": "Information?",
    },
    {
        "kind": QuestionKind.TEXT,
        "dimension": "",
        "text": "还有什么建议？",
        "text_en": "Anything else?",
        "required": False,
    },
]


def at(day, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def draft(by, **overrides):
    fields = {"title": "满意度调查", "title_en": "Satisfaction survey", "questions": QUESTIONS}
    fields.update(overrides)
    return surveys.questionnaire_create(by=by, **fields)


def scores(questionnaire, values: dict | int = 4, text: str = "") -> list[surveys.AnswerInput]:
    """Answers: `values` is one score for every five-point question, or {dimension: score}."""
    answers = []
    for question in questionnaire.questions.all():
        if question.kind == QuestionKind.SCALE:
            score = values if isinstance(values, int) else values.get(question.dimension, 4)
            answers.append(surveys.AnswerInput(question_id=question.pk, score=score))
        else:
            answers.append(surveys.AnswerInput(question_id=question.pk, text=text))
    return answers


def approved(*, by, approver, pilot_clients, now):
    """A questionnaire taken through its pilot (one response) and approved."""
    questionnaire = draft(by)
    campaign = surveys.pilot_start(by=by, questionnaire=questionnaire, clients=pilot_clients, now=now)
    invitation = campaign.invitations.first()
    surveys.response_submit(invitation=invitation, answers=scores(questionnaire, 4), now=now)
    return surveys.questionnaire_approve(by=approver, questionnaire=questionnaire, review="试点顺利", now=now)


def campaign_with_links(questionnaire, author, customers, *, now, links, answered=0, expired=0, station=None):
    """A campaign of `links` personal links spread over `customers`: the first `answered` answered, the last
    `expired` expired unanswered, the rest waiting."""
    campaign = Campaign.objects.create(
        name=f"调查{Campaign.objects.count() + 1}",
        questionnaire=questionnaire,
        station=station,
        start_on=timezone.localdate(now),
        reminder_after_days=5,
        link_valid_days=30,
        created_by=author,
    )
    made = Invitation.objects.bulk_create(
        [
            Invitation(
                campaign=campaign,
                round_on=timezone.localdate(now),
                client=customers[n % len(customers)],
                contact_name=f"联系人{n}",
                token=f"{campaign.pk}-{n}",
                sent_at=now - timedelta(days=40),
                expires_at=now - timedelta(days=1) if n >= links - expired else now + timedelta(days=20),
            )
            for n in range(links)
        ]
    )
    SurveyResponse.objects.bulk_create(
        [
            SurveyResponse(
                invitation=link,
                campaign=campaign,
                questionnaire=questionnaire,
                client=link.client,
                submitted_at=now,
                channel="link",
                average=4,
            )
            for link in made[:answered]
        ]
    )
    return campaign
