"""Factories and helpers for the quota tests: leads counted into the tallies as the lead services do, leave,
station calendar exceptions, settings, and a clock set to a station's local time."""

import datetime
import itertools
import zoneinfo

import factory

from pipeline.models import Lead
from quota.models import CalendarDay, Leave, QuotaSettings
from quota.tallies import record_leads, record_uncounted

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
_phones = itertools.count(13900000000)


class QuotaLeadFactory(factory.django.DjangoModelFactory):
    """A lead of `collected_by` on `collected_on`, at 10:00 station time. Use `collect(...)` to count it."""

    class Meta:
        model = Lead

    company_name = factory.Sequence(lambda n: f"线索公司{n}")
    normalized_name = factory.LazyAttribute(lambda o: o.company_name)
    contact_phone = factory.LazyFunction(lambda: str(next(_phones)))
    phone_normalized = factory.LazyAttribute(lambda o: o.contact_phone)
    collected_at = factory.LazyAttribute(
        lambda o: datetime.datetime.combine(
            o.collected_on, datetime.time(10), tzinfo=o.collected_by.station.tz
        )
    )
    station = factory.LazyAttribute(lambda o: o.collected_by.station)
    area = factory.LazyAttribute(lambda o: o.collected_by.area)


def collect(person, day: datetime.date, n: int = 1, **fields) -> list[Lead]:
    """`n` leads of `person` on `day`, counted into the daily tallies as lead_submit does."""
    leads = [QuotaLeadFactory(collected_by=person, collected_on=day, **fields) for _ in range(n)]
    record_leads(leads)
    return leads


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
