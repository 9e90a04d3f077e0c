"""The loop in a real browser: a client walks from collect to archive through the pages, the kanban moves (and
refuses) by drag and drop and by its phone menu, the client timeline, and the funnel."""

import pytest

from pipeline.models import Client, ClientContact, StageChange
from pipeline.models.loop import LOOP, Stage
from tests.factories_leads import ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _stage(page):
    return page.locator(".client-badges [data-stage]").get_attribute("data-stage")


def _move_on(page):
    page.click("#move-submit")
    page.wait_for_load_state()


def test_a_client_walks_from_collect_to_archive_in_the_browser(org, browser_page):
    customer = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.COLLECT, name="陆家嘴贸易有限公司")
    page = browser_page(org.kam)
    detail = f"/clients/{customer.pk}/"

    def record(path, fields, submit="button[type=submit].btn"):
        page.goto(path)
        for selector, value in fields.items():
            element = page.locator(selector)
            if element.evaluate("e => e.tagName") == "SELECT":
                element.select_option(value)
            else:
                element.fill(value)
        page.click(submit)
        page.wait_for_load_state()

    page.goto(detail)
    _move_on(page)
    assert _stage(page) == "screen"

    # The screening gate refuses until the client has a priority and a visit plan; the page says so
    _move_on(page)
    assert page.locator(".msg-error").is_visible()
    assert _stage(page) == "screen"
    record(
        f"/clients/{customer.pk}/visit-plan/", {"[name=plan_key_points]": "介绍电商件和月结"}, "#plan-submit"
    )
    page.goto(detail)
    _move_on(page)
    assert _stage(page) == "survey"

    record(
        f"/clients/{customer.pk}/survey/",
        {"[name=company_type]": "ecommerce", "[name=dm_name]": "陈总", "[name=dm_title]": "总经理"},
    )
    _move_on(page)
    assert _stage(page) == "needs"

    record(f"/clients/{customer.pk}/needs/", {"[name=speed]": "江浙沪次日达", "[name=cod]": "需要"})
    _move_on(page)
    record(
        f"/clients/{customer.pk}/proposals/new/",
        {"[name=title]": "电商件方案", "[name=lines-0-product]": "标快", "[name=lines-0-unit_price]": "7.50"},
    )
    _move_on(page)
    assert _stage(page) == "visit"

    record(
        f"/visits/records/new/?client={customer.pk}", {"[name=met]": "陈总", "[name=outcome]": "interested"}
    )
    _move_on(page)
    record(
        f"/clients/{customer.pk}/trial-shipments/new/",
        {
            "[name=waybill_numbers]": "YT9001\nYT9002",
            "[name=parcel_count]": "2",
            "[name=on_time_count]": "2",
            "[name=damaged_count]": "0",
        },
    )
    _move_on(page)
    assert _stage(page) == "contract"

    record(
        f"/clients/{customer.pk}/contracts/new/",
        {
            "[name=price_terms]": "首重7元",
            "[name=committed_monthly_volume]": "5000",
            "[name=settlement_mode]": "monthly",
        },
    )
    _move_on(page)
    record(f"/clients/{customer.pk}/evaluations/new/", {"[name=actual_volume]": "5200"})
    _move_on(page)
    assert _stage(page) == "archive"

    # The timeline tells the whole story, newest first
    timeline = page.locator("#timeline > li")
    kinds = timeline.evaluate_all("items => items.map(i => i.dataset.kind)")
    assert kinds.count("stage") == 9
    assert {"survey", "needs", "proposal", "visit", "shipment", "contract", "evaluation"} <= set(kinds)
    assert kinds[0] == "stage"
    assert list(StageChange.objects.filter(client=customer).values_list("to_stage", flat=True)) == LOOP[1:]


def test_kanban_drag_moves_a_ready_card_and_a_refused_card_returns_with_the_reason(org, browser_page):
    ready = ClientFactory(
        area=org.a1, owner=org.kam, stage=Stage.SURVEY, company_type="mature", name="准备好的"
    )
    ClientContact.objects.create(client=ready, name="刘总", role="decision_maker")
    stuck = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.NEEDS, name="缺需求分析")
    page = browser_page(org.kam, locale="en-US")
    page.goto("/kanban/")

    page.drag_and_drop(f'.kanban-card[data-id="{ready.pk}"]', '.kanban-col[data-stage="needs"] .kanban-cards')
    page.wait_for_selector(
        f'.kanban-col[data-stage="needs"] .kanban-card[data-id="{ready.pk}"]:not(.pending)'
    )
    assert page.locator('.kanban-col[data-stage="needs"] [data-count]').inner_text() == "2"
    assert Client.objects.get(pk=ready.pk).stage == Stage.NEEDS

    page.drag_and_drop(
        f'.kanban-card[data-id="{stuck.pk}"]', '.kanban-col[data-stage="proposal"] .kanban-cards'
    )
    alert = page.locator('#kanban-status[role="alert"]')
    alert.wait_for()
    assert "needs analysis" in alert.inner_text()
    page.wait_for_selector(f'.kanban-col[data-stage="needs"] .kanban-card[data-id="{stuck.pk}"]')
    assert page.locator(f'.kanban-col[data-stage="proposal"] .kanban-card[data-id="{stuck.pk}"]').count() == 0
    assert Client.objects.get(pk=stuck.pk).stage == Stage.NEEDS
    assert not StageChange.objects.filter(client=stuck).exists()


def test_kanban_on_a_phone_moves_back_through_the_menu_after_asking_why(org, browser_page):
    customer = ClientFactory(area=org.a1, owner=org.marketer, stage=Stage.PROPOSAL, name="回退客户")
    page = browser_page(org.marketer, phone=True)
    page.goto("/kanban/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.select_option(f"#move-{customer.pk}", "survey")
    page.fill("#reason-text", "决策人换了，重新调查")
    page.click("#reason-ok")
    page.wait_for_selector(
        f'.kanban-col[data-stage="survey"] .kanban-card[data-id="{customer.pk}"]:not(.pending)'
    )
    change = StageChange.objects.get(client=customer)
    assert (change.from_stage, change.to_stage, change.reason) == (
        "proposal",
        "survey",
        "决策人换了，重新调查",
    )
    # Cancelling the question leaves the card where it is
    page.select_option(f"#move-{customer.pk}", "dropped")
    page.click("#reason-cancel")
    assert Client.objects.get(pk=customer.pk).stage == Stage.SURVEY
    # The client page and the calendar fit the phone too
    for url in (f"/clients/{customer.pk}/", "/visits/", f"/visits/records/new/?client={customer.pk}"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, url


def test_the_funnel_page_counts_and_filters_by_area(org, browser_page):
    for stage in (Stage.SCREEN, Stage.SURVEY, Stage.SURVEY):
        ClientFactory(area=org.a1, owner=org.kam, stage=stage)
    ClientFactory(area=org.a2, owner=org.kam, stage=Stage.CONTRACT)
    page = browser_page(org.station_master)
    page.goto("/funnel/")
    assert page.locator('tr[data-stage="survey"] [data-now]').inner_text() == "2"
    assert page.locator('tr[data-stage="contract"] [data-reached]').inner_text() == "1"
    # The area is typed into a picker (HQ would face 1,000 areas in a select)
    assert page.locator("select[name=area], select[name=owner]").count() == 0
    page.fill("#id_area", "A1")
    page.locator(".picker-list li[role=option]", has_text="片区A1").click()
    page.click(".toolbar button[type=submit]")
    page.wait_for_load_state()
    assert page.locator('tr[data-stage="contract"] [data-reached]').inner_text() == "0"
    assert page.locator('tr[data-stage="collect"] [data-reached]').inner_text() == "3"
    assert page.locator('tr[data-stage="screen"] [data-conversion]').inner_text() == "67%"
