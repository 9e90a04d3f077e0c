"""The notice and the client list on a 375 px phone in Chinese: the figures read as they are (ranked by what the
heading says, rounded, money as ¥13,856, the sort shown is the sort used) and nothing scrolls sideways."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from tests.factories_leads import ClientFactory, collect
from tests.test_phone_lists_browser import _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_notice_and_the_client_list_read_true_on_a_phone(org, browser_page):
    saturday = datetime.date(2026, 11, 21)
    with time_machine.travel(datetime.datetime(2026, 11, 22, 4, 0, tzinfo=datetime.UTC), tick=True):
        collect(org.courier, saturday, 2)
        collect(org.courier_a2, saturday, 3)
        page = browser_page(org.station_master, phone=True)
        page.goto(f"/dashboard/notice/?station={org.station_a.pk}")
        assert (
            "按计入指标的线索数"
            in page.locator("#notice-people").locator("xpath=..").locator("xpath=..").inner_text()
        )
        first = page.locator("#notice-people > tbody > tr").first
        assert first.locator(".cell-chip").inner_text() == "1"
        assert first.locator("strong").inner_text() == "3"  # the leads that count, which the ranking follows
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        _shot(page, "station-master-notice")

    ClientFactory(area=org.a1, owner=org.kam, name="丙公司", expected_revenue=Decimal("13856"), tier="")
    page = browser_page(org.kam, phone=True)
    page.goto("/clients/")
    assert page.locator("#id_sort").input_value() == "updated"
    assert "¥13,856" in page.locator("#client-list").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(page, "key-account-manager-clients")
