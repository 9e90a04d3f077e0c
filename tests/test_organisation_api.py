import pytest

from accounts.models import Area, Station, User

pytestmark = pytest.mark.django_db


def test_token_endpoint_returns_token_for_good_credentials_and_400_otherwise(org, api_client):
    ok = api_client.post(
        "/api/v1/auth/token/", {"username": "courier", "password": "pass-1234-lantou"}, format="json"
    )
    assert ok.status_code == 200
    token = ok.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/users/me/").json()["username"] == "courier"

    api_client.credentials()
    bad = api_client.post("/api/v1/auth/token/", {"username": "courier", "password": "nope"}, format="json")
    assert bad.status_code in (400, 401)


def test_admin_creates_station_area_and_user(org, api_as):
    client = api_as(org.admin)
    station = client.post("/api/v1/stations/", {"name": "新站", "code": "N01"}, format="json")
    assert station.status_code == 201, station.content
    area = client.post("/api/v1/areas/", {"name": "新片区", "station": station.json()["id"]}, format="json")
    assert area.status_code == 201, area.content
    user = client.post(
        "/api/v1/users/",
        {
            "username": "newcourier",
            "password": "Str0ng-pass-42",
            "display_name": "新人",
            "role": "courier",
            "station": station.json()["id"],
            "area": area.json()["id"],
            "date_joined": "2026-11-02",
        },
        format="json",
    )
    assert user.status_code == 201, user.content
    created = User.objects.get(username="newcourier")
    assert str(created.date_joined) == "2026-11-02"
    assert created.check_password("Str0ng-pass-42")
    assert "password" not in user.json()
    assert not created.is_staff

    boss = client.post(
        "/api/v1/users/",
        {"username": "newadmin", "password": "Str0ng-pass-42", "role": "admin"},
        format="json",
    )
    assert boss.status_code == 201, boss.content
    assert User.objects.get(username="newadmin").is_staff  # the admin role opens the Django admin


def test_station_master_creates_users_only_in_own_station_and_never_hq_roles(org, api_as):
    client = api_as(org.station_master)
    ok = client.post(
        "/api/v1/users/",
        {
            "username": "c9",
            "password": "Str0ng-pass-42",
            "role": "courier",
            "station": org.station_a.pk,
            "area": org.a2.pk,
        },
        format="json",
    )
    assert ok.status_code == 201, ok.content
    before = User.objects.count()
    other_station = client.post(
        "/api/v1/users/",
        {
            "username": "c10",
            "password": "Str0ng-pass-42",
            "role": "courier",
            "station": org.station_b.pk,
            "area": org.b1.pk,
        },
        format="json",
    )
    assert other_station.status_code in (400, 403)
    for role in ("admin", "executive"):
        response = client.post(
            "/api/v1/users/",
            {
                "username": f"boss-{role}",
                "password": "Str0ng-pass-42",
                "role": role,
                "station": org.station_a.pk,
            },
            format="json",
        )
        assert response.status_code == 400
        assert "role" in response.json()
    assert User.objects.count() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "x1", "password": "Str0ng-pass-42", "role": "boss"}, "role"),
        ({"username": "courier", "password": "Str0ng-pass-42", "role": "courier"}, "username"),
        ({"username": "x2", "password": "123", "role": "courier"}, "password"),
        ({"username": "x3", "password": "Str0ng-pass-42", "role": "courier", "area": "B1"}, "area"),
    ],
)
def test_bad_user_input_gives_field_errors_and_saves_nothing(org, api_as, payload, field):
    client = api_as(org.admin)
    payload = {"station": org.station_a.pk, "area": org.a1.pk} | payload
    if payload.get("area") == "B1":
        payload["area"] = org.b1.pk  # an area of another station
    before = User.objects.count()
    response = client.post("/api/v1/users/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert User.objects.count() == before


def test_errors_follow_accept_language(org, api_as):
    client = api_as(org.admin)
    zh = client.post(
        "/api/v1/stations/", {"name": "重复", "code": "A01"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    en = client.post(
        "/api/v1/stations/", {"name": "dup", "code": "A01"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert zh.status_code == en.status_code == 400
    assert zh.json()["code"] != en.json()["code"]
    assert "exists" in en.json()["code"][0]
    assert Station.objects.filter(code="A01").count() == 1


def test_area_names_unique_per_station(org, api_as):
    response = api_as(org.station_master).post(
        "/api/v1/areas/", {"name": "片区A1", "station": org.station_a.pk}, format="json"
    )
    assert response.status_code == 400
    assert Area.objects.filter(name="片区A1").count() == 1


def test_schema_and_docs_are_served(org, client):
    client.force_login(org.courier)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/users/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_createsuperuser_noinput_gives_admin_role(db, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root2")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Str0ng-pass-42")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.com")
    call_command("createsuperuser", "--noinput")
    assert User.objects.get(username="root2").role == "admin"


def test_openapi_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")
