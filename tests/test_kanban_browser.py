"""The kanban on a desk: the board fits the window, each column scrolls on its own under a sticky header, cards carry
their expected monthly revenue and columns their totals, and a refused drop says why on the card."""

from decimal import Decimal

import pytest

from pipeline.models import Client
from pipeline.models.loop import Stage
from tests.factories_leads import ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_board_fits_the_window_and_columns_scroll_under_sticky_headers(org, browser_page):
    # Given 40 clients in needs analysis and two in survey, with their expected revenue
    for n in range(40):
        ClientFactory(
            area=org.a1, owner=org.kam, stage=Stage.NEEDS, name=f"需求{n}", expected_revenue=Decimal("1000")
        )
    ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY, name="调查甲", expected_revenue=13856)
    ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY, name="调查乙", expected_revenue=144)
    page = browser_page(org.kam)
    page.goto("/kanban/")

    # Then the page does not scroll: the board ends inside the window
    assert page.evaluate("document.documentElement.scrollHeight") <= page.evaluate("innerHeight")
    box = page.locator("#kanban").bounding_box()
    assert box["y"] + box["height"] <= page.evaluate("innerHeight")
    # The full column scrolls on its own, and its header stays in view
    needs = page.locator('.kanban-col[data-stage="needs"]')
    assert needs.evaluate("c => c.scrollHeight > c.clientHeight")
    needs.evaluate("c => { c.scrollTop = c.scrollHeight; }")
    header, column = needs.locator("h2").bounding_box(), needs.bounding_box()
    assert abs(header["y"] - column["y"]) <= 1
    # Cards carry their revenue, columns their totals
    survey = page.locator('.kanban-col[data-stage="survey"]')
    assert survey.locator("[data-total]").inner_text() == "¥14,000"
    assert needs.locator("[data-total]").inner_text() == "¥40,000"
    assert "¥13,856" in survey.locator(".kanban-card", has_text="调查甲").inner_text()


def test_a_refused_drop_says_why_on_the_card_and_a_move_carries_its_revenue(org, browser_page):
    stuck = ClientFactory(
        area=org.a1, owner=org.kam, stage=Stage.NEEDS, name="缺需求分析", expected_revenue=500
    )
    back = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.NEEDS, name="回到调查", expected_revenue=700)
    page = browser_page(org.kam)
    page.goto("/kanban/")

    page.drag_and_drop(
        f'.kanban-card[data-id="{stuck.pk}"]', '.kanban-col[data-stage="proposal"] .kanban-cards'
    )
    note = page.locator(f'.kanban-card[data-id="{stuck.pk}"] .kanban-refusal')
    note.wait_for()
    assert "未能移动" in note.inner_text() and "需求分析" in note.inner_text()
    assert note.is_visible()
    assert Client.objects.get(pk=stuck.pk).stage == Stage.NEEDS

    # A move back (with its reason) takes the card's revenue from one total to the other
    page.drag_and_drop(f'.kanban-card[data-id="{back.pk}"]', '.kanban-col[data-stage="survey"] .kanban-cards')
    page.fill("#reason-text", "决策人变了")
    page.click("#reason-ok")
    page.wait_for_selector(
        f'.kanban-col[data-stage="survey"] .kanban-card[data-id="{back.pk}"]:not(.pending)'
    )
    assert page.locator('.kanban-col[data-stage="survey"] [data-total]').inner_text() == "¥700"
    assert page.locator('.kanban-col[data-stage="needs"] [data-total]').inner_text() == "¥500"
