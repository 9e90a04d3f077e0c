"""`manage.py run_quota_check`: the same evaluation as the scheduled job, by hand; bad dates change nothing."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import translation

from quota.models import DailyTally, QuotaFlag, StationDay
from tests.factories_leads import collect
from tests.factories_quota import at, day, quota_settings

pytestmark = pytest.mark.django_db


def _run(*args, language="en") -> str:
    out = StringIO()
    with translation.override(language):
        call_command("run_quota_check", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def march(org):
    quota_settings(org.station_a, starts_on=day("2026-03-02"))
    quota_settings(org.station_b, starts_on=day("2026-03-02"))
    collect(org.courier, day("2026-03-02"))
    with time_machine.travel(at(day("2026-03-05"), 9), tick=False):
        yield org


def _written():
    return StationDay.objects.count(), DailyTally.objects.filter(evaluated_at__isnull=False).count()


def test_without_a_date_it_evaluates_every_finished_day_not_yet_evaluated(march):
    out = _run()
    assert "A01 2026-03-02" in out and "A01 2026-03-04" in out and "B01 2026-03-04" in out
    assert set(StationDay.objects.values_list("day", flat=True)) == {
        day("2026-03-02"),
        day("2026-03-03"),
        day("2026-03-04"),
    }
    assert QuotaFlag.objects.count() == 5  # everybody on the quota but the courier, who collected on 03-02
    before = _written()
    assert "Nothing to evaluate" in _run()
    assert _written() == before


def test_with_a_date_it_evaluates_that_day_after_the_earlier_pending_ones(march):
    out = _run("--date", "2026-03-03", "--station", "A01")
    assert "A01 2026-03-02" in out and "A01 2026-03-03" in out
    assert sorted(StationDay.objects.values_list("station__code", "day")) == [
        ("A01", day("2026-03-02")),
        ("A01", day("2026-03-03")),
    ]
    before = _written()
    assert "already evaluated" in _run("--date", "2026-03-03", "--station", "A01")
    assert _written() == before


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "2026-3-4x", ""])
def test_a_malformed_date_is_refused_and_nothing_is_written(march, value):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        _run("--date", value)
    assert _written() == (0, 0)


@pytest.mark.parametrize("value", ["2026-03-05", "2026-03-06", "2027-01-01"])
def test_a_day_that_has_not_finished_is_refused_and_nothing_is_written(march, value):
    with pytest.raises(CommandError, match="not finished"):
        _run("--date", value)
    assert _written() == (0, 0)


def test_messages_follow_the_language(march):
    with pytest.raises(CommandError, match="尚未结束"):
        _run("--date", "2026-03-05", language="zh-hans")
    assert "应考核" in _run("--date", "2026-03-02", "--station", "A01", language="zh-hans")


def test_an_unknown_station_is_refused(march):
    with pytest.raises(CommandError, match="Z99"):
        _run("--station", "Z99")
    assert _written() == (0, 0)


def test_a_malformed_date_exits_non_zero_from_the_shell():
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "manage.py", "run_quota_check", "--date", "2026-02-30"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "YYYY-MM-DD" in done.stderr


def test_a_new_station_is_judged_by_hand_on_its_imported_history_from_date_joined(org, api_as):
    # Given a station set up today with a courier who joined on Monday 2026-03-02 (HR sync), whose history is
    # imported through the API: a lead on Monday only.
    org.courier.date_joined = day("2026-03-02")
    org.courier.save()
    with time_machine.travel(at(day("2026-03-09"), 9), tick=False):
        response = api_as(org.station_master).post(
            "/api/v1/leads/",
            {
                "company_name": "老顾客贸易",
                "contact_phone": "13812345678",
                "collected_at": at(day("2026-03-02"), 10).isoformat(),
                "collected_by": org.courier.pk,
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        # When the station master judges Tuesday to Thursday by hand, one day after the other,
        for date in ("2026-03-03", "2026-03-04", "2026-03-05"):
            _run("--date", date, "--station", "A01")
    # Then the rule counted from the courier's date_joined: three missed working days, one flag.
    flag = QuotaFlag.objects.get(person=org.courier)
    assert (flag.first_missed_on, flag.last_missed_on, flag.days_missed) == (
        day("2026-03-03"),
        day("2026-03-05"),
        3,
    )
    # Monday, before the first day asked for, was not judged; its imported lead is counted all the same.
    monday = DailyTally.objects.get(person=org.courier, day=day("2026-03-02"))
    assert (monday.counted, monday.met) == (1, None)
