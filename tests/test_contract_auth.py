"""The token endpoint of the public contract: malformed credentials are a 400, never a server error."""

import pytest
from axes.models import AccessAttempt

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


@pytest.mark.parametrize(
    "username",
    ["cour\x00ier", "x" * 151, "y" * 100_000],
    ids=["nul-character", "longer-than-any-username", "huge"],
)
def test_a_username_no_account_can_have_is_a_400_and_records_no_failed_login(org, api_client, username):
    # Given a username that cannot belong to anybody (the login form refuses the same)

    # When an integration asks for a token with it
    response = api_client.post(TOKEN, {"username": username, "password": "wrong"}, format="json")

    # Then the answer is a field error, and no failed-login record was attempted
    assert response.status_code == 400
    assert set(response.json()) == {"username"}
    assert AccessAttempt.objects.count() == 0


def test_the_field_error_follows_the_request_language(org, api_client):
    response = api_client.post(
        TOKEN, {"username": "x" * 151, "password": "wrong"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert response.json() == {"username": ["Ensure this field has no more than 150 characters."]}


def test_a_locked_account_still_answers_429_and_the_right_password_gets_the_token_elsewhere(org, api_client):
    # Given an account locked after ten failed logins
    for _ in range(10):
        api_client.post(TOKEN, {"username": "courier", "password": "wrong"}, format="json")

    # When the right password is sent
    locked = api_client.post(TOKEN, {"username": "courier", "password": "pass-1234-lantou"}, format="json")

    # Then the account stays locked, in the caller's language, saying when to come back
    assert locked.status_code == 429
    assert locked.json() == {"detail": "登录失败次数过多，请 60 分钟后再试。"}
    assert locked["Retry-After"] == "3600"
    other = api_client.post(TOKEN, {"username": "marketer", "password": "pass-1234-lantou"}, format="json")
    assert other.status_code == 200
    assert set(other.json()) == {"token", "expiry"}
