"""config/xlsx.py on the doors that read workbooks (lead and client imports, indicator uploads), page and API:
a few kilobytes declaring a huge sheet, or unpacking to hundreds of megabytes, are refused before any row is
read; rows are streamed within fixed bounds whatever the file declares; an import's preview never reads the
file again."""

import io
import re
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config import xlsx
from pipeline.models import ImportJob, Lead
from satisfaction.models import IndicatorReading

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewritten(data: bytes, sheet_xml=None, extra=None) -> bytes:
    """The workbook with its first sheet's XML changed by `sheet_xml(text)` and an `extra(zip)` member added."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml" and sheet_xml:
                content = sheet_xml(content.decode()).encode()
            target.writestr(item, content)
        if extra:
            extra(target)
    return out.getvalue()


def declare(xml: str, ref: str) -> str:
    changed = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', xml)
    assert changed != xml
    return changed


def declaring_a1_xfd2000(header) -> bytes:
    """A valid workbook of two rows whose sheet declares A1:XFD2000 (16,384 × 2,000 cells)."""
    data = workbook([header, ["甲公司", "13800138000", "", ""][: len(header)]])
    return rewritten(data, sheet_xml=lambda xml: declare(xml, "A1:XFD2000"))


def with_inflating_member(header) -> bytes:
    """A valid workbook carrying a member that unpacks to 210 MB of zeros (a few hundred KB packed)."""

    def pad(target):
        info = zipfile.ZipInfo("xl/media/pad.bin")
        info.compress_type = zipfile.ZIP_DEFLATED
        with target.open(info, "w", force_zip64=True) as member:
            block = bytes(1024 * 1024)
            for _ in range(210):
                member.write(block)

    return rewritten(workbook([header, ["甲公司", "13800138000"]]), extra=pad)


LEAD_HEADER = ["公司名称", "联系电话"]
READING_HEADER = ["client", "indicator", "day", "value"]


def test_a_tiny_workbook_declaring_a1_xfd2000_is_refused_on_every_door(org, api_as, client):
    data = declaring_a1_xfd2000(LEAD_HEADER)
    assert len(data) < 10_000
    api = api_as(org.marketer).post(
        "/api/v1/imports/",
        {"kind": "leads", "file": SimpleUploadedFile("bomb.xlsx", data)},
        format="multipart",
        **EN,
    )
    assert api.status_code == 400
    assert "declares 2,000 rows and 16,384 columns" in api.json()["file"][0]
    client.force_login(org.marketer)
    client.cookies["django_language"] = "en"  # pages follow the language switch, not the browser
    page = client.post("/imports/", {"kind": "leads", "file": SimpleUploadedFile("bomb.xlsx", data)}, **EN)
    assert "declares 2,000 rows and 16,384 columns" in page.content.decode()
    assert not ImportJob.objects.exists()
    readings = declaring_a1_xfd2000(READING_HEADER)
    refused = api_as(org.kam).post(
        "/api/v1/indicator-readings/upload/",
        {"file": SimpleUploadedFile("readings.xlsx", readings)},
        format="multipart",
        **EN,
    )
    assert refused.status_code == 400 and "16,384 columns" in refused.json()["file"][0]
    client.force_login(org.kam)
    page = client.post(
        "/satisfaction/indicators/upload/", {"file": SimpleUploadedFile("readings.xlsx", readings)}, **EN
    )
    assert page.status_code == 400 and "16,384 columns" in page.content.decode()
    assert not IndicatorReading.objects.exists()


def test_a_member_unpacking_beyond_the_limit_is_refused_from_the_zip_directory(org, api_as):
    data = with_inflating_member(LEAD_HEADER)
    assert len(data) < 1024 * 1024
    api = api_as(org.marketer).post(
        "/api/v1/imports/",
        {"kind": "leads", "file": SimpleUploadedFile("bomb.xlsx", data)},
        format="multipart",
        **EN,
    )
    assert api.status_code == 400
    assert "unpacks to 210 MB; at most 200 MB" in api.json()["file"][0]
    readings = api_as(org.kam).post(
        "/api/v1/indicator-readings/upload/",
        {"file": SimpleUploadedFile("readings.xlsx", with_inflating_member(READING_HEADER))},
        format="multipart",
        **EN,
    )
    assert readings.status_code == 400 and "unpacks to 210 MB" in readings.json()["file"][0]
    assert not ImportJob.objects.exists() and not Lead.objects.exists()


def test_rows_are_read_within_bounds_whatever_the_sheet_holds():
    """A sheet that declares A1:B2 but holds 3,000 rows, each with a cell in column XFD: at most `max_rows`
    rows of at most the declared (and never more than MAX_COLUMNS) values come out, however far the cells reach
    (memory bounded by construction, not by luck)."""

    def stuffed(xml):
        rows = "".join(
            f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c>'
            f'<c r="XFD{n}" t="inlineStr"><is><t>y</t></is></c></row>'
            for n in range(1, 3001)
        )
        head, _rest = xml.split("<sheetData", 1)
        return declare(head, "A1:B2") + f"<sheetData>{rows}</sheetData></worksheet>"

    data = rewritten(workbook([["a"]]), sheet_xml=stuffed)
    rows = list(xlsx.read_rows(data, max_rows=100))
    assert len(rows) == 100
    assert {len(values) for _number, values in rows} == {
        1
    }  # column A; B is empty and XFD is beyond the bound
    assert rows[0][1][0] == "x" and rows[-1][0] == 100


def test_an_imports_preview_comes_from_the_rows_kept_at_upload(org, client):
    upload = SimpleUploadedFile("leads.xlsx", workbook([LEAD_HEADER, ["甲公司", "13800138000"]]))
    client.force_login(org.marketer)
    client.post("/imports/", {"kind": "leads", "file": upload})
    job = ImportJob.objects.get()
    assert job.sample == [[2, ["甲公司", "13800138000"]]]
    job.file.storage.delete(job.file.name)  # whatever happens to the file, viewing the import reads none
    page = client.get(f"/imports/{job.pk}/")
    assert page.status_code == 200 and "甲公司" in page.content.decode()
