"""In Chromium: a picker chooses an area by typing (no select of every area), and the top bar's search finds a
client on a 375 px phone."""

import pytest

from tests.factories_leads import ClientContactFactory, ClientFactory, LeadFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_a_station_master_filters_the_lead_list_by_an_area_typed_into_the_picker(org, browser_page):
    LeadFactory(collected_by=org.courier, company_name="一片区的线索")
    LeadFactory(collected_by=org.courier_a2, company_name="二片区的线索")
    page = browser_page(org.station_master)
    page.goto("/leads/")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # When they type part of the area's name and choose the match
    page.fill("#id_area", "A2")
    option = page.locator(".picker-list li[role=option]", has_text="片区A2")
    option.click()
    assert page.input_value("input[type=hidden][name=area]") == str(org.a2.pk)
    page.click("form.toolbar button[type=submit] >> nth=0")
    page.wait_for_load_state()
    # Then the list holds the area's lead only, and the picker shows the chosen area
    assert f"area={org.a2.pk}" in page.url
    assert page.locator("tbody tr").count() == 1 and "二片区的线索" in page.inner_text("tbody")
    assert "片区A2" in page.input_value("#id_area")
    assert page.locator("select[name=area], select[name=collected_by]").count() == 0
    assert errors == []


def test_on_a_phone_the_top_bar_search_finds_a_client_by_a_contacts_phone(org, browser_page):
    found = ClientFactory(area=org.a1, name="晨光文具商行")
    contact = ClientContactFactory(client=found, name="钱经理")
    page = browser_page(org.marketer, phone=True)
    page.goto("/")
    box = page.locator("#topbar-q")
    assert box.is_visible()
    box.fill(contact.phone)
    box.press("Enter")
    page.wait_for_load_state()
    assert "/search/" in page.url
    assert "钱经理" in page.inner_text("main") and "晨光文具商行" in page.inner_text("main")
    # Nothing runs off the side of the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
