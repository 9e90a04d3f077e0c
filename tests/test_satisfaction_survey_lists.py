"""The survey lists (`/surveys/`, a campaign's page, their API): true totals, pages, the "waiting for answers"
filter, and a number of queries that does not grow with the campaigns or their links."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from satisfaction.models import Invitation, Questionnaire
from tests.factories_leads import ClientFactory
from tests.factories_satisfaction import at, campaign_with_links

pytestmark = pytest.mark.django_db

TODAY = date(2026, 4, 15)
NOW = at(TODAY, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def questionnaire(org):
    questionnaire = Questionnaire.objects.create(
        title="年度问卷", status="approved", created_by=org.executive
    )
    questionnaire.questions.create(position=1, kind="scale", dimension="time", text="时效？")
    return questionnaire


@pytest.fixture
def customers(org):
    """One customer in each area: a1 and a2 in station A, b1 in station B."""
    return [ClientFactory(signed=True, area=area, owner=None) for area in (org.a1, org.a2, org.b1)]


def _queries(client, url) -> int:
    client.get(url)  # the first request of a test warms caches (content types, translations)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["executive", "station_master"])
def test_survey_pages_cost_the_same_queries_however_many_campaigns_and_links(
    org, client, api_client, questionnaire, customers, role
):
    user = org.by_role()[role]
    client.force_login(user)
    api_client.force_authenticate(user=user)
    first = campaign_with_links(questionnaire, org.executive, customers, now=NOW, links=3, answered=1)
    pages = [
        (client, "/surveys/"),
        (client, "/surveys/?pending=1"),
        (client, f"/surveys/campaigns/{first.pk}/"),
        (client, f"/surveys/questionnaires/{questionnaire.pk}/"),
        (api_client, "/api/v1/survey-campaigns/"),
        (api_client, f"/api/v1/survey-campaigns/{first.pk}/invitations/"),
        (api_client, "/api/v1/questionnaires/"),
    ]
    before = [_queries(c, url) for c, url in pages]
    # When the list grows: more campaigns (more than a page), and many more links in the first one
    for _ in range(30):
        campaign_with_links(questionnaire, org.executive, customers, now=NOW, links=12, answered=6, expired=2)
    Invitation.objects.bulk_create(
        [
            Invitation(
                campaign=first,
                round_on=TODAY - timedelta(days=1),
                client=customers[n % 3],
                contact_name=f"新联系人{n}",
                token=f"more-{n}",
                expires_at=NOW + timedelta(days=20),
            )
            for n in range(120)
        ]
    )
    for _ in range(4):
        Questionnaire.objects.create(title="草稿", created_by=org.executive).questions.create(
            position=1, kind="scale", dimension="cost", text="价格？"
        )
    after = [_queries(c, url) for c, url in pages]
    # A list that outgrows its first page adds its bounded count (one query, config/paging.py), and no more
    grown = [url for (_, url), b, a in zip(pages, before, after, strict=True) if not b <= a <= b + 1]
    assert not grown, (grown, before, after)


def _rows(page, table_id):
    from html.parser import HTMLParser

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inside, self.rows = False, 0

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.inside = ("id", table_id) in attrs
            elif tag == "tr" and self.inside:
                self.rows += 1

    parser = Rows()
    parser.feed(page)
    return parser.rows - 1  # the header row


def test_the_campaign_list_is_paged_and_filters_campaigns_waiting_for_answers(
    org, client, questionnaire, customers
):
    # Given 24 campaigns still waiting for answers and 6 with every link answered or expired
    for _ in range(6):
        campaign_with_links(questionnaire, org.executive, customers, now=NOW, links=4, answered=3, expired=1)
    waiting = [
        campaign_with_links(questionnaire, org.executive, customers, now=NOW, links=4, answered=1)
        for _ in range(24)
    ]
    client.force_login(org.executive)
    # Then the list shows 25 a page, newest first
    first = client.get("/surveys/").content.decode()
    assert _rows(first, "campaign-list") == 25 and "1 / 2" in first
    assert _rows(client.get("/surveys/?page=2").content.decode(), "campaign-list") == 5
    # And "waiting for answers" leaves out the finished ones
    pending = client.get("/surveys/?pending=1").content.decode()
    assert _rows(pending, "campaign-list") == 24 and 'class="pagination"' not in pending
    api = client.get("/api/v1/survey-campaigns/?pending=true").json()
    assert api["count"] == 24 and {row["id"] for row in api["results"]} <= {c.pk for c in waiting}
    assert client.get("/api/v1/survey-campaigns/?pending=maybe").status_code == 400
    # A page number past the end shows the last page
    assert _rows(client.get("/surveys/?page=99").content.decode(), "campaign-list") == 5


def test_the_campaign_page_counts_every_link_and_pages_them(org, client, questionnaire, customers):
    # Given a campaign of 630 links: 400 answered, 30 expired unanswered, 200 waiting
    campaign = campaign_with_links(
        questionnaire, org.executive, customers, now=NOW, links=630, answered=400, expired=30
    )
    client.force_login(org.executive)
    page = client.get(f"/surveys/campaigns/{campaign.pk}/").content.decode()
    # Then the figures are the true totals, not those of the first page of links
    assert '<p class="stat" id="answered">400 / 630</p>' in page
    assert "200 个待作答" in page and "30 个过期未答" in page
    assert _rows(page, "link-list") == 50 and "1 / 13" in page
    assert _rows(client.get(f"/surveys/campaigns/{campaign.pk}/?page=13").content.decode(), "link-list") == 30
    # And "waiting for answers" lists only the links that can still be answered
    waiting = client.get(f"/surveys/campaigns/{campaign.pk}/?pending=1").content.decode()
    assert (
        _rows(waiting, "link-list") == 50
        and "1 / 4" in waiting
        and "已作答" not in waiting.split("link-list")[1]
    )
    api = client.get(f"/api/v1/survey-campaigns/{campaign.pk}/invitations/?pending=true&page_size=200").json()
    assert api["count"] == 200 and not any(row["answered"] for row in api["results"])
    detail = client.get(f"/api/v1/survey-campaigns/{campaign.pk}/").json()
    assert (detail["invitations"], detail["responses"], detail["waiting"]) == (630, 400, 200)


def test_a_station_sees_its_own_totals_of_a_company_wide_campaign(org, client, questionnaire, customers):
    # 9 links over a1, a2 and b1 (three each); the first three answered (one per customer)
    campaign = campaign_with_links(questionnaire, org.executive, customers, now=NOW, links=9, answered=3)
    client.force_login(org.station_master)
    page = client.get(f"/surveys/campaigns/{campaign.pk}/").content.decode()
    assert '<p class="stat" id="answered">2 / 6</p>' in page and _rows(page, "link-list") == 6
    listed = client.get("/surveys/").content.decode()
    assert "2 / 6" in listed and customers[2].name not in page


def test_survey_links_on_the_page_and_the_api_use_the_host_they_were_asked_on(
    org, client, questionnaire, customers, settings
):
    # Given a server on port 8137 while SITE_URL (for e-mails) still names another address
    settings.SITE_URL = "http://localhost:8000"
    campaign = campaign_with_links(questionnaire, org.executive, customers, now=NOW, links=1)
    token = Invitation.objects.get(campaign=campaign).token
    client.force_login(org.executive)
    # Then the links people copy from the page or read from the API lead to the server they are using
    page = client.get(f"/surveys/campaigns/{campaign.pk}/", HTTP_HOST="127.0.0.1:8137").content.decode()
    api = client.get(
        f"/api/v1/survey-campaigns/{campaign.pk}/invitations/", HTTP_HOST="127.0.0.1:8137"
    ).json()
    assert f"http://127.0.0.1:8137/s/{token}/" in page
    assert api["results"][0]["link"] == f"http://127.0.0.1:8137/s/{token}/"
    assert "localhost:8000" not in page
