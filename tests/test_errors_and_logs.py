"""Every API error is JSON (a 500 too, with the id the log shows); one log line per request; LOG_FORMAT=json."""

import json
import logging
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def failing_dashboard(monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("figures exploded")

    monkeypatch.setattr("dashboard.figures.cached_station_figures", fail)


@pytest.mark.django_db
def test_an_unknown_api_address_is_a_json_404_in_the_callers_language(api_as, org):
    api = api_as(org.station_master)
    chinese = api.get("/api/v1/no-such-thing/")
    english = api.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.status_code == english.status_code == 404
    assert chinese["Content-Type"] == "application/json"
    assert english.json() == {"detail": "Not found."}
    assert chinese.json()["detail"] != "Not found."


@pytest.mark.django_db
def test_a_server_error_in_the_api_is_json_with_the_id_of_its_log_record(org, failing_dashboard, caplog):
    client = Client(raise_request_exception=False)
    client.force_login(org.station_master)

    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get(f"/api/v1/dashboard/?station={org.station_a.pk}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    request_id = response["X-Request-ID"]
    assert response.json() == {
        "detail": f"A server error occurred; it has been logged with the id {request_id}.",
        "request_id": request_id,
    }
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.request_id == request_id
    assert "figures exploded" in str(record.exc_info[1])


@pytest.mark.django_db
def test_a_server_error_on_a_page_is_the_error_page_with_the_id(org, failing_dashboard):
    client = Client(raise_request_exception=False)
    client.force_login(org.station_master)
    response = client.get(f"/dashboard/stations/{org.station_a.pk}/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert response["X-Request-ID"] in response.content.decode()


@pytest.mark.django_db
def test_a_body_django_refuses_is_a_json_400_under_the_api(api_as, org, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
    response = api_as(org.courier).post(
        "/api/v1/leads/", "a=1&b=2&c=3", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


@pytest.mark.django_db
def test_each_request_writes_one_line_with_method_path_status_duration_user_and_id(org, client, caplog):
    client.force_login(org.courier)
    with caplog.at_level(logging.INFO, logger="lantou.request"):
        response = client.get("/leads/", HTTP_X_REQUEST_ID="proxy-id-12345678")
        anonymous = client.__class__().get("/api/v1/leads/")
    first, second = [r for r in caplog.records if r.name == "lantou.request"]
    assert response["X-Request-ID"] == "proxy-id-12345678"
    assert (first.method, first.path, first.status, first.user_id, first.request_id) == (
        "GET",
        "/leads/",
        200,
        org.courier.pk,
        "proxy-id-12345678",
    )
    assert first.duration_ms > 0
    assert (second.status, second.user_id) == (anonymous.status_code, None)
    assert second.request_id == anonymous["X-Request-ID"] != "proxy-id-12345678"


def test_a_request_id_that_does_not_look_like_one_is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith a line break")
    assert "X-Request-ID" not in response  # probes skip the request log altogether
    response = Client().get("/i18n/setlang/", HTTP_X_REQUEST_ID="bad id\nwith a line break")
    assert len(response["X-Request-ID"]) == 32


def _django(code: str, **env) -> subprocess.CompletedProcess:
    environment = {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", "PATH": "/usr/bin:/bin"}
    environment |= {"SECRET_KEY": secrets.token_urlsafe(50)}  # no default key, even in development
    environment |= {"ALLOWED_HOSTS": "testserver"} | env
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_log_format_json_writes_one_json_object_per_line():
    result = _django("from django.test import Client; Client().get('/api/v1/leads/')", LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    [request] = [line for line in lines if line["logger"] == "lantou.request"]
    assert request["level"] == "INFO"
    assert (request["method"], request["path"], request["status"], request["user_id"]) == (
        "GET",
        "/api/v1/leads/",
        401,
        None,
    )
    assert len(request["request_id"]) == 32 and request["duration_ms"] > 0 and request["time"]


def test_an_unknown_log_format_stops_start_up_naming_the_variable():
    result = _django("", LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT='xml'" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("technical", [False, True], ids=["product pages", "asked for Django's"])
def test_with_debug_on_a_404_and_a_500_are_the_product_pages_in_chinese(
    org, failing_dashboard, settings, technical
):
    settings.DEBUG = True  # as under make run
    settings.DEBUG_TECHNICAL_PAGES = technical
    client = Client(raise_request_exception=False)
    client.force_login(org.station_master)

    missing = client.get("/no-such-page/")
    broken = client.get(f"/dashboard/stations/{org.station_a.pk}/")

    assert (missing.status_code, broken.status_code) == (404, 500)
    if technical:
        assert "Using the URLconf defined in" in missing.content.decode()
        assert "figures exploded" in broken.content.decode()
    else:
        assert "该页面不存在" in missing.content.decode()
        assert "URLconf" not in missing.content.decode()
        assert "服务器错误" in broken.content.decode()
        assert "figures exploded" not in broken.content.decode()
        assert broken["X-Request-ID"] in broken.content.decode()


@pytest.mark.django_db
def test_pages_name_a_favicon_and_favicon_ico_leads_to_it(client):
    login = client.get("/accounts/login/")
    assert 'rel="icon" href="/static/favicon.svg"' in login.content.decode()
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, "/static/favicon.svg")
    from django.contrib.staticfiles import finders

    assert finders.find("favicon.svg")


@pytest.mark.django_db
def test_with_debug_on_an_unknown_api_address_is_still_a_json_404(api_as, org, settings):
    settings.DEBUG = True  # as under make run: Django would answer its technical HTML page
    answer = api_as(org.station_master).patch("/api/v1/areas/not-a-number/", {}, format="json")
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address",
    ["/api/v1/pick/people/?q=%00", "/api/v1/search/?q=a%00b", "/api/v1/leads/?search=%00", "/leads/?q=%00"],
)
def test_a_nul_character_in_a_parameter_is_a_400_not_a_database_error(org, address):
    client = Client(raise_request_exception=False)
    client.force_login(org.executive)
    answer = client.get(address, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    if address.startswith("/api/"):
        assert answer.json() == {"detail": "The request contains a NUL character, which no field accepts."}


@pytest.mark.django_db
def test_a_nul_character_in_a_form_field_is_a_400(org):
    client = Client(raise_request_exception=False)
    client.force_login(org.courier)
    answer = client.post(
        "/leads/new/", "company_name=%E7%94%B2%00", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 400


@pytest.mark.django_db
def test_the_global_search_with_nothing_to_look_for_answers_as_its_schema_says(api_as, org):
    answer = api_as(org.courier).get("/api/v1/search/", {"q": ""})
    assert answer.status_code == 200
    assert answer.json()["more"] == {"leads": False, "clients": False, "contacts": False}
