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
