"""The dashboard pages show the API's figures, link each number to its list, and refuse bad input politely."""

import datetime
import io

import pytest
import time_machine
from openpyxl import load_workbook

from pipeline.models import Lead
from tests.factories_leads import collect

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 18)
MON = datetime.date(2026, 11, 16)


@pytest.fixture
def history(org):
    with time_machine.travel(datetime.datetime(2026, 11, 18, 15, 0, tzinfo=datetime.UTC), tick=False):
        collect(org.courier, MON, 2)
        collect(org.courier, TODAY, 3)
        collect(org.courier_a2, MON, 1)
        collect(org.courier_b, TODAY, 5)
        yield org


def test_landing_sends_each_role_to_its_own_dashboard(history, client):
    org = history
    for user, target in (
        (org.station_master, f"/dashboard/stations/{org.station_a.pk}/"),
        (org.manager, f"/dashboard/areas/{org.a1.pk}/"),
        (org.executive, "/dashboard/stations/"),
        (org.admin, "/dashboard/stations/"),
    ):
        client.force_login(user)
        response = client.get("/dashboard/")
        assert response.status_code == 302 and response["Location"] == target


def test_station_page_shows_the_figures_and_embeds_them_for_the_charts(history, client):
    org = history
    client.force_login(org.station_master)

    response = client.get(f"/dashboard/stations/{org.station_a.pk}/?period=day")

    assert response.status_code == 200
    data = response.context["data"]
    assert (
        data["totals"]["leads"] == Lead.objects.filter(station=org.station_a, collected_on=TODAY).count() == 3
    )
    html = response.content.decode()
    assert 'id="dashboard-data"' in html and 'id="chart-trend"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert f'data-api="/api/v1/dashboard/?period=day&amp;station={org.station_a.pk}"' in html
    assert f'data-bind="people:{org.courier.pk}:leads"' in html


def test_area_manager_on_the_station_url_gets_their_area(history, client):
    org = history
    client.force_login(org.manager)

    response = client.get(f"/dashboard/stations/{org.station_a.pk}/")

    assert response.context["area"] == org.a1
    assert {p["person"] for p in response.context["data"]["people"]} == {org.courier.pk, org.marketer.pk}


def test_bad_period_on_the_page_is_a_400_with_the_message(history, client):
    client.force_login(history.station_master)

    response = client.get(
        f"/dashboard/stations/{history.station_a.pk}/?date=2026-11-30", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert "2026-11-30" in response.content.decode()  # the message names the refused day


def test_province_page_ranks_every_station(history, client):
    org = history
    client.force_login(org.executive)

    response = client.get("/dashboard/stations/?period=day")

    stations = {r["station"]: r for r in response.context["data"]["stations"]}
    assert stations[org.station_b.pk]["leads"] == 5
    assert stations[org.station_a.pk]["leads"] == 3
    assert sorted(r["rank"] for r in stations.values()) == [1, 2]


def test_notice_ranks_areas_and_people_and_downloads_as_xlsx(history, client):
    org = history
    client.force_login(org.station_master)

    page = client.get("/dashboard/notice/?period=week&date=2026-11-18")
    people = page.context["data"]["people"]
    assert [(r["name"], r["leads"]) for r in people[:2]] == [("courier", 5), ("courier_a2", 1)]
    assert (page.context["data"]["start"], page.context["data"]["end"]) == (MON, TODAY)

    response = client.get("/dashboard/notice.xlsx?period=week&date=2026-11-18", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    wb = load_workbook(io.BytesIO(response.content))
    people_sheet = wb[wb.sheetnames[1]]
    rows = list(people_sheet.iter_rows(min_row=4, values_only=True))
    assert rows[0][:4] == (1, "courier", org.a1.name, 5)
    assert len(rows) == 4  # courier, marketer of each area, courier_a2


def test_notice_bad_input_is_a_400_not_a_500(history, client):
    client.force_login(history.station_master)
    assert client.get("/dashboard/notice/?start=2026-11-10&end=2026-11-01").status_code == 400
    assert client.get("/dashboard/notice.xlsx?period=century").status_code == 400


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("station_master", True),
        ("area_manager", True),
        ("executive", True),
        ("courier", False),
        ("key_account_manager", False),
    ],
)
def test_home_card_for_the_people_who_watch_the_dashboard(org, client, role, shown):
    from django.utils import timezone

    collect(org.courier, timezone.localdate(), 2)
    collect(org.courier_b, timezone.localdate(), 1)
    client.force_login(org.by_role()[role])

    html = client.get("/").content.decode()

    assert ('id="dash-panel-h"' in html) == shown
    if role == "station_master":
        assert '<span class="stat">2</span>' in html
