"""Who sees and does what in the quota, table-driven: every role against a record of its own area (a1), another
area of its station (a2) and another station (b1). Outside the scope: 404; a role that may not act: 403."""

import pytest
from django.utils import timezone

from accounts.roles import Role
from quota.models import CalendarDay, DailyTally, Leave, QuotaFlag
from tests.factories_quota import day, quota_settings

pytestmark = pytest.mark.django_db

ROLES = [role.value for role in Role]

# Flags are personnel matters: people on the quota see only their own; key-account managers none.
FLAGS = {
    "courier": (True, False, False),  # the a1 record belongs to the courier
    "area_marketer": (False, False, False),
    "area_manager": (True, False, False),
    "station_master": (True, True, False),
    "key_account_manager": (False, False, False),
    "executive": (True, True, True),
    "admin": (True, True, True),
}
# Tallies and leave follow the organisation's general rule (accounts.models.scope_q).
PERSONAL = {
    "courier": (True, False, False),
    "area_marketer": (True, False, False),
    "area_manager": (True, False, False),
    "station_master": (True, True, False),
    "key_account_manager": (True, True, False),
    "executive": (True, True, True),
    "admin": (True, True, True),
}
STEP_ROLES = {
    "investigate": {"area_manager", "station_master", "admin"},
    "assess": {"station_master", "admin"},
    "resolve": {"station_master", "admin"},
}
LEAVE_KEEPERS = {"area_manager", "station_master", "admin"}
CALENDAR_KEEPERS = {"station_master", "admin"}


def _people(org):
    return org.courier, org.courier_a2, org.courier_b


@pytest.fixture
def records(org):
    now = timezone.now()
    flags, tallies, leaves = [], [], []
    for person in _people(org):
        flags.append(
            QuotaFlag.objects.create(
                person=person,
                station=person.station,
                area=person.area,
                first_missed_on=day("2026-03-02"),
                last_missed_on=day("2026-03-04"),
                days_missed=3,
                raised_on=day("2026-03-04"),
                created_at=now,
                updated_at=now,
            )
        )
        tallies.append(
            DailyTally.objects.create(
                person=person, day=day("2026-03-02"), station=person.station, area=person.area
            )
        )
        leaves.append(
            Leave.objects.create(person=person, first_day=day("2030-01-02"), last_day=day("2030-01-03"))
        )
    days = [
        CalendarDay.objects.create(station=s, day=day("2030-01-05"), working=True)
        for s in (org.station_a, org.station_b)
    ]
    for station in (org.station_a, org.station_b):
        quota_settings(station)
    return {"flags": flags, "tallies": tallies, "leaves": leaves, "days": days}


@pytest.mark.parametrize("role", ROLES)
def test_flags_follow_scope(org, api_as, records, role):
    client = api_as(org.by_role()[role])
    listed = {f["id"] for f in client.get("/api/v1/flags/").json()["results"]}
    for flag, visible in zip(records["flags"], FLAGS[role], strict=True):
        assert (flag.pk in listed) == visible, (role, flag.person)
        assert client.get(f"/api/v1/flags/{flag.pk}/").status_code == (200 if visible else 404)


@pytest.mark.parametrize("step", sorted(STEP_ROLES))
@pytest.mark.parametrize("role", ROLES)
def test_flag_steps_by_role_and_scope(org, api_as, records, role, step):
    client = api_as(org.by_role()[role])
    payload = {"note": "x", "penalty": False}
    for flag, visible in zip(records["flags"], FLAGS[role], strict=True):
        code = client.post(f"/api/v1/flags/{flag.pk}/{step}/", payload, format="json").status_code
        if role not in STEP_ROLES[step]:
            assert code == 403, (role, step)
        elif not visible:
            assert code == 404, (role, step)
        else:
            assert code in (200, 400), (role, step)  # 400: the flag is not at that step
    if role != "admin":  # nobody but headquarters can touch another station's flag
        assert QuotaFlag.objects.get(pk=records["flags"][2].pk).status == "open"


@pytest.mark.parametrize("role", ROLES)
def test_tallies_and_leave_follow_scope(org, api_as, records, role):
    client = api_as(org.by_role()[role])
    for kind, url in (("tallies", "/api/v1/quota/tallies/"), ("leaves", "/api/v1/quota/leave/")):
        listed = {r["id"] for r in client.get(url).json()["results"]}
        for record, visible in zip(records[kind], PERSONAL[role], strict=True):
            assert (record.pk in listed) == visible, (role, kind)
            assert client.get(f"{url}{record.pk}/").status_code == (200 if visible else 404), (role, kind)


@pytest.mark.parametrize("role", ROLES)
def test_leave_writes_by_role(org, api_as, records, role):
    client = api_as(org.by_role()[role])
    payload = {"person": org.courier.pk, "first_day": "2030-02-01", "last_day": "2030-02-01"}
    code = client.post("/api/v1/quota/leave/", payload, format="json").status_code
    assert code == (201 if role in LEAVE_KEEPERS else 403), role
    other_station = records["leaves"][2]
    deleted = client.delete(f"/api/v1/quota/leave/{other_station.pk}/").status_code
    assert deleted == (204 if role == "admin" else 404 if role in LEAVE_KEEPERS else 403), role


@pytest.mark.parametrize("role", ROLES)
def test_station_calendar_and_settings_follow_scope(org, api_as, records, role):
    client = api_as(org.by_role()[role])
    hq = role in ("executive", "admin")
    own, other = records["days"]
    assert client.get(f"/api/v1/quota/calendar-days/{own.pk}/").status_code == 200
    assert client.get(f"/api/v1/quota/calendar-days/{other.pk}/").status_code == (200 if hq else 404)
    assert client.get(f"/api/v1/quota/settings/{org.station_a.pk}/").status_code == 200
    assert client.get(f"/api/v1/quota/settings/{org.station_b.pk}/").status_code == (200 if hq else 404)
    query = "from=2030-01-01&to=2030-01-07"
    assert client.get(f"/api/v1/quota/working-days/?station={org.station_b.pk}&{query}").status_code == (
        200 if hq else 404
    )
    may = role in CALENDAR_KEEPERS
    new_day = {"station": org.station_a.pk, "day": "2030-01-06", "working": True}
    assert client.post("/api/v1/quota/calendar-days/", new_day, format="json").status_code == (
        201 if may else 403
    )
    patch = client.patch(f"/api/v1/quota/settings/{org.station_b.pk}/", {"quota_per_day": 2}, format="json")
    assert patch.status_code == (200 if role == "admin" else 404 if may else 403), role


@pytest.mark.parametrize(
    "url", ["/api/v1/flags/", "/api/v1/quota/tallies/", "/api/v1/quota/leave/", "/api/v1/quota/settings/"]
)
def test_anonymous_gets_401(api_client, url):
    assert api_client.get(url).status_code == 401


PAGES = [
    # (url builder, roles that may open it)
    (lambda org, r: "/quota/", {"courier", "area_marketer"}),
    (lambda org, r: "/quota/flags/", {"area_manager", "station_master", "executive", "admin"}),
    (lambda org, r: "/quota/calendar/", {"area_manager", "station_master", "executive", "admin"}),
    (lambda org, r: "/quota/leave/", {"area_manager", "station_master", "executive", "admin"}),
    (lambda org, r: "/quota/settings/", {"station_master", "admin"}),
]


@pytest.mark.parametrize("page", range(len(PAGES)))
@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(org, client, records, page, role):
    url_for, allowed = PAGES[page]
    client.force_login(org.by_role()[role])
    assert client.get(url_for(org, records)).status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize("role", ROLES)
def test_flag_and_person_pages_follow_scope(org, client, records, role):
    client.force_login(org.by_role()[role])
    managers = {"area_manager", "station_master", "executive", "admin"}
    for flag, person, visible, in_scope in zip(
        records["flags"], _people(org), FLAGS[role], PERSONAL[role], strict=True
    ):
        assert client.get(f"/quota/flags/{flag.pk}/").status_code == (200 if visible else 404), role
        expected = (200 if in_scope else 404) if role in managers else 403
        assert client.get(f"/quota/people/{person.pk}/").status_code == expected, role


def test_headquarters_pick_a_station_and_others_cannot(org, client, records):
    client.force_login(org.executive)
    page = client.get(f"/quota/calendar/?station={org.station_b.pk}")
    assert page.status_code == 200 and org.station_b.name in page.content.decode()
    client.force_login(org.station_master)
    page = client.get(
        f"/quota/calendar/?station={org.station_b.pk}"
    )  # ignored: a station master sees their own
    assert org.station_a.name in page.content.decode() and org.station_b.name not in page.content.decode()
