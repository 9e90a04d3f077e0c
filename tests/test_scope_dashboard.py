"""Who sees which dashboard, table-driven: every role against its own area, another area of its station and
another station, on every dashboard page and endpoint. 404 outside scope, 403 for roles without a dashboard."""

import pytest

pytestmark = pytest.mark.django_db

NO_DASHBOARD = ("courier", "area_marketer", "key_account_manager")

# role -> expected status for (own area a1, other area a2 of station A, area b1 of station B)
AREA_SCOPE = {
    "area_manager": (200, 404, 404),
    "station_master": (200, 200, 404),
    "executive": (200, 200, 200),
    "admin": (200, 200, 200),
}
# role -> expected status for (own station A, station B)
STATION_SCOPE = {
    "area_manager": (200, 404),
    "station_master": (200, 404),
    "executive": (200, 200),
    "admin": (200, 200),
}

AREA_URLS = [
    "/api/v1/dashboard/?area={area}",
    "/api/v1/dashboard/notice/?area={area}",
    "/dashboard/areas/{area}/",
    "/dashboard/notice/?area={area}",
    "/dashboard/notice.xlsx?area={area}",
]
STATION_URLS = [
    "/api/v1/dashboard/?station={station}",
    "/api/v1/dashboard/notice/?station={station}",
    "/dashboard/stations/{station}/",
    "/dashboard/notice/?station={station}",
    "/dashboard/notice.xlsx?station={station}",
]
HQ_URLS = ["/api/v1/dashboard/stations/", "/dashboard/stations/"]
ALL_URLS = AREA_URLS + STATION_URLS + HQ_URLS + ["/dashboard/", "/api/v1/dashboard/"]


def _fill(url, org, area=None, station=None):
    return url.format(area=(area or org.a1).pk, station=(station or org.station_a).pk)


@pytest.mark.parametrize("url", [u for u in ALL_URLS if u != "/dashboard/"])
@pytest.mark.parametrize("role", NO_DASHBOARD)
def test_roles_without_a_dashboard_get_403_everywhere(org, client, role, url):
    client.force_login(org.by_role()[role])
    for area, station in ((org.a1, org.station_a), (org.b1, org.station_b)):
        assert client.get(_fill(url, org, area, station)).status_code in (403, 404)
    assert client.get(_fill(url, org)).status_code == 403


@pytest.mark.parametrize(
    "role, expected", [("courier", 403), ("area_marketer", 302), ("key_account_manager", 302)]
)
def test_the_dashboard_sends_key_account_managers_and_marketers_to_their_day(org, client, role, expected):
    client.force_login(org.by_role()[role])
    response = client.get("/dashboard/")
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == "/"


@pytest.mark.parametrize("url", AREA_URLS)
@pytest.mark.parametrize("role", sorted(AREA_SCOPE))
def test_area_views_follow_scope(org, client, role, url):
    client.force_login(org.by_role()[role])
    for area, expected in zip((org.a1, org.a2, org.b1), AREA_SCOPE[role], strict=True):
        assert client.get(_fill(url, org, area=area)).status_code == expected, (role, area.name)


@pytest.mark.parametrize("url", STATION_URLS)
@pytest.mark.parametrize("role", sorted(STATION_SCOPE))
def test_station_views_follow_scope(org, client, role, url):
    client.force_login(org.by_role()[role])
    for station, expected in zip((org.station_a, org.station_b), STATION_SCOPE[role], strict=True):
        assert client.get(_fill(url, org, station=station)).status_code == expected, (role, station.code)


@pytest.mark.parametrize("url", HQ_URLS)
@pytest.mark.parametrize(
    ("role", "expected"),
    [("area_manager", 403), ("station_master", 403), ("executive", 200), ("admin", 200)],
)
def test_the_network_view_is_for_headquarters(org, client, role, expected, url):
    client.force_login(org.by_role()[role])
    assert client.get(url).status_code == expected


def test_area_manager_on_their_station_sees_only_their_area(org, api_as):
    data = api_as(org.manager).get(f"/api/v1/dashboard/notice/?station={org.station_a.pk}").json()
    assert [a["id"] for a in data["areas"]] == [org.a1.pk]
    assert {p["id"] for p in data["people"]} == {org.courier.pk, org.marketer.pk}


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/stations/", "/api/v1/dashboard/"])
def test_anonymous_is_sent_to_log_in_or_401(client, url):
    response = client.get(url)
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["executive", "admin"])
def test_headquarters_without_a_station_choose_one_for_the_notice(org, client, role):
    client.force_login(org.by_role()[role])
    page = client.get("/dashboard/notice/")
    assert page.status_code == 200 and f"?station={org.station_b.pk}" in page.content.decode()
    assert client.get("/dashboard/notice.xlsx").status_code == 302
    assert client.get("/api/v1/dashboard/notice/").status_code == 400
