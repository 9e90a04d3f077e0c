"""The shell on a phone: a bottom tab bar per role around the capture button, the unread count on the bell, the
account menu (language, log-out with a confirmation) with 44 px targets, dashboards that open on their figures, and
the courier's big capture button; on a desk the top menu instead. Each role's home page is kept as a screenshot in
test-artifacts/phone/."""

import pytest

from accounts.models import Notification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

from tests.test_phone_lists_browser import _shot  # noqa: E402

TABS = {
    "courier": ["home", "pipeline:lead_list", "pipeline:lead_capture", "quota:mine", "agenda:list"],
    "area_marketer": [
        "home",
        "pipeline:review_queue",
        "pipeline:lead_capture",
        "pipeline:lead_list",
        "agenda:list",
    ],
    "area_manager": [
        "home",
        "dashboard:station",
        "pipeline:lead_capture",
        "quota:flags",
        "pipeline:lead_list",
    ],
    "station_master": [
        "home",
        "dashboard:station",
        "pipeline:lead_capture",
        "pipeline:review_queue",
        "quota:flags",
    ],
    "key_account_manager": [
        "home",
        "pipeline:client_list",
        "pipeline:lead_capture",
        "visits:calendar",
        "agenda:list",
    ],
    "executive": ["home", "dashboard:station", "pipeline:client_list", "satisfaction:complaint_list"],
}


@pytest.mark.parametrize("role", list(TABS))
def test_each_role_has_its_tab_bar_on_a_phone(org, browser_page, role):
    user = org.by_role()[role]
    page = browser_page(user, phone=True)
    page.goto("/")
    tabs = page.locator(".tabbar a")
    assert tabs.evaluate_all("links => links.map(a => a.dataset.tab)") == TABS[role]
    for box in tabs.evaluate_all("links => links.map(a => a.getBoundingClientRect().height)"):
        assert box >= 44
    # The bar sits at the bottom of the screen and nothing scrolls sideways
    bar = page.locator(".tabbar").bounding_box()
    assert abs(bar["y"] + bar["height"] - 812) <= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The capture button is in the middle, for those who collect leads
    capture = page.locator(".tabbar .tab-capture")
    if "pipeline:lead_capture" in TABS[role]:
        box = capture.bounding_box()
        assert abs(box["x"] + box["width"] / 2 - 187.5) <= 2
    else:
        assert capture.count() == 0
    assert page.locator(".tabbar a[aria-current=page]").get_attribute("data-tab") == "home"
    _shot(page, f"{role.replace('_', '-')}-home")


def test_the_courier_captures_from_home_and_reads_the_unread_count_on_the_bell(org, browser_page):
    for n in range(3):
        Notification.objects.create(recipient=org.courier, kind="test", message=f"提醒{n}")
    Notification.objects.create(recipient=org.courier_a2, kind="test", message="别人的")
    page = browser_page(org.courier, phone=True)
    page.goto("/")
    assert page.locator("#bell [data-unread]").inner_text() == "3"
    assert "3 条未读" in page.locator("#bell").get_attribute("aria-label")
    bell = page.locator("#bell").bounding_box()
    assert bell["width"] >= 44 and bell["height"] >= 44
    # A big capture button first on the home page
    big = page.locator("#home-capture")
    assert "采集线索" in big.inner_text()
    box = big.bounding_box()
    # in the first half of the first screen (below the top bar and its search box)
    assert box["height"] >= 56 and box["width"] >= 300 and box["y"] < 400
    big.click()
    page.wait_for_url("**/leads/new/")
    # The capture form's submit button is not hidden under the tab bar
    submit = page.locator(".sticky-submit button[type=submit]").bounding_box()
    assert submit["y"] + submit["height"] <= page.locator(".tabbar").bounding_box()["y"] + 1
    # Reading the notifications clears the count
    page.click("#bell")
    page.wait_for_url("**/notifications/")
    assert page.locator("#notification-list > tbody > tr").count() == 3
    page.get_by_role("button", name="全部标为已读").click()
    page.wait_for_load_state()
    page.goto("/")
    assert page.locator("#bell [data-unread]").count() == 0


def test_language_and_log_out_are_in_the_account_menu_and_log_out_asks_first(org, browser_page):
    page = browser_page(org.marketer, phone=True)
    page.goto("/")
    assert not page.locator("#user-menu button[name=language]").is_visible()
    page.click("#user-menu > summary")
    english = page.locator("#user-menu button[name=language][value=en]")
    assert english.inner_text() == "English"
    for item in page.locator("#user-menu .menu-item").all():
        box = item.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 200
    # Log-out asks before it logs out
    page.click("#user-menu .logout-confirm > summary")
    assert "退出" in page.locator("#user-menu .logout-confirm p").inner_text()
    english.click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("#user-menu > summary")
    assert page.locator("#user-menu button[name=language][value=zh-hans]").inner_text() == "简体中文"
    page.click("#user-menu .logout-confirm > summary")
    page.click("#user-menu [data-logout-button]")
    page.wait_for_url("**/login/**")


def test_the_dashboard_and_the_notice_open_on_their_figures_on_a_phone(org, browser_page):
    page = browser_page(org.station_master, phone=True)
    page.goto("/dashboard/")
    assert not page.locator("#id_start").is_visible()
    first = page.locator(".dash-stats .stat").first.bounding_box()
    assert first["y"] + first["height"] < 812
    page.click("#period-box > summary")
    assert page.locator("#id_start").is_visible()

    page.goto("/dashboard/notice/")
    assert not page.locator("#id_start").is_visible()
    assert page.locator(".notice-head").bounding_box()["y"] < 300


def test_on_a_desk_the_top_menu_replaces_the_tab_bar_and_the_period_is_open(org, browser_page):
    page = browser_page(org.station_master)
    page.goto("/dashboard/")
    assert not page.locator(".tabbar").is_visible()
    assert page.locator("#id_start").is_visible()
    assert page.locator("#mainnav").is_visible()
    assert page.locator("#user-menu .user-name").is_visible()
