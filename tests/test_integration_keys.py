"""Integration keys: created by headquarters, stored as a digest and shown once, revoked, expiring; a key does only
what its scopes and station allow, is throttled per key, and is the actor of everything it does."""

import datetime
import hashlib

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from integrations import services
from integrations.models import IntegrationKey
from pipeline.models import Lead
from tests.factories_leads import ClientFactory, lead_data, phone_for

pytestmark = pytest.mark.django_db


def _key(org, *, scopes, station=None, by=None, **kw):
    key, raw = services.key_create(by=by or org.admin, name="运单系统", scopes=scopes, station=station, **kw)
    return key, raw


def _api(raw: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return api


# --- Lifecycle ---------------------------------------------------------------------------------------------------


def test_a_key_is_created_shown_once_and_stored_as_a_digest(org, api_as):
    api = api_as(org.admin)
    response = api.post(
        "/api/v1/integration-keys/",
        {"name": "呼叫中心", "scopes": ["leads:write", "leads:read"], "station": org.station_a.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    raw = body["key"]
    key = IntegrationKey.objects.get(pk=body["id"])
    assert raw.startswith(key.prefix) and body["prefix"] == key.prefix
    assert key.digest == hashlib.sha256(raw.encode()).hexdigest() and raw not in key.digest
    assert body["scopes"] == ["leads:read", "leads:write"] and body["revoked"] is False

    listed = api.get("/api/v1/integration-keys/").json()["results"]
    assert [row["id"] for row in listed] == [key.pk]
    assert "key" not in listed[0] and listed[0]["last_used_at"] is None
    assert "key" not in api.get(f"/api/v1/integration-keys/{key.pk}/").json()

    # Its account never logs in, and acts as the station's master.
    account = key.user
    assert (account.is_integration, account.is_active, account.has_usable_password()) == (True, False, False)
    assert (account.role, account.station_id) == ("station_master", org.station_a.pk)
    assert account.display_name == "集成密钥：呼叫中心"


def test_a_key_without_a_station_holds_its_creators_role(org):
    by_admin, _raw = _key(org, scopes=["clients:read"])
    by_executive, _raw = _key(org, scopes=["clients:read"], by=org.executive)
    assert (by_admin.user.role, by_admin.user.station_id) == ("admin", None)
    assert by_executive.user.role == "executive"


@pytest.mark.parametrize("role", ["courier", "area_marketer", "station_master", "key_account_manager"])
def test_only_headquarters_manage_keys(org, api_as, role):
    api = api_as(org.by_role()[role])
    assert api.get("/api/v1/integration-keys/").status_code == 403
    response = api.post("/api/v1/integration-keys/", {"name": "x", "scopes": ["leads:read"]}, format="json")
    assert response.status_code == 403
    assert not IntegrationKey.objects.exists()


def test_bad_input_is_400_and_creates_nothing(org, api_as):
    api = api_as(org.executive)
    past = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    for body in (
        {"name": "", "scopes": ["leads:read"]},
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["everything"]},
        {"name": "x", "scopes": ["leads:read"], "expires_at": past},
        {"name": "x", "scopes": ["leads:read"], "station": 999999},
    ):
        assert api.post("/api/v1/integration-keys/", body, format="json").status_code == 400, body
    assert not IntegrationKey.objects.exists() and not User.objects.filter(is_integration=True).exists()


def test_a_revoked_key_is_refused_with_401(org, api_as):
    key, raw = _key(org, scopes=["clients:read"])
    assert _api(raw).get("/api/v1/clients/").status_code == 200

    response = api_as(org.admin).post(f"/api/v1/integration-keys/{key.pk}/revoke/")
    assert response.status_code == 200 and response.json()["revoked"] is True

    refused = _api(raw).get("/api/v1/clients/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 401
    assert refused.json() == {"detail": "This integration key has been revoked."}
    assert "WWW-Authenticate" in refused
    assert _api(raw).get("/api/v1/clients/").json()["detail"] == "此集成密钥已被吊销。"


def test_an_expired_key_and_a_wrong_one_are_refused_with_401(org):
    key, raw = _key(org, scopes=["clients:read"], expires_at=timezone.now() + datetime.timedelta(hours=1))
    IntegrationKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = _api(raw).get("/api/v1/clients/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401 and response.json()["detail"] == "This integration key has expired."
    for wrong in (raw[:-1] + ("A" if raw[-1] != "A" else "B"), "lt_nothing", "x"):
        assert _api(wrong).get("/api/v1/clients/").status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(org):
    key, raw = _key(org, scopes=["clients:read"])
    _api(raw).get("/api/v1/clients/")
    first = IntegrationKey.objects.get(pk=key.pk).last_used_at
    assert first is not None
    _api(raw).get("/api/v1/clients/")
    assert IntegrationKey.objects.get(pk=key.pk).last_used_at == first


# --- Scopes and station ------------------------------------------------------------------------------------------


def test_scopes_are_enforced_per_endpoint(org):
    _key_read, read_leads = _key(org, scopes=["leads:read"], station=org.station_a)
    api = _api(read_leads)
    assert api.get("/api/v1/leads/").status_code == 200
    refused = api.post("/api/v1/leads/", lead_data(), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403 and "leads:write" in refused.json()["detail"]
    assert not Lead.objects.exists()
    assert api.get("/api/v1/clients/").status_code == 403
    assert api.get("/api/v1/webhooks/").status_code == 403
    assert api.post("/api/v1/webhooks/", {"url": "https://example.com/", "events": []}).status_code == 403
    # A view that names no scope refuses every key (deny by default), keys above all.
    assert api.get("/api/v1/integration-keys/").status_code == 403
    assert api.get("/api/v1/users/").status_code == 403
    assert api.get("/api/v1/audit/").status_code == 403


def test_a_station_key_sees_its_station_only(org):
    own = ClientFactory(area=org.a1)
    other = ClientFactory(area=org.b1)
    _k, raw = _key(org, scopes=["clients:read"], station=org.station_a)
    api = _api(raw)
    ids = {row["id"] for row in api.get("/api/v1/clients/").json()["results"]}
    assert own.pk in ids and other.pk not in ids
    assert api.get(f"/api/v1/clients/{own.pk}/").status_code == 200
    assert api.get(f"/api/v1/clients/{other.pk}/").status_code == 404

    _k, hq = _key(org, scopes=["clients:read"])
    ids = {row["id"] for row in _api(hq).get("/api/v1/clients/").json()["results"]}
    assert {own.pk, other.pk} <= ids


def test_a_key_writes_leads_and_is_the_actor_of_them(org):
    key, raw = _key(org, scopes=["leads:write"], station=org.station_a)
    response = _api(raw).post(
        "/api/v1/leads/",
        lead_data(contact_phone=phone_for(77), collected_by=org.courier.pk),
        format="json",
    )
    assert response.status_code == 201, response.json()
    lead = Lead.objects.get(pk=response.json()["id"])
    assert (lead.created_by_id, lead.collected_by_id) == (key.user_id, org.courier.pk)
    # Another station's person is outside the key's scope.
    outside = _api(raw).post(
        "/api/v1/leads/", lead_data(contact_phone=phone_for(78), collected_by=org.courier_b.pk), format="json"
    )
    assert outside.status_code in (400, 404) and Lead.objects.count() == 1


@pytest.mark.postgres
def test_the_audit_trail_names_the_key_as_the_actor(org, api_as):
    key, raw = _key(org, scopes=["leads:write"], station=org.station_a)
    response = _api(raw).post(
        "/api/v1/leads/", lead_data(contact_phone=phone_for(79), collected_by=org.courier.pk), format="json"
    )
    assert response.status_code == 201
    assert connection.vendor == "postgresql"
    rows = api_as(org.admin).get(f"/api/v1/audit/?object_type=lead&object_id={response.json()['id']}").json()
    create = next(r for r in rows["results"] if r["action"] == "create")
    assert (create["actor"], create["actor_name"]) == (key.user_id, "集成密钥：运单系统")


def test_a_key_is_throttled_with_429_and_retry_after(org, settings):
    settings.INTEGRATION_KEY_RATE = "3/minute"
    _k, raw = _key(org, scopes=["clients:read"])
    _k2, other = _key(org, scopes=["clients:read"])
    api = _api(raw)
    assert [api.get("/api/v1/clients/").status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get("/api/v1/clients/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1 and "detail" in refused.json()
    # Counted per key: another key is not held back.
    assert _api(other).get("/api/v1/clients/").status_code == 200


def test_the_schema_describes_the_key_scheme_and_the_endpoints(org, api_as):
    schema = api_as(org.admin).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert schema["components"]["securitySchemes"]["apiKeyAuth"]["in"] == "header"
    paths = schema["paths"]
    assert "201" in paths["/api/v1/integration-keys/"]["post"]["responses"]
    assert "/api/v1/integration-keys/{id}/revoke/" in paths
    assert "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver/" in paths
    assert "202" in paths["/api/v1/webhooks/{id}/test/"]["post"]["responses"]
