import pytest

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
