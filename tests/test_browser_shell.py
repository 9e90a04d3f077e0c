import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_courier_logs_in_on_a_phone_and_sees_their_menu_in_chinese(org, browser_page):
    page = browser_page(phone=True)
    page.goto("/")
    page.fill("#id_username", "courier")
    page.fill("#id_password", "pass-1234-lantou")
    page.click("#login-submit")
    page.wait_for_url("**/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.click("[data-toggle-nav]")
    nav = page.locator("#mainnav")
    assert nav.is_visible()
    assert "首页" in nav.inner_text()
    assert page.locator("[data-nav='accounts:people']").count() == 0  # not a courier's page
    # Nothing overflows a 375 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_station_master_on_desktop_manages_people_and_switches_language(org, browser_page):
    page = browser_page(org.station_master)
    page.goto("/")
    page.click("[data-nav='accounts:people']")
    assert page.locator("h1").inner_text() == "人员"
    assert page.get_by_role("link", name="courier_a2").is_visible()
    assert (
        page.get_by_role("link", name="courier_b").count() == 0
    )  # another station's people stay out of sight
    page.click("#user-menu > summary")
    page.click("#user-menu button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "People"


def test_wrong_password_shows_a_clear_message(org, browser_page):
    page = browser_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", "courier")
    page.fill("#id_password", "wrong")
    page.click("#login-submit")
    assert "用户名或密码错误" in page.locator("[role=alert]").inner_text()
