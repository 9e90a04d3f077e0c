"""The volume card on the client page and the revenue on the dashboards, in Chinese, on a phone and a desktop;
the tier's override set and cleared through the page."""

import pytest
from django.utils import timezone

from pipeline.models import Client
from tests.factories_leads import ClientFactory
from tests.factories_volumes import contract, volume
from volumes.months import months_back

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _months(n):
    first = timezone.localdate().replace(day=1)
    return [months_back(first, k).strftime("%Y-%m") for k in range(n, 0, -1)]


@pytest.mark.parametrize("phone", [True, False])
def test_the_client_page_shows_the_months_and_the_shortfall(org, browser_page, phone):
    client = ClientFactory(
        area=org.a1, owner=org.kam, name="短量贸易有限公司", stage="follow_up", waybill_code="WB-9"
    )
    contract(client, committed=1000)
    earlier, last = _months(2)
    volume(client, earlier, 900, "7200")
    volume(client, last, 950, "7600.50")
    page = browser_page(org.kam, phone=phone)
    page.goto(f"/clients/{client.pk}/")
    card = page.locator("#volumes-client-card")
    assert "发货量" in card.inner_text() and "WB-9" in card.inner_text()
    assert "连续 2 个月低于承诺量" in page.locator("#volume-shortfall").inner_text()
    assert card.locator("tbody tr").count() == 2
    assert "¥7,600.50" in card.inner_text()
    if phone:
        assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_tier_set_by_hand_keeps_who_and_why_and_can_be_cleared(org, browser_page):
    client = ClientFactory(area=org.a1, owner=org.kam, name="等级有限公司", tier="B")
    Client.objects.filter(pk=client.pk).update(tier_computed="B")
    page = browser_page(org.kam, phone=True)
    page.goto(f"/clients/{client.pk}/")
    page.select_option("#tier_tier", "A")
    page.fill("#tier_reason", "集团总部")
    page.locator("form[action$='/tier/'] button[type=submit]:not([name])").click()
    page.wait_for_load_state()
    stored = Client.objects.get(pk=client.pk)
    assert (stored.tier, stored.tier_override, stored.tier_override_reason, stored.tier_override_by) == (
        "A",
        "A",
        "集团总部",
        org.kam,
    )
    assert "手动设定" in page.locator("#tier").inner_text()
    page.locator("button[name=clear]").click()
    page.wait_for_load_state()
    stored = Client.objects.get(pk=client.pk)
    assert (stored.tier, stored.tier_override) == ("B", "")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_dashboards_show_revenue_on_a_phone(org, browser_page):
    this_month = timezone.localdate().strftime("%Y-%m")
    volume(ClientFactory(area=org.a1), this_month, 10, "1234.00")
    volume(ClientFactory(area=org.a2), this_month, 10, "100.00")
    page = browser_page(org.station_master, phone=True)
    page.goto(f"/dashboard/stations/{org.station_a.pk}/")
    card = page.locator("#revenue-card")
    text = card.inner_text().replace(",", "")
    assert "收入" in text and "1334" in text and "片区A1" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page = browser_page(org.executive, phone=True)
    page.goto("/dashboard/stations/")
    assert "1334" in page.locator("#revenue-card").inner_text().replace(",", "")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
