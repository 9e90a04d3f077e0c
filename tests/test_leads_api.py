"""The REST API of steps 1-2 (pipeline/api_leads.py): the public contract's lead endpoints and the rest."""

import datetime as dt
import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from pipeline.models import Client, ClientMerge, ImportJob, Lead
from quota.models import DailyTally
from tests.factories_leads import (
    ClientContactFactory,
    ClientFactory,
    LeadFactory,
    image_upload,
    lead_data,
    phone_for,
    volume,
)

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        Lead.objects.count(),
        Client.objects.count(),
        list(DailyTally.objects.values_list("leads", "counted")),
    )


# --- POST /api/v1/leads/ ---------------------------------------------------------------------------------


def test_post_a_lead_returns_201_with_the_contract_fields(org, api_as):
    response = api_as(org.courier).post("/api/v1/leads/", lead_data(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    lead = Lead.objects.get()
    assert body["id"] == lead.pk
    assert body["status"] == "submitted"
    assert body["collected_by"] == org.courier.pk
    assert body["collected_on"] == str(lead.collected_on)
    assert body["duplicate_of"] is None
    assert body["competitors"] == [{"competitor": "中通快递", "monthly": 200}]
    assert body["missing_fields"] == []


def test_idempotency_key_makes_a_retry_return_the_first_lead(org, api_as):
    client = api_as(org.courier)
    first = client.post("/api/v1/leads/", lead_data(), format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    retry = client.post("/api/v1/leads/", lead_data(), format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    other = client.post(
        "/api/v1/leads/",
        lead_data(contact_phone="13900000001"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc-124",
    )
    assert first.status_code == retry.status_code == other.status_code == 201
    assert retry.json()["id"] == first.json()["id"] != other.json()["id"]
    assert retry["Idempotent-Replayed"] == "true"
    assert Lead.objects.count() == 2
    assert DailyTally.objects.get(person=org.courier).leads == 2


def test_duplicate_of_names_the_existing_client(org, api_as):
    existing = ClientFactory(name="上海嘉禾贸易有限公司", area=org.a1)
    ClientContactFactory(client=existing, phone="13812345678")
    body = (
        api_as(org.courier)
        .post(
            "/api/v1/leads/",
            {"company_name": "上海嘉禾贸易股份有限公司", "contact_phone": "+86 138 1234 5678"},
            format="json",
        )
        .json()
    )
    assert body["duplicate_of"] == existing.pk


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"company_name": "甲"}, "contact_phone"),
        ({"contact_phone": "13812345678"}, "company_name"),
        ({"company_name": "甲", "contact_phone": "not a phone"}, "contact_phone"),
        ({"company_name": "甲", "contact_phone": "13812345678", "inbound_monthly": -1}, "inbound_monthly"),
        (
            {"company_name": "甲", "contact_phone": "13812345678", "outbound_monthly": "lots"},
            "outbound_monthly",
        ),
        ({"company_name": "甲", "contact_phone": "13812345678", "source": "pigeon"}, "source"),
        ({"company_name": "甲" * 201, "contact_phone": "13812345678"}, "company_name"),
        (
            {
                "company_name": "甲",
                "contact_phone": "13812345678",
                "competitors": [{"competitor": "火星", "monthly": 1}],
            },
            "competitors",
        ),
        (
            {
                "company_name": "甲",
                "contact_phone": "13812345678",
                "competitors": [{"competitor": "SF", "monthly": -1}],
            },
            "competitors",
        ),
        ({"company_name": "甲", "contact_phone": "13812345678", "competitors": "SF"}, "competitors"),
    ],
)
def test_bad_input_answers_400_by_field_and_saves_nothing(org, api_as, payload, field):
    before = _snapshot()
    response = api_as(org.courier).post("/api/v1/leads/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert _snapshot() == before


def test_messages_follow_accept_language(org, api_as):
    client = api_as(org.courier)
    en = client.post(
        "/api/v1/leads/",
        {"company_name": "甲", "contact_phone": "123"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    ).json()
    zh = client.post(
        "/api/v1/leads/",
        {"company_name": "甲", "contact_phone": "123"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).json()
    assert "not a valid phone number" in en["contact_phone"][0]
    assert "电话号码" in zh["contact_phone"][0]


def test_history_import_honours_collected_at_and_collected_by_for_a_station_master(org, api_as):
    when = (timezone.now() - dt.timedelta(days=30)).replace(microsecond=0)
    response = api_as(org.station_master).post(
        "/api/v1/leads/",
        lead_data(collected_at=when.isoformat(), collected_by=org.courier_a2.pk),
        format="json",
    )
    body = response.json()
    assert response.status_code == 201
    assert body["collected_by"] == org.courier_a2.pk
    assert body["collected_on"] == str(org.station_a.local_date(when))


def test_history_fields_are_ignored_for_a_courier(org, api_as):
    body = (
        api_as(org.courier)
        .post(
            "/api/v1/leads/",
            lead_data(collected_at="2020-01-01T10:00:00+08:00", collected_by=org.courier_a2.pk),
            format="json",
        )
        .json()
    )
    assert body["collected_by"] == org.courier.pk
    assert body["collected_on"] == str(timezone.localdate())


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"collected_at": "2099-01-01T10:00:00+08:00"}, "collected_at"),
        ({"collected_at": "yesterday"}, "collected_at"),
        ({"collected_by": 999999}, "collected_by"),
    ],
)
def test_bad_history_fields_answer_400(org, api_as, extra, field):
    payload = (
        lead_data(collected_by=org.courier.pk, **extra) if field != "collected_by" else lead_data(**extra)
    )
    response = api_as(org.station_master).post("/api/v1/leads/", payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert Lead.objects.count() == 0


def test_a_station_master_cannot_import_for_another_station(org, api_as):
    response = api_as(org.station_master).post(
        "/api/v1/leads/", lead_data(collected_by=org.courier_b.pk), format="json"
    )
    assert response.status_code == 400
    assert Lead.objects.count() == 0


def test_an_executive_gets_403_on_post(org, api_as):
    assert api_as(org.executive).post("/api/v1/leads/", lead_data(), format="json").status_code == 403


def test_multipart_post_with_a_card_photo(org, api_as):
    payload = {"company_name": "甲公司", "contact_phone": "13812345678", "photos": [image_upload()]}
    response = api_as(org.courier).post("/api/v1/leads/", payload, format="multipart")
    assert response.status_code == 201
    assert len(response.json()["photos"]) == 1


def test_photos_endpoint_refuses_what_is_not_an_image_or_too_large(org, api_as, settings):
    lead = LeadFactory(collected_by=org.courier)
    client = api_as(org.courier)
    not_image = SimpleUploadedFile("card.png", b"GIF89a-not-really", content_type="image/png")
    bad = client.post(f"/api/v1/leads/{lead.pk}/photos/", {"photos": [not_image]}, format="multipart")
    assert bad.status_code == 400 and "card.png" in bad.json()["photos"][0]
    settings.UPLOAD_MAX_BYTES = 500
    big = client.post(
        f"/api/v1/leads/{lead.pk}/photos/",
        {"photos": [image_upload(size=(300, 300), fmt="PNG")]},
        format="multipart",
    )
    assert big.status_code == 400
    settings.UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    ok = client.post(f"/api/v1/leads/{lead.pk}/photos/", {"photos": [image_upload()]}, format="multipart")
    assert ok.status_code == 201 and lead.photos.count() == 1


# --- Lists ---------------------------------------------------------------------------------------------------


def test_lead_list_filters(org, api_as):
    today = timezone.localdate()
    a = LeadFactory(collected_by=org.courier)
    b = LeadFactory(collected_by=org.courier, status="returned")
    c = LeadFactory(
        collected_by=org.courier_a2,
        collected_at=timezone.now() - dt.timedelta(days=2),
    )
    client = api_as(org.station_master)

    def ids(query):
        response = client.get(f"/api/v1/leads/?{query}")
        assert response.status_code == 200, response.json()
        return {r["id"] for r in response.json()["results"]}

    assert ids("") == {a.pk, b.pk, c.pk}
    assert ids("status=submitted") == {a.pk, c.pk}
    assert ids("status=submitted&status=returned") == {a.pk, b.pk, c.pk}
    assert ids(f"collected_on={today}") == {a.pk, b.pk}
    assert ids(f"collected_by={org.courier_a2.pk}") == {c.pk}
    assert ids(f"area={org.a1.pk}") == {a.pk, b.pk}
    assert ids(f"collected_on_before={today - dt.timedelta(days=1)}") == {c.pk}
    assert client.get("/api/v1/leads/?status=nope").status_code == 400
    assert client.get("/api/v1/leads/?collected_on=not-a-date").status_code == 400


def test_lead_list_keeps_a_constant_number_of_queries(org, api_as, django_assert_max_num_queries):
    for n in range(30):
        lead = LeadFactory(collected_by=org.courier if n % 2 else org.courier_a2)
    client = api_as(org.station_master)
    with django_assert_max_num_queries(2):  # the page, and a bounded count when more pages follow
        response = client.get("/api/v1/leads/?page_size=50")
    assert len(response.json()["results"]) == 30
    assert lead.pk in {r["id"] for r in response.json()["results"]}


def test_review_queue_endpoint_lists_submitted_leads_oldest_first(org, api_as, django_assert_max_num_queries):
    old = LeadFactory(
        collected_by=org.courier, collected_at=timezone.now() - dt.timedelta(hours=4), address=""
    )
    new = LeadFactory(collected_by=org.courier)
    LeadFactory(collected_by=org.courier_a2)
    with django_assert_max_num_queries(2):
        body = api_as(org.marketer).get("/api/v1/leads/review-queue/").json()
    assert [r["id"] for r in body["results"]] == [old.pk, new.pk]
    assert body["results"][0]["missing_fields"] == ["address"]


def test_lead_detail_has_contacts_competitors_photos_and_history(org, api_as, django_assert_max_num_queries):
    from pipeline.services import leads as services

    lead, _ = services.lead_submit(
        by=org.courier,
        data=lead_data(contacts=[{"name": "李", "phone": "13900000009"}]),
        photos=[image_upload()],
    )
    with django_assert_max_num_queries(8):
        body = api_as(org.marketer).get(f"/api/v1/leads/{lead.pk}/").json()
    assert body["contacts"][0]["name"] == "李"
    assert len(body["photos"]) == 1 and body["photos"][0]["url"].startswith("http")
    assert [e["action"] for e in body["history"]] == ["submitted"]


# --- Review ----------------------------------------------------------------------------------------------------


def test_accept_return_reject_through_the_api(org, api_as):
    from pipeline.services import leads as services

    a, b, c = (
        services.lead_submit(by=org.courier, data=lead_data(contact_phone=phone_for(n)))[0] for n in range(3)
    )
    client = api_as(org.marketer)

    accepted = client.post(f"/api/v1/leads/{a.pk}/accept/", {}, format="json")
    returned = client.post(f"/api/v1/leads/{b.pk}/return/", {"reason": "补地址"}, format="json")
    rejected = client.post(
        f"/api/v1/leads/{c.pk}/reject/", {"reason": "空号", "category": "fake"}, format="json"
    )

    a.refresh_from_db()
    assert accepted.status_code == 200 and accepted.json() == {"status": "accepted", "client": a.client_id}
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert rejected.status_code == 200 and rejected.json()["reject_reason"] == "fake"
    assert DailyTally.objects.get(person=org.courier).counted == 2


def test_reject_without_a_category_is_other(org, api_as):
    lead = LeadFactory(collected_by=org.courier)
    body = (
        api_as(org.marketer)
        .post(f"/api/v1/leads/{lead.pk}/reject/", {"reason": "不是客户"}, format="json")
        .json()
    )
    assert (body["status"], body["reject_reason"]) == ("rejected", "other")


def test_acceptance_of_an_incomplete_lead_answers_400_naming_the_fields(org, api_as):
    lead = LeadFactory(collected_by=org.courier, contact_name="", industry="")
    response = api_as(org.marketer).post(
        f"/api/v1/leads/{lead.pk}/accept/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    body = response.json()
    assert response.status_code == 400
    assert set(body) == {"contact_name", "industry", "detail"}
    assert "contact name" in body["detail"] and "industry" in body["detail"]
    lead.refresh_from_db()
    assert lead.status == "submitted"


def test_return_and_reject_need_a_reason(org, api_as):
    lead = LeadFactory(collected_by=org.courier)
    client = api_as(org.marketer)
    assert client.post(f"/api/v1/leads/{lead.pk}/return/", {}, format="json").status_code == 400
    assert (
        client.post(
            f"/api/v1/leads/{lead.pk}/reject/", {"reason": "x", "category": "bad"}, format="json"
        ).status_code
        == 400
    )
    lead.refresh_from_db()
    assert lead.status == "submitted"


def test_the_collector_resubmits_a_returned_lead(org, api_as):
    lead = LeadFactory(collected_by=org.courier, status="returned", address="")
    response = api_as(org.courier).post(
        f"/api/v1/leads/{lead.pk}/resubmit/", {"address": "张江路1号"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["address"]) == ("submitted", "张江路1号")


def test_patch_completes_a_lead(org, api_as):
    lead = LeadFactory(collected_by=org.courier, industry="")
    response = api_as(org.marketer).patch(f"/api/v1/leads/{lead.pk}/", {"industry": "服装"}, format="json")
    assert response.status_code == 200 and response.json()["industry"] == "服装"
    bad = api_as(org.marketer).patch(f"/api/v1/leads/{lead.pk}/", {"contact_phone": "1"}, format="json")
    assert bad.status_code == 400
    lead.refresh_from_db()
    assert lead.contact_phone != "1"


def test_duplicates_endpoint_for_the_live_warning(org, api_as):
    existing = ClientFactory(name="上海嘉禾贸易有限公司", area=org.a1)
    ClientContactFactory(client=existing, phone="13812345678")
    body = (
        api_as(org.courier)
        .get("/api/v1/leads/duplicates/", {"company_name": "嘉禾贸易", "contact_phone": "138-1234-5678"})
        .json()
    )
    # The courier does not see the area's clients: the number is known, but not whose it is.
    assert body["duplicate_of"] is None
    assert body["matches"][0]["match"] == "phone" and body["matches"][0]["name"] == ""
    marketer = (
        api_as(org.marketer).get("/api/v1/leads/duplicates/", {"contact_phone": "138-1234-5678"}).json()
    )
    assert marketer["duplicate_of"] == existing.pk and marketer["matches"][0]["name"] == existing.name


def test_lead_export_is_an_xlsx_of_the_filtered_list(org, api_as):
    LeadFactory(collected_by=org.courier, company_name="甲")
    LeadFactory(collected_by=org.courier, company_name="乙", status="rejected")
    response = api_as(org.marketer).get("/api/v1/leads/export/?status=rejected")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert [r[1] for r in rows[1:]] == ["乙"]


# --- Clients -------------------------------------------------------------------------------------------------


def test_client_list_has_the_contract_fields_and_constant_queries(org, api_as, django_assert_max_num_queries):
    for n in range(20):
        c = ClientFactory(area=org.a1 if n % 2 else org.a2, our_monthly=10)
        volume(c, "SF", 30)
    client = api_as(org.station_master)
    with django_assert_max_num_queries(4):
        body = client.get("/api/v1/clients/?page_size=50").json()
    row = body["results"][0]
    assert {"id", "name", "stage", "tier", "relationship_stage", "owner", "area"} <= set(row)
    assert len(body["results"]) == 20


def test_client_list_filters_by_signal_and_sorts_by_priority(org, api_as):
    from pipeline.services import screening

    referral = ClientFactory(area=org.a1, source="referral", outbound_monthly=100)
    inbound_only = ClientFactory(area=org.a1, inbound_monthly=500, outbound_monthly=0)
    big = ClientFactory(area=org.a1, outbound_monthly=5000)
    for c in (referral, inbound_only, big):
        screening.refresh(c)
    client = api_as(org.marketer)
    assert [r["id"] for r in client.get("/api/v1/clients/?signal=referral").json()["results"]] == [
        referral.pk
    ]
    assert [r["id"] for r in client.get("/api/v1/clients/?signal=inbound_no_outbound").json()["results"]] == [
        inbound_only.pk
    ]
    ranked = [r["id"] for r in client.get("/api/v1/clients/?ordering=-priority_score").json()["results"]]
    assert ranked[0] == big.pk


def test_client_detail_explains_the_priority(org, api_as):
    c = ClientFactory(area=org.a1, outbound_monthly=1000, source="referral")
    ClientContactFactory(client=c, role="decision_maker")
    body = api_as(org.marketer).get(f"/api/v1/clients/{c.pk}/").json()
    assert body["priority_explanation"][0]["points"] == 30  # ¥8,000 expected revenue
    assert {"label": "Referred by an existing customer", "points": 15} in body["priority_explanation"] or any(
        line["points"] == 15 for line in body["priority_explanation"]
    )
    assert body["contacts"][0]["role"] == "decision_maker"


def test_clients_are_created_updated_screened_planned_and_merged(org, api_as):
    client = api_as(org.marketer)
    created = client.post(
        "/api/v1/clients/",
        {
            "name": "金桥电子有限公司",
            "outbound_monthly": 400,
            "contacts": [{"name": "周总", "phone": "13900000010", "role": "decision_maker"}],
            "competitors": [{"competitor": "SF", "monthly": 300}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["competitor_monthly_total"] == 300

    patched = client.patch(
        f"/api/v1/clients/{pk}/", {"inbound_monthly": 900, "difficulty_manual": 2}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["difficulty"] == 2

    plan = client.put(
        f"/api/v1/clients/{pk}/visit-plan/",
        {"plan_key_points": "谈价格", "plan_superior_needed": True},
        format="json",
    )
    assert plan.status_code == 200 and plan.json()["has_visit_plan"] is True
    assert (
        client.put(f"/api/v1/clients/{pk}/visit-plan/", {"plan_key_points": ""}, format="json").status_code
        == 400
    )

    screened = client.post(f"/api/v1/clients/{pk}/screen/", {"difficulty_manual": None}, format="json")
    assert screened.status_code == 200 and screened.json()["screened_at"]

    volumes = client.post(
        f"/api/v1/clients/{pk}/competitor-volumes/",
        {"month": "2026-01-15", "volumes": [{"competitor": "中通", "monthly": 100}]},
        format="json",
    )
    assert volumes.status_code == 200
    assert [(v["competitor"], v["month"], v["monthly"]) for v in volumes.json()][-1] == (
        "中通快递",
        "2026-01-01",
        100,
    )

    contacts = client.put(
        f"/api/v1/clients/{pk}/contacts/",
        {"contacts": [{"name": "新人", "phone": "021-62345678"}]},
        format="json",
    )
    assert contacts.status_code == 200 and [c["name"] for c in contacts.json()] == ["新人"]

    other = ClientFactory(area=org.a1, name="金桥电子")
    merged = client.post(f"/api/v1/clients/{pk}/merge/", {"other": other.pk, "note": "重复"}, format="json")
    assert merged.status_code == 200 and merged.json()["merged"] == other.pk
    assert ClientMerge.objects.get().kept_id == pk


def test_merging_a_client_outside_scope_is_404(org, api_as):
    mine = ClientFactory(area=org.a1)
    theirs = ClientFactory(area=org.b1)
    response = api_as(org.marketer).post(
        f"/api/v1/clients/{mine.pk}/merge/", {"other": theirs.pk}, format="json"
    )
    assert response.status_code == 404
    assert ClientMerge.objects.count() == 0


def test_client_creation_refuses_bad_input(org, api_as):
    client = api_as(org.marketer)
    assert client.post("/api/v1/clients/", {"name": ""}, format="json").status_code == 400
    assert (
        client.post("/api/v1/clients/", {"name": "甲", "area": org.b1.pk}, format="json").status_code == 400
    )
    assert (
        client.post("/api/v1/clients/", {"name": "甲", "outbound_monthly": -1}, format="json").status_code
        == 400
    )
    assert Client.objects.count() == 0


# --- Competitors, screening settings, imports ------------------------------------------------------------------


def test_competitors_are_listed_and_edited(org, api_as):
    body = api_as(org.courier).get("/api/v1/competitors/?page_size=50").json()
    assert {c["short_name"] for c in body["results"]} >= {
        "SF",
        "ZTO",
        "YTO",
        "Yunda",
        "STO",
        "JD",
        "J&T",
        "EMS",
        "Deppon",
    }
    sf = next(c for c in body["results"] if c["short_name"] == "SF")
    assert (
        api_as(org.courier)
        .patch(f"/api/v1/competitors/{sf['id']}/", {"notes": "x"}, format="json")
        .status_code
        == 403
    )
    refused = api_as(org.marketer).patch(f"/api/v1/competitors/{sf['id']}/", {"notes": "x"}, format="json")
    assert refused.status_code == 403  # the list is the network's: headquarters keeps it
    edited = api_as(org.executive).patch(
        f"/api/v1/competitors/{sf['id']}/", {"prices_seen": "首重12元"}, format="json"
    )
    assert edited.status_code == 200 and edited.json()["prices_seen"] == "首重12元"


def test_screening_settings_change_the_expected_revenue(org, api_as):
    c = ClientFactory(area=org.a1, outbound_monthly=100)
    default = api_as(org.station_master).get(f"/api/v1/screening-settings/{org.station_a.pk}/").json()
    assert default == {"station": org.station_a.pk, "average_parcel_price": "8.00", "is_default": True}
    response = api_as(org.station_master).put(
        f"/api/v1/screening-settings/{org.station_a.pk}/", {"average_parcel_price": "10.50"}, format="json"
    )
    assert response.status_code == 200
    c.refresh_from_db()
    assert c.expected_revenue == 1050
    assert (
        api_as(org.marketer)
        .put(f"/api/v1/screening-settings/{org.station_a.pk}/", {"average_parcel_price": "1"}, format="json")
        .status_code
        == 403
    )
    assert (
        api_as(org.station_master)
        .put(f"/api/v1/screening-settings/{org.station_b.pk}/", {"average_parcel_price": "1"}, format="json")
        .status_code
        == 404
    )
    assert (
        api_as(org.station_master)
        .put(f"/api/v1/screening-settings/{org.station_a.pk}/", {"average_parcel_price": "-1"}, format="json")
        .status_code
        == 400
    )


def _sheet(rows, headers=("公司名称", "联系电话")):
    workbook = openpyxl.Workbook()
    workbook.active.append(list(headers))
    for row in rows:
        workbook.active.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("leads.xlsx", out.getvalue())


def test_import_through_the_api_upload_preview_start(org, api_as):
    client = api_as(org.courier)
    uploaded = client.post(
        "/api/v1/imports/",
        {"kind": "leads", "file": _sheet([("甲公司", phone_for(1)), ("乙公司", "bad")])},
        format="multipart",
    )
    assert uploaded.status_code == 201, uploaded.json()
    body = uploaded.json()
    assert body["mapping"] == {"0": "company_name", "1": "contact_phone"}
    assert [bool(r["errors"]) for r in body["preview"]["rows"]] == [False, True]
    started = client.post(f"/api/v1/imports/{body['id']}/start/", {}, format="json")
    assert started.status_code == 200
    assert (started.json()["created_count"], started.json()["error_count"]) == (1, 1)
    assert started.json()["errors"][0]["row"] == 3
    assert client.post(f"/api/v1/imports/{body['id']}/start/", {}, format="json").status_code == 400


@pytest.mark.parametrize(
    "content, name",
    [(b"", "x.xlsx"), (b"PK\x03\x04garbage", "x.xlsx"), (b"\x89PNG\r\n\x1a\n\x00\x00", "x.png")],
)
def test_bad_spreadsheets_answer_400(org, api_as, content, name):
    response = api_as(org.courier).post(
        "/api/v1/imports/", {"kind": "leads", "file": SimpleUploadedFile(name, content)}, format="multipart"
    )
    assert response.status_code == 400 and "file" in response.json()
    assert ImportJob.objects.count() == 0


def test_imports_are_their_uploaders(org, api_as):
    job = ImportJob.objects.create(
        kind="leads", original_name="x.csv", created_by=org.courier, file="imports/x.csv"
    )
    assert api_as(org.courier).get(f"/api/v1/imports/{job.pk}/").status_code == 200
    assert api_as(org.marketer).get(f"/api/v1/imports/{job.pk}/").status_code == 404


def test_put_on_a_record_is_not_offered(org, api_as):
    lead = LeadFactory(collected_by=org.courier)
    c = ClientFactory(area=org.a1, name="原名")
    assert (
        api_as(org.marketer).put(f"/api/v1/leads/{lead.pk}/", {"notes": "x"}, format="json").status_code
        == 405
    )
    assert (
        api_as(org.marketer).put(f"/api/v1/clients/{c.pk}/", {"name": "新名"}, format="json").status_code
        == 405
    )
    c.refresh_from_db()
    assert c.name == "原名"


def test_a_second_lead_of_one_phone_by_the_same_collector_answers_400_in_chinese(org, api_as):
    client = api_as(org.courier)
    assert client.post("/api/v1/leads/", lead_data(), format="json").status_code == 201
    again = client.post(
        "/api/v1/leads/", lead_data(company_name="嘉禾商行"), format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert again.status_code == 400
    assert "contact_phone" in json.dumps(again.json(), ensure_ascii=False)
    assert "已" in json.dumps(again.json(), ensure_ascii=False)
    assert Lead.objects.filter(collected_by=org.courier).count() == 1


def test_bulk_review_answers_a_result_per_lead_and_hides_other_scopes(org, api_as):
    complete = LeadFactory(collected_by=org.courier)
    partial = LeadFactory(collected_by=org.courier, industry="")
    elsewhere = LeadFactory(collected_by=org.courier_b)
    response = api_as(org.marketer).post(
        "/api/v1/leads/bulk-review/",
        {"action": "accept", "ids": [complete.pk, partial.pk, elsewhere.pk]},
        format="json",
    )
    assert response.status_code == 200
    results = {r["id"]: r for r in response.json()["results"]}
    complete.refresh_from_db()
    assert results[complete.pk] == {
        "id": complete.pk,
        "ok": True,
        "status": "accepted",
        "client": complete.client_id,
        "errors": [],
    }
    assert results[partial.pk]["ok"] is False and results[partial.pk]["status"] == "submitted"
    assert (results[elsewhere.pk]["ok"], results[elsewhere.pk]["status"]) == (False, None)
    assert elsewhere.company_name not in str(results[elsewhere.pk])
    elsewhere.refresh_from_db()
    assert elsewhere.status == "submitted"


def test_bulk_review_refuses_a_courier_and_bad_input(org, api_as):
    lead = LeadFactory(collected_by=org.courier)
    assert (
        api_as(org.courier)
        .post("/api/v1/leads/bulk-review/", {"action": "accept", "ids": [lead.pk]}, format="json")
        .status_code
        == 403
    )
    marketer = api_as(org.marketer)
    assert (
        marketer.post(
            "/api/v1/leads/bulk-review/", {"action": "archive", "ids": [lead.pk]}, format="json"
        ).status_code
        == 400
    )
    assert (
        marketer.post(
            "/api/v1/leads/bulk-review/", {"action": "return", "ids": [lead.pk]}, format="json"
        ).status_code
        == 400
    )
    lead.refresh_from_db()
    assert lead.status == "submitted"
