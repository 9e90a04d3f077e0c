"""The integrations pages on a 375 px phone: keys and deliveries are cards, nothing scrolls sideways, and a key is
created, shown once and revoked with the red button."""

import pytest

from integrations import services
from integrations.models import Delivery, IntegrationKey
from outbox.models import Event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_keys_on_a_phone(org, browser_page):
    services.key_create(by=org.admin, name="呼叫中心", scopes=["leads:write"], station=org.station_a)
    page = browser_page(org.admin, phone=True)
    page.goto("/integrations/keys/new/")
    page.get_by_label("密钥名称").fill("运单系统")
    page.get_by_label("推送月度业务量", exact=True).check()
    page.get_by_role("button", name="创建密钥").click()
    shown = page.locator("#new-key").inner_text()
    _fits(page)
    assert services.key_find(shown).name == "运单系统"

    page.get_by_role("link", name="我已复制").click()
    cards = page.locator("#key-list > tbody > tr")
    assert cards.count() == 2 and cards.first.evaluate("tr => getComputedStyle(tr).display") == "flex"
    _fits(page)
    assert shown not in page.content()

    cards.first.get_by_role("link", name="吊销").click()
    button = page.get_by_role("button", name="吊销")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(185, 28, 28)"
    button.click()
    assert page.locator("#key-list").get_by_text("已吊销").count() == 1
    assert IntegrationKey.objects.filter(revoked_at__isnull=False).count() == 1


def test_a_delivery_log_on_a_phone(org, browser_page, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    webhook, _secret = services.webhook_create(
        by=org.admin, url="http://127.0.0.1:9/hook", events=["lead.created"]
    )
    for n in range(5):
        event = Event.objects.create(type="lead.created", data={"lead": n}, station_id=org.station_a.pk)
        Delivery.objects.create(webhook=webhook, event=event, attempts=n, status_code=500 if n else None)
    page = browser_page(org.admin, phone=True)
    page.goto(f"/integrations/webhooks/{webhook.pk}/")
    cards = page.locator("#delivery-list > tbody > tr")
    assert cards.count() == 5 and cards.first.evaluate("tr => getComputedStyle(tr).display") == "flex"
    _fits(page)
