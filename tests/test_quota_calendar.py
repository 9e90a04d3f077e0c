"""The work calendar: weekly rest, statutory holidays and make-up days from the maintained calendar, station
exceptions, leave and joining dates — first as the calendar says it, then as the evaluation applies it."""

import pytest

from quota.calendar import Reason, calendar_entry, holidays_known, station_calendar
from quota.evaluation import evaluate_station_day, evaluate_station_through
from quota.models import DailyTally, QuotaFlag, StationDay
from tests.factories import UserFactory
from tests.factories_leads import collect
from tests.factories_quota import CalendarDayFactory, LeaveFactory, day, quota_settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "date, weekdays, working, reason",
    [
        ("2026-03-02", "123456", True, Reason.WEEKDAY),  # Monday
        ("2026-03-07", "123456", True, Reason.WEEKDAY),  # Saturday at a Monday-to-Saturday station
        ("2026-03-08", "123456", False, Reason.WEEKLY_REST),  # Sunday
        ("2026-03-07", "12345", False, Reason.WEEKLY_REST),  # Saturday at a Monday-to-Friday station
        ("2026-10-01", "123456", False, Reason.HOLIDAY),  # National Day
        ("2026-10-07", "123456", False, Reason.HOLIDAY),  # a Wednesday inside the National Day week
        ("2026-02-14", "12345", True, Reason.MAKEUP),  # make-up Saturday for the Spring Festival
        ("2026-01-04", "123456", True, Reason.MAKEUP),  # make-up Sunday for New Year
        ("2026-01-03", "123456", False, Reason.HOLIDAY),  # a Saturday inside the New Year holiday
    ],
)
def test_default_calendar(org, date, weekdays, working, reason):
    quota_settings(org.station_a, working_weekdays=weekdays)
    entry = calendar_entry(org.station_a, day(date))
    assert (entry.working, entry.reason) == (working, reason)


def test_holiday_names_are_given(org):
    quota_settings(org.station_a)
    assert calendar_entry(org.station_a, day("2026-10-01")).note in ("National Day", "国庆节")


def test_station_exceptions_win_over_holidays_and_weekdays(org):
    quota_settings(org.station_a)
    CalendarDayFactory(station=org.station_a, day=day("2026-03-04"), working=False, note="盘点")
    CalendarDayFactory(station=org.station_a, day=day("2026-10-02"), working=True, note="双十一备货")
    entries = {e.day: e for e in station_calendar(org.station_a, day("2026-03-04"), day("2026-10-02"))}
    assert (entries[day("2026-03-04")].working, entries[day("2026-03-04")].reason) == (
        False,
        Reason.STATION_REST,
    )
    assert (entries[day("2026-10-02")].working, entries[day("2026-10-02")].reason) == (
        True,
        Reason.STATION_WORK,
    )
    # Station B has no exceptions: its calendar is untouched.
    assert calendar_entry(org.station_b, day("2026-03-04")).working is True


def test_a_station_may_ignore_statutory_holidays(org):
    quota_settings(org.station_a, statutory_holidays=False, working_weekdays="1234567")
    assert calendar_entry(org.station_a, day("2026-10-01")).working is True


def test_years_without_published_holidays_follow_the_weekly_pattern(org):
    quota_settings(org.station_a)
    assert holidays_known(2026) and not holidays_known(2031)
    assert calendar_entry(org.station_a, day("2031-10-01")).reason == Reason.WEEKDAY  # a Wednesday
    assert calendar_entry(org.station_a, day("2031-10-05")).reason == Reason.WEEKLY_REST  # a Sunday


def _row(person, date):
    return DailyTally.objects.filter(person=person, day=day(date)).values_list("working_day", "met").first()


def test_a_sunday_is_not_evaluated_for_anybody_even_with_a_lead(org):
    quota_settings(org.station_a, starts_on=day("2026-03-08"))
    collect(org.courier, day("2026-03-08"))
    result = evaluate_station_day(station=org.station_a, day=day("2026-03-08"))
    assert (result.working_day, result.on_duty) == (False, 0)
    assert _row(org.courier, "2026-03-08") == (False, None)
    assert DailyTally.objects.filter(day=day("2026-03-08")).count() == 1  # no rows made up for the others
    assert StationDay.objects.get(station=org.station_a, day=day("2026-03-08")).working_day is False


def test_a_statutory_holiday_is_a_rest_day(org):
    quota_settings(org.station_a, starts_on=day("2026-10-01"))
    result = evaluate_station_day(station=org.station_a, day=day("2026-10-01"))
    assert (result.working_day, result.on_duty, result.missed) == (False, 0, 0)
    assert not DailyTally.objects.filter(day=day("2026-10-01")).exists()


def test_a_make_up_saturday_counts_at_a_monday_to_friday_station(org):
    quota_settings(org.station_a, working_weekdays="12345", starts_on=day("2026-02-14"))
    collect(org.marketer, day("2026-02-14"))
    result = evaluate_station_day(station=org.station_a, day=day("2026-02-14"))
    assert (result.working_day, result.on_duty, result.met, result.missed) == (True, 4, 1, 3)
    assert _row(org.marketer, "2026-02-14") == (True, True)
    assert _row(org.courier, "2026-02-14") == (True, False)


def test_leave_excuses_the_day_without_breaking_the_run(org):
    quota_settings(org.station_a, starts_on=day("2026-03-02"))
    LeaveFactory(person=org.courier, first_day=day("2026-03-03"), last_day=day("2026-03-04"))
    evaluate_station_through(station=org.station_a, through=day("2026-03-06"))
    # No row is made up for a day on leave; a lead collected on leave would be recorded as not counted.
    assert _row(org.courier, "2026-03-03") is None and _row(org.courier, "2026-03-04") is None
    flag = QuotaFlag.objects.get(person=org.courier)
    # 03-02, (leave), (leave), 03-05, 03-06: three missed working days, the leave neither breaks nor counts.
    assert (flag.first_missed_on, flag.last_missed_on, flag.days_missed) == (
        day("2026-03-02"),
        day("2026-03-06"),
        3,
    )


def test_a_person_who_joined_mid_run_is_counted_from_the_day_they_joined(org):
    quota_settings(org.station_a, starts_on=day("2026-03-02"))
    newcomer = UserFactory(username="newcomer", role="courier", area=org.a1, date_joined=day("2026-03-04"))
    evaluate_station_through(station=org.station_a, through=day("2026-03-05"))
    assert not DailyTally.objects.filter(person=newcomer, day__lt=day("2026-03-04")).exists()
    assert not QuotaFlag.objects.filter(person=newcomer).exists()  # two missed days so far
    assert QuotaFlag.objects.get(person=org.courier).first_missed_on == day("2026-03-02")
    evaluate_station_through(station=org.station_a, through=day("2026-03-06"))
    flag = QuotaFlag.objects.get(person=newcomer)
    assert (flag.first_missed_on, flag.days_missed) == (day("2026-03-04"), 3)


def test_inactive_people_and_roles_without_a_quota_are_not_on_duty(org):
    quota_settings(org.station_a, starts_on=day("2026-03-02"))
    org.courier_a2.is_active = False
    org.courier_a2.save()
    collect(org.manager, day("2026-03-02"))  # area managers may collect, but have no quota
    result = evaluate_station_day(station=org.station_a, day=day("2026-03-02"))
    assert result.on_duty == 3  # courier, marketer, marketer_a2
    assert not DailyTally.objects.filter(person=org.courier_a2).exists()
    assert _row(org.manager, "2026-03-02") == (False, None)
