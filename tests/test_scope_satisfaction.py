"""Who sees what in satisfaction, table-driven: every role against records of a client in its own area (a1),
another area of its station (a2) and another station (b1); 404 outside scope, 403 for roles that may not act."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from satisfaction.models import (
    Campaign,
    Complaint,
    FollowUpTask,
    IndicatorReading,
    IndicatorWarning,
    Invitation,
    Questionnaire,
    SurveyResponse,
)
from tests.factories_leads import ClientFactory
from tests.factories_satisfaction import indicator

pytestmark = pytest.mark.django_db

ROLES = [role.value for role in Role]

# Records that belong to a client: visible exactly when the client is (a1, a2, b1).
BY_CLIENT = {
    "courier": (False, False, False),
    "area_marketer": (True, False, False),
    "area_manager": (True, False, False),
    "station_master": (True, True, False),
    "key_account_manager": (True, True, False),
    "executive": (True, True, True),
    "admin": (True, True, True),
}
# Questionnaires and campaigns belong to a station (A, B); only survey roles see them.
BY_STATION = {
    "courier": (False, False),
    "area_marketer": (False, False),
    "area_manager": (False, False),
    "station_master": (True, False),
    "key_account_manager": (True, False),
    "executive": (True, True),
    "admin": (True, True),
}


def _survey(station, author, client, today):
    questionnaire = Questionnaire.objects.create(
        station=station, title="问卷", status="approved", created_by=author
    )
    question = questionnaire.questions.create(position=1, kind="scale", dimension="time", text="时效？")
    campaign = Campaign.objects.create(
        name="c",
        questionnaire=questionnaire,
        station=station,
        start_on=today,
        reminder_after_days=5,
        link_valid_days=30,
        created_by=author,
    )
    now = timezone.now()
    invitation = Invitation.objects.create(
        campaign=campaign,
        round_on=today,
        client=client,
        contact_name="张",
        token=f"t-{client.pk}",
        expires_at=now + timedelta(days=30),
    )
    response = SurveyResponse.objects.create(
        invitation=invitation,
        campaign=campaign,
        questionnaire=questionnaire,
        client=client,
        submitted_at=now,
        channel="link",
        average=2,
    )
    response.answers.create(question=question, dimension="time", score=2)
    return questionnaire, campaign, response


@pytest.fixture
def world(org):
    today = timezone.localdate()
    on_time = indicator("on_time_rate")
    records = {}
    for key, area, owner, master in (
        ("a1", org.a1, org.kam, org.station_master),
        ("a2", org.a2, org.kam, org.station_master),
        ("b1", org.b1, org.kam_b, org.station_master_b),
    ):
        client = ClientFactory(signed=True, area=area, owner=owner)
        complaint = Complaint.objects.create(
            client=client,
            channel="phone",
            category="delay",
            severity="low",
            description="x",
            owner=owner,
            created_by=owner,
            received_at=timezone.now(),
            due_at=timezone.now() + timedelta(hours=72),
        )
        questionnaire, campaign, response = _survey(area.station, owner, client, today)
        reading = IndicatorReading.objects.create(
            client=client, indicator=on_time, day=today, value=90, source="api", recorded_by=master
        )
        warning = IndicatorWarning.objects.create(
            client=client, indicator=on_time, raised_on=today, last_day=today, value=90, threshold=95
        )
        task = FollowUpTask.objects.create(
            client=client, assignee=owner, response=response, reason="低分", due_on=today
        )
        records[key] = {
            "client": client,
            "complaint": complaint,
            "questionnaire": questionnaire,
            "campaign": campaign,
            "response": response,
            "reading": reading,
            "warning": warning,
            "task": task,
        }
    return records


CLIENT_ENDPOINTS = [
    ("complaint", "/api/v1/complaints/{}/"),
    ("client", "/api/v1/clients/{}/satisfaction/"),
    ("client", "/api/v1/clients/{}/health/"),
    ("response", "/api/v1/survey-responses/{}/"),
    ("reading", "/api/v1/indicator-readings/{}/"),
    ("warning", "/api/v1/indicator-warnings/{}/"),
    ("task", "/api/v1/satisfaction-tasks/{}/"),
]
CLIENT_LISTS = [
    ("complaint", "/api/v1/complaints/"),
    ("response", "/api/v1/survey-responses/"),
    ("reading", "/api/v1/indicator-readings/"),
    ("warning", "/api/v1/indicator-warnings/"),
    ("task", "/api/v1/satisfaction-tasks/"),
]


@pytest.mark.parametrize("role", ROLES)
def test_client_records_in_the_api_follow_the_clients_scope(org, world, api_as, role):
    api = api_as(org.by_role()[role])
    for kind, url in CLIENT_ENDPOINTS:
        for key, visible in zip(("a1", "a2", "b1"), BY_CLIENT[role], strict=True):
            status = api.get(url.format(world[key][kind].pk)).status_code
            assert status == (200 if visible else 404), (role, url, key)
    for kind, url in CLIENT_LISTS:
        listed = {row["id"] for row in api.get(url + "?page_size=200").json()["results"]}
        expected = {
            world[key][kind].pk
            for key, visible in zip(("a1", "a2", "b1"), BY_CLIENT[role], strict=True)
            if visible
        }
        assert listed == expected, (role, url)


@pytest.mark.parametrize("role", ROLES)
def test_questionnaires_and_campaigns_follow_the_station(org, world, api_as, role):
    api = api_as(org.by_role()[role])
    for kind, url in (
        ("questionnaire", "/api/v1/questionnaires/{}/"),
        ("campaign", "/api/v1/survey-campaigns/{}/"),
    ):
        for key, visible in zip(("a1", "b1"), BY_STATION[role], strict=True):
            assert api.get(url.format(world[key][kind].pk)).status_code == (200 if visible else 404), (
                role,
                url,
                key,
            )


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/complaints/",
        "/api/v1/questionnaires/",
        "/api/v1/indicator-readings/",
        "/api/v1/client-health/",
    ],
)
def test_anonymous_gets_401(api_client, url):
    assert api_client.get(url).status_code == 401


WRITES = [
    # (url, body builder, roles allowed to act)
    (
        "/api/v1/complaints/",
        lambda w: {
            "client": w["a1"]["client"].pk,
            "channel": "phone",
            "category": "delay",
            "severity": "low",
            "description": "x",
        },
        {"area_marketer", "area_manager", "station_master", "key_account_manager", "executive", "admin"},
    ),
    (
        "/api/v1/questionnaires/",
        lambda w: {"title": "t", "questions": [{"kind": "scale", "dimension": "time", "text": "q"}]},
        {"station_master", "key_account_manager", "executive", "admin"},
    ),
    (
        "/api/v1/indicator-readings/",
        lambda w: {
            "client": w["a1"]["client"].pk,
            "indicator": "on_time_rate",
            "day": str(date.today()),
            "value": "97",
        },
        {"station_master", "key_account_manager", "executive", "admin"},
    ),
]


@pytest.mark.parametrize("write", range(len(WRITES)))
@pytest.mark.parametrize("role", ROLES)
def test_roles_that_may_not_act_get_403(org, world, api_as, role, write):
    url, body, allowed = WRITES[write]
    status = api_as(org.by_role()[role]).post(url, body(world), format="json").status_code
    if role in allowed:
        assert status in (200, 201), (role, url, status)
    else:
        assert status == 403, (role, url, status)


def test_only_approvers_approve_and_only_admins_change_thresholds(org, world, api_as):
    questionnaire = world["a1"]["questionnaire"]
    Questionnaire.objects.filter(pk=questionnaire.pk).update(status="piloting")
    assert (
        api_as(org.kam)
        .post(f"/api/v1/questionnaires/{questionnaire.pk}/approve/", {"review": "x"}, format="json")
        .status_code
        == 403
    )
    on_time = world["a1"]["reading"].indicator
    assert (
        api_as(org.station_master)
        .patch(f"/api/v1/indicators/{on_time.pk}/", {"threshold": "90"}, format="json")
        .status_code
        == 403
    )
    assert (
        api_as(org.admin)
        .patch(f"/api/v1/indicators/{on_time.pk}/", {"threshold": "90"}, format="json")
        .status_code
        == 200
    )


def test_another_stations_client_in_a_body_is_a_400(org, world, api_as):
    foreign = world["b1"]["client"].pk
    api = api_as(org.kam)
    complaint = api.post(
        "/api/v1/complaints/",
        {"client": foreign, "channel": "phone", "category": "delay", "severity": "low", "description": "x"},
        format="json",
    )
    reading = api.post(
        "/api/v1/indicator-readings/",
        {"client": foreign, "indicator": "on_time_rate", "day": str(date.today()), "value": "97"},
        format="json",
    )
    assert (complaint.status_code, reading.status_code) == (400, 400)


SURVEY_PAGES = {"station_master", "key_account_manager", "executive", "admin"}
VIEWER_PAGES = {
    "area_marketer",
    "area_manager",
    "station_master",
    "key_account_manager",
    "executive",
    "admin",
}
PAGES = [
    (lambda w: "/complaints/", VIEWER_PAGES),
    (lambda w: "/complaints/new/", VIEWER_PAGES),
    (lambda w: "/surveys/", SURVEY_PAGES),
    (lambda w: "/surveys/questionnaires/new/", SURVEY_PAGES),
    (lambda w: "/surveys/campaigns/new/", SURVEY_PAGES),
    (lambda w: "/satisfaction/results/", VIEWER_PAGES),
    (lambda w: "/satisfaction/health/", VIEWER_PAGES),
    (lambda w: "/satisfaction/indicators/", VIEWER_PAGES),
    (lambda w: "/satisfaction/tasks/", VIEWER_PAGES),
    (lambda w: "/satisfaction/indicators/template.xlsx", SURVEY_PAGES),
]


@pytest.mark.parametrize("page", range(len(PAGES)))
@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(org, world, client, role, page):
    url_for, allowed = PAGES[page]
    client.force_login(org.by_role()[role])
    assert client.get(url_for(world)).status_code == (200 if role in allowed else 403)


DETAIL_PAGES = [
    ("complaint", "/complaints/{}/", VIEWER_PAGES, BY_CLIENT),
    ("client", "/satisfaction/clients/{}/", VIEWER_PAGES, BY_CLIENT),
    ("response", "/satisfaction/responses/{}/", VIEWER_PAGES, BY_CLIENT),
    ("questionnaire", "/surveys/questionnaires/{}/", SURVEY_PAGES, None),
    ("campaign", "/surveys/campaigns/{}/", SURVEY_PAGES, None),
]


@pytest.mark.parametrize("role", ROLES)
def test_detail_pages_are_404_outside_scope(org, world, client, role):
    client.force_login(org.by_role()[role])
    for kind, url, allowed, expected in DETAIL_PAGES:
        keys = ("a1", "a2", "b1") if expected else ("a1", "b1")
        visibility = expected[role] if expected else BY_STATION[role]
        for key, visible in zip(keys, visibility, strict=True):
            status = client.get(url.format(world[key][kind].pk)).status_code
            want = 403 if role not in allowed else (200 if visible else 404)
            assert status == want, (role, url, key)


def test_anonymous_pages_redirect_to_login_but_the_survey_link_does_not(client, world):
    assert client.get("/complaints/").status_code == 302
    # The survey link needs no login: a forged one answers with the polite page, not the login page.
    assert client.get("/s/forged-token/").status_code == 404


# --- Company-wide (HQ) surveys: the campaign reaches every station, each station sees its own customers ------


@pytest.fixture
def hq(org, world):
    """A company-wide questionnaire piloted by HQ on a1's and b1's clients, and a company-wide campaign with a
    personal link to each of the three clients (a1's answered); station B also sends the questionnaire."""
    today, now = timezone.localdate(), timezone.now()
    questionnaire = Questionnaire.objects.create(
        title="总部问卷", status="approved", created_by=org.executive
    )
    question = questionnaire.questions.create(position=1, kind="scale", dimension="time", text="时效？")

    def campaign(name, station=None, kind="segment"):
        return Campaign.objects.create(
            name=name,
            questionnaire=questionnaire,
            kind=kind,
            station=station,
            start_on=today,
            next_run_on=today,
            reminder_after_days=5,
            link_valid_days=30,
            created_by=org.executive,
        )

    def link(campaign, key, token):
        return Invitation.objects.create(
            campaign=campaign,
            round_on=today,
            client=world[key]["client"],
            contact_name=f"{key}联系人",
            email=f"{token}@example.com",
            token=token,
            expires_at=now + timedelta(days=30),
        )

    def answer(invitation, text=""):
        response = SurveyResponse.objects.create(
            invitation=invitation,
            campaign=invitation.campaign,
            questionnaire=questionnaire,
            client=invitation.client,
            is_pilot=invitation.campaign.kind == "pilot",
            submitted_at=now,
            channel="link",
            average=4,
        )
        response.answers.create(question=question, dimension="time", score=4, text=text)
        return response

    pilot = campaign("总部试点", kind="pilot")
    for key in ("a1", "b1"):
        answer(link(pilot, key, f"pilot-{key}"), text=f"{key}的试点意见")
    network = campaign("总部年度调查")
    links = {key: link(network, key, f"hq-{key}") for key in ("a1", "a2", "b1")}
    answer(links["a1"])
    station_b = campaign("B站专属调查", station=org.station_b)
    return {"questionnaire": questionnaire, "campaign": network, "links": links, "station_b": station_b}


# Which of the HQ campaign's links (a1, a2, b1) each survey role sees; other roles do not see the campaign.
HQ_LINKS = {role: BY_CLIENT[role] for role in SURVEY_PAGES}


@pytest.mark.parametrize("role", ROLES)
def test_hq_campaign_links_figures_and_pilot_answers_in_the_api_follow_the_clients(
    org, world, hq, api_as, role
):
    api = api_as(org.by_role()[role])
    campaign, questionnaire = hq["campaign"].pk, hq["questionnaire"].pk
    links = api.get(f"/api/v1/survey-campaigns/{campaign}/invitations/")
    detail = api.get(f"/api/v1/survey-campaigns/{campaign}/")
    if role not in HQ_LINKS:
        assert (links.status_code, detail.status_code) == (404, 404)
        return
    visible = dict(zip(("a1", "a2", "b1"), HQ_LINKS[role], strict=True))
    expected = {world[key]["client"].pk for key, seen in visible.items() if seen}
    assert {row["client"] for row in links.json()["results"]} == expected
    assert links.json()["count"] == len(expected)
    # The figures are the caller's customers' figures, in the detail and in the list
    listed = {row["id"]: row for row in api.get("/api/v1/survey-campaigns/").json()["results"]}
    for row in (detail.json(), listed[campaign]):
        assert (row["invitations"], row["responses"], row["waiting"]) == (len(expected), 1, len(expected) - 1)
    pilot_answers = api.get(f"/api/v1/questionnaires/{questionnaire}/").json()["pilot_responses"]
    assert pilot_answers == visible["a1"] + visible["b1"]


@pytest.mark.parametrize("role", sorted(SURVEY_PAGES))
def test_hq_campaign_page_lists_only_the_callers_customers(org, world, hq, client, role):
    client.force_login(org.by_role()[role])
    page = client.get(f"/surveys/campaigns/{hq['campaign'].pk}/").content.decode()
    for key, seen in zip(("a1", "a2", "b1"), HQ_LINKS[role], strict=True):
        traces = [world[key]["client"].name, f"hq-{key}@example.com"]
        if key != "a1":  # an answered link is not offered for copying
            traces.append(f"/s/hq-{key}/")
        for trace in traces:
            assert (trace in page) == seen, (role, key, trace)


@pytest.mark.parametrize("role", sorted(SURVEY_PAGES))
def test_hq_questionnaire_page_shows_only_the_callers_pilot_answers_and_campaigns(
    org, world, hq, client, role
):
    client.force_login(org.by_role()[role])
    page = client.get(f"/surveys/questionnaires/{hq['questionnaire'].pk}/").content.decode()
    sees_b = role in ("executive", "admin")
    assert "a1的试点意见" in page and world["a1"]["client"].name in page
    assert ("b1的试点意见" in page, world["b1"]["client"].name in page) == (sees_b, sees_b)
    assert ("B站专属调查" in page) == sees_b


@pytest.mark.parametrize("role", ["station_master", "key_account_manager"])
def test_a_station_records_answers_for_its_own_customers_only(org, world, hq, api_as, role):
    api = api_as(org.by_role()[role])
    question = hq["questionnaire"].questions.get()

    def record(key):
        body = {"invitation": hq["links"][key].pk, "answers": [{"question": question.pk, "score": 3}]}
        return api.post("/api/v1/survey-responses/", body, format="json")

    # Another station's customer: 404, and nothing written
    assert record("b1").status_code == 404
    assert not SurveyResponse.objects.filter(invitation=hq["links"]["b1"]).exists()
    # Its own customer of the same HQ campaign: recorded
    recorded = record("a2")
    assert recorded.status_code == 201, recorded.json()
    assert recorded.json()["client"] == world["a2"]["client"].pk


@pytest.mark.parametrize("role", ["station_master", "key_account_manager"])
def test_an_hq_campaign_is_read_only_to_station_roles(org, world, hq, api_as, client, role):
    user = org.by_role()[role]
    campaign = hq["campaign"]
    api = api_as(user)
    for action in ("send-now", "pause", "resume"):
        assert api.post(f"/api/v1/survey-campaigns/{campaign.pk}/{action}/").status_code == 403, action
    client.force_login(user)
    for action in ("send", "pause", "resume"):
        assert client.post(f"/surveys/campaigns/{campaign.pk}/{action}/").status_code == 403, action
    campaign.refresh_from_db()
    assert (campaign.status, campaign.next_run_on) == ("active", timezone.localdate())
    assert Invitation.objects.filter(campaign=campaign).count() == 3
    # The pages offer no action the role may not take
    page = client.get(f"/surveys/campaigns/{campaign.pk}/").content.decode()
    assert f"/surveys/campaigns/{campaign.pk}/pause/" not in page
    page = client.get(f"/surveys/questionnaires/{hq['questionnaire'].pk}/").content.decode()
    assert f"/surveys/questionnaires/{hq['questionnaire'].pk}/retire/" not in page


def test_headquarters_runs_an_hq_campaign(org, world, hq, api_as, client):
    campaign = hq["campaign"]
    client.force_login(org.executive)
    page = client.get(f"/surveys/campaigns/{campaign.pk}/").content.decode()
    assert f"/surveys/campaigns/{campaign.pk}/pause/" in page
    paused = api_as(org.executive).post(f"/api/v1/survey-campaigns/{campaign.pk}/pause/")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
