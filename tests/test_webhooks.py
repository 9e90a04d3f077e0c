"""Webhooks: events recorded in the transaction of their change, fanned out to the subscriptions of their scope,
delivered to a real HTTP receiver with the contract's signature, retried with the same delivery id and backoff,
given up and disabled after a day with the owner told; the test ping, redelivery and the API around them."""

import datetime
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification
from integrations import services
from integrations.models import Delivery, Webhook
from outbox.events import EVENT_TYPES
from outbox.models import Event
from pipeline.services.leads import lead_submit
from tests.factories_leads import lead_data, phone_for

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server on 127.0.0.1 in a thread: records every POST and answers with the next status queued."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver listens on the loopback address
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    r = Receiver()
    yield r
    r.close()


def verify(secret: str, request: dict) -> dict:
    """What a receiver does (docs/integrations.md): recompute the signature over "<t>.<raw body>"."""
    parts = dict(item.split("=", 1) for item in request["headers"]["X-Lantou-Signature"].split(","))
    expected = hmac.new(
        secret.encode(), f"{parts['t']}.".encode() + request["body"], hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"])
    return json.loads(request["body"])


def _subscribe(owner, url, events=("lead.created",), secret="s" * 32) -> Webhook:
    webhook, _secret = services.webhook_create(by=owner, url=url, events=list(events), secret=secret)
    return webhook


def _listen_to_everything(org) -> Webhook:
    """A subscription to every event type: events nobody subscribes to are not recorded."""
    return Webhook.objects.create(
        owner=org.admin, url="https://example.com/hook", events=list(EVENT_TYPES), secret="s" * 32
    )


def _submit(org, n=1, collector=None):
    lead, _created = lead_submit(by=collector or org.courier, data=lead_data(contact_phone=phone_for(n)))
    return lead


def _deliver_all(now=None):
    """What the workers do after the commits: fan each waiting event out, attempt each due delivery."""
    now = now or timezone.now()
    for event_id in services.events_waiting(now=now):
        services.event_fan_out(event_id=event_id, now=now)
    return [services.delivery_attempt(delivery_id=pk, now=now) for pk in services.deliveries_due(now=now)]


# --- Recording -----------------------------------------------------------------------------------------------------


def test_an_event_is_recorded_with_its_change_and_rolled_back_with_it(org):
    _listen_to_everything(org)
    lead = _submit(org)
    event = Event.objects.get(type="lead.created")
    assert event.data["lead"] == lead.pk and event.station_id == org.station_a.pk
    assert event.data["collected_by"] == org.courier.pk and "contact_phone" not in event.data

    with pytest.raises(RuntimeError), transaction.atomic():
        _submit(org, n=2)
        raise RuntimeError("the request fails after the lead was written")
    assert Event.objects.filter(type="lead.created").count() == 1


def test_an_event_nobody_subscribes_to_is_not_recorded(org, receiver):
    # Given no subscription, a capture records nothing for webhooks (no row, nothing published)
    _submit(org)
    assert not Event.objects.exists()
    # When someone subscribes to another type, still nothing; to this type, the next capture's event is recorded
    webhook = _subscribe(org.admin, receiver.url, events=("flag.raised",))
    _submit(org, n=2)
    assert not Event.objects.exists()
    services.webhook_update(
        by=org.admin, webhook=webhook, url=webhook.url, events=["lead.created"], active=True
    )
    _submit(org, n=3)
    assert Event.objects.filter(type="lead.created").count() == 1
    # And a disabled subscription hears nothing more
    services.webhook_update(
        by=org.admin, webhook=webhook, url=webhook.url, events=["lead.created"], active=False
    )
    _submit(org, n=4)
    assert Event.objects.filter(type="lead.created").count() == 1


def test_each_fact_records_its_event(org):
    from pipeline.services.leads import lead_accept
    from quota.models import QuotaFlag
    from quota.services import flag_resolve
    from satisfaction.services.complaints import complaint_create

    _listen_to_everything(org)
    lead = _submit(org)
    client = lead_accept(lead=lead, by=org.marketer)
    complaint_create(
        by=org.kam,
        client=client,
        channel="phone",
        category="delay",
        severity="high",
        description="延误三天",
        now=timezone.now(),
    )
    today = timezone.localdate()
    flag = QuotaFlag.objects.create(
        person=org.courier,
        station=org.station_a,
        area=org.a1,
        first_missed_on=today - datetime.timedelta(days=5),
        last_missed_on=today - datetime.timedelta(days=3),
        days_missed=3,
        raised_on=today - datetime.timedelta(days=2),
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    flag_resolve(flag=flag, by=org.station_master, note="已核实，系请假")
    types = list(Event.objects.order_by("created_at").values_list("type", flat=True))
    assert types == [
        "lead.created",
        "lead.accepted",
        "client.stage_changed",
        "complaint.opened",
        "flag.resolved",
    ]
    moved = Event.objects.get(type="client.stage_changed").data
    assert (moved["client"], moved["from"], moved["to"]) == (client.pk, "collect", "screen")
    assert Event.objects.get(type="flag.resolved").data["flag"] == flag.pk
    assert set(Event.objects.values_list("station_id", flat=True)) == {org.station_a.pk}


# --- Delivering ----------------------------------------------------------------------------------------------------


def test_a_delivery_reaches_a_real_receiver_signed(org, receiver):
    webhook = _subscribe(org.admin, receiver.url)
    lead = _submit(org)

    [delivery] = _deliver_all()

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    payload = verify("s" * 32, request)
    event = Event.objects.get(type="lead.created")
    assert payload["id"] == str(event.pk) and payload["type"] == "lead.created"
    assert payload["data"]["lead"] == lead.pk
    assert datetime.datetime.fromisoformat(payload["created_at"]).tzinfo is not None
    assert request["headers"]["X-Lantou-Event"] == "lead.created"
    assert request["headers"]["X-Lantou-Delivery"] == str(event.pk)
    delivery.refresh_from_db()
    assert (delivery.webhook_id, delivery.status_code, delivery.attempts) == (webhook.pk, 200, 1)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    # Fanning out again, or the beat job running again, sends nothing more.
    assert services.event_fan_out(event_id=str(event.pk), now=timezone.now()) == 0
    assert _deliver_all() == [] and len(receiver.requests) == 1


def test_a_wrong_secret_does_not_verify(org, receiver):
    _subscribe(org.admin, receiver.url)
    _submit(org)
    _deliver_all()
    with pytest.raises(AssertionError):
        verify("another secret of enough length", receiver.requests[0])


def test_failures_are_retried_with_backoff_and_the_same_delivery_id(org, receiver):
    _subscribe(org.admin, receiver.url)
    _submit(org)
    receiver.statuses = [500, 503]
    start = timezone.now()

    [delivery] = _deliver_all(start)
    assert (delivery.status_code, delivery.attempts, delivery.delivered_at) == (500, 1, None)
    assert delivery.next_attempt_at == start + datetime.timedelta(minutes=1)
    assert _deliver_all(start + datetime.timedelta(seconds=30)) == []  # not due yet

    [delivery] = _deliver_all(start + datetime.timedelta(minutes=1))
    assert (delivery.status_code, delivery.attempts) == (503, 2)
    assert delivery.next_attempt_at == start + datetime.timedelta(minutes=3)  # 1, then 2 minutes

    [delivery] = _deliver_all(start + datetime.timedelta(minutes=3))
    assert (delivery.status_code, delivery.attempts) == (200, 3) and delivery.delivered_at is not None
    ids = {r["headers"]["X-Lantou-Delivery"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1
    assert Webhook.objects.get().failing_since is None  # a success ends the run of failures


def test_backoff_doubles_up_to_an_hour():
    delays = [services.retry_delay(n).total_seconds() / 60 for n in range(1, 10)]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_a_receiver_that_does_not_answer_is_a_failure(org, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers
    try:
        _subscribe(org.admin, f"http://127.0.0.1:{silent.getsockname()[1]}/hook")
        _submit(org)
        [delivery] = _deliver_all()
    finally:
        silent.close()
    assert delivery.status_code is None and delivery.attempts == 1
    assert "timed out" in delivery.last_error.lower() and delivery.next_attempt_at is not None


def test_a_day_of_failures_disables_the_subscription_and_tells_its_owner(org, receiver):
    webhook = _subscribe(org.executive, receiver.url)
    _submit(org)
    receiver.statuses = [500] * 5
    start = timezone.now()
    [delivery] = _deliver_all(start)
    assert Webhook.objects.get().failing_since == start

    # A day later (the clock moved by the rows' own times, not by sleeping) the next failure gives up.
    later = start + datetime.timedelta(hours=24, minutes=1)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=later)
    [delivery] = _deliver_all(later)

    webhook.refresh_from_db()
    assert (webhook.active, webhook.disabled_at) == (False, later)
    assert delivery.next_attempt_at is None and delivery.attempts == 2
    note = Notification.objects.get(recipient=org.executive, kind="webhook_disabled")
    assert receiver.url in note.message and note.link == f"/integrations/webhooks/{webhook.pk}/"
    # Nothing more is sent to a disabled subscription, nor fanned out to it.
    _submit(org, n=2)
    assert _deliver_all(later + datetime.timedelta(hours=1)) == []
    assert len(receiver.requests) == 2


def test_a_keys_disabled_subscription_tells_the_person_who_made_the_key(org, receiver):
    key, _raw = services.key_create(by=org.admin, name="BI", scopes=["webhooks:manage"])
    webhook = _subscribe(key.user, receiver.url)
    now = timezone.now()
    Webhook.objects.filter(pk=webhook.pk).update(failing_since=now - datetime.timedelta(days=2))
    assert services.webhook_disable(webhook=webhook, now=now)
    assert Notification.objects.filter(recipient=org.admin, kind="webhook_disabled").count() == 1


def test_a_station_subscription_never_receives_another_stations_events(org, receiver):
    key_a, _raw = services.key_create(
        by=org.admin, name="A站系统", scopes=["webhooks:manage"], station=org.station_a
    )
    station_a = _subscribe(key_a.user, receiver.url)
    hq = _subscribe(org.admin, receiver.url)

    _submit(org, n=1, collector=org.courier)
    _submit(org, n=2, collector=org.courier_b)
    _deliver_all()

    got = {(d.webhook_id, d.event.data["station"]) for d in Delivery.objects.select_related("event")}
    assert got == {
        (station_a.pk, org.station_a.pk),
        (hq.pk, org.station_a.pk),
        (hq.pk, org.station_b.pk),
    }


# --- Ping and redelivery, through the API ------------------------------------------------------------------------


def test_the_api_subscribes_pings_lists_and_redelivers(
    org, api_as, receiver, django_capture_on_commit_callbacks
):
    api = api_as(org.admin)
    created = api.post("/api/v1/webhooks/", {"url": receiver.url, "events": ["lead.created"]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    secret = body["signing_secret"]
    assert "secret" not in body and len(secret) >= 32
    assert "signing_secret" not in api.get(f"/api/v1/webhooks/{body['id']}/").json()
    webhook_id = body["id"]

    ping = api.post(f"/api/v1/webhooks/{webhook_id}/test/")
    assert ping.status_code == 202
    _deliver_all()
    payload = verify(secret, receiver.requests[-1])
    assert payload["type"] == "ping" and payload["data"] == {"webhook": webhook_id}

    rows = api.get(f"/api/v1/webhooks/{webhook_id}/deliveries/").json()["results"]
    assert [(r["event"], r["status_code"], r["attempts"]) for r in rows] == [("ping", 200, 1)]
    assert set(rows[0]) >= {"id", "event", "status_code", "attempts", "delivered_at", "next_attempt_at"}

    again = api.post(f"/api/v1/webhooks/{webhook_id}/deliveries/{rows[0]['id']}/redeliver/")
    assert again.status_code == 202
    _deliver_all()
    assert len(receiver.requests) == 2
    assert (
        receiver.requests[0]["headers"]["X-Lantou-Delivery"]
        == receiver.requests[1]["headers"]["X-Lantou-Delivery"]
    )
    assert Delivery.objects.get().attempts == 2


def test_subscriptions_refuse_bad_addresses_and_unknown_events(org, api_as, settings):
    api = api_as(org.admin)
    for body in (
        {"url": "ftp://example.com/", "events": ["lead.created"]},
        {"url": "https://example.com/", "events": ["lead.deleted"]},
        {"url": "https://example.com/", "events": []},
        {"url": "https://example.com/", "events": ["lead.created"], "secret": "short"},
    ):
        assert api.post("/api/v1/webhooks/", body, format="json").status_code == 400, body
    settings.WEBHOOK_ALLOW_PRIVATE = False
    for url in ("http://127.0.0.1:8000/", "http://10.1.2.3/", "http://localhost/", "http://[::1]/"):
        response = api.post("/api/v1/webhooks/", {"url": url, "events": ["lead.created"]}, format="json")
        assert response.status_code == 400 and "url" in response.json(), url
    assert not Webhook.objects.exists()


def test_webhooks_are_scoped_and_a_key_manages_its_own(org, api_as, receiver):
    from rest_framework.test import APIClient

    key, raw = services.key_create(by=org.admin, name="BI", scopes=["webhooks:manage"], station=org.station_a)
    mine = APIClient()
    mine.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    created = mine.post("/api/v1/webhooks/", {"url": receiver.url, "events": ["flag.raised"]}, format="json")
    assert created.status_code == 201
    assert Webhook.objects.get(pk=created.json()["id"]).owner == key.user

    theirs = _subscribe(org.admin, receiver.url)
    assert [r["id"] for r in mine.get("/api/v1/webhooks/").json()["results"]] == [created.json()["id"]]
    assert mine.get(f"/api/v1/webhooks/{theirs.pk}/").status_code == 404
    assert mine.post(f"/api/v1/webhooks/{theirs.pk}/test/").status_code == 404
    # Headquarters see both; other roles none.
    assert len(api_as(org.executive).get("/api/v1/webhooks/").json()["results"]) == 2
    assert api_as(org.station_master).get("/api/v1/webhooks/").status_code == 403


@pytest.mark.redis
@pytest.mark.postgres
def test_a_real_worker_delivers_after_the_commit(org, celery_worker, receiver):
    import time

    _subscribe(org.admin, receiver.url)
    _submit(org)  # committed: the fan-out is published, the worker fans out and sends
    deadline = time.monotonic() + 30
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(receiver.requests) == 1
    payload = verify("s" * 32, receiver.requests[0])
    assert payload["type"] == "lead.created"


def test_the_jobs_facts_record_their_events(org):
    """Flags raised by the nightly evaluation, a contract signed on the way through the loop, an overdue complaint
    escalated by the hourly job, a survey answered through its link (a pilot's answers are not a customer's)."""
    from pipeline.models.loop import Stage
    from quota.evaluation import evaluate_station_through
    from quota.models import QuotaFlag
    from satisfaction.services import surveys
    from satisfaction.services.complaints import complaint_create, escalate_overdue_complaints
    from tests.factories_leads import ClientContactFactory, ClientFactory
    from tests.factories_loop import walk_to
    from tests.factories_quota import day, quota_settings
    from tests.factories_satisfaction import approved, at, campaign_with_links, scores

    _listen_to_everything(org)
    quota_settings(org.station_a, starts_on=day("2026-03-02"))
    evaluate_station_through(station=org.station_a, through=day("2026-03-04"))
    raised = Event.objects.filter(type="flag.raised")
    assert sorted(e.data["flag"] for e in raised) == sorted(QuotaFlag.objects.values_list("pk", flat=True))
    assert raised.count() >= 1 and {e.station_id for e in raised} == {org.station_a.pk}

    client = walk_to(ClientFactory(area=org.b1, owner=org.kam_b), Stage.FOLLOW_UP, by=org.kam_b)
    signed = Event.objects.get(type="contract.signed")
    assert signed.data["client"] == client.pk and signed.station_id == org.station_b.pk

    now = timezone.now()
    complaint = complaint_create(
        by=org.kam_b,
        client=client,
        channel="phone",
        category="damage",
        severity="high",
        description="破损",
        now=now,
    )
    assert escalate_overdue_complaints(now=now + datetime.timedelta(hours=25)) == 1
    escalated = Event.objects.get(type="complaint.escalated")
    assert escalated.data["complaint"] == complaint.pk and escalated.data["escalation_level"] == 1

    ClientContactFactory(client=client, name="张经理", surveyed=True)
    questionnaire = approved(
        by=org.kam_b, approver=org.station_master_b, pilot_clients=[client], now=at(now.date())
    )
    assert not Event.objects.filter(type="survey.responded").exists()  # the pilot's answer
    campaign = campaign_with_links(questionnaire, org.kam_b, [client], now=now, links=1)
    response = surveys.response_submit(
        invitation=campaign.invitations.get(), answers=scores(questionnaire, 2), now=now
    )
    answered = Event.objects.get(type="survey.responded")
    assert (answered.data["response"], answered.data["client"]) == (response.pk, client.pk)
    assert answered.data["average"] == 2.0 and answered.station_id == org.station_b.pk
