"""The parts of the station dashboard that come from the loop, the quota flags, visits and satisfaction."""

from django.db.models import Sum

from .periods import Period


def _ratio(part, whole):
    return None if not whole else round(part / whole, 4)


def share(clients) -> dict:
    """Our parcels against the competitors' across the clients, per month as last heard."""
    totals = clients.aggregate(ours=Sum("our_monthly"), theirs=Sum("competitor_monthly_total"))
    ours, theirs = totals["ours"] or 0, totals["theirs"] or 0
    return {"our_monthly": ours, "competitor_monthly": theirs, "our_share": _ratio(ours, ours + theirs)}


def open_flags(*, station, area) -> list[dict]:
    return []


def station_sections(*, station, area, period: Period, clients) -> dict:
    return {
        "share": share(clients),
        "open_flags": open_flags(station=station, area=area),
    }


def open_flags_per_station(station_ids) -> dict[int, int]:
    return {}
