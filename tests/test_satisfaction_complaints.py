"""Complaints: recording, deadlines by severity, the moves to closed, and the hourly escalation (services and API)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Notification
from satisfaction.models import Complaint, ComplaintEvent, ComplaintStatus
from satisfaction.services import complaints
from satisfaction.tasks import escalate_overdue_complaints
from tests.factories_leads import ClientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def client_a1(org):
    return ClientFactory(signed=True, area=org.a1, owner=org.kam, name="甲公司")


def _create(api, client, headers=None, **overrides):
    body = {
        "client": client.pk,
        "channel": "phone",
        "category": "delay",
        "severity": "high",
        "description": "快件晚到两天",
    }
    body.update(overrides)
    return api.post("/api/v1/complaints/", body, format="json", headers=headers)


def test_a_complaint_goes_from_open_to_closed_with_an_escalation_on_the_way(org, client_a1, api_as):
    api = api_as(org.marketer)
    # Given a high-severity complaint received on Monday 09:00 (24 hours to resolve)
    with time_machine.travel(MONDAY_9, tick=False):
        created = _create(api, client_a1)
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["owner"]) == ("open", org.kam.pk)
    assert datetime.fromisoformat(body["due_at"]) == MONDAY_9 + timedelta(hours=24)
    pk = body["id"]
    # When the owner starts handling it
    with time_machine.travel(MONDAY_9 + timedelta(hours=2), tick=False):
        started = api_as(org.kam).post(
            f"/api/v1/complaints/{pk}/start/", {"note": "已联系客户"}, format="json"
        )
        assert started.json()["status"] == "in_progress"
        # the hourly job finds nothing overdue yet
        assert escalate_overdue_complaints() == 0
    # When it is still unresolved an hour past the deadline, the job tells the area manager, once
    with time_machine.travel(MONDAY_9 + timedelta(hours=25), tick=False):
        assert escalate_overdue_complaints() == 1
        assert escalate_overdue_complaints() == 0
    complaint = Complaint.objects.get(pk=pk)
    assert complaint.escalation_level == 1
    assert complaint.escalated_at == MONDAY_9 + timedelta(hours=25)
    told = Notification.objects.filter(kind="complaint_escalated").values_list(
        "recipient__username", flat=True
    )
    assert sorted(told) == ["kam", "manager"]
    # When it is resolved and the customer confirms, it closes; a later job run leaves it alone
    with time_machine.travel(MONDAY_9 + timedelta(hours=30), tick=False):
        resolved = api_as(org.kam).post(
            f"/api/v1/complaints/{pk}/resolve/", {"resolution": "补发并赔偿运费"}, format="json"
        )
        assert resolved.json()["status"] == "resolved"
        closed = api_as(org.kam).post(
            f"/api/v1/complaints/{pk}/close/", {"confirmation": "张经理电话确认满意"}, format="json"
        )
    with time_machine.travel(MONDAY_9 + timedelta(hours=60), tick=False):
        assert escalate_overdue_complaints() == 0
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    complaint.refresh_from_db()
    assert (complaint.status, complaint.resolution, complaint.customer_confirmation) == (
        ComplaintStatus.CLOSED,
        "补发并赔偿运费",
        "张经理电话确认满意",
    )
    assert complaint.closed_at == MONDAY_9 + timedelta(hours=30)
    events = list(complaint.events.values_list("kind", "from_status", "to_status"))
    assert events == [
        ("created", "", "open"),
        ("status", "open", "in_progress"),
        ("escalated", "", ""),
        ("status", "in_progress", "resolved"),
        ("status", "resolved", "closed"),
    ]
    assert Notification.objects.filter(recipient=org.station_master, kind="complaint_escalated").count() == 0


def test_a_complaint_overdue_by_another_window_goes_to_the_station_master(org, client_a1):
    complaint = complaints.complaint_create(
        by=org.kam,
        client=client_a1,
        channel="email",
        category="loss",
        severity="medium",
        description="丢件",
        now=MONDAY_9,
    )
    complaints.escalate_overdue_complaints(now=MONDAY_9 + timedelta(hours=49))
    assert complaints.escalate_overdue_complaints(now=MONDAY_9 + timedelta(hours=95)) == 0
    assert complaints.escalate_overdue_complaints(now=MONDAY_9 + timedelta(hours=97)) == 1
    complaint.refresh_from_db()
    assert complaint.escalation_level == 2
    assert Notification.objects.filter(recipient=org.station_master, kind="complaint_escalated").count() == 1
    assert Notification.objects.filter(recipient=org.station_master_b).count() == 0


def test_without_an_area_manager_the_first_escalation_goes_to_the_station_master(org):
    client = ClientFactory(signed=True, area=org.a2, owner=org.kam)  # a2 has no area manager
    complaints.complaint_create(
        by=org.kam,
        client=client,
        channel="visit",
        category="pricing",
        severity="low",
        description="报价偏高",
        now=MONDAY_9,
    )
    complaints.escalate_overdue_complaints(now=MONDAY_9 + timedelta(hours=73))
    assert set(
        Notification.objects.filter(kind="complaint_escalated").values_list("recipient__username", flat=True)
    ) == {"master", "kam"}


def test_deadline_follows_severity_and_is_configurable(org, client_a1, settings):
    settings.SATISFACTION_COMPLAINT_HOURS = {"high": 4, "medium": 8, "low": 12}
    low = complaints.complaint_create(
        by=org.kam,
        client=client_a1,
        channel="api",
        category="other",
        severity="low",
        description="x",
        now=MONDAY_9,
    )
    assert low.due_at == MONDAY_9 + timedelta(hours=12)


@pytest.mark.parametrize(
    "field,value",
    [("channel", "fax"), ("category", "weather"), ("severity", "urgent"), ("description", "")],
)
def test_bad_values_are_a_400_with_reasons_and_save_nothing(org, client_a1, api_as, field, value):
    response = _create(api_as(org.kam), client_a1, **{field: value})
    assert response.status_code == 400
    assert field in response.json()
    assert not Complaint.objects.exists() and not Notification.objects.exists()


def test_another_stations_client_is_a_400_and_saves_nothing(org, api_as):
    foreign = ClientFactory(signed=True, area=org.b1)
    response = _create(api_as(org.kam), foreign)
    assert response.status_code == 400 and "client" in response.json()
    assert not Complaint.objects.exists()


def test_messages_follow_accept_language(org, client_a1, api_as):
    api = api_as(org.kam)
    english = _create(api, client_a1, channel="fax", headers={"Accept-Language": "en"})
    assert "valid choice" in english.json()["channel"][0]
    chinese = _create(api, client_a1, channel="fax", headers={"Accept-Language": "zh-hans"})
    assert "合法" in chinese.json()["channel"][0]


def test_couriers_may_not_record_complaints(org, client_a1, api_as):
    assert _create(api_as(org.courier), client_a1).status_code == 403
    with pytest.raises(PermissionDenied):
        complaints.complaint_create(
            by=org.courier,
            client=client_a1,
            channel="phone",
            category="delay",
            severity="low",
            description="x",
            now=MONDAY_9,
        )


def test_closing_needs_the_customers_confirmation_and_a_resolution_first(org, client_a1):
    complaint = complaints.complaint_create(
        by=org.kam,
        client=client_a1,
        channel="phone",
        category="damage",
        severity="high",
        description="破损",
        now=MONDAY_9,
    )
    with pytest.raises(ValidationError):
        complaints.complaint_close(by=org.kam, complaint=complaint, confirmation="客户确认", now=MONDAY_9)
    complaints.complaint_resolve(by=org.kam, complaint=complaint, resolution="已赔付", now=MONDAY_9)
    with pytest.raises(ValidationError) as refused:
        complaints.complaint_close(by=org.kam, complaint=complaint, confirmation="  ", now=MONDAY_9)
    assert "confirmation" in refused.value.message_dict
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RESOLVED and complaint.closed_at is None
    # The customer disagrees: back to in progress, the resolution time is cleared
    complaints.complaint_reopen(by=org.kam, complaint=complaint, reason="客户仍未收到赔付", now=MONDAY_9)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.IN_PROGRESS and complaint.resolved_at is None


def test_a_refused_move_through_the_api_is_a_400_and_changes_nothing(org, client_a1, api_as):
    complaint = complaints.complaint_create(
        by=org.kam,
        client=client_a1,
        channel="phone",
        category="damage",
        severity="high",
        description="破损",
        now=MONDAY_9,
    )
    response = api_as(org.kam).post(
        f"/api/v1/complaints/{complaint.pk}/close/", {"confirmation": "ok"}, format="json"
    )
    assert response.status_code == 400 and "detail" in response.json()
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN
    assert ComplaintEvent.objects.filter(complaint=complaint).count() == 1


def test_reassigning_tells_the_new_owner(org, client_a1):
    complaint = complaints.complaint_create(
        by=org.kam,
        client=client_a1,
        channel="phone",
        category="attitude",
        severity="low",
        description="态度",
        now=MONDAY_9,
    )
    complaints.complaint_reassign(by=org.kam, complaint=complaint, owner=org.manager, now=MONDAY_9)
    complaint.refresh_from_db()
    assert complaint.owner == org.manager
    assert Notification.objects.filter(recipient=org.manager, kind="complaint").count() == 1
    with pytest.raises(ValidationError):
        complaints.complaint_reassign(by=org.kam, complaint=complaint, owner=org.kam_b, now=MONDAY_9)


def test_list_filters_and_constant_queries(org, client_a1, api_as, django_assert_max_num_queries):
    for severity in ("low", "medium", "high"):
        complaints.complaint_create(
            by=org.kam,
            client=client_a1,
            channel="phone",
            category="delay",
            severity=severity,
            description="x",
            now=MONDAY_9,
        )
    api = api_as(org.station_master)
    with django_assert_max_num_queries(6):
        body = api.get("/api/v1/complaints/?severity=high").json()
    assert [c["severity"] for c in body["results"]] == ["high"]
    with time_machine.travel(MONDAY_9 + timedelta(hours=30), tick=False):
        overdue = api.get("/api/v1/complaints/?overdue=true").json()["results"]
    assert [c["severity"] for c in overdue] == ["high"]
