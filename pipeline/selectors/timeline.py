"""One timeline of everything that happened to a client, gathered from every app that records something."""

from dataclasses import dataclass
from datetime import datetime

from config.hooks import timeline_sources


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "lead", "stage", "visit", "proposal", "complaint", "survey", ...
    title: str
    detail: str = ""
    url: str = ""
    by: str = ""


def timeline_for(client) -> list[TimelineEntry]:
    """Every app's entries for the client (each registers its source in its timeline.py), newest first."""
    entries = [entry for source in timeline_sources for entry in source(client)]
    return sorted(entries, key=lambda e: e.at, reverse=True)


# The step records the client page lists in its own sections as well as on the timeline.
SECTION_RECORDS = ("proposals", "trial_shipments", "contracts", "evaluations", "opportunities")


def section_records(client) -> dict[str, list]:
    """The client's proposals (with their quote lines), trial shipments, contracts, evaluations and opportunities,
    each kind in its usual order, read once per client object: the timeline and the page's sections share the rows
    instead of reading each kind twice."""
    cached = getattr(client, "_section_records", None)
    if cached is None:
        cached = {}
        for name in SECTION_RECORDS:
            rows = getattr(client, name).select_related("by")
            if name == "proposals":
                rows = rows.prefetch_related("lines")
            cached[name] = list(rows)
        client._section_records = cached
    return cached
