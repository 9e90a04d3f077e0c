"""API tokens: expiring, stored as digests, ended by a password change, a deactivation or a revoke; token logins
and failed logins (page and token) kept as rows."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessFailureLog, AccessLog
from django.utils import timezone
from knox.crypto import hash_token

from accounts.models import ApiToken

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REVOKE = "/api/v1/auth/token/revoke/"
ME = "/api/v1/users/me/"
PASSWORD = "pass-1234-lantou"


def _token(api_client, username="courier", password=PASSWORD) -> str:
    response = api_client.post(TOKEN, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _me(key: str):
    from rest_framework.test import APIClient

    return APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {key}")


def test_a_token_is_stored_only_as_a_digest_and_expires_after_the_configured_lifetime(
    org, api_client, settings
):
    # Given a token issued now
    issued = api_client.post(TOKEN, {"username": "courier", "password": PASSWORD}, format="json").json()
    key = issued["token"]

    # Then the database holds its digest, never the key itself
    token = ApiToken.objects.get(user=org.courier)
    assert token.digest == hash_token(key)
    assert key not in (token.digest, token.token_key, token.password_fingerprint)
    assert dt.datetime.fromisoformat(issued["expiry"]) == token.expiry
    assert _me(key).status_code == 200

    # When its lifetime (24 hours by default) has passed, it no longer opens anything
    with time_machine.travel(timezone.now() + dt.timedelta(hours=24, minutes=1)):
        assert _me(key).status_code == 401
    assert not ApiToken.objects.filter(user=org.courier).exists()


def test_a_password_changed_through_the_api_ends_the_accounts_tokens(org, api_client, api_as):
    key = _token(api_client)
    other = _token(api_client, "marketer")

    response = api_as(org.station_master).patch(
        f"/api/v1/users/{org.courier.pk}/", {"password": "a-new-Passw0rd-2026"}, format="json"
    )

    assert response.status_code == 200
    assert _me(key).status_code == 401
    assert not ApiToken.objects.filter(user=org.courier).exists()
    assert _me(other).status_code == 200


def test_a_password_changed_on_the_page_ends_the_accounts_tokens(org, api_client, client):
    key = _token(api_client)
    client.force_login(org.courier)

    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-Passw0rd-2026",
            "new_password2": "a-new-Passw0rd-2026",
        },
    )

    assert response.status_code == 302
    assert _me(key).status_code == 401


def test_a_password_set_through_any_other_door_ends_the_tokens_too(org, api_client):
    # The admin, `manage.py changepassword` and a reset all end in set_password and save.
    key = _token(api_client)
    org.courier.set_password("a-new-Passw0rd-2026")
    org.courier.save()

    assert _me(key).status_code == 401


def test_deactivating_an_account_ends_its_tokens(org, api_client, api_as):
    key = _token(api_client)

    response = api_as(org.station_master).patch(
        f"/api/v1/users/{org.courier.pk}/", {"is_active": False}, format="json"
    )

    assert response.status_code == 200
    assert _me(key).status_code == 401
    assert not ApiToken.objects.filter(user=org.courier).exists()


def test_the_revoke_endpoint_ends_the_token_it_is_called_with_and_no_other(org, api_client):
    from rest_framework.test import APIClient

    first, second = _token(api_client), _token(api_client)

    response = APIClient().post(REVOKE, HTTP_AUTHORIZATION=f"Token {first}")

    assert response.status_code == 204
    assert _me(first).status_code == 401
    assert _me(second).status_code == 200


def test_revoking_all_ends_every_token_of_the_account(org, api_client, client):
    from rest_framework.test import APIClient

    first, second = _token(api_client), _token(api_client)
    other = _token(api_client, "marketer")

    response = APIClient().post(REVOKE, {"all": True}, format="json", HTTP_AUTHORIZATION=f"Token {first}")

    assert response.status_code == 204
    assert (_me(first).status_code, _me(second).status_code, _me(other).status_code) == (401, 401, 200)


def test_revoking_without_a_token_says_what_to_send_in_the_callers_language(org, api_as):
    response = api_as(org.courier).post(REVOKE, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == {"detail": "Send the token to revoke in the Authorization header, or all=true."}


def test_revoking_needs_credentials(org, api_client):
    assert api_client.post(REVOKE).status_code == 401


def test_the_schema_documents_the_token_and_its_revocation(org, api_as):
    schema = api_as(org.courier).get("/api/schema/?format=json").json()

    assert set(
        schema["paths"][TOKEN]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    ) >= {"$ref"}
    assert "204" in schema["paths"][REVOKE]["post"]["responses"]
    assert "all" in schema["components"]["schemas"]["TokenRevokeInputRequest"]["properties"]


# --- The login history ------------------------------------------------------------------------------------------


def test_failed_logins_on_the_page_and_for_a_token_are_kept_with_where_they_came_from(
    org, client, api_client
):
    client.post("/accounts/login/", {"username": "courier", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    api_client.post(
        TOKEN, {"username": "courier", "password": "wrong"}, format="json", REMOTE_ADDR="10.1.1.2"
    )

    rows = list(
        AccessFailureLog.objects.order_by("attempt_time").values_list("username", "ip_address", "path_info")
    )
    assert rows == [("courier", "10.1.1.1", "/accounts/login/"), ("courier", "10.1.1.2", TOKEN)]


def test_a_token_login_is_logged_like_a_page_login(org, client, api_client):
    client.post("/accounts/login/", {"username": "marketer", "password": PASSWORD})
    _token(api_client)

    rows = set(AccessLog.objects.values_list("username", "path_info"))
    assert rows == {("marketer", "/accounts/login/"), ("courier", TOKEN)}
    org.courier.refresh_from_db()
    assert org.courier.last_login is not None


def test_administrators_see_tokens_without_their_keys_and_revoke_by_deleting(org, api_client, client):
    from django.contrib import admin
    from knox.models import AuthToken

    key = _token(api_client)
    token = ApiToken.objects.get(user=org.courier)
    client.force_login(org.admin)

    listing = client.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200
    assert key not in listing.content.decode()
    assert not admin.site.is_registered(AuthToken)  # knox's own model, replaced by ours

    client.post(f"/admin/accounts/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert _me(key).status_code == 401
