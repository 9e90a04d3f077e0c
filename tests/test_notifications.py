import pytest
from django.core import mail

from accounts.models import Notification
from accounts.services import notify


@pytest.mark.django_db
def test_notify_writes_one_row_per_dedupe_key(org):
    first = notify(recipient=org.manager, kind="flag", message="一条预警", dedupe_key="flag:1")
    second = notify(recipient=org.manager, kind="flag", message="一条预警", dedupe_key="flag:1")
    assert first is not None and second is None
    assert Notification.objects.filter(recipient=org.manager).count() == 1


@pytest.mark.django_db
def test_notifications_page_and_api_show_only_my_notifications(org, client, api_as):
    notify(recipient=org.manager, kind="flag", message="给经理的通知")
    notify(recipient=org.courier, kind="reminder", message="给揽投员的通知")
    client.force_login(org.manager)
    page = client.get("/notifications/").content.decode()
    assert "给经理的通知" in page and "给揽投员的通知" not in page
    results = api_as(org.manager).get("/api/v1/notifications/").json()["results"]
    assert [n["message"] for n in results] == ["给经理的通知"]


@pytest.mark.redis
@pytest.mark.postgres
def test_a_real_worker_sends_the_notification_email_once(org, celery_worker):
    import time

    from django.db import transaction

    from accounts.tasks import send_notification_email

    org.manager.email = "manager@example.com"
    org.manager.save()
    with transaction.atomic():
        notification = notify(recipient=org.manager, kind="flag", message="连续三天未采集", email=True)
    deadline = time.monotonic() + 20
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.05)

    # A second delivery of the same work (a relay re-publishing it) sends nothing more.
    assert send_notification_email.delay(notification.pk).get(timeout=20) is False
    assert [m.to for m in mail.outbox] == [["manager@example.com"]]
    notification.refresh_from_db()
    assert notification.emailed_at is not None
