"""The survey side of the API: questionnaires through pilot and approval, campaigns, responses, results."""

from datetime import date

import pytest
import time_machine

from satisfaction.models import Campaign, Invitation, QuestionnaireStatus, SurveyResponse
from satisfaction.services import surveys
from tests.factories_leads import ClientContactFactory, ClientFactory
from tests.factories_satisfaction import QUESTIONS, approved, at, scores

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

TODAY = date(2026, 4, 15)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(TODAY, 10), tick=False):
        yield


@pytest.fixture
def clients(org):
    a = ClientFactory(signed=True, area=org.a1, owner=org.kam, name="甲公司", tier="A")
    b = ClientFactory(signed=True, area=org.a2, owner=org.kam, name="乙公司", tier="B")
    ClientContactFactory(surveyed=True, client=a)
    ClientContactFactory(surveyed=True, client=b)
    return a, b


def test_questionnaire_through_pilot_and_approval_then_a_campaign(org, clients, api_as):
    kam = api_as(org.kam)
    created = kam.post(
        "/api/v1/questionnaires/",
        {"title": "年度调查", "title_en": "Annual survey", "questions": QUESTIONS},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["status"] == "draft" and len(created.json()["questions"]) == 6
    # Not approved yet: the segment campaign is a 400 saying why
    refused = kam.post(
        "/api/v1/survey-campaigns/",
        {"questionnaire": pk, "name": "全体", "start_on": "2026-04-15"},
        format="json",
    )
    assert refused.status_code == 400 and "questionnaire" in refused.json()
    pilot = kam.post(f"/api/v1/questionnaires/{pk}/pilot/", {"clients": [clients[0].pk]}, format="json")
    assert pilot.status_code == 201 and pilot.json()["kind"] == "pilot"
    invitation = Invitation.objects.get(campaign_id=pilot.json()["id"])
    # The pilot's answer is recorded by phone through the API
    answered = kam.post(
        "/api/v1/survey-responses/",
        {
            "invitation": invitation.pk,
            "answers": [
                {"question": q.pk, "score": 5} for q in invitation.campaign.questionnaire.questions.all()
            ][:5],
        },
        format="json",
    )
    assert answered.status_code == 201, answered.json()
    assert answered.json()["is_pilot"] is True and answered.json()["channel"] == "phone"
    assert (
        kam.post(f"/api/v1/questionnaires/{pk}/approve/", {"review": "ok"}, format="json").status_code == 403
    )
    approved_body = api_as(org.station_master).post(
        f"/api/v1/questionnaires/{pk}/approve/", {"review": "五个维度都被理解"}, format="json"
    )
    assert approved_body.json()["status"] == "approved" and approved_body.json()["pilot_responses"] == 1
    campaign = kam.post(
        "/api/v1/survey-campaigns/",
        {
            "questionnaire": pk,
            "name": "A类客户",
            "start_on": "2026-04-15",
            "tiers": ["A"],
            "schedule": "half_yearly",
        },
        format="json",
    )
    assert campaign.status_code == 201, campaign.json()
    sent = kam.post(f"/api/v1/survey-campaigns/{campaign.json()['id']}/send-now/")
    assert [i["client"] for i in sent.json()] == [clients[0].pk]
    assert sent.json()[0]["link"].startswith("http") and "/s/" in sent.json()[0]["link"]
    links = kam.get(f"/api/v1/survey-campaigns/{campaign.json()['id']}/invitations/").json()
    assert links["count"] == 1 and links["results"][0]["answered"] is False
    detail = kam.get(f"/api/v1/survey-campaigns/{campaign.json()['id']}/").json()
    assert (detail["next_run_on"], detail["invitations"]) == ("2026-10-15", 1)


def test_a_draft_is_edited_whole_and_a_piloted_one_is_not(org, clients, api_as):
    kam = api_as(org.kam)
    pk = kam.post("/api/v1/questionnaires/", {"title": "草稿", "questions": QUESTIONS}, format="json").json()[
        "id"
    ]
    patched = kam.patch(f"/api/v1/questionnaires/{pk}/", {"title": "改名"}, format="json")
    assert patched.json()["title"] == "改名" and len(patched.json()["questions"]) == 6
    kam.post(f"/api/v1/questionnaires/{pk}/pilot/", {"clients": [clients[0].pk]}, format="json")
    refused = kam.patch(f"/api/v1/questionnaires/{pk}/", {"title": "再改"}, format="json")
    assert refused.status_code == 400
    version = kam.post(f"/api/v1/questionnaires/{pk}/new-version/")
    assert version.status_code == 201 and version.json()["version"] == 2 and version.json()["previous"] == pk


def test_bad_questions_and_bad_scores_are_400s(org, clients, api_as):
    kam = api_as(org.kam)
    bad = kam.post(
        "/api/v1/questionnaires/",
        {"title": "坏", "questions": [{"kind": "scale", "dimension": "speed", "text": "x"}]},
        format="json",
    )
    assert bad.status_code == 400 and "questions" in bad.json()
    questionnaire = approved(
        by=org.kam, approver=org.station_master, pilot_clients=[clients[0]], now=at(TODAY)
    )
    campaign = surveys.campaign_create(
        by=org.kam, questionnaire=questionnaire, name="c", start_on=TODAY, today=TODAY
    )
    invitation = surveys.campaign_run(campaign=campaign, now=at(TODAY))[0]
    question = questionnaire.questions.first()
    for score in (0, 6, "five"):
        response = kam.post(
            "/api/v1/survey-responses/",
            {"invitation": invitation.pk, "answers": [{"question": question.pk, "score": score}]},
            format="json",
        )
        assert response.status_code == 400
    assert not SurveyResponse.objects.filter(invitation=invitation).exists()


def test_an_answered_invitation_is_a_409(org, clients, api_as):
    questionnaire = approved(
        by=org.kam, approver=org.station_master, pilot_clients=[clients[0]], now=at(TODAY)
    )
    pilot_invitation = Invitation.objects.get(campaign__kind="pilot")
    response = api_as(org.kam).post(
        "/api/v1/survey-responses/",
        {
            "invitation": pilot_invitation.pk,
            "answers": [{"question": q.pk, "score": 3} for q in questionnaire.questions.all()],
        },
        format="json",
    )
    assert response.status_code == 409


def test_client_satisfaction_endpoint_follows_the_contract(org, clients, api_as):
    questionnaire = approved(
        by=org.kam, approver=org.station_master, pilot_clients=[clients[1]], now=at(TODAY)
    )
    campaign = surveys.campaign_create(
        by=org.kam, questionnaire=questionnaire, name="c", start_on=TODAY, today=TODAY
    )
    surveys.campaign_run(campaign=campaign, now=at(TODAY))
    invitation = Invitation.objects.get(campaign=campaign, client=clients[0])
    surveys.response_submit(
        invitation=invitation,
        answers=scores(questionnaire, {"time": 2, "quality": 5, "cost": 3, "service": 4, "openness": 4}),
        now=at(TODAY),
    )
    body = api_as(org.marketer).get(f"/api/v1/clients/{clients[0].pk}/satisfaction/").json()
    assert body["client"] == clients[0].pk
    assert body["responses"] == 1 and body["average"] == 3.6
    assert body["by_dimension"] == {"time": 2.0, "quality": 5.0, "cost": 3.0, "service": 4.0, "openness": 4.0}
    assert body["distribution"]["all"] == {"1": 0, "2": 1, "3": 1, "4": 2, "5": 1}
    assert body["trend"] == [
        {
            "quarter": "2026-Q2",
            "responses": 1,
            "average": 3.6,
            "by_dimension": {"time": 2.0, "quality": 5.0, "cost": 3.0, "service": 4.0, "openness": 4.0},
        }
    ]
    # A client without responses: zero, null, nulls. The pilot's answers (client b) do not count.
    empty = api_as(org.kam).get(f"/api/v1/clients/{clients[1].pk}/satisfaction/").json()
    assert (empty["responses"], empty["average"], set(empty["by_dimension"].values())) == (0, None, {None})
    assert api_as(org.marketer).get(f"/api/v1/clients/{clients[1].pk}/satisfaction/").status_code == 404


def test_results_by_segment(org, clients, api_as):
    questionnaire = approved(
        by=org.kam, approver=org.station_master, pilot_clients=[clients[0]], now=at(TODAY)
    )
    campaign = surveys.campaign_create(
        by=org.kam, questionnaire=questionnaire, name="c", start_on=TODAY, today=TODAY
    )
    surveys.campaign_run(campaign=campaign, now=at(TODAY))
    for client, value in ((clients[0], 5), (clients[1], 3)):
        invitation = Invitation.objects.get(campaign=campaign, client=client)
        surveys.response_submit(invitation=invitation, answers=scores(questionnaire, value), now=at(TODAY))
    api = api_as(org.station_master)
    assert api.get("/api/v1/satisfaction/results/").json()["average"] == 4.0
    assert api.get("/api/v1/satisfaction/results/?tier=A").json()["average"] == 5.0
    assert api.get(f"/api/v1/satisfaction/results/?area={org.a2.pk}").json()["responses"] == 1
    assert api.get("/api/v1/satisfaction/results/?tier=Z").status_code == 400
    listed = api.get("/api/v1/survey-responses/?tier=B").json()
    assert [r["client"] for r in listed["results"]] == [clients[1].pk]


def test_campaign_list_is_constant_in_queries(org, clients, api_as, django_assert_max_num_queries):
    questionnaire = approved(
        by=org.kam, approver=org.station_master, pilot_clients=[clients[0]], now=at(TODAY)
    )
    for n in range(4):
        surveys.campaign_create(
            by=org.kam, questionnaire=questionnaire, name=f"c{n}", start_on=TODAY, today=TODAY
        )
    with django_assert_max_num_queries(4):
        body = api_as(org.kam).get("/api/v1/survey-campaigns/").json()
    assert body["count"] == 5 == Campaign.objects.count()
    with django_assert_max_num_queries(5):
        assert (
            api_as(org.kam).get("/api/v1/questionnaires/").json()["results"][0]["status"]
            == QuestionnaireStatus.APPROVED
        )
