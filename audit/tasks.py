import datetime

from celery import shared_task
from django.conf import settings

from .services import trail_prune


@shared_task(acks_late=True)
def prune_trail(today: str) -> int:
    """Delete audit rows older than AUDIT_RETENTION_DAYS before `today` (YYYY-MM-DD, UTC); safe to run twice."""
    days = settings.AUDIT_RETENTION_DAYS
    if days <= 0:
        return 0
    day = datetime.date.fromisoformat(today) - datetime.timedelta(days=days)
    before = datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)
    return trail_prune(before=before)


@shared_task
def prune_trail_tick(at: str | None = None) -> str:
    """Beat's entry: reads the clock once and queues the pruning for that date."""
    from django.utils import timezone

    instant = datetime.datetime.fromisoformat(at) if at else timezone.now()
    return prune_trail.delay(instant.astimezone(datetime.UTC).date().isoformat()).id
