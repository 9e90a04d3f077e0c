"""Leads captured offline: the capture moment within the window (and outside it, or in the future), and the day a
late lead re-judges — a miss made met, the runs after it counted again, flags shrunk, split or withdrawn, the
people who were told about them told again, and all of it once."""

import datetime

import pytest
import time_machine

from accounts.models import Notification
from pipeline.models import Lead
from quota.evaluation import evaluate_station_day, evaluate_station_through, rejudge_person_day
from quota.models import DailyTally, FlagEvent, QuotaFlag, StationDay
from tests.factories_leads import collect, lead_data
from tests.factories_quota import at, day, quota_settings

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads/"
MONDAY = day("2026-03-02")  # Monday to Saturday are working days; 03-08 is a Sunday


def _post(api_as, user, captured_at, key="k1", lang="zh-hans", **data):
    body = lead_data(collected_at=captured_at.isoformat(), **data)
    return api_as(user).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key, HTTP_ACCEPT_LANGUAGE=lang)


# --- The capture moment ------------------------------------------------------------------------------------------


def test_a_lead_sent_within_the_window_counts_on_the_day_the_phone_captured_it(org, api_as):
    captured = at(day("2026-03-02"), 16, 30)
    with time_machine.travel(at(day("2026-03-03"), 9), tick=False):
        response = _post(api_as, org.courier, captured)
    assert response.status_code == 201, response.json()
    lead = Lead.objects.get()
    assert (lead.collected_at, lead.captured_at, lead.collected_on) == (captured, captured, day("2026-03-02"))
    assert response.json()["captured_at"] == "2026-03-02T16:30:00+08:00"
    assert response.json()["sync_delay_seconds"] == 16.5 * 3600
    tally = DailyTally.objects.get(person=org.courier)
    assert (tally.day, tally.leads) == (day("2026-03-02"), 1)


def test_the_same_lead_sent_again_is_the_first_one(org, api_as):
    captured = at(day("2026-03-02"), 16, 30)
    with time_machine.travel(at(day("2026-03-03"), 9), tick=False):
        first = _post(api_as, org.courier, captured, key="phone-7")
        again = _post(api_as, org.courier, captured, key="phone-7")
    assert (first.status_code, again.status_code, again.headers["Idempotent-Replayed"]) == (201, 201, "true")
    assert first.json()["id"] == again.json()["id"]
    assert Lead.objects.count() == 1
    assert DailyTally.objects.get(person=org.courier).leads == 1


def test_a_lead_older_than_the_window_counts_on_the_day_it_arrives_and_keeps_its_capture_moment(org, api_as):
    captured = at(day("2026-03-02"), 8)
    arrived = captured + datetime.timedelta(hours=49)
    with time_machine.travel(arrived, tick=False):
        response = _post(api_as, org.courier, captured)
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert (lead.collected_at, lead.collected_on, lead.captured_at) == (arrived, day("2026-03-04"), captured)
    assert response.json()["sync_delay_seconds"] == 49 * 3600


def test_the_window_is_a_setting(org, api_as, settings):
    settings.OFFLINE_CAPTURE_WINDOW = datetime.timedelta(hours=2)
    captured = at(day("2026-03-02"), 21)
    with time_machine.travel(captured + datetime.timedelta(hours=3), tick=False):
        _post(api_as, org.courier, captured)
    assert Lead.objects.get().collected_on == day("2026-03-03")


@pytest.mark.parametrize(
    "lang, words", [("zh-hans", "手机的日期和时间"), ("en", "check the phone's date and time")]
)
def test_a_capture_moment_in_the_future_is_refused_in_the_users_language_and_nothing_is_saved(
    org, api_as, lang, words
):
    now = at(day("2026-03-03"), 9)
    with time_machine.travel(now, tick=False):
        response = _post(api_as, org.courier, now + datetime.timedelta(minutes=30), lang=lang)
        slightly_ahead = _post(api_as, org.courier, now + datetime.timedelta(minutes=2), key="k2")
    assert response.status_code == 400
    assert words in response.json()["collected_at"][0]
    # A phone clock a little ahead (within the usual skew) is taken as now.
    assert slightly_ahead.status_code == 201
    assert list(Lead.objects.values_list("collected_at", "idempotency_key")) == [(now, "k2")]


def test_history_importers_keep_their_own_rule_and_leave_no_capture_moment(org, api_as):
    long_ago = at(day("2025-06-02"), 10)
    with time_machine.travel(at(day("2026-03-03"), 9), tick=False):
        response = api_as(org.station_master).post(
            URL,
            lead_data(collected_at=long_ago.isoformat(), collected_by=org.courier.pk),
            format="json",
        )
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert (lead.collected_at, lead.captured_at) == (long_ago, None)


# --- Re-judging a judged day ---------------------------------------------------------------------------------------


def _judged(org, pattern: str):
    """Day i of `pattern` is MONDAY + i: '+' a lead, '.' none; every day judged."""
    quota_settings(org.station_a, starts_on=MONDAY)
    for i, char in enumerate(pattern):
        if char == "+":
            collect(org.courier, MONDAY + datetime.timedelta(days=i))
    evaluate_station_through(
        station=org.station_a, through=MONDAY + datetime.timedelta(days=len(pattern) - 1)
    )


def _flags(org):
    return [
        (f.first_missed_on.isoformat()[5:], f.last_missed_on.isoformat()[5:], f.days_missed, f.status)
        for f in QuotaFlag.objects.filter(person=org.courier).order_by("first_missed_on")
    ]


def _late_lead(org, on: datetime.date):
    """A lead of `on` counted after the day was judged, and the day judged again (as record_leads does for a lead
    with a capture moment; the API tests below go that whole way)."""
    lead = collect(org.courier, on)[0]
    return rejudge_person_day(person=org.courier, day=on, because=lead)


@pytest.mark.parametrize(
    "pattern, late, flags",
    [
        ("...", 0, [("03-02", "03-04", 3, "withdrawn")]),
        ("...", 2, [("03-02", "03-04", 3, "withdrawn")]),
        (".....", 2, [("03-02", "03-06", 5, "withdrawn")]),  # two and two left: no run of three
        ("......", 0, [("03-03", "03-07", 5, "open")]),  # shrinks to the run after the day
        ("......", 5, [("03-02", "03-06", 5, "open")]),  # shrinks to the run before it
        ("......", 3, [("03-02", "03-04", 3, "open")]),  # three before, two after
        # Seven working days (Sunday 03-08 between): three before the day, three after — two flags.
        ("........", 3, [("03-02", "03-04", 3, "open"), ("03-06", "03-09", 3, "open")]),
    ],
)
def test_a_late_lead_shrinks_splits_or_withdraws_the_flag_that_rested_on_its_day(org, pattern, late, flags):
    _judged(org, pattern)
    result = _late_lead(org, MONDAY + datetime.timedelta(days=late))
    assert result.now_met
    assert _flags(org) == flags


def test_the_runs_after_the_day_are_counted_again(org):
    _judged(org, ".....+")
    _late_lead(org, day("2026-03-03"))
    rows = DailyTally.objects.filter(person=org.courier).order_by("day")
    assert [(r.day.day, r.met, r.miss_streak, r.missed_since and r.missed_since.day) for r in rows] == [
        (2, False, 1, 2),
        (3, True, 0, None),
        (4, False, 1, 4),
        (5, False, 2, 4),
        (6, False, 3, 4),
        (7, True, 0, None),
    ]
    assert _flags(org) == [("03-04", "03-06", 3, "open")]
    assert QuotaFlag.objects.get(person=org.courier).raised_on == day("2026-03-06")
    station_day = StationDay.objects.get(station=org.station_a, day=day("2026-03-03"))
    assert (station_day.met, station_day.missed) == (1, station_day.on_duty - 1)


def test_the_flag_keeps_the_reason_in_its_history_and_those_told_hear_of_it_once(org):
    _judged(org, "...")
    flag = QuotaFlag.objects.get(person=org.courier)
    told = set(
        Notification.objects.filter(dedupe_key__startswith=f"quota_flag:{flag.pk}:").values_list(
            "recipient", flat=True
        )
    )
    assert org.manager.pk in told

    lead = _late_lead(org, day("2026-03-03"))
    again = rejudge_person_day(person=org.courier, day=day("2026-03-03"))

    assert lead.flags_withdrawn == [flag.pk] and again is None
    event = FlagEvent.objects.get(flag=flag, kind="withdrawn")
    assert event.day == day("2026-03-03")
    assert "2026-03-03" in event.note and "撤销" in event.note
    notices = Notification.objects.filter(dedupe_key__startswith=f"quota_flag:{flag.pk}:rejudged:")
    assert set(notices.values_list("recipient", flat=True)) == told
    assert notices.count() == len(told)
    assert FlagEvent.objects.filter(flag=flag).count() == 2  # raised, withdrawn


def test_a_withdrawn_flag_is_no_longer_open_in_the_api_and_takes_no_further_step(org, api_as):
    _judged(org, "...")
    _late_lead(org, day("2026-03-02"))
    flag = QuotaFlag.objects.get(person=org.courier)
    body = api_as(org.station_master).get(f"/api/v1/flags/{flag.pk}/").json()
    assert (body["status"], body["step"]) == ("resolved", "withdrawn")
    assert (
        api_as(org.station_master)
        .get(f"/api/v1/flags/?status=open&person={org.courier.pk}")
        .json()["results"]
        == []
    )
    refused = api_as(org.station_master).post(
        f"/api/v1/flags/{flag.pk}/resolve/", {"note": "ok"}, format="json"
    )
    assert refused.status_code == 400


def test_a_day_still_short_of_the_quota_or_not_judged_is_left_alone(org):
    quota_settings(org.station_a, starts_on=MONDAY, quota_per_day=2)
    evaluate_station_day(station=org.station_a, day=MONDAY)
    assert _late_lead(org, MONDAY) is None  # one lead of two
    assert DailyTally.objects.get(person=org.courier, day=MONDAY).met is False
    assert _late_lead(org, MONDAY + datetime.timedelta(days=1)) is None  # Tuesday is not judged yet


def test_a_lead_synced_after_the_nightly_evaluation_turns_yesterdays_miss_into_met(org, api_as):
    quota_settings(org.station_a, starts_on=MONDAY)
    with time_machine.travel(at(day("2026-03-03"), 1, 30), tick=False):
        evaluate_station_day(station=org.station_a, day=MONDAY)
    assert DailyTally.objects.get(person=org.courier, day=MONDAY).met is False
    with time_machine.travel(at(day("2026-03-03"), 8), tick=False):
        response = _post(api_as, org.courier, at(MONDAY, 17, 45))
    assert response.status_code == 201
    tally = DailyTally.objects.get(person=org.courier, day=MONDAY)
    assert (tally.met, tally.miss_streak, tally.counted_at_evaluation, tally.leads) == (True, 0, 1, 1)
