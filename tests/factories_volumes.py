"""Volumes and contracts for the volume feed's tests."""

import datetime
from decimal import Decimal

from pipeline.models import Contract
from volumes.models import MonthlyVolume


def volume(client, month: str, parcels: int, revenue="0", source="waybill") -> MonthlyVolume:
    year, number = month.split("-")
    return MonthlyVolume.objects.create(
        client=client,
        month=datetime.date(int(year), int(number), 1),
        source=source,
        parcels=parcels,
        revenue=Decimal(revenue),
    )


def contract(
    client, *, committed: int, starts_on=datetime.date(2025, 1, 1), ends_on=datetime.date(2027, 12, 31)
):
    return Contract.objects.create(
        client=client,
        signed_on=starts_on,
        starts_on=starts_on,
        ends_on=ends_on,
        price_terms="按月结算",
        committed_monthly_volume=committed,
        settlement_mode="monthly",
    )
