"""The integrations pages: keys (created with the secret shown once, revoked behind a red confirm button) and
webhooks (created with the signing secret shown once, edited, the delivery log, a test ping, redelivery)."""

import pytest

from integrations import services
from integrations.models import Delivery, IntegrationKey, Webhook

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["courier", "station_master", "key_account_manager"])
def test_only_headquarters_open_the_pages(org, client, role):
    client.force_login(org.by_role()[role])
    for url in ("/integrations/keys/", "/integrations/keys/new/", "/integrations/webhooks/"):
        assert client.get(url).status_code == 403, url


def test_a_key_is_created_and_shown_once_in_chinese(org, client):
    client.force_login(org.executive)
    response = client.post(
        "/integrations/keys/new/",
        {"name": "运单系统", "scopes": ["volumes:write", "clients:read"], "station": org.station_a.pk},
    )
    assert response.status_code == 200
    key = IntegrationKey.objects.get()
    html = response.content.decode()
    shown = html.split('id="new-key"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    assert shown.startswith(key.prefix) and services.key_find(shown) == key
    assert "只显示这一次" in html

    listing = client.get("/integrations/keys/").content.decode()
    assert "运单系统" in listing and key.prefix in listing and shown not in listing
    assert "推送月度业务量" in listing and "站A" in listing and "使用中" in listing


def test_a_key_form_with_errors_creates_nothing(org, client):
    client.force_login(org.admin)
    response = client.post("/integrations/keys/new/", {"name": "", "scopes": []})
    assert response.status_code == 200 and 'class="errorlist"' in response.content.decode()
    assert not IntegrationKey.objects.exists()


def test_revoking_asks_first_with_a_red_button(org, client):
    key, _raw = services.key_create(by=org.admin, name="BI", scopes=["clients:read"])
    client.force_login(org.admin)
    confirm = client.get(f"/integrations/keys/{key.pk}/revoke/").content.decode()
    assert 'class="btn btn-danger"' in confirm and IntegrationKey.objects.get().revoked_at is None
    response = client.post(f"/integrations/keys/{key.pk}/revoke/", follow=True)
    assert response.redirect_chain[-1][0] == "/integrations/keys/"
    assert IntegrationKey.objects.get().revoked_at is not None
    assert "已吊销" in response.content.decode()


def test_a_webhook_is_created_edited_pinged_and_redelivered(org, client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    client.force_login(org.admin)
    created = client.post(
        "/integrations/webhooks/new/",
        {"url": "http://127.0.0.1:9/hook", "events": ["lead.created"], "active": "on"},
    )
    assert created.status_code == 200
    webhook = Webhook.objects.get()
    assert webhook.secret in created.content.decode() and webhook.owner == org.admin

    page = f"/integrations/webhooks/{webhook.pk}/"
    assert webhook.secret not in client.get(page).content.decode()
    saved = client.post(page, {"url": webhook.url, "events": ["lead.created", "flag.raised"], "active": "on"})
    assert saved.status_code == 302
    webhook.refresh_from_db()
    assert webhook.events == ["lead.created", "flag.raised"]

    assert client.post(f"{page}test/").status_code == 302
    delivery = Delivery.objects.get()
    assert delivery.event.type == "ping" and delivery.next_attempt_at is not None
    html = client.get(page).content.decode()
    assert "测试事件" in html and "等待中" in html and 'id="delivery-list"' in html

    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None, attempts=3, status_code=500)
    assert client.post(f"{page}deliveries/{delivery.pk}/redeliver/").status_code == 302
    assert Delivery.objects.get().next_attempt_at is not None


def test_the_pages_switch_to_english(org, client, settings):
    services.key_create(by=org.admin, name="BI", scopes=["clients:read"])
    client.force_login(org.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch
    html = client.get("/integrations/keys/").content.decode()
    assert "Integration keys" in html and "In use" in html
