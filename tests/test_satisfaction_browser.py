"""A customer answers a survey through their personal link on a phone, in Chinese."""

import pytest
from django.utils import timezone

from satisfaction.models import SurveyResponse
from satisfaction.services import surveys
from tests.factories_satisfaction import SatClientFactory, SatContactFactory, approved, eager_tasks  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("eager_tasks"),
]


def test_a_customer_answers_the_survey_on_a_phone_in_chinese(org, browser_page):
    # Given a personal link of an approved questionnaire
    customer = SatClientFactory(area=org.a1, owner=org.kam, name="甲贸易公司")
    SatContactFactory(client=customer, name="张经理")
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
