"""pipeline/importing.py: reading spreadsheets, mapping columns, importing leads and clients, exporting."""

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from pipeline.models import Client, ClientContact, ImportJob, Lead, LeadCompetitor, LeadEvent
from pipeline.services import importing
from quota.models import DailyTally
from tests.factories_leads import ClientContactFactory, ClientFactory, LeadFactory, phone_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages and field labels are asserted in English; the Chinese catalogue is tested elsewhere.
    with translation.override("en"):
        yield


LEAD_HEADERS = [
    "公司名称",
    "联系人",
    "联系电话",
    "地址",
    "行业",
    "企业类型",
    "月进口件量",
    "月出口件量",
    "顺丰(件/月)",
    "中通",
]


def xlsx(rows, headers=LEAD_HEADERS, name="leads.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("线索")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def csv_file(rows, headers=LEAD_HEADERS, encoding="utf-8", name="leads.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(encoding))


def lead_row(n, **over):
    row = {
        "name": f"上海测试{n}号贸易有限公司",
        "contact": "张三",
        "phone": phone_for(n),
        "address": f"张江路{n}号",
        "industry": "贸易",
        "type": "电商卖家",
        "inbound": 100 + n % 50,
        "outbound": 20,
        "sf": 30,
        "zto": "",
    }
    row.update(over)
    return list(row.values())


def _run(user, upload, kind="leads"):
    job = importing.import_upload(by=user, kind=kind, upload=upload)
    return importing.run_import(job_id=job.pk)


# --- Reading ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_with_or_without_bom_and_gbk_is_read(encoding):
    table = importing.read_table(csv_file([lead_row(1)], encoding=encoding))
    assert table.headers[0] == "公司名称"
    assert table.rows == [(2, [str(v) for v in lead_row(1)])]


def test_semicolon_separated_csv_is_read():
    upload = SimpleUploadedFile("x.csv", "公司名称;联系电话\n甲公司;13800138000\n".encode())
    assert importing.read_table(upload).rows == [(2, ["甲公司", "13800138000"])]


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"", "empty.xlsx", "empty"),
        (b"   \n\n", "empty.csv", "empty"),
        (b"PK\x03\x04this is not really a zip", "broken.xlsx", "damaged"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.csv", "not a spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls", ".xls"),
        (b"just some text", "notes.xlsx", "damaged"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(content, name, message):
    with pytest.raises(ValidationError) as exc:
        importing.read_table(SimpleUploadedFile(name, content))
    assert message in exc.value.messages[0]


def test_a_password_protected_workbook_is_refused():
    data = (Path(__file__).parent / "fixtures" / "encrypted.xlsx").read_bytes()
    with pytest.raises(ValidationError) as exc:
        importing.read_table(SimpleUploadedFile("secret.xlsx", data))
    assert "password" in exc.value.messages[0]


def test_a_header_without_rows_is_refused():
    with pytest.raises(ValidationError) as exc:
        importing.read_table(xlsx([]))
    assert "no rows" in exc.value.messages[0]


def test_a_file_over_the_limit_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        importing.read_table(csv_file([lead_row(n) for n in range(20)]))
    assert "MB" in exc.value.messages[0]


def test_upload_of_a_bad_file_keeps_nothing(org):
    with pytest.raises(ValidationError) as exc:
        importing.import_upload(
            by=org.courier, kind="leads", upload=SimpleUploadedFile("x.xlsx", b"PK\x03\x04junk")
        )
    assert "file" in exc.value.message_dict
    assert ImportJob.objects.count() == 0


# --- Mapping ------------------------------------------------------------------------------------------------


def test_chinese_and_english_headers_are_mapped(org):
    headers = [
        "客户名称",
        "Contact",
        "手机号",
        "详细地址",
        "Industry",
        "客户类型",
        "进口件量",
        "发件量",
        "顺丰",
        "ZTO",
        "备注",
        "无关列",
    ]
    mapping = importing.guess_mapping("leads", headers, org.courier)
    from pipeline.models import Competitor

    sf = Competitor.objects.get(short_name="SF").pk
    zto = Competitor.objects.get(short_name="ZTO").pk
    assert mapping == {
        "0": "company_name",
        "1": "contact_name",
        "2": "contact_phone",
        "3": "address",
        "4": "industry",
        "5": "company_type",
        "6": "inbound_monthly",
        "7": "outbound_monthly",
        "8": f"competitor:{sf}",
        "9": f"competitor:{zto}",
        "10": "notes",
    }


def test_history_columns_are_offered_only_to_history_importers(org):
    headers = ["公司名称", "联系电话", "收集人", "收集时间"]
    assert set(importing.guess_mapping("leads", headers, org.courier).values()) == {
        "company_name",
        "contact_phone",
    }
    assert set(importing.guess_mapping("leads", headers, org.station_master).values()) == {
        "company_name",
        "contact_phone",
        "collected_by",
        "collected_at",
    }


def test_a_mapping_without_the_required_fields_is_refused(org):
    job = importing.import_upload(by=org.courier, kind="leads", upload=xlsx([lead_row(1)]))
    with pytest.raises(ValidationError) as exc:
        importing.import_set_mapping(
            job=job, by=org.courier, mapping={"0": "company_name", "1": "company_name"}
        )
    assert any("same field" in m for m in exc.value.message_dict["mapping"])
    assert any("required" in m for m in exc.value.message_dict["mapping"])


def test_the_preview_shows_the_first_rows_with_their_errors(org):
    job = importing.import_upload(
        by=org.courier,
        kind="leads",
        upload=xlsx([lead_row(1), lead_row(2, phone="123"), lead_row(3, inbound=-1)]),
    )
    preview = importing.preview(job)
    assert [r["row"] for r in preview["rows"]] == [2, 3, 4]
    assert [bool(r["errors"]) for r in preview["rows"]] == [False, True, True]
    assert preview["rows"][1]["errors"][0]["field"] == "contact phone"
    assert Lead.objects.count() == 0


# --- Importing leads ----------------------------------------------------------------------------------------


def test_5000_rows_with_bad_rows_import_the_rest_once(org):
    bad = {
        17: {"phone": "12345"},
        250: {"inbound": -4},
        999: {"outbound": "很多"},
        3001: {"name": ""},
        4998: {"type": "外星企业"},
    }
    rows = [lead_row(n, **bad.get(n, {})) for n in range(5000)]
    rows[4000] = lead_row(3999)  # the same company and phone twice in one file: imported once

    with CaptureQueriesContext(connection) as queries:
        job = _run(org.courier, xlsx(rows))

    assert job.status == "done", job.failure
    assert (job.created_count, job.duplicate_count, job.error_count) == (4994, 1, 5)
    assert sorted((e["row"], e["field"]) for e in job.errors) == [
        (19, "contact phone"),
        (252, "inbound parcels per month"),
        (1001, "outbound parcels per month"),
        (3003, "company name"),
        (5000, "company type"),
    ]
    assert Lead.objects.count() == 4994
    assert LeadCompetitor.objects.count() == 4994
    assert LeadEvent.objects.count() == 4994
    assert Lead.objects.filter(import_job=job, status="submitted", collected_by=org.courier).count() == 4994
    tally = DailyTally.objects.get(person=org.courier)
    assert (tally.leads, tally.counted) == (4994, 4994)

    again = _run(org.courier, xlsx(rows))

    assert (again.created_count, again.duplicate_count, again.error_count) == (0, 4995, 5)
    assert Lead.objects.count() == 4994
    assert DailyTally.objects.get(person=org.courier).leads == 4994
    assert len(queries) < 200  # a bounded number of queries, whatever the row count (timings: bench/)


def test_imported_leads_matching_a_client_are_marked_duplicates(org):
    client = ClientFactory(name="上海测试1号贸易有限公司", area=org.a1)
    other = ClientFactory(name="别的公司", area=org.a2)
    ClientContactFactory(client=other, phone=phone_for(2))
    job = _run(org.courier, xlsx([lead_row(1), lead_row(2), lead_row(3)]))
    assert job.created_count == 3
    assert dict(Lead.objects.values_list("company_name", "duplicate_of")) == {
        "上海测试1号贸易有限公司": client.pk,
        "上海测试2号贸易有限公司": other.pk,
        "上海测试3号贸易有限公司": None,
    }


def test_a_phone_counts_once_per_collector_as_at_capture(org):
    # given a lead of the courier's, one of another courier, and one of the courier's that was rejected
    LeadFactory(collected_by=org.courier, contact_phone=phone_for(1), company_name="甲公司")
    LeadFactory(collected_by=org.courier_a2, contact_phone=phone_for(2), company_name="乙公司")
    LeadFactory(
        collected_by=org.courier, contact_phone=phone_for(3), company_name="丙公司", status="rejected"
    )
    headers = ["公司名称", "联系电话", "收集人"]
    rows = [
        ["甲公司新名", phone_for(1), "courier"],  # the courier's phone again, under another name: skipped
        ["乙公司", phone_for(2), "courier"],  # another collector's phone: kept, as the capture keeps it
        ["丙公司", phone_for(3), "courier"],  # a rejected lead no longer counts the phone
        ["丁公司", phone_for(4), "courier"],
        ["丁公司分店", phone_for(4), "courier"],  # twice in the file: once
    ]
    # when the station master imports them
    job = _run(org.station_master, xlsx(rows, headers=headers))
    # then
    assert (job.created_count, job.duplicate_count, job.error_count) == (3, 2, 0)
    assert sorted(Lead.objects.filter(import_job=job).values_list("company_name", flat=True)) == [
        "丁公司",
        "丙公司",
        "乙公司",
    ]


def test_a_station_master_imports_history_with_collectors_and_dates(org):
    headers = ["公司名称", "联系电话", "收集人", "收集时间"]
    rows = [
        ["甲公司", phone_for(1), "courier", "2026-01-05 10:30"],
        ["乙公司", phone_for(2), "courier_a2", dt.datetime(2026, 1, 6, 9, 0)],
        ["丙公司", phone_for(3), "courier_b", "2026-01-06"],  # another station
        ["丁公司", phone_for(4), "courier", "2099-01-01"],  # the future
        ["戊公司", phone_for(5), "nobody", "2026-01-06"],
    ]
    job = _run(org.station_master, xlsx(rows, headers=headers))
    assert job.created_count == 2
    assert sorted(e["row"] for e in job.errors) == [4, 5, 6]
    assert sorted(Lead.objects.values_list("company_name", "collected_by__username", "collected_on")) == [
        ("乙公司", "courier_a2", dt.date(2026, 1, 6)),
        ("甲公司", "courier", dt.date(2026, 1, 5)),
    ]
    assert DailyTally.objects.get(person=org.courier_a2, day=dt.date(2026, 1, 6)).leads == 1


def test_a_courier_cannot_import_history(org):
    headers = ["公司名称", "联系电话", "收集人", "收集时间"]
    job = _run(org.courier, xlsx([["甲公司", phone_for(1), "courier_a2", "2026-01-05"]], headers=headers))
    lead = Lead.objects.get()
    assert job.created_count == 1
    assert lead.collected_by == org.courier and lead.collected_on == timezone.localdate()


def test_an_administrator_without_a_station_must_map_the_collector(org):
    job = _run(org.admin, xlsx([lead_row(1)]))
    assert job.status == "failed" and "collected by" in job.failure
    assert Lead.objects.count() == 0


# --- Importing clients --------------------------------------------------------------------------------------


def test_clients_import_with_area_contact_and_competitors_and_twice_adds_nothing(org):
    headers = ["客户名称", "片区", "联系人", "联系电话", "月出口件量", "中通", "来源"]
    rows = [
        ["金桥电子有限公司", "片区A1", "周总", phone_for(1), 800, 500, "转介绍"],
        ["陆家嘴茶行", "片区A2", "", "", 30, "", "11183热线"],
        ["别站公司", "片区B1", "", "", 10, "", ""],
        ["坏电话公司", "", "某人", "1234", 10, "", ""],
    ]
    job = _run(org.station_master, xlsx(rows, headers=headers), kind="clients")
    assert (job.created_count, job.error_count) == (2, 2)
    electronics = Client.objects.get(name="金桥电子有限公司")
    assert (electronics.area, electronics.source, electronics.competitor_monthly_total) == (
        org.a1,
        "referral",
        500,
    )
    assert electronics.priority_score > 0 and electronics.expected_revenue == 800 * 8
    assert ClientContact.objects.get().phone_normalized == "+86" + phone_for(1)
    assert Client.objects.get(name="陆家嘴茶行").source == "hotline_11183"

    again = _run(org.station_master, xlsx(rows, headers=headers), kind="clients")
    assert (again.created_count, again.duplicate_count) == (0, 2)
    assert Client.objects.count() == 2


def test_a_courier_may_not_import_clients(org):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        importing.import_upload(by=org.courier, kind="clients", upload=xlsx([["甲"]], headers=["客户名称"]))


# --- Starting, and exporting ----------------------------------------------------------------------------------


def test_small_files_run_at_once_and_large_ones_are_queued(org, settings, django_capture_on_commit_callbacks):
    small = importing.import_upload(by=org.courier, kind="leads", upload=xlsx([lead_row(1)]))
    assert importing.import_start(job=small, by=org.courier).status == "done"

    rows = [lead_row(n) for n in range(100, 100 + importing.SYNC_MAX_ROWS + 1)]
    large = importing.import_upload(by=org.courier, kind="leads", upload=xlsx(rows))
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            queued = importing.import_start(job=large, by=org.courier)
        assert queued.status == "queued"
    finally:
        app.conf.task_always_eager = False
    large.refresh_from_db()
    assert (large.status, large.created_count, large.progress) == ("done", len(rows), 100)
    assert importing.run_import(job_id=large.pk).created_count == len(rows)  # a second delivery does nothing
    assert Lead.objects.count() == len(rows) + 1


def test_an_exported_list_imports_back_as_already_present(org):
    for n in range(3):
        LeadFactory(collected_by=org.courier, contact_phone=phone_for(n), company_name=f"导出{n}公司")
    content = importing.export_xlsx(Lead.objects.all(), "leads")
    job = _run(org.courier, SimpleUploadedFile("export.xlsx", content))
    assert (job.created_count, job.duplicate_count, job.error_count) == (0, 3, 0)
