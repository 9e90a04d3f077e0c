"""Factories and helpers for the quota tests: leave, station calendar exceptions, settings, a clock set to a
station's local time, and rejecting a lead as the review does (leads: `tests.factories_leads.collect`)."""

import datetime
import zoneinfo

import factory

from pipeline.models import Lead
from quota.models import CalendarDay, Leave, QuotaSettings
from quota.tallies import record_uncounted

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def reject(lead: Lead, reason: str = "fake") -> None:
    """Reject a lead as the review does (fake and duplicate leads stop counting)."""
    lead.status = "rejected"
    lead.reject_reason = reason
    lead.save(update_fields=["status", "reject_reason"])
    if reason in ("fake", "duplicate"):
        record_uncounted(lead)


class LeaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Leave

    first_day = datetime.date(2026, 3, 2)
    last_day = factory.LazyAttribute(lambda o: o.first_day)


class CalendarDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarDay

    working = False


def quota_settings(station, **fields) -> QuotaSettings:
    """The station's quota settings with `fields` changed (rule starting 2026-01-01 unless given)."""
    fields.setdefault("starts_on", datetime.date(2026, 1, 1))
    settings, _ = QuotaSettings.objects.update_or_create(station=station, defaults=fields)
    station._quota_settings_cache = settings
    return settings


def at(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    """An instant at `day` `hour`:`minute` in China (the stations' time zone in the tests)."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)
