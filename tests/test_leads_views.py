"""Pages of steps 1-2 (pipeline/views_leads.py)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.models import Client, Competitor, Lead, LeadPhoto
from pipeline.services import leads as services
from quota.models import DailyTally
from tests.factories_leads import (
    ClientContactFactory,
    ClientFactory,
    LeadFactory,
    image_upload,
    lead_data,
    volume,
)

pytestmark = pytest.mark.django_db


def _capture_post(**overrides):
    data = {
        "idempotency_key": "form-key-1",
        "company_name": "上海嘉禾贸易有限公司",
        "contact_name": "王经理",
        "contact_phone": "138 1234 5678",
        "inbound_monthly": "300",
        "outbound_monthly": "50",
        "our_monthly": "",
        "address": "浦东新区张江路1号",
        "industry": "服装",
        "source": "courier_route",
        f"competitor_{Competitor.objects.get(short_name='ZTO').pk}": "200",
    }
    data.update(overrides)
    return data


def test_the_capture_page_is_one_phone_form_with_a_camera_input_and_a_fresh_key(org, client):
    client.force_login(org.courier)
    response = client.get(reverse("pipeline:lead_capture"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'accept="image/*"' in html and 'capture="environment"' in html
    assert 'name="idempotency_key"' in html
    assert "lead_capture.js" in html
    first = response.context["form"].initial["idempotency_key"]
    assert (
        first
        and first != client.get(reverse("pipeline:lead_capture")).context["form"].initial["idempotency_key"]
    )


def test_submitting_the_form_twice_with_one_key_creates_one_lead(org, client):
    client.force_login(org.courier)
    post = _capture_post(photos=image_upload())
    first = client.post(reverse("pipeline:lead_capture"), post)
    second = client.post(reverse("pipeline:lead_capture"), _capture_post())

    lead = Lead.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == reverse("pipeline:lead_detail", args=[lead.pk]) + "?saved=1"
    assert (lead.phone_normalized, lead.inbound_monthly, lead.our_monthly) == ("+8613812345678", 300, None)
    assert list(lead.competitors.values_list("competitor__short_name", "monthly")) == [("ZTO", 200)]
    assert LeadPhoto.objects.filter(lead=lead).count() == 1
    assert DailyTally.objects.get(person=org.courier).leads == 1


def test_form_errors_come_back_in_chinese_and_nothing_is_saved(org, client):
    client.force_login(org.courier)
    response = client.post(
        reverse("pipeline:lead_capture"),
        _capture_post(contact_phone="12345", inbound_monthly="-3"),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "contact_phone" in errors and "inbound_monthly" in errors
    assert "电话" in str(errors["contact_phone"]) or "号码" in str(errors["contact_phone"])
    assert Lead.objects.count() == 0


def test_a_non_image_photo_is_refused_with_a_message(org, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(org.courier)
    response = client.post(
        reverse("pipeline:lead_capture"),
        _capture_post(photos=SimpleUploadedFile("card.jpg", b"not an image", content_type="image/jpeg")),
    )
    assert response.status_code == 200
    assert "card.jpg" in str(response.context["form"].errors["photos"])
    assert Lead.objects.count() == 0


def test_the_lookup_warns_about_an_existing_phone_while_typing(org, client):
    existing = ClientFactory(name="上海嘉禾贸易有限公司", area=org.a1)
    ClientContactFactory(client=existing, phone="13812345678")
    client.force_login(org.marketer)
    data = client.get(reverse("pipeline:lead_lookup"), {"contact_phone": "+86 138-1234-5678"}).json()
    assert [(m["kind"], m["match"], m["id"]) for m in data["matches"]] == [("client", "phone", existing.pk)]


def test_lead_list_filters_and_exports(org, client):
    LeadFactory(collected_by=org.courier, company_name="甲公司")
    LeadFactory(collected_by=org.courier, company_name="乙公司", status="rejected")
    LeadFactory(collected_by=org.courier_a2, company_name="丙公司")
    client.force_login(org.marketer)
    page = client.get(reverse("pipeline:lead_list"), {"status": "submitted"})
    assert [lead.company_name for lead in page.context["page"].object_list] == ["甲公司"]
    export = client.get(reverse("pipeline:lead_list"), {"status": "submitted", "export": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    import openpyxl

    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.values)
    assert len(rows) == 2 and rows[1][1] == "甲公司"


def test_lead_list_has_a_clear_empty_state(org, client):
    client.force_login(org.courier)
    response = client.get(reverse("pipeline:lead_list"))
    assert response.status_code == 200 and b'class="empty"' in response.content


def test_review_queue_highlights_what_is_missing_and_accepts(org, client):
    complete = LeadFactory(collected_by=org.courier, collected_at=timezone.now() - dt.timedelta(hours=3))
    partial = LeadFactory(collected_by=org.courier, address="", industry="")
    client.force_login(org.marketer)
    page = client.get(reverse("pipeline:review_queue"))
    rows = page.context["rows"]
    assert [r["lead"] for r in rows] == [complete, partial]
    assert rows[1]["missing"] == {"address", "industry"}
    assert page.content.decode().count('class="missing"') >= 2

    refused = client.post(reverse("pipeline:lead_accept", args=[partial.pk]), follow=True)
    assert "地址" in refused.content.decode() or "address" in refused.content.decode()
    partial.refresh_from_db()
    assert partial.status == "submitted"

    client.post(reverse("pipeline:lead_accept", args=[complete.pk]))
    complete.refresh_from_db()
    assert complete.status == "accepted" and complete.client is not None


def test_return_and_reject_from_the_queue(org, client):
    a = LeadFactory(collected_by=org.courier)
    b = LeadFactory(collected_by=org.courier)
    client.force_login(org.marketer)
    client.post(reverse("pipeline:lead_return", args=[a.pk]), {"reason": "补地址"})
    client.post(reverse("pipeline:lead_reject", args=[b.pk]), {"category": "fake", "reason": "空号"})
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.status_reason) == ("returned", "补地址")
    assert (b.status, b.reject_reason) == ("rejected", "fake")
    empty_reason = LeadFactory(collected_by=org.courier)
    client.post(reverse("pipeline:lead_return", args=[empty_reason.pk]), {"reason": ""})
    empty_reason.refresh_from_db()
    assert empty_reason.status == "submitted"


def test_the_collector_sees_returned_leads_on_the_home_page_and_resubmits(org, client):
    lead, _ = services.lead_submit(by=org.courier, data=lead_data(address=""))
    services.lead_return(lead=lead, by=org.marketer, reason="请补充详细地址")
    client.force_login(org.courier)
    home = client.get("/").content.decode()
    assert "请补充详细地址" in home and reverse("pipeline:lead_edit", args=[lead.pk]) in home

    form = client.get(reverse("pipeline:lead_edit", args=[lead.pk]))
    assert form.context["resubmit"] is True
    post = _capture_post(**{"address": "浦东新区张江路1号"})
    post.pop("idempotency_key")
    client.post(reverse("pipeline:lead_edit", args=[lead.pk]), post)
    lead.refresh_from_db()
    assert (lead.status, lead.address) == ("submitted", "浦东新区张江路1号")


def test_the_marketers_home_page_shows_the_queue_size(org, client):
    LeadFactory(collected_by=org.courier)
    LeadFactory(collected_by=org.courier)
    LeadFactory(collected_by=org.courier_a2)
    client.force_login(org.marketer)
    html = client.get("/").content.decode()
    assert 'id="queue-link"' in html and "2" in html


def test_client_pages_screening_and_visit_plan(org, client):
    c = ClientFactory(area=org.a1, outbound_monthly=600, inbound_monthly=900, source="referral")
    volume(c, "SF", 900)
    from pipeline.services import screening

    screening.refresh(c)
    client.force_login(org.marketer)
    listing = client.get(reverse("pipeline:client_list"))
    assert [r["client"] for r in listing.context["rows"]] == [c]
    ranked = client.get(reverse("pipeline:screening_list"))
    assert [r["client"] for r in ranked.context["rows"]] == [c]
    assert "referral" in ranked.content.decode()

    response = client.post(
        reverse("pipeline:client_plan", args=[c.pk]),
        {"plan_key_points": "谈月结价格", "plan_initial_quote": "on", "difficulty_manual": "4"},
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.has_visit_plan and c.has_priority and c.plan_initial_quote and c.difficulty == 4


def test_client_profile_pages_render(org, client):
    c = ClientFactory(area=org.a1)
    ClientContactFactory(client=c)
    client.force_login(org.marketer)
    for name in ("client_edit", "client_contacts", "client_plan", "client_competitors", "client_merge"):
        assert client.get(reverse(f"pipeline:{name}", args=[c.pk])).status_code == 200, name
    assert client.get(reverse("pipeline:client_new")).status_code == 200
    assert client.get(reverse("pipeline:competitor_list")).status_code == 200


def test_merge_page_merges_the_chosen_duplicate(org, client):
    kept = ClientFactory(area=org.a1, name="嘉禾贸易")
    other = ClientFactory(area=org.a1, name="上海嘉禾贸易有限公司")
    client.force_login(org.marketer)
    page = client.get(reverse("pipeline:client_merge", args=[kept.pk]))
    assert other in list(page.context["candidates"])
    client.post(reverse("pipeline:client_merge", args=[kept.pk]), {"other": other.pk, "note": "重复"})
    other.refresh_from_db()
    assert other.merged_into == kept


def test_new_client_form_creates_a_client_with_a_contact_and_volumes(org, client):
    client.force_login(org.marketer)
    sf = Competitor.objects.get(short_name="SF")
    response = client.post(
        reverse("pipeline:client_new"),
        {
            "name": "金桥电子有限公司",
            "source": "market_survey",
            "outbound_monthly": "400",
            "contact_name": "周总",
            "contact_phone": "13900000008",
            f"v-competitor_{sf.pk}": "300",
            "v-month": "",
        },
    )
    assert response.status_code == 302
    created = Client.objects.get()
    assert created.contacts.get().phone_normalized == "+8613900000008"
    assert created.competitor_monthly_total == 300


def test_screening_settings_page_changes_the_price_and_recomputes(org, client):
    c = ClientFactory(area=org.a1, outbound_monthly=1000)
    from pipeline.services import screening

    screening.refresh(c)
    client.force_login(org.station_master)
    assert client.get(reverse("pipeline:screening_settings")).status_code == 200
    client.post(
        reverse("pipeline:screening_settings"), {"station": org.station_a.pk, "average_parcel_price": "12"}
    )
    c.refresh_from_db()
    assert c.expected_revenue == 12000


@pytest.mark.parametrize(
    "url_name, make",
    [
        ("pipeline:lead_list", lambda org, n: [LeadFactory(collected_by=org.courier) for _ in range(n)]),
        ("pipeline:review_queue", lambda org, n: [LeadFactory(collected_by=org.courier) for _ in range(n)]),
        ("pipeline:client_list", lambda org, n: [ClientFactory(area=org.a1) for _ in range(n)]),
        ("pipeline:screening_list", lambda org, n: [ClientFactory(area=org.a1) for _ in range(n)]),
    ],
)
def test_list_pages_keep_a_constant_number_of_queries(org, client, url_name, make):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(org.marketer)
    make(org, 2)
    client.get(reverse(url_name))  # warm caches (content types, competitor list)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(url_name))
    make(org, 25)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    # A list that outgrows its first page adds its bounded count (one query, config/paging.py), and no more
    assert len(few) <= len(many) <= len(few) + 1, url_name


def test_the_capture_page_refuses_a_phone_the_courier_already_counted(org, client):
    client.force_login(org.courier)
    client.post(reverse("pipeline:lead_capture"), _capture_post())
    again = client.post(
        reverse("pipeline:lead_capture"), _capture_post(idempotency_key="form-key-2", company_name="嘉禾商行")
    )
    assert again.status_code == 200
    assert "一个客户只计一次" in again.content.decode()
    assert Lead.objects.filter(collected_by=org.courier).count() == 1
    assert DailyTally.objects.get(person=org.courier).leads == 1


def test_the_review_queue_flags_pending_leads_that_match_each_other(org, client):
    first = LeadFactory(collected_by=org.courier, contact_phone="13812345678", phone_normalized="13812345678")
    second = LeadFactory(
        collected_by=org.marketer, contact_phone="13812345678", phone_normalized="13812345678"
    )
    LeadFactory(collected_by=org.courier)
    client.force_login(org.marketer)
    html = client.get(reverse("pipeline:review_queue")).content.decode()
    assert html.count('class="banner-warn twin-flag"') == 2
    assert f'href="#lead-{second.pk}"' in html and f'href="#lead-{first.pk}"' in html
    assert "与待审核的其他线索相符" in html


def test_the_queue_disables_accept_on_an_incomplete_lead(org, client):
    partial = LeadFactory(collected_by=org.courier, address="")
    complete = LeadFactory(collected_by=org.courier)
    client.force_login(org.marketer)
    html = client.get(reverse("pipeline:review_queue")).content.decode()
    assert f'data-action="accept" disabled aria-describedby="cannot-accept-{partial.pk}"' in html
    assert f'id="cannot-accept-{complete.pk}"' not in html
    # The service refuses it all the same
    client.post(reverse("pipeline:lead_accept", args=[partial.pk]))
    partial.refresh_from_db()
    assert partial.status == "submitted"


def test_bulk_accept_from_the_queue_says_what_happened_to_each_lead(org, client):
    a = LeadFactory(collected_by=org.courier, company_name="甲商行")
    b = LeadFactory(collected_by=org.courier, company_name="乙商行", industry="")
    other = LeadFactory(collected_by=org.courier_b, company_name="外站商行")
    client.force_login(org.marketer)
    page = client.post(
        reverse("pipeline:review_bulk"),
        {"action": "accept", "leads": [a.pk, b.pk, other.pk, "99999999999999999999", "x"]},
        follow=True,
    )
    text = page.content.decode()
    assert "甲商行" in text and "乙商行：未处理" in text and "外站商行" not in text
    for lead in (a, b, other):
        lead.refresh_from_db()
    assert (a.status, b.status, other.status) == ("accepted", "submitted", "submitted")


def test_bulk_return_from_the_queue_needs_a_reason(org, client):
    a = LeadFactory(collected_by=org.courier)
    client.force_login(org.marketer)
    page = client.post(
        reverse("pipeline:review_bulk"), {"action": "return", "leads": [a.pk], "reason": ""}, follow=True
    )
    assert "msg-error" in page.content.decode()
    client.post(reverse("pipeline:review_bulk"), {"action": "return", "leads": [a.pk], "reason": "补行业"})
    a.refresh_from_db()
    assert (a.status, a.status_reason) == ("returned", "补行业")
    client.force_login(org.courier)
    assert client.post(
        reverse("pipeline:review_bulk"), {"action": "accept", "leads": [a.pk]}
    ).status_code in (302, 403)
