"""Month arithmetic on first days of months."""

import datetime


def months_back(month: datetime.date, count: int) -> datetime.date:
    """The first day of the month `count` months before `month`'s."""
    index = month.year * 12 + month.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(month: datetime.date) -> datetime.date:
    return months_back(month, -1) - datetime.timedelta(days=1)
