"""The station dashboard (page and API) says when the scheduled jobs behind its figures are late."""

import datetime

import pytest
import time_machine

from health.services import BEAT, heartbeat_record
from quota.models import StationDay
from tests.factories_quota import quota_settings

pytestmark = pytest.mark.django_db

# Tuesday 2026-03-03 03:00 in Shanghai: Monday's evaluation (01:00, the default hour) was due two hours ago.
NOW = datetime.datetime(2026, 3, 2, 19, 0, tzinfo=datetime.UTC)
MONDAY = datetime.date(2026, 3, 2)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _page(client, org):
    client.force_login(org.station_master)
    return client.get(f"/dashboard/stations/{org.station_a.pk}/").content.decode()


def _api(api_as, org):
    return (
        api_as(org.station_master)
        .get(f"/api/v1/dashboard/?station={org.station_a.pk}")
        .json()["scheduled_jobs"]
    )


def test_nothing_is_said_while_beat_ticks_and_the_evaluations_are_done(org, frozen, client, api_as):
    heartbeat_record(name=BEAT, at=NOW - datetime.timedelta(seconds=30))
    quota_settings(org.station_a, starts_on=MONDAY)
    StationDay.objects.create(station=org.station_a, day=MONDAY, evaluated_at=NOW)

    assert "data-jobs-late" not in _page(client, org)
    assert _api(api_as, org) == {
        "late": False,
        "beat_late": False,
        "beat_last_tick": "2026-03-03T02:59:30+08:00",
        "evaluation_pending_day": None,
    }


def test_a_stopped_scheduler_is_said_with_the_time_it_last_ran(org, frozen, client, api_as):
    heartbeat_record(name=BEAT, at=NOW - datetime.timedelta(minutes=20))
    quota_settings(org.station_a, starts_on=MONDAY)
    StationDay.objects.create(station=org.station_a, day=MONDAY, evaluated_at=NOW)

    page = _page(client, org)

    assert "定时任务延迟" in page and "定时调度最后一次运行于 2026-03-03 02:40" in page
    assert _api(api_as, org)["late"] is True and _api(api_as, org)["beat_late"] is True


def test_an_overdue_evaluation_of_this_station_is_said_with_its_day(org, frozen, client, api_as):
    heartbeat_record(name=BEAT, at=NOW)
    quota_settings(org.station_a, starts_on=MONDAY)  # Monday is due and not evaluated
    quota_settings(org.station_b, starts_on=MONDAY)
    StationDay.objects.create(station=org.station_b, day=MONDAY, evaluated_at=NOW)

    assert "2026-03-02 的每日考核尚未运行" in _page(client, org)
    assert _api(api_as, org) == {
        "late": True,
        "beat_late": False,
        "beat_last_tick": "2026-03-03T03:00:00+08:00",
        "evaluation_pending_day": "2026-03-02",
    }
    assert (
        api_as(org.station_master_b)
        .get(f"/api/v1/dashboard/?station={org.station_b.pk}")
        .json()["scheduled_jobs"]["late"]
        is False
    )


def test_an_evaluation_within_its_hour_of_grace_is_not_late_yet(org, client, api_as):
    heartbeat_record(name=BEAT, at=NOW - datetime.timedelta(hours=1))
    quota_settings(org.station_a, starts_on=MONDAY)
    with time_machine.travel(NOW - datetime.timedelta(hours=1, minutes=30), tick=False):  # 01:30 local
        assert _api(api_as, org)["evaluation_pending_day"] is None
