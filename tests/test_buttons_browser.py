"""Buttons look like what they do: destructive actions red, secondary ones quiet, the main one green (read from
the browser's computed styles, on a phone and a desktop)."""

import pytest

from pipeline.models.loop import Stage
from tests.factories_leads import ClientFactory, LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BRAND = "rgb(10, 92, 54)"  # --brand
DANGER = "rgb(185, 28, 28)"  # --danger
WHITE = "rgb(255, 255, 255)"


def _colours(page, selector):
    return page.locator(selector).first.evaluate(
        "el => { const s = getComputedStyle(el); return [s.backgroundColor, s.color]; }"
    )


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_review_queue_buttons_show_their_weight(org, browser_page, phone):
    lead = LeadFactory(collected_by=org.courier, company_name="甲贸易有限公司")
    page = browser_page(org.marketer, phone=phone)
    page.goto("/leads/review/")
    card = f"#lead-{lead.pk}"

    assert _colours(page, f"{card} [data-action=accept]") == [BRAND, WHITE]
    # Returning is a quiet, secondary action; rejecting is destructive, both the opener and the final confirm.
    assert _colours(page, f"{card} details[data-action=return] summary") == [WHITE, BRAND]
    assert _colours(page, f"{card} details[data-action=return] button[type=submit]") == [WHITE, BRAND]
    assert _colours(page, f"{card} details[data-action=reject] summary") == [DANGER, WHITE]
    assert _colours(page, f"{card} details[data-action=reject] button[type=submit]") == [DANGER, WHITE]


def test_list_filter_and_kanban_dialog_cancel_are_secondary(org, browser_page):
    ClientFactory(area=org.a1, owner=org.kam, stage=Stage.SURVEY, name="陆家嘴贸易有限公司")
    page = browser_page(org.kam)
    page.goto("/clients/")
    assert _colours(page, "button.btn-secondary[type=submit]") == [WHITE, BRAND]
    page.goto("/kanban/")
    assert _colours(page, "#reason-cancel") == [WHITE, BRAND]
    assert _colours(page, "#reason-ok") == [BRAND, WHITE]
