"""The installable capture app as the server serves it: the manifest, the service worker at the root with its
headers, the pages that link them without inline script, the queue's multipart request, and what the reviewer
sees of a lead captured offline."""

import datetime
import json

import pytest
import time_machine
from django.contrib.staticfiles import finders

from pipeline.models import Lead
from tests.factories_leads import competitor, image_upload
from tests.factories_quota import at, day

pytestmark = pytest.mark.django_db


def test_the_manifest_makes_the_capture_page_an_app_in_chinese(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/leads/new/",
        "/",
        "standalone",
    )
    assert manifest["name"] == "揽投线索采集"
    assert {s["url"] for s in manifest["shortcuts"]} == {"/leads/new/", "/leads/", "/quota/"}
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


def test_the_service_worker_is_served_from_the_root_for_the_whole_site_and_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    script = response.content.decode()
    assert 'importScripts("/static/js/offline_queue.js")' in script
    assert '"/leads/new/", "/leads/", "/quota/"' in script
    assert client.post("/sw.js").status_code == 405


def test_every_signed_in_page_links_the_manifest_and_the_queue_scripts_and_no_inline_script(client, org):
    client.force_login(org.courier)
    html = client.get("/leads/new/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'data-worker="/sw.js"' in html and 'data-leads-api="/api/v1/leads/"' in html
    assert '<script src="/static/js/offline.js"></script>' in html
    assert "<script>" not in html
    assert "data-offline-capture" in html and 'id="offline-queue"' in html
    assert "没有网络：这是" in html  # the line an offline copy shows
    assert 'id="offline-queue"' in client.get("/leads/").content.decode()


def test_the_edit_page_is_not_queued(client, org):
    from tests.factories_leads import LeadFactory

    lead = LeadFactory(collected_by=org.courier)
    client.force_login(org.courier)
    html = client.get(f"/leads/{lead.pk}/edit/").content.decode()
    assert "data-offline-capture" not in html and 'id="offline-queue"' not in html


def test_the_queue_sends_a_lead_as_multipart_with_its_lists_photo_and_capture_moment(client, org):
    zto = competitor("ZTO")
    client.force_login(org.courier)
    captured = at(day("2026-03-02"), 18)
    body = {
        "company_name": "多部分表单商行",
        "contact_phone": "13811112222",
        "inbound_monthly": "300",
        "competitors[0]competitor": "中通快递",
        "competitors[0]monthly": "120",
        "contacts[0]name": "李会计",
        "contacts[0]phone": "13811113333",
        "photos": image_upload(),
        "collected_at": captured.isoformat(),
    }
    with time_machine.travel(at(day("2026-03-03"), 8), tick=False):
        response = client.post("/api/v1/leads/", body, HTTP_IDEMPOTENCY_KEY="phone-key-1")
    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.captured_at, lead.collected_on, lead.inbound_monthly) == (captured, day("2026-03-02"), 300)
    assert [(c.competitor, c.monthly) for c in lead.competitors.all()] == [(zto, 120)]
    assert [c.name for c in lead.contacts.all()] == ["李会计"]
    assert lead.photos.count() == 1


def test_the_reviewer_sees_when_a_lead_was_captured_offline_and_how_late_it_arrived(client, org):
    from tests.factories_leads import LeadFactory

    with time_machine.travel(at(day("2026-03-03"), 8), tick=False):
        lead = LeadFactory(
            collected_by=org.courier, captured_at=at(day("2026-03-02"), 18), company_name="地下室商户"
        )
    client.force_login(org.marketer)
    queue = client.get("/leads/review/").content.decode()
    assert "离线采集于 03-02 18:00，14" in queue
    assert "离线采集于" in client.get(f"/leads/{lead.pk}/").content.decode()
    assert lead.sync_delay == datetime.timedelta(hours=14)
