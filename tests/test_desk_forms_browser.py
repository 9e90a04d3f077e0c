"""Desk forms in Chromium: a proposal's quote lines grow with "add a line", several choices are checkboxes (no
Ctrl-click), required fields are marked, accept is disabled on an incomplete lead and several leads are decided at
once from the queue, and a day of the work calendar opens its detail."""

from decimal import Decimal

import pytest
from django.utils import timezone

from pipeline.models import Proposal
from pipeline.models.loop import Stage
from tests.factories_leads import ClientFactory, LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _required_mark(page, field_id: str) -> str:
    return page.evaluate(
        "(id) => getComputedStyle(document.querySelector(`label[for=${id}]`), '::after').content", field_id
    )


def test_a_proposal_gets_as_many_quote_lines_as_it_needs(org, browser_page):
    customer = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.PROPOSAL, name="报价客户")
    page = browser_page(org.kam)
    page.goto(f"/clients/{customer.pk}/proposals/new/")
    assert page.locator(".quote-line").count() == 1
    # The title is marked required, the summary is not
    assert "*" in _required_mark(page, "id_title")
    assert "*" not in _required_mark(page, "id_summary")
    page.fill("#id_title", "华东区电商方案")
    for n in range(3):
        if n:
            page.get_by_role("button", name="添加一行").click()
        page.fill(f"#id_lines-{n}-product", f"标准快递{n}")
        page.fill(f"#id_lines-{n}-unit_price", "8.50")
    assert page.locator(".quote-line legend").last.inner_text() == "第 3 行"
    assert page.locator("#id_lines-TOTAL_FORMS").input_value() == "3"
    # Lines sit side by side on a desk: one row of fields per line
    first = page.locator("#id_lines-0-product").bounding_box()
    assert abs(page.locator("#id_lines-0-unit_price").bounding_box()["y"] - first["y"]) < 2
    page.locator("form.step-form button[type=submit]").click()
    page.wait_for_url(f"**/clients/{customer.pk}/**")
    proposal = Proposal.objects.get(client=customer)
    assert sorted(proposal.lines.values_list("product", "unit_price")) == [
        (f"标准快递{n}", Decimal("8.50")) for n in range(3)
    ]


def test_several_choices_need_no_ctrl_click(org, browser_page):
    customer = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.VISIT, name="拜访客户")
    page = browser_page(org.kam)
    page.goto(f"/visits/records/new/?client={customer.pk}")
    assert page.locator("select[multiple]").count() == 0
    # Who went is chosen among all one's colleagues: a search-as-you-type picker of several, not a list
    assert page.locator('.picker[data-name="attendees"][data-multiple]').count() == 1


def test_the_queue_disables_accept_on_an_incomplete_lead_and_decides_several_at_once(org, browser_page):
    complete = [LeadFactory(collected_by=org.courier, company_name=f"完整{n}号商行") for n in range(3)]
    partial = LeadFactory(collected_by=org.courier, company_name="缺地址商行", address="")
    page = browser_page(org.marketer)
    page.goto("/leads/review/")
    assert page.locator(f"#lead-{partial.pk} [data-action=accept]").is_disabled()
    assert page.locator(f"#lead-{complete[0].pk} [data-action=accept]").is_enabled()
    # "Select all" picks the complete ones only
    page.locator("[data-check-all=leads]").check()
    assert page.locator(f"#lead-{partial.pk} input[name=leads]").is_checked() is False
    page.locator(f"#lead-{partial.pk} input[name=leads]").check()
    page.locator("[data-bulk=accept]").click()
    page.wait_for_load_state()
    messages = page.locator(".messages").inner_text()
    assert messages.count("审核通过") + messages.count("客户") >= 3
    assert "缺地址商行：未处理" in messages
    for lead in [*complete, partial]:
        lead.refresh_from_db()
    assert [lead.status for lead in complete] == ["accepted"] * 3
    assert partial.status == "submitted"


def test_a_day_of_the_work_calendar_opens_its_detail(org, browser_page):
    page = browser_page(org.station_master)
    page.goto("/quota/calendar/")
    today = timezone.localdate()
    page.locator(f"td[data-day='{today:%Y-%m-%d}'] a.qd-link").click()
    page.wait_for_url(f"**day={today:%Y-%m-%d}**")
    detail = page.locator("#day-detail")
    assert detail.is_visible() and f"{today:%Y-%m-%d}" in detail.inner_text()
    assert page.locator("#id_day").input_value() == f"{today:%Y-%m-%d}"
    assert page.locator(f"td[data-day='{today:%Y-%m-%d}'] a[aria-current=date]").count() == 1
