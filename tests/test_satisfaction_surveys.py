"""Questionnaires, the pilot rule, campaigns, personal links and responses (satisfaction/services/surveys.py)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Notification
from satisfaction.models import (
    Answer,
    Campaign,
    CampaignStatus,
    FollowUpTask,
    Invitation,
    QuestionnaireStatus,
    SurveyResponse,
)
from satisfaction.services import surveys
from tests.factories_leads import ClientContactFactory, ClientFactory
from tests.factories_satisfaction import approved, at, draft, scores

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

TODAY = date(2026, 3, 2)


@pytest.fixture
def clients(org):
    a = ClientFactory(signed=True, area=org.a1, owner=org.kam, name="甲公司")
    b = ClientFactory(signed=True, area=org.a2, owner=org.kam, name="乙公司", tier="B")
    ClientContactFactory(surveyed=True, client=a, name="张经理")
    ClientContactFactory(surveyed=True, client=b, name="王主任")
    return a, b


def test_a_questionnaire_cannot_reach_a_segment_before_its_pilot_is_approved(org, clients):
    # Given a draft, and the same questionnaire being piloted with a response in
    questionnaire = draft(org.kam)
    kwargs = {"by": org.kam, "name": "一季度调查", "start_on": TODAY, "today": TODAY}
    # When it is sent to a segment as a draft, then it is refused, and nothing is created
    with pytest.raises(ValidationError) as refused:
        surveys.campaign_create(questionnaire=questionnaire, **kwargs)
    assert "questionnaire" in refused.value.message_dict
    pilot = surveys.pilot_start(by=org.kam, questionnaire=questionnaire, clients=[clients[0]], now=at(TODAY))
    surveys.response_submit(
        invitation=pilot.invitations.get(), answers=scores(questionnaire, 4), now=at(TODAY)
    )
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.PILOTING
    with pytest.raises(ValidationError):
        surveys.campaign_create(questionnaire=questionnaire, **kwargs)
    assert list(Campaign.objects.values_list("kind", flat=True)) == ["pilot"]
    # When the station master approves it after reviewing the pilot, then the segment campaign is accepted
    surveys.questionnaire_approve(
        by=org.station_master, questionnaire=questionnaire, review="问题清楚", now=at(TODAY)
    )
    campaign = surveys.campaign_create(questionnaire=questionnaire, **kwargs)
    assert campaign.kind == "segment" and campaign.next_run_on == TODAY


def test_approval_needs_a_pilot_response_a_review_and_an_approver(org, clients):
    questionnaire = draft(org.kam)
    surveys.pilot_start(by=org.kam, questionnaire=questionnaire, clients=list(clients), now=at(TODAY))
    with pytest.raises(ValidationError, match="试点答卷"):
        surveys.questionnaire_approve(
            by=org.station_master, questionnaire=questionnaire, review="ok", now=at(TODAY)
        )
    invitation = Invitation.objects.filter(campaign__questionnaire=questionnaire).first()
    surveys.response_submit(invitation=invitation, answers=scores(questionnaire, 5), now=at(TODAY))
    with pytest.raises(PermissionDenied):
        surveys.questionnaire_approve(by=org.kam, questionnaire=questionnaire, review="ok", now=at(TODAY))
    with pytest.raises(PermissionDenied):
        surveys.questionnaire_approve(
            by=org.station_master_b, questionnaire=questionnaire, review="ok", now=at(TODAY)
        )
    with pytest.raises(ValidationError):
        surveys.questionnaire_approve(
            by=org.station_master, questionnaire=questionnaire, review=" ", now=at(TODAY)
        )
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.PILOTING and questionnaire.approved_by is None


def test_pilot_goes_to_the_chosen_customers_only_and_freezes_the_questions(org, clients):
    questionnaire = draft(org.kam)
    other = ClientFactory(signed=True, area=org.a1)
    ClientContactFactory(surveyed=True, client=other)
    campaign = surveys.pilot_start(
        by=org.kam, questionnaire=questionnaire, clients=[clients[0]], now=at(TODAY)
    )
    assert [(i.client_id, i.contact_name) for i in campaign.invitations.all()] == [(clients[0].pk, "张经理")]
    assert campaign.status == CampaignStatus.FINISHED and campaign.kind == "pilot"
    with pytest.raises(ValidationError):
        surveys.questionnaire_update(by=org.kam, questionnaire=questionnaire, title="改", questions=[])


def test_pilot_refuses_another_stations_client_and_too_many_clients(org, clients):
    questionnaire = draft(org.kam)
    foreign = ClientFactory(signed=True, area=org.b1)
    ClientContactFactory(surveyed=True, client=foreign)
    with pytest.raises(ValidationError) as refused:
        surveys.pilot_start(by=org.kam, questionnaire=questionnaire, clients=[foreign], now=at(TODAY))
    assert "clients" in refused.value.message_dict
    many = [ClientFactory(signed=True, area=org.a1) for _ in range(11)]
    with pytest.raises(ValidationError):
        surveys.pilot_start(by=org.kam, questionnaire=questionnaire, clients=many, now=at(TODAY))
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.DRAFT
    assert not Campaign.objects.exists() and not Invitation.objects.exists()


def test_questionnaire_needs_a_dimension_for_every_scale_question(org):
    with pytest.raises(ValidationError) as refused:
        surveys.questionnaire_create(
            by=org.kam,
            title="缺维度",
            questions=[
                {"kind": "scale", "text": "时效？"},
                {"kind": "scale", "dimension": "speed", "text": "x"},
            ],
        )
    messages = refused.value.message_dict["questions"]
    assert len(messages) == 2 and messages[0].startswith("Question 1") or "1" in messages[0]
    with pytest.raises(PermissionDenied):
        draft(org.courier)


def test_new_version_copies_the_questions_as_a_draft(org, clients):
    questionnaire = approved(
        by=org.kam, approver=org.station_master, pilot_clients=[clients[0]], now=at(TODAY)
    )
    copy = surveys.questionnaire_new_version(by=org.kam, questionnaire=questionnaire)
    assert (copy.version, copy.previous_id, copy.status) == (2, questionnaire.pk, QuestionnaireStatus.DRAFT)
    assert [q.text for q in copy.questions.all()] == [q.text for q in questionnaire.questions.all()]
    with pytest.raises(ValidationError):
        surveys.questionnaire_new_version(by=org.kam, questionnaire=questionnaire)
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.APPROVED  # usable until the new version is approved


def test_a_new_version_after_a_failed_pilot_retires_the_piloted_one(org, clients):
    questionnaire = draft(org.kam)
    surveys.pilot_start(by=org.kam, questionnaire=questionnaire, clients=[clients[0]], now=at(TODAY))
    copy = surveys.questionnaire_new_version(by=org.kam, questionnaire=questionnaire)
    questionnaire.refresh_from_db()
    assert (questionnaire.status, copy.status) == (QuestionnaireStatus.RETIRED, QuestionnaireStatus.DRAFT)


@pytest.fixture
def campaign(org, clients):
    questionnaire = approved(
        by=org.kam, approver=org.station_master, pilot_clients=[clients[0]], now=at(TODAY)
    )
    return surveys.campaign_create(
        by=org.kam,
        questionnaire=questionnaire,
        name="季度调查",
        start_on=TODAY,
        schedule="quarterly",
        tiers=["A"],
        today=TODAY,
    )


def test_the_due_campaign_is_sent_once_per_round_and_scheduled_a_quarter_later(
    org, clients, campaign, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    # When the daily job runs twice on the day
    with django_capture_on_commit_callbacks(execute=True):
        first = surveys.send_due_campaigns(now=at(TODAY, 9))
        second = surveys.send_due_campaigns(now=at(TODAY, 10))
    # Then only the tier-A client's contact was invited, once, and e-mailed once
    invitations = list(Invitation.objects.filter(campaign=campaign))
    assert (first, second) == (1, 0)
    assert [(i.client_id, i.round_on) for i in invitations] == [(clients[0].pk, TODAY)]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [invitations[0].email]
    assert surveys.invitation_link(invitations[0]) in mail.outbox[0].body
    campaign.refresh_from_db()
    assert (campaign.last_run_on, campaign.next_run_on, campaign.status) == (
        TODAY,
        date(2026, 6, 2),
        "active",
    )
    # When a quarter has passed, then the next round goes out with new links
    surveys.send_due_campaigns(now=at(date(2026, 6, 2)))
    assert Invitation.objects.filter(campaign=campaign).count() == 2


def test_segment_filters_by_tier_stage_industry_and_area(org, clients):
    questionnaire = approved(
        by=org.kam, approver=org.station_master, pilot_clients=[clients[0]], now=at(TODAY)
    )
    other_industry = ClientFactory(signed=True, area=org.a1, industry="制造")
    ClientContactFactory(surveyed=True, client=other_industry)
    incubating = ClientFactory(signed=True, area=org.a1, relationship_stage="incubation")
    ClientContactFactory(surveyed=True, client=incubating)
    campaign = surveys.campaign_create(
        by=org.kam,
        questionnaire=questionnaire,
        name="电商客户",
        start_on=TODAY,
        industries=["电商"],
        relationship_stages=["stable", "strategic"],
        area=org.a1,
        today=TODAY,
    )
    assert list(surveys.campaign_clients(campaign)) == [clients[0]]


def test_reminders_go_once_to_those_who_have_not_answered(
    org, clients, campaign, django_capture_on_commit_callbacks
):
    ClientContactFactory(surveyed=True, client=clients[0], name="李会计")
    ClientContactFactory(
        surveyed=True, client=clients[0], name="赵主管", email=""
    )  # reached by a copied link
    with django_capture_on_commit_callbacks(execute=True):
        surveys.send_due_campaigns(now=at(TODAY))
    answered, waiting, by_link = Invitation.objects.filter(campaign=campaign).order_by("pk")
    surveys.response_submit(invitation=answered, answers=scores(campaign.questionnaire, 4), now=at(TODAY))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys.send_reminders(now=at(TODAY + timedelta(days=4))) == 0  # too early
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys.send_reminders(now=at(TODAY + timedelta(days=6))) == 1
        assert surveys.send_reminders(now=at(TODAY + timedelta(days=7))) == 0
    assert [m.to for m in mail.outbox] == [[waiting.email]]
    # The contact without e-mail: the campaign's author is told to send the link again, once
    nudges = Notification.objects.filter(recipient=org.kam, kind="survey_reminder")
    assert nudges.count() == 1 and "1" in nudges.get().message
    by_link.refresh_from_db()
    assert by_link.reminded_at == at(TODAY + timedelta(days=6))
    assert "Reminder" in mail.outbox[0].body or "提醒" in mail.outbox[0].subject


def test_a_link_answers_once_and_then_refuses_politely(org, clients, campaign):
    surveys.send_due_campaigns(now=at(TODAY))
    invitation = Invitation.objects.get(campaign=campaign)
    found = surveys.invitation_for_token(invitation.token, now=at(TODAY))
    surveys.response_submit(invitation=found, answers=scores(campaign.questionnaire, 4), now=at(TODAY))
    with pytest.raises(surveys.SurveyLinkError) as reused:
        surveys.invitation_for_token(invitation.token, now=at(TODAY))
    assert reused.value.reason == "answered"
    # A second submission racing past the check is stopped by the unique constraint
    with pytest.raises(surveys.SurveyLinkError):
        surveys.response_submit(
            invitation=invitation, answers=scores(campaign.questionnaire, 1), now=at(TODAY)
        )
    assert SurveyResponse.objects.filter(is_pilot=False).count() == 1
    assert set(Answer.objects.filter(response__is_pilot=False).values_list("score", flat=True)) == {4}


def test_expired_and_forged_links_are_refused(org, clients, campaign):
    with time_machine.travel(at(TODAY), tick=False):
        surveys.send_due_campaigns(now=at(TODAY))
    invitation = Invitation.objects.get(campaign=campaign)
    with time_machine.travel(at(TODAY + timedelta(days=31)), tick=False):
        with pytest.raises(surveys.SurveyLinkError) as expired:
            surveys.invitation_for_token(invitation.token, now=at(TODAY + timedelta(days=31)))
    assert expired.value.reason == "expired"
    for forged in (invitation.token[:-2] + "xx", "abc", invitation.token + "0"):
        with pytest.raises(surveys.SurveyLinkError) as refused:
            surveys.invitation_for_token(forged, now=at(TODAY))
        assert refused.value.reason == "forged"


def test_scores_outside_one_to_five_record_nothing(org, clients, campaign):
    surveys.send_due_campaigns(now=at(TODAY))
    invitation = Invitation.objects.get(campaign=campaign)
    answers = scores(campaign.questionnaire, 4)
    answers[0] = surveys.AnswerInput(question_id=answers[0].question_id, score=6)
    with pytest.raises(ValidationError) as refused:
        surveys.response_submit(invitation=invitation, answers=answers, now=at(TODAY))
    assert "1" in refused.value.message_dict["answers"][0] and "5" in refused.value.message_dict["answers"][0]
    assert not SurveyResponse.objects.filter(invitation=invitation).exists()


def test_a_low_dimension_puts_a_follow_up_task_on_the_owners_list(org, clients, campaign):
    surveys.send_due_campaigns(now=at(TODAY))
    invitation = Invitation.objects.get(campaign=campaign)
    response = surveys.response_submit(
        invitation=invitation,
        answers=scores(campaign.questionnaire, {"time": 2, "cost": 1}, text="太慢了"),
        now=at(TODAY),
    )
    task = FollowUpTask.objects.get()
    assert (task.client, task.assignee, task.response, task.due_on) == (
        clients[0],
        org.kam,
        response,
        TODAY + timedelta(days=3),
    )
    assert "时间 2.0" in task.reason and "成本 1.0" in task.reason
    assert Notification.objects.filter(recipient=org.kam, kind="satisfaction_low").count() == 1
    assert response.average == pytest.approx((2 + 4 + 1 + 4 + 4) / 5)
    # Finishing it needs a note, and only the assignee or a manager closes it
    with pytest.raises(PermissionDenied):
        surveys.task_done(by=org.marketer, task=task, note="已回访", now=at(TODAY))
    surveys.task_done(by=org.kam, task=task, note="已回访，安排晚班揽收", now=at(TODAY))
    task.refresh_from_db()
    assert task.done_by == org.kam and task.note == "已回访，安排晚班揽收"


def test_pilot_answers_do_not_make_tasks(org, clients):
    questionnaire = draft(org.kam)
    pilot = surveys.pilot_start(by=org.kam, questionnaire=questionnaire, clients=[clients[0]], now=at(TODAY))
    surveys.response_submit(
        invitation=pilot.invitations.get(), answers=scores(questionnaire, 1), now=at(TODAY)
    )
    assert not FollowUpTask.objects.exists()


def test_retiring_stops_campaigns_and_closes_links(org, clients, campaign):
    surveys.send_due_campaigns(now=at(TODAY))
    invitation = Invitation.objects.get(campaign=campaign)
    surveys.questionnaire_retire(by=org.kam, questionnaire=campaign.questionnaire)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.next_run_on) == (CampaignStatus.FINISHED, None)
    with pytest.raises(surveys.SurveyLinkError) as closed:
        surveys.invitation_for_token(invitation.token, now=at(TODAY))
    assert closed.value.reason == "closed"
