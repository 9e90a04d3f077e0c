"""The station dashboard's cache (dashboard/versions.py): repeated requests are served from it, and whatever the
figures are read from changing gives new figures at once, equal to direct counts."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from dashboard import versions
from pipeline.models import Client, Lead
from pipeline.services import transitions
from quota.models import FlagStatus, QuotaFlag, QuotaSettings, StationDay
from quota.services import flag_investigate
from quota.tallies import record_uncounted
from tests.factories_leads import ClientFactory, collect

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 18)
TUE = datetime.date(2026, 11, 17)
URL = "/api/v1/dashboard/?period=30d"


@pytest.fixture
def clock():
    """Time moves on (a tick per call), as between two requests; starting on a Wednesday afternoon."""
    with time_machine.travel(
        datetime.datetime(2026, 11, 18, 7, 0, tzinfo=datetime.UTC), tick=True
    ) as traveller:
        yield traveller


@pytest.fixture
def station(org, clock):
    QuotaSettings.objects.update_or_create(
        station=org.station_a, defaults={"working_weekdays": "12345", "starts_on": datetime.date(2026, 1, 1)}
    )
    collect(org.courier, TUE, 2)
    collect(org.courier, TODAY, 1)
    ClientFactory(area=org.a1, stage="screen")
    return org


def _leads_today(org):
    return Lead.objects.filter(station=org.station_a, collected_on=TODAY).count()


def test_a_repeated_request_is_served_from_the_cache(station, api_as, django_assert_num_queries):
    org = station
    api = api_as(org.station_master)
    first = api.get(URL).json()
    # Only the station lookup, the version query, the scheduled jobs' state (read live, two) and the month's targets
    # (read live, one when none are set): no figure is computed again.
    with django_assert_num_queries(5):
        again = api.get(URL).json()
    assert again == first


def test_a_lead_arriving_shows_at_once(station, api_as):
    org = station
    api = api_as(org.station_master)
    before = api.get(URL).json()

    collect(org.courier, TODAY, 2)
    after = api.get(URL).json()

    assert after["totals"]["leads"] == _leads_today(org) == before["totals"]["leads"] + 2
    assert {p["person"]: p["leads"] for p in after["people"]}[org.courier.pk] == 3


def test_a_lead_rejected_as_fake_stops_counting_at_once(station, api_as):
    org = station
    api = api_as(org.station_master)
    before = api.get(URL).json()
    lead = Lead.objects.filter(collected_by=org.courier, collected_on=TODAY).get()

    Lead.objects.filter(pk=lead.pk).update(status="rejected", reject_reason="fake")
    record_uncounted(lead)
    after = api.get(URL).json()

    assert before["trend"][-1]["counted"] == 1
    assert after["trend"][-1]["counted"] == 0


def test_the_daily_evaluation_shows_at_once(station, api_as):
    org = station
    api = api_as(org.station_master)
    before = api.get(f"{URL}&date={TUE}").json()

    StationDay.objects.create(station=org.station_a, day=TUE, working_day=False, evaluated_at=timezone.now())
    after = api.get(f"{URL}&date={TUE}").json()

    assert before["totals"]["due_today"] > 0
    assert after["totals"]["due_today"] == 0


def test_a_client_moving_on_and_a_new_client_show_at_once(station, api_as):
    org = station
    api = api_as(org.station_master)
    api.get(URL)
    client = Client.objects.get(station=org.station_a)

    transitions.move(client=client, to="dropped", by=org.kam, reason="不再发货")
    ClientFactory(area=org.a2, stage="screen")
    after = api.get(URL).json()

    assert (after["funnel"]["screen"], after["funnel"]["dropped"]) == (1, 1)


def test_a_flag_handled_shows_at_once(station, api_as):
    org = station
    now = timezone.now()
    flag = QuotaFlag.objects.create(
        person=org.courier_a2,
        station=org.station_a,
        area=org.a2,
        first_missed_on=datetime.date(2026, 11, 12),
        last_missed_on=TUE,
        days_missed=4,
        raised_on=TUE,
        created_at=now,
        updated_at=now,
    )
    api = api_as(org.station_master)
    before = api.get(URL).json()

    flag_investigate(flag=flag, by=org.station_master, note="病假")
    after = api.get(URL).json()

    assert before["flags_by_status"][FlagStatus.OPEN] == 1
    assert (after["flags_by_status"][FlagStatus.OPEN], after["flags_by_status"][FlagStatus.INVESTIGATED]) == (
        0,
        1,
    )


def test_each_language_and_scope_has_its_own_figures(station, api_as):
    org = station
    api = api_as(org.station_master)
    chinese = api.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    english = api.get(URL, HTTP_ACCEPT_LANGUAGE="en").json()
    area = api.get(f"{URL}&area={org.a2.pk}").json()

    assert chinese["funnel_steps"][0]["label"] != english["funnel_steps"][0]["label"]
    assert area["area"]["id"] == org.a2.pk and chinese["area"] is None


def test_an_edit_in_place_shows_within_the_cache_time(station, api_as, settings, clock):
    # Local memory: its expiry follows the travelling clock.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    org = station
    api = api_as(org.station_master)
    api.get(URL)
    org.courier_a2.display_name = "新名字"
    org.courier_a2.save()

    assert "新名字" not in {p["name"] for p in api.get(URL).json()["people"]}
    clock.shift(datetime.timedelta(seconds=versions.CACHE_SECONDS + 1))
    assert "新名字" in {p["name"] for p in api.get(URL).json()["people"]}


def test_without_a_cache_time_every_request_computes(station, api_as, monkeypatch):
    monkeypatch.setattr(versions, "CACHE_SECONDS", 0)
    org = station
    api = api_as(org.station_master)
    api.get(URL)
    org.courier_a2.display_name = "新名字"
    org.courier_a2.save()

    assert "新名字" in {p["name"] for p in api.get(URL).json()["people"]}


def test_the_page_shows_new_figures_at_once(station, client):
    org = station
    client.force_login(org.station_master)
    client.get(f"/dashboard/stations/{org.station_a.pk}/")

    collect(org.courier, TODAY, 4)
    page = client.get(f"/dashboard/stations/{org.station_a.pk}/")

    assert page.context["data"]["totals"]["leads"] == _leads_today(org) == 5
    assert 'data-bind="totals:leads" data-format="">5<' in page.content.decode()


def test_the_network_is_computed_once_a_minute_for_all_of_headquarters(
    station, api_as, client, settings, clock
):
    # Local memory: its expiry follows the travelling clock.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    org = station
    network = "/api/v1/dashboard/stations/?period=30d"
    first = api_as(org.executive).get(network).json()
    client.force_login(org.admin)
    page = client.get("/dashboard/stations/?period=30d")
    assert page.status_code == 200 and "dashboard-data" in page.content.decode()

    # A lead arriving shows within the cache time, for every viewer at headquarters
    collect(org.courier, TODAY, 1)
    assert api_as(org.admin).get(network).json()["totals"]["leads"] == first["totals"]["leads"]
    clock.shift(datetime.timedelta(seconds=versions.CACHE_SECONDS + 1))
    assert api_as(org.executive).get(network).json()["totals"]["leads"] == first["totals"]["leads"] + 1
    assert (
        f">{first['totals']['leads'] + 1}<" in client.get("/dashboard/stations/?period=30d").content.decode()
    )


def test_the_network_shows_a_refreshed_roll_up_at_once(station, api_as):
    from dashboard import rollup

    org = station
    network = "/api/v1/dashboard/stations/?period=30d"
    before = api_as(org.executive).get(network).json()
    assert before["clients_as_of"] is None
    rollup.refresh_totals(today=TODAY)
    assert api_as(org.executive).get(network).json()["clients_as_of"] is not None
