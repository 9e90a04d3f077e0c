"""Writes of the survey side: questionnaires and their pilot, campaigns, personal links, responses.

The rule from the seed is enforced here and nowhere else: a questionnaire reaches a segment only after it
was piloted on a few chosen customers, the pilot's responses reviewed, and the questionnaire approved.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, Station, User
from accounts.roles import HQ_ROLES, SURVEY_APPROVERS, SURVEY_MANAGERS
from accounts.services import notify
from outbox.events import event_record
from pipeline.models import Client, ClientContact

from ..models import (
    Answer,
    Campaign,
    CampaignKind,
    CampaignStatus,
    Dimension,
    FollowUpTask,
    Invitation,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireStatus,
    ResponseChannel,
    Schedule,
    SurveyResponse,
)
from ..models.surveys import SCHEDULE_MONTHS
from ..permissions import may_change_survey

TOKEN_SALT = "satisfaction.survey-link"
PILOT_MAX_CLIENTS = 10
LOW_SCORE = 2  # a dimension scored at or below this puts a follow-up task on the owner's list
FOLLOW_UP_DAYS = 3


def _require(user: User, roles, message: str) -> None:
    if not (user.is_authenticated and user.role in roles):
        raise PermissionDenied(message)


def _check_station(by: User, station: Station | None) -> Station | None:
    """Outside headquarters everything belongs to the author's station; HQ may pick one or none (company-wide)."""
    if by.role in HQ_ROLES:
        return station
    return by.station


# --- Questionnaires -------------------------------------------------------------------------------------


def _clean_questions(questions: list[dict]) -> list[Question]:
    if not questions:
        raise ValidationError({"questions": _("Add at least one question.")})
    built, errors = [], []
    for index, data in enumerate(questions, start=1):
        kind = data.get("kind") or QuestionKind.SCALE
        dimension = data.get("dimension") or ""
        text = (data.get("text") or "").strip()
        problems = []
        if kind not in QuestionKind.values:
            problems.append(_("unknown kind “%(kind)s”") % {"kind": kind})
        if dimension and dimension not in Dimension.values:
            problems.append(_("unknown dimension “%(dimension)s”") % {"dimension": dimension})
        if kind == QuestionKind.SCALE and not dimension:
            problems.append(_("a five-point question needs its TQCSO dimension"))
        if not text:
            problems.append(_("the question text is empty"))
        if problems:
            errors.append(_("Question %(n)s: %(problems)s.") % {"n": index, "problems": "; ".join(problems)})
            continue
        built.append(
            Question(
                position=index,
                kind=kind,
                dimension=dimension,
                text=text[:300],
                text_en=(data.get("text_en") or "").strip()[:300],
                required=bool(data.get("required", True)),
            )
        )
    if errors:
        raise ValidationError({"questions": errors})
    if not any(q.kind == QuestionKind.SCALE for q in built):
        raise ValidationError({"questions": _("Add at least one five-point question.")})
    return built


def _clean_texts(fields: dict) -> dict:
    cleaned = {k: (fields.get(k) or "").strip() for k in ("title", "title_en", "intro", "intro_en")}
    if not cleaned["title"]:
        raise ValidationError({"title": _("Give the questionnaire a title.")})
    return cleaned


@transaction.atomic
def questionnaire_create(
    *,
    by: User,
    title: str,
    questions: list[dict],
    title_en: str = "",
    intro: str = "",
    intro_en: str = "",
    station: Station | None = None,
) -> Questionnaire:
    _require(by, SURVEY_MANAGERS, _("Your role does not design questionnaires."))
    texts = _clean_texts({"title": title, "title_en": title_en, "intro": intro, "intro_en": intro_en})
    built = _clean_questions(questions)
    questionnaire = Questionnaire.objects.create(station=_check_station(by, station), created_by=by, **texts)
    for question in built:
        question.questionnaire = questionnaire
    Question.objects.bulk_create(built)
    return questionnaire


def _check_can_edit(by: User, questionnaire: Questionnaire) -> None:
    _require(by, SURVEY_MANAGERS, _("Your role does not design questionnaires."))
    if not may_change_survey(by, questionnaire):
        raise PermissionDenied(_("A company-wide questionnaire is changed by headquarters."))


@transaction.atomic
def questionnaire_update(
    *,
    by: User,
    questionnaire: Questionnaire,
    title: str,
    questions: list[dict],
    title_en: str = "",
    intro: str = "",
    intro_en: str = "",
) -> Questionnaire:
    _check_can_edit(by, questionnaire)
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if not questionnaire.is_editable:
        raise ValidationError(
            _("Only a draft can be changed; make a new version of this questionnaire instead.")
        )
    texts = _clean_texts({"title": title, "title_en": title_en, "intro": intro, "intro_en": intro_en})
    built = _clean_questions(questions)
    for name, value in texts.items():
        setattr(questionnaire, name, value)
    questionnaire.save(update_fields=list(texts))
    questionnaire.questions.all().delete()
    for question in built:
        question.questionnaire = questionnaire
    Question.objects.bulk_create(built)
    return questionnaire


@transaction.atomic
def questionnaire_new_version(*, by: User, questionnaire: Questionnaire) -> Questionnaire:
    """A draft copy with the next version number; the old version stays usable until it is retired."""
    _check_can_edit(by, questionnaire)
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if questionnaire.is_editable:
        raise ValidationError(_("This version is still a draft: change it directly."))
    if Questionnaire.objects.filter(previous=questionnaire).exists():
        raise ValidationError(_("A newer version of this questionnaire already exists."))
    if questionnaire.status == QuestionnaireStatus.PILOTING:
        # The pilot found problems: this version will never be approved; the new one is piloted afresh.
        Questionnaire.objects.filter(pk=questionnaire.pk).update(status=QuestionnaireStatus.RETIRED)
    copy = Questionnaire.objects.create(
        station=questionnaire.station,
        title=questionnaire.title,
        title_en=questionnaire.title_en,
        intro=questionnaire.intro,
        intro_en=questionnaire.intro_en,
        version=questionnaire.version + 1,
        previous=questionnaire,
        created_by=by,
    )
    Question.objects.bulk_create(
        [
            Question(
                questionnaire=copy,
                position=q.position,
                kind=q.kind,
                dimension=q.dimension,
                text=q.text,
                text_en=q.text_en,
                required=q.required,
            )
            for q in questionnaire.questions.all()
        ]
    )
    return copy


@transaction.atomic
def pilot_start(
    *,
    by: User,
    questionnaire: Questionnaire,
    clients: list[Client],
    now: datetime,
    contact_roles: list[str] | None = None,
    email: bool = True,
) -> Campaign:
    """Send a draft to a few chosen customers; the questionnaire is frozen while they answer."""
    _check_can_edit(by, questionnaire)
    visible = set(
        Client.objects.visible_to(by).filter(pk__in=[c.pk for c in clients]).values_list("pk", flat=True)
    )
    if not clients:
        raise ValidationError({"clients": _("Choose the customers who test the questionnaire.")})
    if len(clients) > PILOT_MAX_CLIENTS:
        raise ValidationError(
            {"clients": _("A pilot goes to a few customers: at most %(n)s.") % {"n": PILOT_MAX_CLIENTS}}
        )
    if any(c.pk not in visible for c in clients):
        raise ValidationError({"clients": _("One of the chosen clients is not yours to survey.")})
    updated = Questionnaire.objects.filter(pk=questionnaire.pk, status=QuestionnaireStatus.DRAFT).update(
        status=QuestionnaireStatus.PILOTING, pilot_started_at=now
    )
    if not updated:
        raise ValidationError(_("Only a draft can be piloted."))
    today = timezone.localdate(now)
    campaign = Campaign.objects.create(
        name=_("Pilot of %(title)s v%(version)s")
        % {"title": questionnaire.title, "version": questionnaire.version},
        questionnaire=questionnaire,
        kind=CampaignKind.PILOT,
        station=questionnaire.station or by.station,
        contact_roles=_clean_contact_roles(contact_roles or []),
        schedule=Schedule.ONCE,
        start_on=today,
        next_run_on=today,
        reminder_after_days=settings.SATISFACTION_REMINDER_DAYS,
        link_valid_days=settings.SATISFACTION_SURVEY_LINK_DAYS,
        created_by=by,
    )
    campaign.pilot_clients.set(clients)
    invitations = campaign_run(campaign=campaign, now=now, email=email)
    if not invitations:
        raise ValidationError({"clients": _("None of the chosen clients has a contact to send the link to.")})
    campaign.refresh_from_db()
    return campaign


@transaction.atomic
def questionnaire_approve(
    *, by: User, questionnaire: Questionnaire, review: str, now: datetime
) -> Questionnaire:
    _require(by, SURVEY_APPROVERS, _("Questionnaires are approved by the station master or headquarters."))
    if not may_change_survey(by, questionnaire):
        raise PermissionDenied(_("A company-wide questionnaire is approved by headquarters."))
    if not (review or "").strip():
        raise ValidationError({"review": _("Write what the pilot's responses showed.")})
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if questionnaire.status != QuestionnaireStatus.PILOTING:
        raise ValidationError(_("Only a questionnaire being piloted can be approved."))
    # Only answers the approver can read count: approving means having reviewed one.
    if not SurveyResponse.objects.visible_to(by).filter(questionnaire=questionnaire, is_pilot=True).exists():
        raise ValidationError(_("No pilot response yet: review at least one before approving."))
    questionnaire.status = QuestionnaireStatus.APPROVED
    questionnaire.pilot_review = review.strip()
    questionnaire.approved_by = by
    questionnaire.approved_at = now
    questionnaire.save(update_fields=["status", "pilot_review", "approved_by", "approved_at"])
    return questionnaire


@transaction.atomic
def questionnaire_retire(*, by: User, questionnaire: Questionnaire) -> Questionnaire:
    _check_can_edit(by, questionnaire)
    Questionnaire.objects.filter(pk=questionnaire.pk).update(status=QuestionnaireStatus.RETIRED)
    Campaign.objects.filter(questionnaire=questionnaire, status=CampaignStatus.ACTIVE).update(
        status=CampaignStatus.FINISHED, next_run_on=None
    )
    questionnaire.refresh_from_db()
    return questionnaire


# --- Campaigns --------------------------------------------------------------------------------------------


def _clean_contact_roles(roles: list[str]) -> list[str]:
    from pipeline.models.clients import ContactRole

    unknown = [r for r in roles if r not in ContactRole.values]
    if unknown:
        raise ValidationError(
            {"contact_roles": _("Unknown contact role: %(roles)s.") % {"roles": ", ".join(unknown)}}
        )
    return sorted(set(roles))


def _clean_segment(*, tiers, relationship_stages, industries) -> dict:
    from pipeline.models.clients import RelationshipStage, Tier

    errors = {}
    bad_tiers = [t for t in tiers if t not in Tier.values]
    if bad_tiers:
        errors["tiers"] = _("Unknown tier: %(v)s.") % {"v": ", ".join(bad_tiers)}
    bad_stages = [s for s in relationship_stages if s not in RelationshipStage.values]
    if bad_stages:
        errors["relationship_stages"] = _("Unknown relationship stage: %(v)s.") % {"v": ", ".join(bad_stages)}
    if errors:
        raise ValidationError(errors)
    return {
        "tiers": sorted(set(tiers)),
        "relationship_stages": sorted(set(relationship_stages)),
        "industries": sorted({i.strip() for i in industries if i and i.strip()}),
    }


@transaction.atomic
def campaign_create(
    *,
    by: User,
    questionnaire: Questionnaire,
    name: str,
    start_on: date,
    schedule: str = Schedule.ONCE,
    station: Station | None = None,
    area=None,
    tiers: list[str] = (),
    relationship_stages: list[str] = (),
    industries: list[str] = (),
    contact_roles: list[str] = (),
    reminder_after_days: int | None = None,
    link_valid_days: int | None = None,
    today: date,
) -> Campaign:
    """A survey of a segment. Refused unless the questionnaire was piloted and approved."""
    _require(by, SURVEY_MANAGERS, _("Your role does not run survey campaigns."))
    # Read the status from the database: the caller's copy may predate the approval (or a retirement).
    current = (
        Questionnaire.objects.visible_to(by)
        .filter(pk=questionnaire.pk)
        .values_list("status", flat=True)
        .first()
    )
    if current is None:
        raise ValidationError({"questionnaire": _("Unknown questionnaire.")})
    if current != QuestionnaireStatus.APPROVED:
        raise ValidationError(
            {
                "questionnaire": _(
                    "This questionnaire has not been piloted and approved; test it on a few customers first."
                )
            }
        )
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Give the campaign a name.")
    if schedule not in Schedule.values:
        errors["schedule"] = _("Unknown schedule.")
    if start_on < today:
        errors["start_on"] = _("The first sending cannot be in the past.")
    reminder_after_days = (
        settings.SATISFACTION_REMINDER_DAYS if reminder_after_days is None else reminder_after_days
    )
    link_valid_days = settings.SATISFACTION_SURVEY_LINK_DAYS if link_valid_days is None else link_valid_days
    if not 1 <= link_valid_days <= 180:
        errors["link_valid_days"] = _("Links stay valid between 1 and 180 days.")
    elif not 1 <= reminder_after_days < link_valid_days:
        errors["reminder_after_days"] = _(
            "The reminder goes out at least a day after sending and before the link expires."
        )
    station = _check_station(by, station)
    if area is not None and (station is None or area.station_id != station.pk):
        errors["area"] = _("The area belongs to another station.")
    if errors:
        raise ValidationError(errors)
    segment = _clean_segment(
        tiers=list(tiers), relationship_stages=list(relationship_stages), industries=list(industries)
    )
    return Campaign.objects.create(
        name=name.strip(),
        questionnaire=questionnaire,
        kind=CampaignKind.SEGMENT,
        station=station,
        area=area,
        contact_roles=_clean_contact_roles(list(contact_roles)),
        schedule=schedule,
        start_on=start_on,
        next_run_on=start_on,
        reminder_after_days=reminder_after_days,
        link_valid_days=link_valid_days,
        created_by=by,
        **segment,
    )


def campaign_clients(campaign: Campaign):
    """The clients a campaign reaches today: the pilot's chosen few, or everyone in the segment."""
    if campaign.kind == CampaignKind.PILOT:
        return campaign.pilot_clients.all()
    from pipeline.models import Stage

    clients = Client.objects.active().exclude(stage=Stage.DROPPED)
    if campaign.station_id:
        clients = clients.filter(station_id=campaign.station_id)
    if campaign.area_id:
        clients = clients.filter(area_id=campaign.area_id)
    if campaign.tiers:
        clients = clients.filter(tier__in=campaign.tiers)
    if campaign.relationship_stages:
        clients = clients.filter(relationship_stage__in=campaign.relationship_stages)
    if campaign.industries:
        clients = clients.filter(industry__in=campaign.industries)
    return clients


def campaign_contacts(campaign: Campaign):
    contacts = ClientContact.objects.filter(client__in=campaign_clients(campaign).values("pk"))
    if campaign.contact_roles:
        contacts = contacts.filter(role__in=campaign.contact_roles)
    return contacts.select_related("client")


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    from calendar import monthrange

    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))


def _sign(days: int) -> str:
    # A random nonce, signed with the validity: unguessable, unforgeable, and it expires on its own.
    return signing.TimestampSigner(salt=TOKEN_SALT).sign_object({"n": secrets.token_urlsafe(12), "d": days})


def campaign_run(*, campaign: Campaign, now: datetime, email: bool = True) -> list[Invitation]:
    """Send the due round of a campaign: a personal link per contact. Safe to run twice for the same round.

    With `email=False` the links are only made (to be copied into messages, or for demo history).
    """
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update(of=("self",)).select_related("station").get(pk=campaign.pk)
        )
        # The campaign's own station decides what "today" is; company-wide ones use the default time zone.
        today = campaign.station.local_date(now) if campaign.station_id else timezone.localdate(now)
        round_on = campaign.next_run_on
        if campaign.status != CampaignStatus.ACTIVE or round_on is None or round_on > today:
            return []
        months = SCHEDULE_MONTHS[Schedule(campaign.schedule)]
        next_run = None
        if months:
            next_run = round_on
            while next_run <= today:  # a job that was down a whole period sends once, not twice
                next_run = _add_months(next_run, months)
        campaign.next_run_on = next_run
        campaign.last_run_on = round_on
        if next_run is None:
            campaign.status = CampaignStatus.FINISHED
        campaign.save(update_fields=["next_run_on", "last_run_on", "status"])
        expires = now + timedelta(days=campaign.link_valid_days)
        Invitation.objects.bulk_create(
            [
                Invitation(
                    campaign=campaign,
                    round_on=round_on,
                    client=contact.client,
                    contact=contact,
                    contact_name=contact.name,
                    email=contact.email,
                    token=_sign(campaign.link_valid_days),
                    sent_at=now,
                    expires_at=expires,
                )
                for contact in campaign_contacts(campaign)
            ],
            ignore_conflicts=True,
        )
        invitations = list(Invitation.objects.filter(campaign=campaign, round_on=round_on))
        to_mail = [i.pk for i in invitations if email and i.email and i.emailed_at is None]
        if to_mail:
            from outbox import services as outbox

            from ..tasks import send_survey_email

            for pk in to_mail:
                outbox.task_enqueue(task=send_survey_email, args=[pk])
    return invitations


def _check_can_run(by: User, campaign: Campaign) -> None:
    _require(by, SURVEY_MANAGERS, _("Your role does not run survey campaigns."))
    if not may_change_survey(by, campaign):
        raise PermissionDenied(_("A company-wide campaign is run by headquarters."))


def campaign_send_now(*, by: User, campaign: Campaign, now: datetime) -> list[Invitation]:
    _check_can_run(by, campaign)
    if campaign.status != CampaignStatus.ACTIVE:
        raise ValidationError(_("The campaign is not active."))
    if (
        campaign.questionnaire.status != QuestionnaireStatus.APPROVED
        and campaign.kind == CampaignKind.SEGMENT
    ):
        raise ValidationError(_("The questionnaire is no longer approved."))
    today = timezone.localdate(now)
    Campaign.objects.filter(pk=campaign.pk, next_run_on__gt=today).update(next_run_on=today)
    return campaign_run(campaign=campaign, now=now)


def campaign_set_paused(*, by: User, campaign: Campaign, paused: bool) -> Campaign:
    _check_can_run(by, campaign)
    if campaign.status == CampaignStatus.FINISHED:
        raise ValidationError(_("The campaign has finished."))
    old, new = (
        (CampaignStatus.ACTIVE, CampaignStatus.PAUSED)
        if paused
        else (CampaignStatus.PAUSED, CampaignStatus.ACTIVE)
    )
    Campaign.objects.filter(pk=campaign.pk, status=old).update(status=new)
    campaign.refresh_from_db()
    return campaign


def send_due_campaigns(*, now: datetime) -> int:
    """The daily job: every active campaign whose next sending is due. Returns the invitations made."""
    made = 0
    # A day of margin: a station east of the default time zone may already be on the next day;
    # campaign_run checks each campaign against its own station's date.
    due = Campaign.objects.filter(
        status=CampaignStatus.ACTIVE, next_run_on__lte=timezone.localdate(now) + timedelta(days=1)
    ).order_by("pk")
    for campaign in due:
        if (
            campaign.kind == CampaignKind.SEGMENT
            and campaign.questionnaire.status != QuestionnaireStatus.APPROVED
        ):
            continue
        made += len(campaign_run(campaign=campaign, now=now))
    return made


def reminders_due(*, now: datetime) -> list[Invitation]:
    """Invitations not answered after their campaign's delay, still valid, never reminded."""
    due = []
    campaigns = Campaign.objects.filter(
        invitations__reminded_at__isnull=True, invitations__expires_at__gt=now
    ).distinct()
    for campaign in campaigns:
        cutoff = now - timedelta(days=campaign.reminder_after_days)
        due += list(
            campaign.invitations.filter(
                response__isnull=True, reminded_at__isnull=True, sent_at__lte=cutoff, expires_at__gt=now
            ).select_related("campaign")
        )
    return due


def send_reminders(*, now: datetime) -> int:
    """E-mail a reminder to each contact who has not answered; for those reached by a copied link, tell the
    campaign's author how many to send their link again. Returns the reminders e-mailed."""
    from django.urls import reverse

    from outbox import services as outbox

    from ..tasks import send_survey_email

    sent = 0
    by_hand: dict[int, list[Invitation]] = {}
    for invitation in reminders_due(now=now):
        # Two overlapping runs: the conditional update lets exactly one of them claim the reminder.
        if not Invitation.objects.filter(pk=invitation.pk, reminded_at__isnull=True).update(reminded_at=now):
            continue
        if invitation.email and invitation.emailed_at is not None:
            outbox.task_enqueue(task=send_survey_email, args=[invitation.pk], kwargs={"reminder": True})
            sent += 1
        elif not invitation.email:
            by_hand.setdefault(invitation.campaign_id, []).append(invitation)
    for invitations in by_hand.values():
        campaign = invitations[0].campaign
        with translation.override(settings.LANGUAGE_CODE):
            message = _(
                "%(n)s contacts reached by a copied link have not answered “%(campaign)s”: send them their link again."
            ) % {"n": len(invitations), "campaign": campaign.name}
        notify(
            recipient=campaign.created_by,
            kind="survey_reminder",
            message=message,
            link=reverse("satisfaction:campaign_detail", args=[campaign.pk]),
            dedupe_key=f"survey-reminder:{campaign.pk}:{min(i.pk for i in invitations)}",
        )
    return sent


# --- The personal link and the response --------------------------------------------------------------------


class SurveyLinkError(Exception):
    """Why a link cannot be answered: `forged`, `expired`, `answered` or `closed`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def invitation_for_token(token: str, *, now: datetime) -> Invitation:
    signer = signing.TimestampSigner(salt=TOKEN_SALT)
    try:
        payload = signer.unsign_object(token)
        signer.unsign_object(token, max_age=timedelta(days=int(payload["d"])))
    except signing.SignatureExpired:
        raise SurveyLinkError("expired")
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise SurveyLinkError("forged")
    invitation = (
        Invitation.objects.select_related("campaign__questionnaire", "client").filter(token=token).first()
    )
    if invitation is None:
        raise SurveyLinkError("forged")
    if invitation.expires_at <= now:
        raise SurveyLinkError("expired")
    if SurveyResponse.objects.filter(invitation=invitation).exists():
        raise SurveyLinkError("answered")
    if invitation.campaign.questionnaire.status == QuestionnaireStatus.RETIRED:
        raise SurveyLinkError("closed")
    return invitation


@dataclass(frozen=True)
class AnswerInput:
    question_id: int
    score: int | None = None
    text: str = ""


def _clean_answers(questionnaire: Questionnaire, answers: list[AnswerInput]) -> list[Answer]:
    questions = {q.pk: q for q in questionnaire.questions.all()}
    given = {}
    errors = []
    for answer in answers:
        question = questions.get(answer.question_id)
        if question is None:
            errors.append(_("Question %(id)s is not in this questionnaire.") % {"id": answer.question_id})
            continue
        given[question.pk] = answer
    built = []
    for question in questions.values():
        answer = given.get(question.pk)
        score = answer.score if answer else None
        text = (answer.text if answer else "").strip()
        if question.kind == QuestionKind.SCALE:
            if score is not None and not (isinstance(score, int) and 1 <= score <= 5):
                errors.append(_("%(q)s: the score must be between 1 and 5.") % {"q": question.label})
                continue
            if score is None and question.required:
                errors.append(_("%(q)s: please choose a score.") % {"q": question.label})
                continue
            if score is None and not text:
                continue
        elif not text:
            if question.required:
                errors.append(_("%(q)s: please write an answer.") % {"q": question.label})
            continue
        built.append(Answer(question=question, dimension=question.dimension, score=score, text=text[:5000]))
    if errors:
        raise ValidationError({"answers": errors})
    return built


def dimension_scores(answers: list[Answer]) -> dict[str, float]:
    sums: dict[str, list[int]] = {}
    for answer in answers:
        if answer.score is not None and answer.dimension:
            sums.setdefault(answer.dimension, []).append(answer.score)
    return {dim: sum(scores) / len(scores) for dim, scores in sums.items()}


def response_submit(
    *,
    invitation: Invitation,
    answers: list[AnswerInput],
    now: datetime,
    language: str = "",
    channel: str = ResponseChannel.LINK,
    recorded_by: User | None = None,
) -> SurveyResponse:
    """Record the answers of one link, all or nothing; a second submission of the same link is refused."""
    campaign = invitation.campaign
    questionnaire = campaign.questionnaire
    built = _clean_answers(questionnaire, answers)
    scores = [a.score for a in built if a.score is not None]
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                invitation=invitation,
                campaign=campaign,
                questionnaire=questionnaire,
                client=invitation.client,
                is_pilot=campaign.kind == CampaignKind.PILOT,
                submitted_at=now,
                language=language[:10],
                channel=channel,
                recorded_by=recorded_by,
                average=round(sum(scores) / len(scores), 3) if scores else None,
            )
            for answer in built:
                answer.response = response
            Answer.objects.bulk_create(built)
            low = {dim: score for dim, score in dimension_scores(built).items() if score <= LOW_SCORE}
            if low and not response.is_pilot:
                _follow_up_low_scores(response=response, low=low, now=now)
            if not response.is_pilot:
                event_record(
                    type="survey.responded",
                    data={
                        "response": response.pk,
                        "client": response.client_id,
                        "campaign": response.campaign_id,
                        "average": float(response.average) if response.average is not None else None,
                        "low_dimensions": sorted(low),
                        "submitted_at": timezone.localtime(now).isoformat(),
                    },
                    station_id=invitation.client.station_id,
                )
    except IntegrityError:
        # The unique constraint on the invitation: someone (a double tap, a second tab) got there first.
        raise SurveyLinkError("answered")
    return response


def _follow_up_low_scores(*, response: SurveyResponse, low: dict[str, float], now: datetime) -> FollowUpTask:
    client = response.client
    assignee = client.owner
    if assignee is None:
        assignee = (
            User.objects.filter(role=Role.STATION_MASTER, station_id=client.station_id, is_active=True)
            .order_by("pk")
            .first()
        )
    if assignee is None:
        return None
    # Written for the staff, in the staff's language, even when the customer answered in English.
    with translation.override(settings.LANGUAGE_CODE):
        labels = ", ".join(f"{Dimension(dim).label} {score:.1f}" for dim, score in sorted(low.items()))
        reason = _("%(client)s scored %(dims)s in a satisfaction survey: call them and find out why.") % {
            "client": client.name,
            "dims": labels,
        }
    task = FollowUpTask.objects.create(
        client=client,
        assignee=assignee,
        response=response,
        reason=reason,
        due_on=timezone.localdate(now) + timedelta(days=FOLLOW_UP_DAYS),
    )
    from django.urls import reverse

    notify(
        recipient=assignee,
        kind="satisfaction_low",
        message=reason,
        link=reverse("satisfaction:client", args=[client.pk]),
        dedupe_key=f"survey-low:{response.pk}",
        email=True,
    )
    return task


@transaction.atomic
def task_done(*, by: User, task: FollowUpTask, note: str, now: datetime) -> FollowUpTask:
    if task.assignee_id != by.pk and by.role not in (Role.STATION_MASTER, *HQ_ROLES):
        raise PermissionDenied(_("Only the person it is assigned to closes this task."))
    if not (note or "").strip():
        raise ValidationError({"note": _("Write what was done.")})
    updated = FollowUpTask.objects.filter(pk=task.pk, done_at__isnull=True).update(
        done_at=now, done_by=by, note=note.strip()
    )
    if not updated:
        raise ValidationError(_("This task is already done."))
    task.refresh_from_db()
    return task


def questionnaires_for_campaign(user: User):
    """What may be sent to a segment: approved questionnaires the user can see."""
    return Questionnaire.objects.visible_to(user).filter(status=QuestionnaireStatus.APPROVED)


def invitation_link(invitation: Invitation, *, absolute: bool = True, request=None) -> str:
    """The customer's link: on the host the request came to when there is one (a page, the API), else `SITE_URL`
    (e-mails sent by the worker, which has no request)."""
    from django.urls import reverse

    path = reverse("satisfaction:survey", args=[invitation.token])
    if request is not None:
        return request.build_absolute_uri(path)
    return f"{settings.SITE_URL}{path}" if absolute else path
