"""One timeline of everything that happened to a client, gathered from every app that records something."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "lead", "stage", "visit", "proposal", "complaint", "survey", ...
    title: str
    detail: str = ""
    url: str = ""
    by: str = ""


# Each source is a callable (client) -> list[TimelineEntry]; apps add theirs here.
SOURCES = [
    "pipeline.timeline.entries",
    "visits.timeline.entries",
    "satisfaction.timeline.entries",
]


def timeline_for(client) -> list[TimelineEntry]:
    entries = []
    for path in SOURCES:
        try:
            source = import_string(path)
        except ImportError:
            continue
        entries.extend(source(client))
    return sorted(entries, key=lambda e: e.at, reverse=True)
