"""Lists on a 375 px phone: one card per row (title, status chip, two or three facts, the row's action), nothing
scrolls sideways, and 25 rows of each role's main list take less than two and a half screens. A screenshot of each
role's main page is kept in test-artifacts/phone/ (git-ignored) for a person to look at."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from satisfaction.models import Complaint
from tests.factories import AreaFactory, StationFactory, UserFactory
from tests.factories_leads import ClientFactory, LeadFactory, collect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREEN = 812  # the phone's height (tests/conftest.py PHONE)
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "phone"


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _assert_cards(page, table: str, rows: int) -> None:
    """The table `table` shows `rows` rows as cards no wider than the phone, in under 2.5 screens per 25 rows."""
    cards = page.locator(f"{table} > tbody > tr")
    assert cards.count() == rows
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert cards.first.evaluate("tr => getComputedStyle(tr).display") == "flex"
    assert page.locator(f"{table} > thead").evaluate("h => h.getBoundingClientRect().height") <= 1
    box = cards.first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    height = page.locator(table).bounding_box()["height"]
    assert height / rows * 25 < 2.5 * SCREEN, f"{table}: {height:.0f} px for {rows} rows"
    # The title and the status chip head every card
    assert cards.first.locator(".cell-title").is_visible()


def test_a_couriers_leads_are_cards_on_a_phone(org, browser_page):
    for n in range(25):
        LeadFactory(collected_by=org.courier, company_name=f"上海第{n}号嘉禾国际贸易有限公司")
    page = browser_page(org.courier, phone=True)
    page.goto("/leads/")
    _assert_cards(page, "#lead-list", 25)
    assert page.locator("#lead-list .cell-chip").first.inner_text() == "已提交"
    # The collector's own name is not repeated on each of their cards
    assert not page.locator("#lead-list > tbody > tr").first.get_by_text(str(org.courier)).is_visible()
    _shot(page, "courier-leads")


def test_a_marketers_and_a_managers_lists_are_cards_on_a_phone(org, browser_page):
    for n in range(25):
        LeadFactory(
            collected_by=org.courier if n % 2 else org.marketer, company_name=f"杭州第{n}号贸易有限公司"
        )
    page = browser_page(org.marketer, phone=True)
    page.goto("/leads/")
    _assert_cards(page, "#lead-list", 25)
    page.goto("/leads/review/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(page, "area-marketer-review-queue")

    manager = browser_page(org.manager, phone=True)
    manager.goto("/leads/")
    _assert_cards(manager, "#lead-list", 25)
    _shot(manager, "area-manager-leads")


def test_a_key_account_managers_clients_and_screening_are_cards_on_a_phone(org, browser_page):
    for n in range(25):
        ClientFactory(area=org.a1, owner=org.kam, name=f"宁波第{n}号电子商务有限公司", stage="screen")
    page = browser_page(org.kam, phone=True)
    page.goto("/clients/")
    _assert_cards(page, "#client-list", 25)
    # Each fact is named on the card (its column's name before it)
    labels = page.locator("#client-list > tbody > tr").first.evaluate(
        "tr => [...tr.cells].map(td => getComputedStyle(td, '::before').content).join(' ')"
    )
    assert "预期月收入" in labels
    _shot(page, "key-account-manager-clients")
    page.goto("/screening/")
    _assert_cards(page, "#screening-list", 25)


def test_complaints_are_cards_on_a_phone(org, browser_page):
    customer = ClientFactory(area=org.a1, owner=org.kam, name="温州鞋业有限公司", stage="follow_up")
    now = timezone.now()
    for n in range(25):
        Complaint.objects.create(
            client=customer,
            channel="phone",
            category="delay",
            severity="high" if n % 3 == 0 else "low",
            description=f"第{n}次延误",
            owner=org.kam,
            received_at=now,
            due_at=now + dt.timedelta(hours=n - 5),
            created_by=org.kam,
        )
    page = browser_page(org.kam, phone=True)
    page.goto("/complaints/")
    _assert_cards(page, "#complaint-list", 25)


def test_a_station_masters_dashboard_and_notice_are_cards_on_a_phone(org, browser_page):
    today = timezone.localdate()
    people = [UserFactory(role="courier", area=org.a1 if n % 2 else org.a2) for n in range(23)]
    for n, person in enumerate(people[:10]):
        collect(person, today, n % 3 + 1)
    page = browser_page(org.station_master, phone=True)
    page.goto("/dashboard/")
    rows = page.locator("#people-table > tbody > tr").count()
    assert rows >= 25  # the 23 couriers and the fixture's people of the station
    _assert_cards(page, "#people-table", rows)
    _assert_cards(page, "#area-table", 2)
    _shot(page, "station-master-dashboard")

    page.goto(f"/dashboard/notice/?date={today}")
    _assert_cards(page, "#notice-people", page.locator("#notice-people > tbody > tr").count())


def test_an_executives_stations_are_cards_on_a_phone(org, browser_page):
    for n in range(23):
        AreaFactory(station=StationFactory(name=f"第{n}揽投站", code=f"P{n:03d}"))
    page = browser_page(org.executive, phone=True)
    page.goto("/dashboard/")
    rows = page.locator("#station-table > tbody > tr").count()
    assert rows >= 25
    _assert_cards(page, "#station-table", rows)
    _shot(page, "executive-dashboard")


def test_on_a_desk_the_same_lists_are_tables(org, browser_page):
    LeadFactory(collected_by=org.courier)
    page = browser_page(org.marketer)
    page.goto("/leads/")
    assert page.locator("#lead-list > tbody > tr").first.evaluate("tr => getComputedStyle(tr).display") == (
        "table-row"
    )
    assert page.locator("#lead-list > thead th").first.is_visible()
    assert page.locator("#lead-list .desk-only").first.is_visible()
