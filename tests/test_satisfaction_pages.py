"""Browser pages of satisfaction (Django test client): the public survey, complaints, surveys, client page, panels."""

from datetime import date, timedelta

import pytest
import time_machine

from accounts.views import _panels
from pipeline.selectors.timeline import timeline_for
from satisfaction.models import (
    Campaign,
    Complaint,
    ComplaintStatus,
    FollowUpTask,
    Invitation,
    Questionnaire,
    QuestionnaireStatus,
    SurveyResponse,
)
from satisfaction.services import complaints, indicators, surveys
from tests.factories_leads import ClientContactFactory, ClientFactory
from tests.factories_satisfaction import approved, at, draft, indicator, scores

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

TODAY = date(2026, 4, 15)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(TODAY, 10), tick=False):
        yield


@pytest.fixture
def customer(org):
    customer = ClientFactory(signed=True, area=org.a1, owner=org.kam, name="甲公司")
    ClientContactFactory(surveyed=True, client=customer, name="张经理")
    return customer


@pytest.fixture
def invitation(org, customer):
    questionnaire = approved(by=org.kam, approver=org.station_master, pilot_clients=[customer], now=at(TODAY))
    campaign = surveys.campaign_create(
        by=org.kam, questionnaire=questionnaire, name="c", start_on=TODAY, today=TODAY
    )
    return surveys.campaign_run(campaign=campaign, now=at(TODAY))[0]


def _form(invitation, score=4):
    data = {}
    for question in invitation.campaign.questionnaire.questions.all():
        data[f"q{question.pk}"] = str(score) if question.kind == "scale" else "谢谢"
    return data


def test_the_public_survey_records_once_and_then_says_so(client, invitation):
    url = f"/s/{invitation.token}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "完全满意" in html and "完全不满意" in html and "张经理" in html
    done = client.post(url, _form(invitation))
    assert done.status_code == 200 and "survey-thanks" in done.content.decode()
    response = SurveyResponse.objects.get(invitation=invitation)
    assert (response.channel, response.average, response.language) == ("link", 4.0, "zh-hans")
    again = client.post(url, _form(invitation, 1))
    assert again.status_code == 409 and 'data-reason="answered"' in again.content.decode()
    assert SurveyResponse.objects.filter(invitation=invitation).count() == 1


def test_the_public_survey_switches_to_english(client, invitation):
    client.post("/i18n/setlang/", {"language": "en", "next": f"/s/{invitation.token}/"})
    html = client.get(f"/s/{invitation.token}/").content.decode()
    assert "Very satisfied" in html and "Delivery times?" in html and 'lang="en"' in html


def test_a_score_outside_the_scale_is_a_form_error_and_records_nothing(client, invitation):
    data = _form(invitation)
    first = invitation.campaign.questionnaire.questions.first()
    data[f"q{first.pk}"] = "7"
    page = client.post(f"/s/{invitation.token}/", data)
    assert page.status_code == 200 and "has-error" in page.content.decode()
    missing = _form(invitation)
    del missing[f"q{first.pk}"]
    assert "has-error" in client.post(f"/s/{invitation.token}/", missing).content.decode()
    assert not SurveyResponse.objects.filter(invitation=invitation).exists()


def test_forged_and_expired_links_get_a_polite_page_and_record_nothing(client, invitation):
    forged = client.post(f"/s/{invitation.token[:-3]}abc/", _form(invitation))
    assert forged.status_code == 404 and 'data-reason="forged"' in forged.content.decode()
    with time_machine.travel(at(TODAY + timedelta(days=40)), tick=False):
        expired = client.post(f"/s/{invitation.token}/", _form(invitation))
    assert expired.status_code == 410 and 'data-reason="expired"' in expired.content.decode()
    assert not SurveyResponse.objects.filter(invitation=invitation).exists()


def test_complaint_pages_record_and_walk_a_complaint(org, client, customer):
    client.force_login(org.marketer)
    assert client.get("/complaints/").status_code == 200
    assert "empty" in client.get("/complaints/").content.decode()
    created = client.post(
        "/complaints/new/",
        {
            "client": customer.pk,
            "channel": "phone",
            "category": "delay",
            "severity": "high",
            "description": "晚到",
        },
    )
    complaint = Complaint.objects.get()
    assert created.status_code == 302 and created.url == f"/complaints/{complaint.pk}/"
    assert "晚到" in client.get(created.url).content.decode()
    client.post(f"/complaints/{complaint.pk}/start/", {"note": "跟进"})
    client.post(f"/complaints/{complaint.pk}/resolve/", {"resolution": "已处理"})
    refused = client.post(f"/complaints/{complaint.pk}/close/", {"confirmation": ""}, follow=True)
    assert "msg-error" in refused.content.decode()
    client.post(f"/complaints/{complaint.pk}/close/", {"confirmation": "客户确认"})
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    listed = client.get("/complaints/?status=closed").content.decode()
    assert "甲公司" in listed


def test_complaint_form_refuses_bad_input_without_saving(org, client, customer):
    client.force_login(org.kam)
    page = client.post("/complaints/new/", {"client": customer.pk, "channel": "fax", "category": "delay"})
    assert page.status_code == 200 and "errorlist" in page.content.decode()
    assert not Complaint.objects.exists()


def test_questionnaire_pages_from_draft_to_campaign(org, client, customer):
    client.force_login(org.kam)
    assert "empty" in client.get("/surveys/").content.decode()
    form = {
        "title": "页面问卷",
        "q-TOTAL_FORMS": "3",
        "q-INITIAL_FORMS": "0",
        "q-MIN_NUM_FORMS": "0",
        "q-MAX_NUM_FORMS": "40",
        "q-0-text": "时效如何？",
        "q-0-kind": "scale",
        "q-0-dimension": "time",
        "q-0-required": "on",
        "q-1-text": "建议？",
        "q-1-kind": "text",
        "q-2-text": "",
        "q-2-kind": "scale",
    }
    created = client.post("/surveys/questionnaires/new/", form)
    assert created.status_code == 302, created.content.decode()[:2000]
    questionnaire = Questionnaire.objects.get()
    assert [q.kind for q in questionnaire.questions.all()] == ["scale", "text"]
    # Before the pilot the campaign form offers nothing to send
    assert "empty" in client.get("/surveys/campaigns/new/").content.decode()
    client.post(f"/surveys/questionnaires/{questionnaire.pk}/pilot/", {"clients": [customer.pk]})
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.PILOTING
    pilot = Campaign.objects.get(kind="pilot")
    assert (
        "Copy link" in client.get(f"/surveys/campaigns/{pilot.pk}/").content.decode()
        or "复制链接" in client.get(f"/surveys/campaigns/{pilot.pk}/").content.decode()
    )
    invitation = Invitation.objects.get()
    surveys.response_submit(invitation=invitation, answers=scores(questionnaire, 4), now=at(TODAY))
    assert client.get(f"/surveys/questionnaires/{questionnaire.pk}/approve/").status_code == 405
    assert (
        client.post(f"/surveys/questionnaires/{questionnaire.pk}/approve/", {"review": "ok"}).status_code
        == 403
    )
    client.force_login(org.station_master)
    client.post(f"/surveys/questionnaires/{questionnaire.pk}/approve/", {"review": "问题清楚"})
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.APPROVED
    saved = client.post(
        "/surveys/campaigns/new/",
        {
            "questionnaire": questionnaire.pk,
            "name": "全站",
            "relationship_stages": ["stable"],
            "schedule": "quarterly",
            "start_on": TODAY.isoformat(),
            "reminder_after_days": 5,
            "link_valid_days": 30,
        },
    )
    campaign = Campaign.objects.get(kind="segment")
    assert saved.status_code == 302 and campaign.invitations.count() == 1  # sent at once: it starts today


def test_results_client_health_indicator_and_task_pages(org, client, customer, invitation):
    surveys.response_submit(
        invitation=invitation, answers=scores(invitation.campaign.questionnaire, 2), now=at(TODAY)
    )
    indicator("on_time_rate")
    indicators.readings_record(
        by=org.kam,
        rows=[("r", {"client": customer.pk, "indicator": "on_time_rate", "day": TODAY, "value": "80"})],
        source="api",
        today=TODAY,
    )
    client.force_login(org.kam)
    results = client.get("/satisfaction/results/?tier=A").content.decode()
    assert "sat-dist" in results and "2026-Q2" in results
    page = client.get(f"/satisfaction/clients/{customer.pk}/").content.decode()
    assert "data-health-score" in page and "80" in page
    assert client.get("/satisfaction/health/").status_code == 200
    assert "甲公司" in client.get("/satisfaction/indicators/").content.decode()
    task = FollowUpTask.objects.get()
    assert "甲公司" in client.get("/satisfaction/tasks/").content.decode()
    client.post(f"/satisfaction/tasks/{task.pk}/done/", {"note": "已回访"})
    task.refresh_from_db()
    assert task.done_by == org.kam


def test_home_panel_shows_warnings_complaints_and_tasks_to_the_owner(org, rf, customer, invitation):
    surveys.response_submit(
        invitation=invitation, answers=scores(invitation.campaign.questionnaire, 1), now=at(TODAY)
    )
    complaints.complaint_create(
        by=org.marketer,
        client=customer,
        channel="phone",
        category="loss",
        severity="high",
        description="丢件",
        now=at(TODAY),
    )
    request = rf.get("/")
    request.user = org.kam
    html = "".join(_panels(request))
    assert "satisfaction-panel" in html and "甲公司" in html
    request.user = org.courier
    assert "satisfaction-panel" not in "".join(_panels(request))


def test_timeline_shows_complaints_and_responses(org, customer, invitation):
    surveys.response_submit(
        invitation=invitation, answers=scores(invitation.campaign.questionnaire, 4), now=at(TODAY, 11)
    )
    complaints.complaint_create(
        by=org.kam,
        client=customer,
        channel="phone",
        category="loss",
        severity="high",
        description="丢件",
        now=at(TODAY, 12),
    )
    kinds = [
        (e.kind, e.url.split("/")[1]) for e in timeline_for(customer) if e.kind in ("complaint", "survey")
    ]
    # newest first; the pilot answered by the same customer earlier is on it too
    assert kinds == [("complaint", "complaints"), ("survey", "satisfaction"), ("survey", "satisfaction")]


def test_draft_questionnaire_is_not_offered_for_campaigns(org, client):
    draft(org.kam)
    client.force_login(org.kam)
    assert "empty" in client.get("/surveys/campaigns/new/").content.decode()


def test_dashboard_figures_and_card_for_the_station(org, rf, customer):
    from satisfaction.panels import dashboard, station_figures

    indicator("on_time_rate")
    indicators.readings_record(
        by=org.kam,
        rows=[("r", {"client": customer.pk, "indicator": "on_time_rate", "day": TODAY, "value": "80"})],
        source="api",
        today=TODAY,
    )
    complaints.complaint_create(
        by=org.kam,
        client=customer,
        channel="phone",
        category="loss",
        severity="high",
        description="丢件",
        now=at(TODAY),
    )
    clients = customer.__class__.objects.filter(station=org.station_a)
    figures = station_figures(clients, now=at(TODAY + timedelta(days=2)))
    assert (figures["open_warnings"], figures["unresolved_complaints"], figures["overdue_complaints"]) == (
        1,
        1,
        1,
    )
    assert figures["warnings"][0]["indicator"] == "on_time_rate"
    # complaints 100 − 40 − 10 (overdue) = 50, warnings 75: (25×50 + 15×75) ÷ 40 = 59.4 → 59, below 60
    assert figures["low_health"] == [{"client": customer.pk, "client_name": "甲公司", "score": 59}]
    request = rf.get("/")
    request.user = org.station_master
    assert "satisfaction-dashboard-card" in dashboard(request, station=org.station_a)
