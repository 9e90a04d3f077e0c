"""Who sees what in satisfaction, table-driven: every role against records of a client in its own area (a1),
another area of its station (a2) and another station (b1); 404 outside scope, 403 for roles that may not act."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

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
from tests.factories_satisfaction import SatClientFactory, indicator

pytestmark = pytest.mark.django_db

ROLES = [
    "courier",
    "area_marketer",
    "area_manager",
    "station_master",
    "key_account_manager",
    "executive",
    "admin",
]

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
        client = SatClientFactory(area=area, owner=owner)
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
