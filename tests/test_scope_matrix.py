"""Who sees what, table-driven: every role against objects of its own area, another area of its station and
another station, for every list and detail endpoint. Later features add rows to ENDPOINTS."""

import pytest

pytestmark = pytest.mark.django_db

# role -> (own area, other area of the same station, other station) visibility of a *person-scoped* record
# owned by someone in the area (for users: the people themselves).
EXPECTED_USERS = {
    "courier": (False, False, False),  # couriers see only themselves
    "area_marketer": (True, False, False),
    "area_manager": (True, False, False),
    "station_master": (True, True, False),
    "key_account_manager": (True, True, False),
    "executive": (True, True, True),
    "admin": (True, True, True),
}


def _targets(org):
    """A person in the caller's area (a1), in the other area of station A (a2), and in station B."""
    return org.courier, org.courier_a2, org.courier_b


@pytest.mark.parametrize("role", sorted(EXPECTED_USERS))
def test_users_list_and_detail_follow_scope(org, api_as, role):
    caller = org.by_role()[role]
    client = api_as(caller)
    listed = {u["id"] for u in client.get("/api/v1/users/?page_size=200").json()["results"]}
    for target, visible in zip(_targets(org), EXPECTED_USERS[role], strict=True):
        if target == caller:
            continue
        assert (target.pk in listed) == visible, (role, target.username)
        assert client.get(f"/api/v1/users/{target.pk}/").status_code == (200 if visible else 404)
    assert caller.pk in listed or role in ("executive", "admin")


EXPECTED_AREAS = {
    # own area a1, other area a2, other station's b1
    "courier": (True, False, False),
    "area_marketer": (True, False, False),
    "area_manager": (True, False, False),
    "station_master": (True, True, False),
    "key_account_manager": (True, True, False),
    "executive": (True, True, True),
    "admin": (True, True, True),
}


@pytest.mark.parametrize("role", sorted(EXPECTED_AREAS))
def test_areas_and_stations_follow_scope(org, api_as, role):
    caller = org.by_role()[role]
    client = api_as(caller)
    for area, visible in zip((org.a1, org.a2, org.b1), EXPECTED_AREAS[role], strict=True):
        assert client.get(f"/api/v1/areas/{area.pk}/").status_code == (200 if visible else 404), (
            role,
            area.name,
        )
    own_station_visible = True
    other_station_visible = role in ("executive", "admin")
    assert client.get(f"/api/v1/stations/{org.station_a.pk}/").status_code == (
        200 if own_station_visible else 404
    )
    assert client.get(f"/api/v1/stations/{org.station_b.pk}/").status_code == (
        200 if other_station_visible else 404
    )


@pytest.mark.parametrize(
    "url", ["/api/v1/users/", "/api/v1/areas/", "/api/v1/stations/", "/api/v1/notifications/"]
)
def test_anonymous_gets_401(api_client, url):
    assert api_client.get(url).status_code == 401


@pytest.mark.parametrize(
    "role", ["courier", "area_marketer", "area_manager", "key_account_manager", "executive"]
)
def test_roles_that_may_not_manage_people_get_403(org, api_as, role):
    client = api_as(org.by_role()[role])
    response = client.post(
        "/api/v1/users/",
        {
            "username": "newbie",
            "password": "Str0ng-pass-42",
            "role": "courier",
            "station": org.station_a.pk,
            "area": org.a1.pk,
        },
        format="json",
    )
    assert response.status_code == 403
    assert (
        client.post("/api/v1/areas/", {"name": "x", "station": org.station_a.pk}, format="json").status_code
        == 403
    )


PAGES = [
    # (url builder, roles allowed)
    (lambda org: "/people/", {"station_master", "admin"}),
    (lambda org: "/areas/", {"station_master", "admin"}),
    (lambda org: f"/people/{org.courier.pk}/", {"station_master", "admin"}),
]


@pytest.mark.parametrize("page", range(len(PAGES)))
@pytest.mark.parametrize("role", sorted(EXPECTED_USERS))
def test_pages_by_role(org, client, page, role):
    url_for, allowed = PAGES[page]
    client.force_login(org.by_role()[role])
    assert client.get(url_for(org)).status_code == (200 if role in allowed else 403)


def test_station_master_gets_404_for_another_stations_person_page(org, client):
    client.force_login(org.station_master)
    assert client.get(f"/people/{org.courier_b.pk}/").status_code == 404
    assert client.get(f"/areas/{org.b1.pk}/").status_code == 404
