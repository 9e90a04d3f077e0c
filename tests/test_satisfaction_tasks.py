"""The satisfaction jobs: survey e-mails, the daily sending and the hourly escalation, eager and on a real worker."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import transaction

from satisfaction import tasks
from satisfaction.models import Complaint, Invitation
from satisfaction.services import complaints, surveys
from tests.factories_leads import ClientContactFactory, ClientFactory
from tests.factories_satisfaction import approved, at

TODAY = date(2026, 3, 2)


@pytest.fixture
def invitation(org):
    client = ClientFactory(signed=True, area=org.a1, owner=org.kam, name="甲公司")
    ClientContactFactory(surveyed=True, client=client, name="张经理", email="zhang@example.com")
    questionnaire = approved(by=org.kam, approver=org.station_master, pilot_clients=[client], now=at(TODAY))
    campaign = surveys.campaign_create(
        by=org.kam, questionnaire=questionnaire, name="c", start_on=TODAY, today=TODAY
    )
    return surveys.campaign_run(campaign=campaign, now=at(TODAY), email=False)[0]


@pytest.mark.django_db
def test_the_survey_email_goes_once_in_chinese_and_english(invitation):
    mail.outbox.clear()
    assert tasks.send_survey_email(invitation.pk) is True
    assert tasks.send_survey_email(invitation.pk) is False  # a duplicated task sends nothing
    message = mail.outbox[0]
    assert message.to == ["zhang@example.com"] and "满意度调查" in message.subject
    assert "尊敬的张经理" in message.body and "Dear 张经理" in message.body
    assert message.body.count(surveys.invitation_link(invitation)) == 2
    invitation.refresh_from_db()
    assert invitation.emailed_at is not None
    assert tasks.send_survey_email(invitation.pk, reminder=True) is True
    assert mail.outbox[1].subject.startswith("提醒")


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_the_daily_task_takes_an_explicit_time(org, invitation):
    campaign = invitation.campaign
    campaign.schedule = "quarterly"
    campaign.status = "active"
    campaign.next_run_on = date(2026, 6, 2)
    campaign.save()
    assert tasks.send_due_campaigns(at(date(2026, 6, 1)).isoformat()) == 0
    assert tasks.send_due_campaigns(at(date(2026, 6, 2)).isoformat()) == 1
    assert Invitation.objects.filter(campaign=campaign, round_on=date(2026, 6, 2)).count() == 1


@pytest.mark.redis
@pytest.mark.postgres
def test_a_real_worker_escalates_an_overdue_complaint_once(org, celery_worker):
    client = ClientFactory(signed=True, area=org.a1, owner=org.kam)
    with transaction.atomic():
        complaint = complaints.complaint_create(
            by=org.kam,
            client=client,
            channel="phone",
            category="loss",
            severity="high",
            description="丢件",
            now=at(TODAY),
        )
    late = (at(TODAY) + timedelta(hours=25)).isoformat()
    assert tasks.escalate_overdue_complaints.delay(late).get(timeout=20) == 1
    assert tasks.escalate_overdue_complaints.delay(late).get(timeout=20) == 0
    assert Complaint.objects.get(pk=complaint.pk).escalation_level == 1
