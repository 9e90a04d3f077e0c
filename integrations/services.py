"""Writes of the integrations app: keys (created, revoked, used), webhook subscriptions, and their deliveries
(fanned out from the events of outbox/events.py, signed, attempted with backoff, given up after a day).

Every door (page, API, admin, job) calls these.
"""

import datetime
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Station, User
from accounts.roles import HQ_ROLES, INTEGRATION_MANAGERS, Role
from accounts.services import notify
from outbox import services as outbox
from outbox.events import EVENT_TYPES, PING, subscriptions_changed
from outbox.models import Event

from .models import Delivery, IntegrationKey, Scope, Webhook

KEY_PREFIX = "lt_"
# A key in use records its last use at most this often: one UPDATE a minute, not one per request.
LAST_USED_EVERY = datetime.timedelta(minutes=1)
# Retries: after 1 minute, doubling each time up to an hour between attempts, for a day; then the delivery is
# given up and a subscription failing all that day is disabled.
FIRST_RETRY = datetime.timedelta(minutes=1)
MAX_RETRY = datetime.timedelta(hours=1)
GIVE_UP_AFTER = datetime.timedelta(hours=24)
# An attempt holds its delivery this long, so the beat job and the queued task never send it twice at once.
CLAIM = datetime.timedelta(minutes=2)
NAME_MAX = 100
SECRET_MIN = 16


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _require_manager(by: User) -> None:
    if not (by.is_authenticated and by.role in INTEGRATION_MANAGERS and not by.is_integration):
        raise PermissionDenied(_("Only administrators and headquarters manage integrations."))


# --- Keys --------------------------------------------------------------------------------------------------------


def _clean_scopes(scopes) -> list[str]:
    if not isinstance(scopes, (list, tuple)) or not scopes:
        raise ValidationError({"scopes": [_("Choose at least one scope.")]})
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown:
        raise ValidationError(
            {"scopes": [_("Unknown scope: %(scopes)s.") % {"scopes": ", ".join(map(str, unknown))}]}
        )
    return [s for s in Scope.values if s in scopes]


@transaction.atomic
def key_create(
    *,
    by: User,
    name: str,
    scopes: list[str],
    station: Station | None = None,
    expires_at: datetime.datetime | None = None,
) -> tuple[IntegrationKey, str]:
    """A new key and its secret, which is returned here once and stored only as a digest. A key without a station
    acts as headquarters (as its creator's role: it never holds more than the person who made it), a key with one
    as that station's master."""
    _require_manager(by)
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("Give the key a name (which system uses it).")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("At most %(max)s characters.") % {"max": NAME_MAX}]
    try:
        scopes = _clean_scopes(scopes)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = [_("The expiry must lie in the future.")]
    if errors:
        raise ValidationError(errors)
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    prefix = raw[: len(KEY_PREFIX) + 8]
    with translation.override(settings.LANGUAGE_CODE):
        display_name = _("Integration key: %(name)s") % {"name": name}
    account = User(
        username=f"key-{prefix}",
        display_name=display_name[:100],
        role=Role.STATION_MASTER if station is not None else by.role,
        station=station,
        is_active=False,  # no log-in, no notifications, no colleague's lists; the key authenticates it
        is_integration=True,
    )
    account.set_unusable_password()
    account.save()
    key = IntegrationKey.objects.create(
        name=name,
        prefix=prefix,
        digest=digest_of(raw),
        scopes=scopes,
        station=station,
        expires_at=expires_at,
        user=account,
        created_by=by,
    )
    return key, raw


def key_revoke(*, by: User, key: IntegrationKey) -> IntegrationKey:
    """Revoke a key: its next request is refused (401). Revoking twice changes nothing."""
    _require_manager(by)
    now = timezone.now()
    IntegrationKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now, updated_at=now)
    key.refresh_from_db()
    return key


def key_find(raw: str) -> IntegrationKey | None:
    """The key whose secret is `raw`, revoked or not, or None."""
    raw = (raw or "").strip()
    if not raw.startswith(KEY_PREFIX) or len(raw) > 100:
        return None
    key = (
        IntegrationKey.objects.select_related("user", "user__station")
        .filter(prefix=raw[: len(KEY_PREFIX) + 8])
        .first()
    )
    if key is None or not hmac.compare_digest(key.digest, digest_of(raw)):
        return None
    return key


def key_used(*, key: IntegrationKey, now: datetime.datetime) -> None:
    """Record a use, at most once a minute per key (the cache says whether this minute's is written)."""
    if cache.add(f"integration-key-used:{key.prefix}", 1, timeout=int(LAST_USED_EVERY.total_seconds())):
        IntegrationKey.objects.filter(pk=key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
        ).update(last_used_at=now)


# --- Webhook subscriptions ---------------------------------------------------------------------------------------


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not ip.is_global or ip.is_multicast


def url_check(url: str) -> None:
    """An http(s) address; unless WEBHOOK_ALLOW_PRIVATE, one whose host resolves to public addresses only (a
    webhook must not reach into the network Lantou runs in)."""
    try:
        parts = urlsplit(url or "")
        port = parts.port
    except ValueError:  # an unclosed IPv6 bracket, a port out of range
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": [_("Give an http:// or https:// address.")]})
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise ValidationError({"url": [_("This host name does not resolve.")]}) from None
    if any(_private(info[4][0]) for info in infos):
        raise ValidationError(
            {"url": [_("This address is in a private network; webhooks go to public ones.")]}
        )


def _clean_events(events) -> list[str]:
    if not isinstance(events, (list, tuple)) or not events:
        raise ValidationError({"events": [_("Choose at least one event.")]})
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown:
        raise ValidationError(
            {"events": [_("Unknown event: %(events)s.") % {"events": ", ".join(map(str, unknown))}]}
        )
    return [e for e in EVENT_TYPES if e in events]


def _require_webhook_manager(by: User) -> None:
    if not (by.is_authenticated and (by.is_integration or by.role in INTEGRATION_MANAGERS)):
        raise PermissionDenied(_("Only administrators and headquarters manage integrations."))


def _clean_webhook(*, url: str, events, secret: str | None) -> dict:
    errors = {}
    url = (url or "").strip()
    if len(url) > 500:
        errors["url"] = [_("At most %(max)s characters.") % {"max": 500}]
    else:
        try:
            url_check(url)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    try:
        events = _clean_events(events)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if secret is not None and not (SECRET_MIN <= len(secret) <= 200):
        errors["secret"] = [_("A secret has %(min)s to 200 characters.") % {"min": SECRET_MIN}]
    if errors:
        raise ValidationError(errors)
    return {"url": url, "events": events}


@transaction.atomic
def webhook_create(*, by: User, url: str, events: list[str], secret: str = "") -> tuple[Webhook, str]:
    """Subscribe `url` to `events` of the caller's scope. Returns the subscription and its signing secret (the
    one given, or a new one to show once)."""
    _require_webhook_manager(by)
    secret = secret or None
    fields = _clean_webhook(url=url, events=events, secret=secret)
    secret = secret or secrets.token_hex(32)
    webhook = Webhook.objects.create(owner=by, secret=secret, **fields)
    return webhook, secret


@transaction.atomic
def webhook_update(
    *, by: User, webhook: Webhook, url: str, events: list[str], active: bool, secret: str = ""
) -> Webhook:
    """Change a subscription; enabling a disabled one starts afresh (its failures forgotten)."""
    _require_webhook_manager(by)
    fields = _clean_webhook(url=url, events=events, secret=secret or None)
    if secret:
        fields["secret"] = secret
    if active and not webhook.active:
        fields.update(failing_since=None, disabled_at=None)
    Webhook.objects.filter(pk=webhook.pk).update(active=active, updated_at=timezone.now(), **fields)
    subscriptions_changed()
    webhook.refresh_from_db()
    return webhook


def webhook_delete(*, by: User, webhook: Webhook) -> None:
    _require_webhook_manager(by)
    webhook.delete()


def subscribed_types() -> set[str]:
    """The event types some active subscription receives (events of other types are not recorded)."""
    types = set()
    for events in Webhook.objects.filter(active=True).values_list("events", flat=True):
        types.update(events)
    return types


def _subscribed(webhook: Webhook, event: Event) -> bool:
    """Whether `webhook` receives `event`: of its events, and within its owner's scope (a station's key the
    events of its station, headquarters every event)."""
    if event.type not in webhook.events:
        return False
    owner = webhook.owner
    return owner.role in HQ_ROLES or (event.station_id is not None and event.station_id == owner.station_id)


def _enqueue_sends(ids: list[int]) -> None:
    from .tasks import delivery_send

    for delivery_id in ids:
        outbox.task_enqueue(task=delivery_send, args=[delivery_id])


def event_fan_out(*, event_id: str, now: datetime.datetime) -> int:
    """One delivery per subscription of the event's type and scope, queued at once. Safe to run twice (the
    claim on the event, the unique delivery per event and subscription). Returns how many it made."""
    with transaction.atomic():
        if not Event.objects.filter(pk=event_id, fanned_out_at__isnull=True).update(fanned_out_at=now):
            return 0
        event = Event.objects.get(pk=event_id)
        webhooks = Webhook.objects.filter(active=True).select_related("owner")
        made = Delivery.objects.bulk_create(
            [
                Delivery(webhook=w, event=event, next_attempt_at=now, created_at=now)
                for w in webhooks
                if _subscribed(w, event)
            ],
            ignore_conflicts=True,
        )
        ids = list(
            Delivery.objects.filter(event=event, attempts=0, delivered_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        _enqueue_sends(ids)
    return len(made)


@transaction.atomic
def webhook_ping(*, by: User, webhook: Webhook) -> Delivery:
    """A test delivery (`ping`) to this subscription alone, sent at once."""
    _require_webhook_manager(by)
    now = timezone.now()
    event = Event.objects.create(
        type=PING, data={"webhook": webhook.pk}, station_id=webhook.owner.station_id, fanned_out_at=now
    )
    delivery = Delivery.objects.create(webhook=webhook, event=event, next_attempt_at=now, created_at=now)
    _enqueue_sends([delivery.pk])
    return delivery


@transaction.atomic
def delivery_redeliver(*, by: User, delivery: Delivery) -> Delivery:
    """Send a delivery again now (delivered or given up), with the same event id."""
    _require_webhook_manager(by)
    if not delivery.webhook.active:
        raise ValidationError(_("This subscription is disabled; enable it before redelivering."))
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    _enqueue_sends([delivery.pk])
    delivery.refresh_from_db()
    return delivery


# --- Sending -----------------------------------------------------------------------------------------------------


def body_of(event: Event) -> bytes:
    payload = {
        "id": str(event.pk),
        "type": event.type,
        "created_at": timezone.localtime(event.created_at).isoformat(),
        "data": event.data,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` (docs/integrations.md shows the check)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any non-2xx: never followed (it could lead to another host)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


@dataclass
class Answer:
    status_code: int | None
    error: str
    duration_ms: int


def _post(url: str, body: bytes, headers: dict) -> Answer:
    started = time.monotonic()
    try:
        url_check(url)  # again at sending: the name may resolve elsewhere now
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status, error = response.status, ""
    except urllib.error.HTTPError as exc:
        status, error = exc.code, ""
    except ValidationError as exc:
        status, error = None, " ".join(exc.messages)
    except (OSError, ValueError) as exc:  # refused, time-out, TLS, a malformed address
        status, error = None, f"{exc.__class__.__name__}: {exc}"
    return Answer(status, error[:300], int((time.monotonic() - started) * 1000))


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th failed attempt: 1, 2, 4 … minutes, at most an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_RETRY)


def delivery_attempt(*, delivery_id: int, now: datetime.datetime) -> Delivery | None:
    """Attempt one due delivery. None when it is not due (sent meanwhile, held by another attempt)."""
    if not Delivery.objects.filter(pk=delivery_id, next_attempt_at__lte=now).update(
        next_attempt_at=now + CLAIM
    ):
        return None
    delivery = Delivery.objects.select_related("webhook", "webhook__owner", "event").get(pk=delivery_id)
    webhook, event = delivery.webhook, delivery.event
    if not webhook.active:
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
        return delivery
    body = body_of(event)
    timestamp = int(now.timestamp())
    answer = _post(
        webhook.url,
        body,
        {
            "Content-Type": "application/json",
            "User-Agent": "Lantou-Webhooks/1",
            "X-Lantou-Event": event.type,
            "X-Lantou-Delivery": str(event.pk),
            "X-Lantou-Signature": signature(secret=webhook.secret, timestamp=timestamp, body=body),
        },
    )
    attempts = delivery.attempts + 1
    fields = {
        "attempts": F("attempts") + 1,
        "status_code": answer.status_code,
        "last_attempt_at": now,
        "duration_ms": answer.duration_ms,
        "last_error": answer.error,
    }
    if answer.status_code is not None and 200 <= answer.status_code < 300:
        Delivery.objects.filter(pk=delivery.pk).update(delivered_at=now, next_attempt_at=None, **fields)
        Webhook.objects.filter(pk=webhook.pk, failing_since__isnull=False).update(failing_since=None)
    else:
        given_up = now - delivery.created_at >= GIVE_UP_AFTER
        following = None if given_up else now + retry_delay(attempts)
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=following, **fields)
        Webhook.objects.filter(pk=webhook.pk, failing_since__isnull=True).update(failing_since=now)
        webhook.refresh_from_db(fields=["failing_since", "active"])
        if webhook.active and now - webhook.failing_since >= GIVE_UP_AFTER:
            webhook_disable(webhook=webhook, now=now)
    delivery.refresh_from_db()
    return delivery


def webhook_disable(*, webhook: Webhook, now: datetime.datetime) -> bool:
    """A subscription failing for a day stops: its waiting deliveries are given up, its owner told (a key's
    subscription: the person who created the key)."""
    with transaction.atomic():
        if not Webhook.objects.filter(pk=webhook.pk, active=True).update(
            active=False, disabled_at=now, updated_at=now
        ):
            return False
        subscriptions_changed()
        Delivery.objects.filter(webhook=webhook, next_attempt_at__isnull=False).update(next_attempt_at=None)
        owner = webhook.owner
        recipient = owner.integration_key.created_by if owner.is_integration else owner
        with translation.override(settings.LANGUAGE_CODE):
            message = _(
                "The webhook to %(url)s has failed for a day and was disabled. Fix the receiver, then enable it."
            ) % {"url": webhook.url}
        notify(
            recipient=recipient,
            kind="webhook_disabled",
            message=message,
            link=reverse("integrations:webhook", args=[webhook.pk]),
            dedupe_key=f"webhook:{webhook.pk}:disabled:{now.isoformat()}"[:120],
            email=True,
        )
    return True


def deliveries_due(*, now: datetime.datetime, limit: int = 100) -> list[int]:
    return list(
        Delivery.objects.filter(next_attempt_at__lte=now, webhook__active=True)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def events_waiting(*, now: datetime.datetime) -> list[str]:
    """Events whose fan-out has not run (the broker was down when they committed)."""
    return [
        str(pk)
        for pk in Event.objects.filter(fanned_out_at__isnull=True, created_at__lte=now)
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    ]


# Events and their deliveries are kept this long for the delivery log, then deleted by the beat job.
KEEP_EVENTS = datetime.timedelta(days=30)


def events_prune(*, now: datetime.datetime) -> int:
    deleted, _by_model = Event.objects.filter(
        created_at__lt=now - KEEP_EVENTS, fanned_out_at__isnull=False
    ).delete()
    return deleted
