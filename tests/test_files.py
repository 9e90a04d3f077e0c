"""config/files.py and the views that serve stored files: every file only through a view that checks its owner's
scope, under a random name; photos re-encoded, documents allow-listed by content and name; served with a fixed
type, nosniff and (but for re-encoded photos) as a download; no /media/ route; size caps the same at every door."""

import io
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from pipeline.models import Contract, LeadPhoto
from pipeline.models.loop import Stage
from pipeline.services import importing
from pipeline.services import leads as lead_services
from tests.factories_leads import ClientFactory, image_upload, lead_data
from tests.factories_loop import VisitRecordFactory
from visits.models import VisitPhoto

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SCRIPT = b"<html><body><script>fetch('/api/v1/users/1/',{method:'PATCH'})</script></body></html>"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_with_html(name: str) -> SimpleUploadedFile:
    """A valid PNG with an HTML page appended: what a browser sniffing the bytes would run as a page."""
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue() + SCRIPT, content_type="text/html")


def noise_png() -> bytes:
    buf = io.BytesIO()
    Image.frombytes("RGB", (100, 100), os.urandom(30_000)).save(buf, "PNG")
    return buf.getvalue()


def stored_files(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def contract_fields(client) -> dict:
    today = timezone.localdate()
    return {
        "client": client.pk,
        "signed_on": today.isoformat(),
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=365)).isoformat(),
        "price_terms": "首重6元",
        "committed_monthly_volume": 500,
        "settlement_mode": "monthly",
    }


# --- Card photos -------------------------------------------------------------------------------------------------


def test_a_png_with_html_named_html_is_refused_by_the_api_and_the_page(org, api_as, client, settings):
    api = api_as(org.courier)
    response = api.post(
        "/api/v1/leads/",
        {**lead_data(competitors=[]), "photos": [png_with_html("名片.html")]},
        format="multipart",
        **EN,
    )
    assert response.status_code == 400
    assert "名片.html" in response.json()["photos"][0] and "JPEG, PNG or WebP" in response.json()["photos"][0]
    client.force_login(org.courier)
    page = client.post(
        "/leads/new/",
        {**lead_data(competitors=[]), "photos": png_with_html("名片.html")},
        **EN,
    )
    assert page.status_code == 200 and "名片.html" in page.content.decode()
    assert not LeadPhoto.objects.exists() and stored_files(settings.MEDIA_ROOT) == []


def test_a_png_with_html_is_stored_re_encoded_under_a_random_name_and_served_as_an_image(org, api_as, client):
    response = api_as(org.courier).post(
        "/api/v1/leads/",
        {**lead_data(competitors=[]), "photos": [png_with_html("名片.png")]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    photo = LeadPhoto.objects.get()
    assert re.fullmatch(r"leads/cards/[0-9a-f]{32}\.png", photo.image.name)
    url = response.json()["photos"][0]["url"]
    assert url == f"http://testserver/leads/photos/{photo.pk}/"
    client.force_login(org.courier)
    served = client.get(f"/leads/photos/{photo.pk}/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["Content-Disposition"] == "inline"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    data = body(served)
    assert b"<script" not in data and Image.open(io.BytesIO(data)).format == "PNG"
    # The lead page shows the photo through the same view.
    assert f"/leads/photos/{photo.pk}/" in client.get(f"/leads/{photo.lead_id}/").content.decode()


def test_a_card_photo_is_served_only_within_its_lead_or_client_scope(org, client):
    lead, _created = lead_services.lead_submit(by=org.courier, data=lead_data(), photos=[image_upload()])
    photo = lead.photos.get()
    url = f"/leads/photos/{photo.pk}/"
    assert client.get(url).status_code == 302  # anonymous: to the log-in page, nothing served
    for user, status in [
        (org.courier, 200),
        (org.marketer, 200),
        (org.station_master, 200),
        (org.executive, 200),
        (org.courier_a2, 404),
        (org.marketer_b, 404),
        (org.station_master_b, 404),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status, user.username
    # Once accepted, whoever sees the client sees its card photo too (the key-account manager of the station).
    lead_services.lead_accept(lead=lead, by=org.marketer)
    client.force_login(org.kam)
    assert client.get(url).status_code == 200
    client.force_login(org.kam_b)
    assert client.get(url).status_code == 404


def test_no_media_route_serves_stored_files(org, client, settings):
    lead, _created = lead_services.lead_submit(by=org.courier, data=lead_data(), photos=[image_upload()])
    name = lead.photos.get().image.name
    assert (Path(settings.MEDIA_ROOT) / name).is_file()
    client.force_login(org.courier)
    assert client.get(f"/media/{name}").status_code == 404


# --- Contract documents --------------------------------------------------------------------------------------


def test_an_html_contract_attachment_is_refused_by_the_api_and_the_page(org, api_as, client, settings):
    customer = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.CONTRACT)
    page_html = SimpleUploadedFile("合同.html", SCRIPT, content_type="text/html")
    response = api_as(org.kam).post(
        "/api/v1/contracts/", {**contract_fields(customer), "attachment": page_html}, format="multipart", **EN
    )
    assert response.status_code == 400
    assert "合同.html" in response.json()["attachment"][0]
    # A PDF by name whose content is a page is refused as well.
    fake_pdf = SimpleUploadedFile("合同.pdf", SCRIPT, content_type="application/pdf")
    client.force_login(org.kam)
    fields = {k: v for k, v in contract_fields(customer).items() if k != "client"}
    page = client.post(f"/clients/{customer.pk}/contracts/new/", {**fields, "attachment": fake_pdf}, **EN)
    assert page.status_code == 200 and "合同.pdf" in page.content.decode()
    assert not Contract.objects.exists() and stored_files(settings.MEDIA_ROOT) == []


def test_a_contract_larger_than_the_limit_is_refused_by_the_page_as_by_the_api(org, api_as, client, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    customer = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.CONTRACT)
    big = PDF + b"0" * (1024 * 1024)
    api = api_as(org.kam).post(
        "/api/v1/contracts/",
        {**contract_fields(customer), "attachment": SimpleUploadedFile("合同.pdf", big)},
        format="multipart",
    )
    assert api.status_code == 400
    message = api.json()["attachment"][0]
    assert "合同.pdf" in message and "1 MB" in message
    client.force_login(org.kam)
    fields = {k: v for k, v in contract_fields(customer).items() if k != "client"}
    page = client.post(
        f"/clients/{customer.pk}/contracts/new/",
        {**fields, "attachment": SimpleUploadedFile("合同.pdf", big)},
    )
    assert page.status_code == 200 and message in page.content.decode()
    assert not Contract.objects.exists()


def test_a_pdf_contract_is_a_download_within_the_clients_scope(org, api_as, client):
    customer = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.CONTRACT)
    response = api_as(org.kam).post(
        "/api/v1/contracts/",
        {**contract_fields(customer), "attachment": SimpleUploadedFile("年度协议.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    contract = Contract.objects.get()
    assert re.fullmatch(r"contracts/[0-9a-f]{32}\.pdf", contract.attachment.name)
    assert response.json()["attachment"] == f"http://testserver/contracts/{contract.pk}/attachment/"
    assert response.json()["attachment_name"] == "年度协议.pdf"
    client.force_login(org.kam)
    served = client.get(f"/contracts/{contract.pk}/attachment/")
    assert served["Content-Type"] == "application/octet-stream"
    assert (
        served["Content-Disposition"].startswith("attachment;")
        and "%E5%B9%B4" in served["Content-Disposition"]
    )
    assert served["X-Content-Type-Options"] == "nosniff"
    assert body(served) == PDF
    client.force_login(org.kam_b)
    assert client.get(f"/contracts/{contract.pk}/attachment/").status_code == 404


# --- Visit photos ---------------------------------------------------------------------------------------------


def test_visit_photos_are_re_encoded_and_the_api_gives_their_checked_address(org, api_as, client):
    record = VisitRecordFactory(client=ClientFactory(area=org.a1, owner=org.kam))
    response = api_as(org.kam).post(
        f"/api/v1/visit-records/{record.pk}/photos/", {"image": png_with_html("门头.png")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    photo = VisitPhoto.objects.get()
    assert re.fullmatch(r"visits/[0-9a-f]{32}\.png", photo.image.name)
    assert response.json()["image"] == f"http://testserver/visits/photos/{photo.pk}/"
    detail = api_as(org.kam).get(f"/api/v1/visit-records/{record.pk}/").json()
    assert detail["photos"][0]["image"] == f"http://testserver/visits/photos/{photo.pk}/"
    client.force_login(org.kam)
    served = client.get(f"/visits/photos/{photo.pk}/")
    assert served["Content-Type"] == "image/png" and b"<script" not in body(served)
    client.force_login(org.kam_b)
    assert client.get(f"/visits/photos/{photo.pk}/").status_code == 404


def test_a_file_stored_before_re_encoding_is_only_ever_a_download(org, client, settings):
    """Photos kept from before (the upload's own bytes and name) are never shown inline."""
    record = VisitRecordFactory(client=ClientFactory(area=org.a1, owner=org.kam))
    photo = VisitPhoto.objects.create(record=record, image=png_with_html("名片.html"))
    VisitPhoto.objects.filter(pk=photo.pk).update(image="visits/7/名片.html")
    (Path(settings.MEDIA_ROOT) / "visits/7").mkdir(parents=True)
    (Path(settings.MEDIA_ROOT) / "visits/7/名片.html").write_bytes(SCRIPT)
    client.force_login(org.kam)
    served = client.get(f"/visits/photos/{photo.pk}/")
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].startswith("attachment;")


# --- Import spreadsheets -------------------------------------------------------------------------------------


def test_import_files_are_private_under_random_names_and_gone_once_imported(org, settings):
    upload = SimpleUploadedFile("leads.csv", "公司名称,联系电话\n甲公司,13800138000\n".encode())
    job = importing.import_upload(by=org.marketer, kind="leads", upload=upload)
    assert re.fullmatch(r"imports/[0-9a-f]{32}\.csv", job.file.name)
    assert (Path(settings.PRIVATE_ROOT) / job.file.name).is_file()
    assert stored_files(settings.MEDIA_ROOT) == []
    importing.import_start(job=job, by=org.marketer)
    job.refresh_from_db()
    assert job.created_count == 1 and not job.file
    assert stored_files(settings.PRIVATE_ROOT) == []


# --- The size of a request -------------------------------------------------------------------------------------


def test_a_request_body_beyond_the_limit_is_refused_with_413_before_it_is_read(org, api_as, client, settings):
    settings.REQUEST_MAX_BYTES = 10_000
    photos = [SimpleUploadedFile(f"card{n}.png", noise_png(), content_type="image/png") for n in range(5)]
    response = api_as(org.courier).post(
        "/api/v1/leads/", {**lead_data(competitors=[]), "photos": photos}, format="multipart", **EN
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    client.force_login(org.courier)
    client.cookies["django_language"] = "en"  # pages follow the language switch, not the browser
    again = SimpleUploadedFile("card.png", noise_png(), content_type="image/png")
    page = client.post("/leads/new/", {**lead_data(competitors=[]), "photos": again}, **EN)
    assert page.status_code == 413 and "larger than" in page.content.decode()
    assert not LeadPhoto.objects.exists()


def test_the_admin_links_stored_files_through_the_checked_views(org, client):
    lead, _created = lead_services.lead_submit(by=org.courier, data=lead_data(), photos=[image_upload()])
    customer = ClientFactory(area=org.a1, owner=org.kam, stage=Stage.CONTRACT)
    fields = {k: v for k, v in contract_fields(customer).items() if k != "client"}
    client.force_login(org.kam)
    client.post(
        f"/clients/{customer.pk}/contracts/new/",
        {**fields, "attachment": SimpleUploadedFile("协议.pdf", PDF)},
    )
    contract = Contract.objects.get()
    record = VisitRecordFactory(client=customer)
    photo = VisitPhoto.objects.create(record=record, image=image_upload())
    client.force_login(org.admin)
    pages = {
        f"/admin/pipeline/lead/{lead.pk}/change/": f"/leads/photos/{lead.photos.get().pk}/",
        f"/admin/pipeline/contract/{contract.pk}/change/": f"/contracts/{contract.pk}/attachment/",
        f"/admin/visits/visitrecord/{record.pk}/change/": f"/visits/photos/{photo.pk}/",
    }
    for page, link in pages.items():
        html = client.get(page).content.decode()
        assert link in html and "/media/" not in html, page
