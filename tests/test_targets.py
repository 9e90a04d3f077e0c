"""Targets and scorecards: who sets which targets (API and page), actuals from the records, pace and ranking,
the scorecard's .xlsx written as text, and the targets on the dashboard, the notice and the home page."""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from pipeline.models import ScreeningSettings
from pipeline.services import steps
from targets.models import Target
from tests.factories import UserFactory
from tests.factories_leads import ClientFactory, LeadFactory

pytestmark = pytest.mark.django_db
CN = ZoneInfo("Asia/Shanghai")
MID_MAY = dt.datetime(2026, 5, 16, 10, 0, tzinfo=CN)  # 16 of May's 31 days gone by


@pytest.fixture(autouse=True)
def _mid_may():
    with time_machine.travel(MID_MAY, tick=False):
        yield


def _set(api, **body):
    return api.post("/api/v1/targets/", {"month": "2026-05", **body}, format="json")


def test_a_station_master_sets_person_and_area_targets_and_setting_again_replaces(org, api_as):
    api = api_as(org.station_master)
    first = _set(api, person=org.courier.pk, metric="leads", value=25)
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["person"], body["month"], body["metric"], body["value"], body["level"]) == (
        org.courier.pk,
        "2026-05",
        "leads",
        "25.00",
        "person",
    )
    again = _set(api, person=org.courier.pk, metric="leads", value=30)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert _set(api, area=org.a1.pk, metric="accepted_leads", value=40).status_code == 201
    assert Target.objects.count() == 2
    assert Target.objects.get(person=org.courier).value == Decimal("30.00")


def test_a_station_master_may_not_set_a_stations_own_target_nor_another_stations(org, api_as):
    api = api_as(org.station_master)
    assert _set(api, station=org.station_a.pk, metric="contracts", value=5).status_code == 403
    assert (
        _set(api, person=org.courier_b.pk, metric="leads", value=5).status_code == 400
    )  # not theirs to name
    assert _set(api, area=org.b1.pk, metric="leads", value=5).status_code == 400
    assert not Target.objects.exists()


def test_headquarters_set_a_stations_targets(org, api_as):
    response = _set(api_as(org.executive), station=org.station_b.pk, metric="revenue", value="120000.50")
    assert response.status_code == 201 and response.json()["level"] == "station"


@pytest.mark.parametrize("role", ["courier", "area_marketer", "area_manager", "key_account_manager"])
def test_other_roles_may_not_set_targets(org, api_as, role):
    person = org.by_role()[role]
    assert _set(api_as(person), person=person.pk, metric="leads", value=5).status_code == 403
    assert not Target.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"person": "courier", "metric": "leads", "value": "1.5"}, "value"),
        ({"person": "courier", "metric": "leads", "value": -1}, "value"),
        ({"person": "courier", "metric": "profit", "value": 1}, "metric"),
        ({"person": "courier", "metric": "leads", "value": 1, "month": "2026-13"}, "month"),
        ({"person": "courier", "metric": "leads", "value": 1, "month": "2030-01"}, "month"),
        ({"person": "courier", "area": "a1", "metric": "leads", "value": 1}, "detail"),
        ({"metric": "leads", "value": 1}, "detail"),
        ({"person": "master", "metric": "leads", "value": 1}, "person"),
    ],
)
def test_bad_targets_are_refused_with_the_field_named(org, api_as, body, field):
    names = {"courier": org.courier.pk, "a1": org.a1.pk, "master": org.executive.pk}
    body = {k: names.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    response = api_as(org.admin).post("/api/v1/targets/", {"month": "2026-05", **body}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Target.objects.exists()


def _lead(person, day: int, status="submitted"):
    return LeadFactory(collected_by=person, day=dt.date(2026, 5, day), status=status)


def _contract(client, by, day: int, volume: int):
    steps.contract_create(
        client=client,
        by=by,
        signed_on=dt.date(2026, 5, day),
        starts_on=dt.date(2026, 5, day),
        ends_on=dt.date(2027, 5, day),
        price_terms="首重7元",
        committed_monthly_volume=volume,
        settlement_mode="monthly",
    )


@pytest.fixture
def may(org):
    """Targets for May and what happened in it."""
    for metric, value in (("leads", 20), ("accepted_leads", 10)):
        Target.objects.create(
            station=org.station_a, person=org.courier, month=dt.date(2026, 5, 1), metric=metric, value=value
        )
        Target.objects.create(
            station=org.station_a, person=org.marketer, month=dt.date(2026, 5, 1), metric=metric, value=value
        )
    for metric, value in (("contracts", 2), ("committed_parcels", 3000), ("revenue", 30000)):
        Target.objects.create(
            station=org.station_a, person=org.kam, month=dt.date(2026, 5, 1), metric=metric, value=value
        )
    Target.objects.create(
        station=org.station_a, area=org.a1, month=dt.date(2026, 5, 1), metric="leads", value=30
    )
    Target.objects.create(station=org.station_b, month=dt.date(2026, 5, 1), metric="contracts", value=4)
    for day in range(1, 13):
        _lead(org.courier, day, status="accepted" if day <= 8 else "submitted")
    _lead(org.courier, 30)  # later in May than today: counts once collected (it is a record like any other)
    LeadFactory(collected_by=org.courier, day=dt.date(2026, 4, 30))  # April: not May's
    for day in (2, 3):
        _lead(org.marketer, day, status="accepted")
    ScreeningSettings.objects.create(station=org.station_a, average_parcel_price=Decimal("9.50"))
    owned = ClientFactory(area=org.a1, owner=org.kam)
    unowned = ClientFactory(area=org.a2)
    _contract(owned, org.kam, 5, 1200)
    _contract(unowned, org.kam, 6, 800)  # no owner: credited to whoever recorded it
    _contract(ClientFactory(area=org.b1, owner=org.kam_b), org.kam_b, 7, 500)
    return org


def test_the_scorecard_counts_actuals_from_the_records(may, api_as):
    rows = api_as(may.station_master).get("/api/v1/scorecards/?month=2026-05").json()["results"]
    got = {
        (r["name"], r["metric"]): (r["target"], r["actual"], r["attainment"], r["behind"], r["rank"])
        for r in rows
    }
    assert got[("courier", "leads")] == (20.0, 13.0, 0.65, False, 1)  # 13 ≥ 20 × 16/31 = 10.32
    assert got[("courier", "accepted_leads")] == (10.0, 8.0, 0.8, False, 1)
    assert got[("marketer", "leads")] == (20.0, 2.0, 0.1, True, 2)
    assert got[("kam", "contracts")] == (2.0, 2.0, 1.0, False, 1)
    assert got[("kam", "committed_parcels")] == (3000.0, 2000.0, 0.6667, False, 1)
    assert got[("kam", "revenue")] == (30000.0, 19000.0, 0.6333, False, 1)  # 2,000 parcels at ¥9.50
    expected = next(r for r in rows if r["name"] == "marketer" and r["metric"] == "leads")["expected"]
    assert expected == pytest.approx(10.32)
    assert all(r["level"] == "person" and "person" in r for r in rows)
    areas = api_as(may.station_master).get("/api/v1/scorecards/?month=2026-05&level=area").json()["results"]
    assert [(r["name"], r["actual"]) for r in areas] == [("片区A1", 15.0)]
    stations = api_as(may.executive).get("/api/v1/scorecards/?month=2026-05&level=station").json()["results"]
    assert [(r["name"], r["actual"]) for r in stations] == [("站B", 1.0)]


def test_another_stations_scorecard_is_404_and_reveals_nothing(may, api_as):
    api = api_as(may.station_master)
    assert api.get(f"/api/v1/scorecards/?station={may.station_b.pk}").status_code == 404
    assert api.get(f"/api/v1/scorecards/?area={may.b1.pk}").status_code == 404
    target = Target.objects.get(station=may.station_b)
    assert api.get(f"/api/v1/targets/{target.pk}/").status_code == 404
    assert api.delete(f"/api/v1/targets/{target.pk}/").status_code == 404
    assert Target.objects.filter(pk=target.pk).exists()


def test_bad_scorecard_queries_are_400(may, api_as):
    api = api_as(may.station_master)
    assert "month" in api.get("/api/v1/scorecards/?month=May").json()
    assert "level" in api.get("/api/v1/scorecards/?level=galaxy").json()


def test_the_scorecard_costs_the_same_queries_for_many_people(may, api_as):
    api = api_as(may.station_master)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/scorecards/?month=2026-05").status_code == 200
        return len(queries)

    few = count()
    for i in range(15):
        person = UserFactory(username=f"extra{i}", role="courier", area=may.a2)
        Target.objects.create(
            station=may.station_a, person=person, month=dt.date(2026, 5, 1), metric="leads", value=10
        )
        _lead(person, 3)
        _contract(ClientFactory(area=may.a2, owner=person), may.kam, 4, 100)
    assert count() == few


def test_the_targets_grid_saves_all_or_nothing(org, client):
    client.force_login(org.station_master)
    page = client.get("/targets/set/?month=2026-05").content.decode()
    assert "片区A1" in page and f"t-person-{org.courier.pk}-leads" in page
    assert "全站" not in page  # the station's own targets are headquarters'
    ok = client.post(
        "/targets/set/",
        {
            "month": "2026-05",
            f"t-person-{org.courier.pk}-leads": "25",
            f"t-area-{org.a1.pk}-leads": "60",
            f"t-person-{org.kam.pk}-revenue": "12000.5",
        },
    )
    assert ok.status_code == 302
    assert Target.objects.count() == 3
    bad = client.post(
        "/targets/set/",
        {
            "month": "2026-05",
            f"t-person-{org.courier.pk}-leads": "",
            f"t-person-{org.marketer.pk}-leads": "2.5",
            f"t-area-{org.a1.pk}-leads": "60",
            f"t-person-{org.kam.pk}-revenue": "12000.5",
        },
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "未保存任何内容" in text and "此目标须为整数。" in text and 'value="2.5"' in text
    assert Target.objects.count() == 3  # the courier's target was not removed either
    removed = client.post(
        "/targets/set/",
        {"month": "2026-05", f"t-area-{org.a1.pk}-leads": "60", f"t-person-{org.kam.pk}-revenue": "12000.5"},
    )
    assert removed.status_code == 302 and not Target.objects.filter(person=org.courier).exists()


def test_headquarters_pick_the_station_and_set_its_own_targets(org, client):
    client.force_login(org.admin)
    # The station is chosen with the stations' picker (no select listing every station).
    assert "/api/v1/pick/stations/" in client.get("/targets/set/").content.decode()
    page = client.get(f"/targets/set/?station={org.station_b.pk}&month=2026-06").content.decode()
    assert "全站" in page
    client.post(
        "/targets/set/",
        {"month": "2026-06", "station": org.station_b.pk, f"t-station-{org.station_b.pk}-contracts": "8"},
    )
    target = Target.objects.get()
    assert (target.station, target.area, target.person, target.month) == (
        org.station_b,
        None,
        None,
        dt.date(2026, 6, 1),
    )


@pytest.mark.parametrize("role", ["courier", "area_marketer", "area_manager", "key_account_manager"])
def test_the_grid_is_for_setters_only(org, client, role):
    client.force_login(org.by_role()[role])
    assert client.get("/targets/set/").status_code == 403


def test_the_scorecard_page_ranks_and_marks_who_is_behind(may, client):
    client.force_login(may.station_master)
    page = client.get("/targets/?month=2026-05").content.decode()
    people = page[page.index("人员") :]
    assert people.index("courier") < people.index("marketer")
    assert "落后" in page and "2026-05" in page
    assert client.get("/targets/?month=nonsense").status_code == 404


def test_the_scorecard_workbook_writes_every_string_as_text(may, client):
    from accounts.models import User

    User.objects.filter(pk=may.courier.pk).update(display_name='=HYPERLINK("http://evil.example","点我")')
    client.force_login(may.station_master)
    response = client.get("/targets/scorecard.xlsx?month=2026-05")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(c.value.startswith("=HYPERLINK") for c in cells)
    assert all(c.data_type == "s" for c in cells)


def test_the_dashboard_the_notice_and_its_workbook_show_the_months_targets(may, client, api_as):
    from accounts.models import User

    User.objects.filter(pk=may.marketer.pk).update(display_name="+1 营销员")
    client.force_login(may.station_master)
    page = client.get(f"/dashboard/stations/{may.station_a.pk}/?date=2026-05-16").content.decode()
    section = page[page.index('id="targets"') :]
    assert "2026-05" in section and "courier" in section and "落后" in section
    data = (
        api_as(may.station_master)
        .get(f"/api/v1/dashboard/?station={may.station_a.pk}&date=2026-05-16")
        .json()
    )
    people = {e["name"]: e for e in data["targets"]["people"]}
    assert data["targets"]["month"] == "2026-05"
    assert [(e["rank"], e["name"]) for e in data["targets"]["people"]] == [
        (1, "kam"),
        (2, "courier"),
        (3, "+1 营销员"),
    ]
    assert people["courier"]["score"] == pytest.approx(0.725) and people["+1 营销员"]["behind"] == 2
    assert people["courier"]["metrics"]["leads"] == {
        "target": 20.0,
        "actual": 13.0,
        "attainment": 0.65,
        "expected": 10.32,
        "behind": False,
    }
    notice = client.get(f"/dashboard/notice/?station={may.station_a.pk}&date=2026-05-16").content.decode()
    assert 'id="targets"' in notice
    api_notice = (
        api_as(may.station_master)
        .get(f"/api/v1/dashboard/notice/?station={may.station_a.pk}&date=2026-05-16")
        .json()
    )
    assert {e["name"] for e in api_notice["targets"]["people"]} == {"courier", "+1 营销员", "kam"}
    wb = load_workbook(
        io.BytesIO(client.get(f"/dashboard/notice.xlsx?station={may.station_a.pk}&date=2026-05-16").content)
    )
    assert "目标" in wb.sheetnames
    names = [c for row in wb["目标"].iter_rows() for c in row if c.value == "+1 营销员"]
    assert names and names[0].data_type == "s"


def test_headquarters_see_the_stations_ranked_on_the_network_page(may, client):
    client.force_login(may.executive)
    page = client.get("/dashboard/stations/?date=2026-05-16").content.decode()
    assert "站B" in page[page.index('id="targets"') :]


def test_the_home_page_shows_ones_own_targets(may, client):
    client.force_login(may.kam)
    page = client.get("/").content.decode()
    panel = page[page.index('id="targets-panel"') :]
    assert "2026-05 目标" in panel and "签约数" in panel and "19,000" in panel  # money as on every page
    client.force_login(may.station_master)
    panel = client.get("/").content.decode()
    assert "本月 3 人中有 1 人落后。" in panel
