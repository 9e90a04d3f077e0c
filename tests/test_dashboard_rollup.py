"""The network totals: rolled up from the tallies for days that are over, live for the rest, same numbers."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from dashboard import rollup
from dashboard.models import StationDayTotal, StationStageTotal, TotalsRefresh
from pipeline.models import Lead
from quota.models import DailyTally, QuotaSettings
from tests.factories_leads import ClientFactory, collect

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 18)


@pytest.fixture
def history(org):
    with time_machine.travel(datetime.datetime(2026, 11, 18, 15, 0, tzinfo=datetime.UTC), tick=False):
        for station in (org.station_a, org.station_b):
            QuotaSettings.objects.update_or_create(
                station=station, defaults={"starts_on": datetime.date(2026, 1, 1)}
            )
        for days_ago, person, n in (
            (40, org.courier, 2),
            (3, org.courier, 1),
            (3, org.courier_b, 4),
            (0, org.courier_a2, 2),
        ):
            collect(person, TODAY - datetime.timedelta(days=days_ago), n)
        ClientFactory.create_batch(2, area=org.a1, stage="screen")
        ClientFactory(area=org.b1, stage="contract")
        yield org


def _province(api_as, org, query="start=2026-10-01&end=2026-11-18"):
    response = api_as(org.executive).get(f"/api/v1/dashboard/stations/?{query}")
    assert response.status_code == 200
    return response.json()


def test_refresh_rolls_up_every_finished_day_and_the_view_agrees_with_the_live_count(history, api_as):
    org = history
    live = _province(api_as, org)

    state = rollup.refresh_totals(today=TODAY)

    assert state.through == TODAY - datetime.timedelta(days=1)
    totals = {(t.station_id, t.day): (t.leads, t.counted) for t in StationDayTotal.objects.all()}
    assert totals == {
        (org.station_a.pk, TODAY - datetime.timedelta(days=40)): (2, 2),
        (org.station_a.pk, TODAY - datetime.timedelta(days=3)): (1, 1),
        (org.station_b.pk, TODAY - datetime.timedelta(days=3)): (4, 4),
    }
    assert {(s.station_id, s.stage): s.clients for s in StationStageTotal.objects.all()} == {
        (org.station_a.pk, "screen"): 2,
        (org.station_b.pk, "contract"): 1,
    }
    rolled = _province(api_as, org)
    for key in ("stations", "trend", "funnel", "totals"):
        assert rolled[key] == live[key], key
    by_station = {r["station"]: r for r in rolled["stations"]}
    assert (
        by_station[org.station_a.pk]["leads_period"]
        == Lead.objects.filter(station=org.station_a, collected_on__range=("2026-10-01", TODAY)).count()
        == 5
    )
    assert by_station[org.station_a.pk]["leads"] == 2  # today, read live
    assert rolled["clients_as_of"] is not None


def test_refreshing_twice_changes_nothing_and_catches_late_corrections(history):
    org = history
    rollup.refresh_totals(today=TODAY)
    first = list(
        StationDayTotal.objects.order_by("station_id", "day").values_list("station_id", "day", "counted")
    )

    rollup.refresh_totals(today=TODAY)
    assert (
        list(
            StationDayTotal.objects.order_by("station_id", "day").values_list("station_id", "day", "counted")
        )
        == first
    )

    # A lead of three days ago is rejected as a duplicate: the next refresh lowers that day's counted total.
    DailyTally.objects.filter(person=org.courier_b).update(counted=3)
    rollup.refresh_totals(today=TODAY)
    assert StationDayTotal.objects.get(station=org.station_b).counted == 3
    assert TotalsRefresh.objects.count() == 1


def test_command_rebuilds_from_a_date_and_refuses_a_bad_one(history):
    out = io.StringIO()
    call_command("refresh_dashboard_totals", "--since", "2026-01-01", stdout=out)
    assert "through" in out.getvalue()
    with pytest.raises(Exception, match="is not a date"):
        call_command("refresh_dashboard_totals", "--since", "yesterday")
