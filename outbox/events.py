"""Business events for integrations (webhooks): recorded in the transaction of the change that causes them.

The services of the apps above call `event_record` from the one function each fact goes through; a change that
rolls back takes its event with it, and no change commits without its event. Delivering is the integrations app's
work (it sits above this one): once the transaction commits the fan-out task is published by name, and its beat job
picks up any event still waiting (the broker was down), so the row itself is the outbox entry.
"""

import logging
from collections.abc import Iterable

from celery import current_app
from django.core.cache import cache
from django.db import transaction

from .models import Event
from .services import PUBLISH_RETRY

logger = logging.getLogger(__name__)

# The names of the contract (shared/API.md); `ping` is the test delivery a subscriber asks for.
EVENT_TYPES = (
    "lead.created",
    "lead.accepted",
    "client.stage_changed",
    "contract.signed",
    "flag.raised",
    "flag.resolved",
    "complaint.opened",
    "complaint.escalated",
    "survey.responded",
)
PING = "ping"

# The integrations app's task, named rather than imported: this app sits below every other one.
FAN_OUT_TASK = "integrations.tasks.event_fan_out"


# Which types anyone subscribes to. The integrations app, above this one, says how to find out (`subscribers_source`,
# set when it loads) and when it changed (`subscriptions_changed`); until then every event is recorded. A type
# nobody subscribes to is not recorded at all: no row, no publish on the hot paths (a lead's capture).
SUBSCRIBED_KEY = "outbox:subscribed-types"
# Without a shared cache (no REDIS_URL) each process learns of another's change within this many seconds.
SUBSCRIBED_SECONDS = 10
subscribers_source = None


def subscribed_types() -> frozenset[str] | None:
    """The event types with an active subscription, or None when nobody has said (record everything)."""
    if subscribers_source is None:
        return None
    types = cache.get(SUBSCRIBED_KEY)
    if types is None:
        types = frozenset(subscribers_source())
        cache.set(SUBSCRIBED_KEY, types, SUBSCRIBED_SECONDS)
    return types


def subscriptions_changed() -> None:
    """Forget the subscribed types now, for this transaction's own events, and again once the change commits (in
    between, another process may have cached the set as it was before)."""
    cache.delete(SUBSCRIBED_KEY)
    transaction.on_commit(lambda: cache.delete(SUBSCRIBED_KEY))


def _wanted(type: str) -> bool:
    types = subscribed_types()
    return types is None or type in types


def _publish(event_id: str) -> None:
    task = current_app.tasks.get(FAN_OUT_TASK)
    try:
        if task is not None:  # apply_async keeps the task's routing and CELERY_TASK_ALWAYS_EAGER
            task.apply_async([event_id], retry_policy=PUBLISH_RETRY)
        else:
            current_app.send_task(FAN_OUT_TASK, [event_id], retry_policy=PUBLISH_RETRY)
    except Exception as exc:  # the broker's errors differ by transport; the beat job sends it later
        logger.warning("Event %s waits for the broker: %s", event_id, exc)


def event_record(*, type: str, data: dict, station_id: int | None = None) -> Event | None:
    """Record that `type` happened, with `data` (ids and the few fields an integrator needs, JSON only), about an
    object of `station_id`, unless nobody subscribes to `type`. Must run inside the transaction of the change."""
    if type not in EVENT_TYPES and type != PING:
        raise ValueError(f"Unknown event type {type!r}")
    if not _wanted(type):
        return None
    event = Event.objects.create(type=type, data=data, station_id=station_id)
    transaction.on_commit(lambda: _publish(str(event.pk)))
    return event


def events_record(*, type: str, rows: Iterable[tuple[dict, int | None]]) -> list[Event]:
    """Several events of one type at once (a job raising many flags): one INSERT. `rows` is read only when
    somebody subscribes to `type` (a generator spares reading what nobody will be sent)."""
    if type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {type!r}")
    if not _wanted(type):
        return []
    events = Event.objects.bulk_create([Event(type=type, data=data, station_id=sid) for data, sid in rows])
    for event in events:
        transaction.on_commit(lambda pk=str(event.pk): _publish(pk))
    return events
