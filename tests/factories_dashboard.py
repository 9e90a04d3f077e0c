"""Leads and clients as the dashboard reads them: leads counted into the daily tallies like lead_submit does."""

import datetime
import itertools

import factory
from django.utils import timezone

from pipeline.models import Client, Lead
from quota.tallies import record_leads

_phones = itertools.count(13800000000)


class DashboardLeadFactory(factory.django.DjangoModelFactory):
    """A lead collected by `collected_by` on `collected_on` at noon, station time. Use `collect(...)`."""

    class Meta:
        model = Lead

    company_name = factory.Sequence(lambda n: f"客户公司{n}")
    normalized_name = factory.LazyAttribute(lambda o: o.company_name)
    contact_phone = factory.LazyFunction(lambda: str(next(_phones)))
    phone_normalized = factory.LazyAttribute(lambda o: o.contact_phone)
    collected_on = factory.LazyFunction(timezone.localdate)
    collected_at = factory.LazyAttribute(
        lambda o: datetime.datetime.combine(
            o.collected_on, datetime.time(12), tzinfo=o.collected_by.station.tz
        )
    )
    station = factory.LazyAttribute(lambda o: o.collected_by.station)
    area = factory.LazyAttribute(lambda o: o.collected_by.area)


def collect(person, day: datetime.date, n: int = 1, **fields) -> list[Lead]:
    """`n` leads of `person` on `day`, counted into the daily tallies in one go (as an import would)."""
    leads = [DashboardLeadFactory(collected_by=person, collected_on=day, **fields) for _ in range(n)]
    record_leads(leads)
    return leads


class DashboardClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"大客户{n}")
    normalized_name = factory.LazyAttribute(lambda o: o.name)
    area = None
    station = factory.LazyAttribute(lambda o: o.area.station)
