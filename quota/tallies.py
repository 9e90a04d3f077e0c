"""Keep DailyTally current as leads arrive or are rejected. Called inside the caller's transaction."""

from collections import Counter

from django.db.models import F

from .models import DailyTally


def record_leads(leads) -> None:
    """Count newly created leads (any number, e.g. a whole import) into their collectors' days."""
    per_day = Counter((lead.collected_by_id, lead.collected_on) for lead in leads)
    if not per_day:
        return
    first = {}
    for lead in leads:
        first.setdefault((lead.collected_by_id, lead.collected_on), lead)
    # Create missing rows at zero, then add with F(): concurrent submitters never lose an increment.
    DailyTally.objects.bulk_create(
        [
            DailyTally(
                person_id=person_id, day=day, station_id=first[key].station_id, area_id=first[key].area_id
            )
            for key in per_day
            for person_id, day in [key]
        ],
        ignore_conflicts=True,
    )
    for (person_id, day), n in per_day.items():
        DailyTally.objects.filter(person_id=person_id, day=day).update(
            leads=F("leads") + n, counted=F("counted") + n
        )
    late = [lead for lead in leads if getattr(lead, "captured_at", None) is not None]
    if late:
        # Captured on a phone without signal and sent later: the day it counts on may have been judged already,
        # and is judged again for its collector (docs/offline.md).
        from .evaluation import rejudge_person_day

        for lead in late:
            rejudge_person_day(person=lead.collected_by, day=lead.collected_on, because=lead)


def record_uncounted(lead) -> None:
    """A lead was rejected as fake or a duplicate: it no longer counts towards its collector's quota."""
    DailyTally.objects.filter(person_id=lead.collected_by_id, day=lead.collected_on, counted__gt=0).update(
        counted=F("counted") - 1
    )
