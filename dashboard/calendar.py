"""Working days for the live part of the dashboard (days the quota evaluation has not judged yet)."""

import datetime

import chinese_calendar


def is_working_day(day: datetime.date) -> bool:
    """China's official calendar (weekends, public holidays and the weekends worked in their place).

    Beyond the years the calendar package knows, Monday to Friday.
    """
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5
