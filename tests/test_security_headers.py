"""What every response says about itself: no caching of anything private, a Content-Security-Policy, sessions
that end, and an API description for signed-in people only."""

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def _no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


# --- Cache-Control -----------------------------------------------------------------------------------------------


def test_pages_for_a_signed_in_person_are_not_stored(org, client):
    client.force_login(org.station_master)
    for url in ("/", "/leads/", "/clients/", "/dashboard/stations/%d/" % org.station_a.pk):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _no_store(response), url


def test_api_answers_are_not_stored_with_a_token_or_without(org, api_client):
    key = api_client.post(
        "/api/v1/auth/token/", {"username": "courier", "password": "pass-1234-lantou"}, format="json"
    )
    assert _no_store(key)
    listing = api_client.get("/api/v1/leads/", HTTP_AUTHORIZATION=f"Token {key.json()['token']}")
    assert listing.status_code == 200
    assert _no_store(listing)
    assert _no_store(api_client.get("/api/v1/leads/"))  # a 401 says nothing worth keeping either


def test_exports_are_not_stored(org, client, api_as):
    client.force_login(org.station_master)
    page_export = client.get("/dashboard/notice.xlsx")
    api_export = api_as(org.station_master).get("/api/v1/leads/export/")

    assert page_export.status_code == api_export.status_code == 200
    assert _no_store(page_export) and _no_store(api_export)


# --- The API's description -------------------------------------------------------------------------------------


def test_the_schema_and_the_docs_need_a_login(org, client, api_client):
    assert api_client.get("/api/schema/").status_code == 401
    docs = client.get("/api/docs/")
    assert docs.status_code == 302
    assert docs["Location"].startswith("/accounts/login/")

    client.force_login(org.courier)
    assert client.get("/api/schema/").status_code == 200
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    # Swagger UI from this site's own static files, its start-up script a file of its own.
    assert "cdn" not in html.lower()
    assert re.search(
        r'<script src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle\.js"', html
    )
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


# --- Sessions ------------------------------------------------------------------------------------------------------


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_a_session_ends_after_eight_hours_without_a_request(org, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(org.courier)
        assert _signed_in(client)
    for hours in (7, 14):  # each request renews it
        with time_machine.travel(start + dt.timedelta(hours=hours), tick=False):
            assert _signed_in(client), hours
    with time_machine.travel(start + dt.timedelta(hours=22, minutes=1), tick=False):
        response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_session_ends_a_day_after_login_however_busy(org, client, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(org.courier)
        assert _signed_in(client)
    for hours in range(4, 24, 4):
        with time_machine.travel(start + dt.timedelta(hours=hours), tick=False):
            assert _signed_in(client), hours
    with time_machine.travel(start + dt.timedelta(hours=24, minutes=1), tick=False):
        response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_session_cookie_lasts_the_idle_limit(org, client):
    client.post("/accounts/login/", {"username": "courier", "password": "pass-1234-lantou"})
    assert client.cookies["sessionid"]["max-age"] == 8 * 3600


# --- Content-Security-Policy ----------------------------------------------------------------------------------


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


@pytest.mark.parametrize("url", ["/accounts/login/", "/s/not-a-link/", "/", "/admin/", "/api/docs/"])
def test_every_page_is_served_with_a_policy_allowing_only_this_sites_scripts(org, client, url):
    client.force_login(org.admin)
    policy = _policy(client.get(url))

    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert all(source == "'self'" or source.startswith("'nonce-") for source in policy["script-src"])
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def _templates():
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" not in path.parts:
            yield path


def test_no_template_has_an_inline_script_without_the_nonce_or_an_inline_handler():
    offenders = []
    for path in _templates():
        html = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", html):
            if "src=" not in tag and "nonce" not in tag and "application/json" not in tag:
                offenders.append(f"{path.relative_to(ROOT)}: {tag}")
        offenders += [f"{path.relative_to(ROOT)}: {m}" for m in re.findall(r"\son[a-z]+=\"", html)]
    assert offenders == []
