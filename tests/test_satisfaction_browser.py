"""A customer answers a survey through their personal link on a phone, in Chinese; staff read the survey lists
as cards on a phone and as tables on a desk."""

import re

import pytest
from django.utils import timezone

from satisfaction.models import Questionnaire, SurveyResponse
from satisfaction.services import surveys
from tests.factories_leads import ClientContactFactory, ClientFactory
from tests.factories_satisfaction import approved, campaign_with_links

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("eager_tasks"),
]


def test_a_customer_answers_the_survey_on_a_phone_in_chinese(org, browser_page):
    # Given a personal link of an approved questionnaire
    customer = ClientFactory(signed=True, area=org.a1, owner=org.kam, name="甲贸易公司")
    ClientContactFactory(surveyed=True, client=customer, name="张经理")
    now = timezone.now()
    questionnaire = approved(by=org.kam, approver=org.station_master, pilot_clients=[customer], now=now)
    campaign = surveys.campaign_create(
        by=org.kam,
        questionnaire=questionnaire,
        name="季度调查",
        start_on=timezone.localdate(),
        today=timezone.localdate(),
    )
    invitation = surveys.campaign_run(campaign=campaign, now=now)[0]

    # When the customer opens it on a 375 × 812 phone, without logging in
    page = browser_page(phone=True)
    page.goto(f"/s/{invitation.token}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "张经理" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # Sending without answers shows what is missing and records nothing
    page.click("#survey-submit")
    assert page.locator(".sat-q.has-error").count() == 5
    assert not SurveyResponse.objects.filter(invitation=invitation).exists()
    # Answering every five-point question and writing a comment
    for index, choice in enumerate(["完全满意", "比较满意", "一般", "比较不满意", "比较满意"], start=1):
        page.locator(f"#q-{index} label.sat-level", has_text=choice).first.click()
    page.fill("#q-6 textarea", "希望晚上多一次揽收")
    page.click("#survey-submit")

    # Then a thank-you page, and the answers recorded once
    assert "谢谢" in page.locator("#survey-thanks").inner_text()
    response = SurveyResponse.objects.get(invitation=invitation)
    assert list(response.answers.order_by("question__position").values_list("score", "text")) == [
        (5, ""),
        (4, ""),
        (3, ""),
        (2, ""),
        (4, ""),
        (None, "希望晚上多一次揽收"),
    ]
    assert response.language == "zh-hans"
    # Opening the link again: a polite page, nothing more recorded
    page.goto(f"/s/{invitation.token}/")
    assert "您已作答" in page.locator("#survey-closed").inner_text()
    assert SurveyResponse.objects.filter(invitation=invitation).count() == 1


def _english_words(text: str) -> list[str]:
    """Words of English left on a Chinese page (e-mail addresses and version numbers are data, not words)."""
    return re.findall(r"[A-Za-z]{3,}", re.sub(r"\S+@\S+", "", text))


def test_survey_lists_are_cards_on_a_phone_and_tables_on_a_desk(org, browser_page):
    # Given 30 campaigns, a company-wide one with 60 links over the station's customers
    questionnaire = Questionnaire.objects.create(
        title="年度问卷", status="approved", created_by=org.executive
    )
    questionnaire.questions.create(position=1, kind="scale", dimension="time", text="时效？")
    customers = [ClientFactory(signed=True, area=area, owner=org.kam) for area in (org.a1, org.a2)]
    now = timezone.now()
    for _ in range(29):
        campaign_with_links(questionnaire, org.executive, customers, now=now, links=4, answered=1)
    big = campaign_with_links(
        questionnaire, org.executive, customers, now=now, links=60, answered=20, expired=5
    )

    # When the station master opens the survey list on a 375 px phone
    page = browser_page(org.station_master, phone=True)
    page.goto("/surveys/")
    rows = page.locator("#campaign-list tbody tr")
    # Then each campaign is a card as wide as the screen allows, and nothing scrolls sideways
    assert rows.count() == 25
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert rows.first.evaluate("tr => getComputedStyle(tr).display") == "flex"
    first = rows.first.bounding_box()
    assert first["width"] <= 375
    assert "待作答" in rows.first.inner_text()
    # 25 cards take less than two and a half screens
    assert page.locator("#campaign-list").bounding_box()["height"] < 2.5 * 812
    # All in Chinese
    assert _english_words(page.locator("main").inner_text()) == []

    # The campaign page: the true totals, then its links as cards with the copy button
    page.goto(f"/surveys/campaigns/{big.pk}/")
    assert page.locator("#answered").inner_text() == "20 / 60"
    assert page.locator("#link-list tbody tr").count() == 50
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("#link-list .sat-copy").first.is_visible()
    assert _english_words(page.locator("main").inner_text()) == []
    # A company-wide campaign offers a station no button it may not press
    assert page.locator("form[action$='/pause/']").count() == 0
    page.click(".sat-tabs a[href*='pending=1']")
    page.wait_for_url("**pending=1**")
    assert page.locator("#link-list tbody tr").count() == 35

    # On a desk the same lists are tables
    desk = browser_page(org.executive)
    desk.goto("/surveys/")
    assert desk.locator("#campaign-list tbody tr").first.evaluate("tr => getComputedStyle(tr).display") == (
        "table-row"
    )
    assert desk.locator("#campaign-list thead th").first.is_visible()
