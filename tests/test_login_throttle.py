import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_token_endpoint_locks_an_account_after_ten_failures_for_a_cool_off(org, api_client, settings):
    for _ in range(10):
        response = api_client.post(
            "/api/v1/auth/token/", {"username": "courier", "password": "wrong"}, format="json"
        )
        assert response.status_code in (400, 401, 403)
    locked = api_client.post(
        "/api/v1/auth/token/", {"username": "courier", "password": "pass-1234-lantou"}, format="json"
    )
    assert locked.status_code in (403, 429)
    # Another account is not affected.
    other = api_client.post(
        "/api/v1/auth/token/", {"username": "marketer", "password": "pass-1234-lantou"}, format="json"
    )
    assert other.status_code == 200


def test_browser_login_locks_after_ten_failures_and_lifts_after_cool_off(org, client, settings):
    import time_machine
    from django.utils import timezone

    for _ in range(10):
        client.post("/accounts/login/", {"username": "courier", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "courier", "password": "pass-1234-lantou"})
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=61)):
        response = client.post("/accounts/login/", {"username": "courier", "password": "pass-1234-lantou"})
        assert response.status_code == 302
    assert User.objects.get(username="courier").is_active


# --- Per account from one address, per address over all accounts -------------------------------------------

TOKEN = "/api/v1/auth/token/"
LOGIN = "/accounts/login/"
PASSWORD = "pass-1234-lantou"


def test_failures_from_one_address_do_not_lock_the_account_elsewhere(org, client, api_client):
    # Given somebody at 10.0.0.66 failing ten times as `admin`, on the page and for a token
    for _ in range(5):
        client.post(LOGIN, {"username": "admin", "password": "wrong"}, REMOTE_ADDR="10.0.0.66")
        api_client.post(
            TOKEN, {"username": "admin", "password": "wrong"}, format="json", REMOTE_ADDR="10.0.0.66"
        )

    # Then `admin` is locked there, saying for how long, in the page's language
    locked = client.post(LOGIN, {"username": "admin", "password": PASSWORD}, REMOTE_ADDR="10.0.0.66")
    assert locked.status_code == 429
    assert locked["Retry-After"] == "3600"
    assert "登录失败次数过多，请 60 分钟后再试。" in locked.content.decode()
    token = api_client.post(
        TOKEN, {"username": "admin", "password": PASSWORD}, format="json", REMOTE_ADDR="10.0.0.66"
    )
    assert token.status_code == 429

    # But the real `admin`, anywhere else, logs in on the page and gets a token
    page = Client().post(LOGIN, {"username": "admin", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert page.status_code == 302
    assert (
        api_client.post(
            TOKEN, {"username": "admin", "password": PASSWORD}, format="json", REMOTE_ADDR="10.0.0.1"
        ).status_code
        == 200
    )


def test_one_address_trying_many_usernames_is_stopped_at_the_address_limit(org, client, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 30
    # Given 30 failed logins from one address, each with another username (never ten for one account)
    for n in range(30):
        client.post(LOGIN, {"username": f"user{n}", "password": "wrong"}, REMOTE_ADDR="10.0.0.77")

    # Then even a right password is refused from there, and accepted from another address
    refused = client.post(LOGIN, {"username": "courier", "password": PASSWORD}, REMOTE_ADDR="10.0.0.77")
    assert refused.status_code == 429
    assert (
        Client()
        .post(LOGIN, {"username": "courier", "password": PASSWORD}, REMOTE_ADDR="10.0.0.78")
        .status_code
        == 302
    )


def test_one_good_login_does_not_reset_the_address_count(org, client, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 20
    for n in range(19):
        client.post(LOGIN, {"username": f"user{n}", "password": "wrong"}, REMOTE_ADDR="10.0.0.88")
    assert (
        Client()
        .post(LOGIN, {"username": "marketer", "password": PASSWORD}, REMOTE_ADDR="10.0.0.88")
        .status_code
        == 302
    )

    client.post(LOGIN, {"username": "user99", "password": "wrong"}, REMOTE_ADDR="10.0.0.88")

    refused = Client().post(LOGIN, {"username": "courier", "password": PASSWORD}, REMOTE_ADDR="10.0.0.88")
    assert refused.status_code == 429


def test_a_forwarded_address_counts_only_behind_a_declared_proxy(org, client, settings):
    # Without a trusted proxy, X-Forwarded-For is whatever the client says: it must not spread the failures.
    for n in range(10):
        client.post(
            LOGIN,
            {"username": "admin", "password": "wrong"},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    assert (
        client.post(LOGIN, {"username": "admin", "password": PASSWORD}, REMOTE_ADDR="10.0.0.5").status_code
        == 429
    )

    # Behind one declared proxy the address it forwards is the client's, and the proxy's own is not.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    behind = Client().post(
        LOGIN,
        {"username": "admin", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert behind.status_code == 302


# --- Throttles ---------------------------------------------------------------------------------------------------


def test_the_token_endpoint_is_throttled_per_address_with_retry_after(org, api_client):
    for _ in range(20):
        assert (
            api_client.post(TOKEN, {"username": "courier", "password": PASSWORD}, format="json").status_code
            == 200
        )

    throttled = api_client.post(
        TOKEN, {"username": "courier", "password": PASSWORD}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert throttled.json()["detail"].startswith("Request was throttled.")
    other = APIClient().post(
        TOKEN, {"username": "courier", "password": PASSWORD}, format="json", REMOTE_ADDR="10.9.9.9"
    )
    assert other.status_code == 200


@pytest.fixture
def low_rates(monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    for scope in ("duplicates", "survey", "password_reset"):
        monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, scope, "3/hour")


def test_the_duplicates_look_up_is_throttled_per_account_across_page_and_api(org, client, api_as, low_rates):
    api = api_as(org.courier)
    client.force_login(org.courier)
    assert api.get("/api/v1/leads/duplicates/", {"contact_phone": "13812345678"}).status_code == 200
    assert client.get("/leads/lookup/", {"contact_phone": "13812345678"}).status_code == 200
    assert api.get("/api/v1/leads/duplicates/", {"contact_phone": "13812345679"}).status_code == 200

    on_api = api.get(
        "/api/v1/leads/duplicates/", {"contact_phone": "13812345670"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    on_page = client.get("/leads/lookup/", {"contact_phone": "13812345670"})

    assert on_api.status_code == on_page.status_code == 429
    assert on_api["Retry-After"] and on_page["Retry-After"]
    assert "秒" in on_page.json()["detail"]
    # Another person is not affected.
    assert api_as(org.marketer).get("/api/v1/leads/duplicates/", {"contact_phone": "1"}).status_code == 200


def test_public_survey_links_are_throttled_per_address(org, client, low_rates):
    for n in range(3):
        assert client.get(f"/s/guess{n}/").status_code == 404

    throttled = client.get("/s/guess9/")

    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert "请求过于频繁" in throttled.content.decode()
    assert Client().get("/s/guess9/", REMOTE_ADDR="10.3.3.3").status_code == 404


def test_password_reset_requests_are_throttled_per_address(org, client, low_rates):
    for _ in range(3):
        assert client.post("/accounts/password_reset/", {"email": "courier@example.com"}).status_code == 302

    throttled = client.post("/accounts/password_reset/", {"email": "courier@example.com"})

    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert client.get("/accounts/password_reset/").status_code == 200
