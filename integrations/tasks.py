import datetime

from celery import shared_task
from django.utils import timezone

from . import services


def _instant(at: str | None) -> datetime.datetime:
    return datetime.datetime.fromisoformat(at) if at else timezone.now()


@shared_task(acks_late=True)
def event_fan_out(event_id: str, at: str | None = None) -> int:
    """Deliveries for one event's subscriptions (published when the event's transaction commits)."""
    return services.event_fan_out(event_id=event_id, now=_instant(at))


@shared_task(acks_late=True)
def delivery_send(delivery_id: int, at: str | None = None) -> bool:
    """One attempt of one delivery, if it is due; safe to receive twice (the attempt claims the delivery)."""
    return services.delivery_attempt(delivery_id=delivery_id, now=_instant(at)) is not None


@shared_task
def webhooks_tick(at: str | None = None) -> int:
    """Beat, every minute: fan out events the broker missed, attempt the deliveries due (retries wait in the
    database, not in the broker), prune old events. Returns how many deliveries it attempted."""
    now = _instant(at)
    for event_id in services.events_waiting(now=now):
        services.event_fan_out(event_id=event_id, now=now)
    attempted = 0
    for delivery_id in services.deliveries_due(now=now):
        if services.delivery_attempt(delivery_id=delivery_id, now=now) is not None:
            attempted += 1
    services.events_prune(now=now)
    return attempted
