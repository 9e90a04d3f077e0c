"""Formula injection: every string a workbook of ours carries is a text cell, whatever it starts with (=, +, -, @,
tab, CR), in the lead and client exports (page and API), the import template, the notice, the scorecard and the
indicator template. One helper writes them all (config/xlsx.py)."""

import io

import openpyxl
import pytest

from accounts.models import User
from config import xlsx
from pipeline.models import Client, Lead
from satisfaction.models import Indicator
from tests.factories_leads import ClientFactory, LeadFactory

pytestmark = pytest.mark.django_db

EVIL = [
    '=HYPERLINK("http://evil.example","点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]


def text_cells(content: bytes) -> list:
    """Every cell of every sheet whose value is one of the EVIL strings (XML reads a CR back as a line feed)."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    evil = {*EVIL, *(e.replace("\r", "\n") for e in EVIL)}
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value in evil]


def assert_all_text(content: bytes, expected: int) -> None:
    cells = text_cells(content)
    assert len(cells) >= expected
    assert all(c.data_type == "s" for c in cells), [(c.coordinate, c.value, c.data_type) for c in cells]
    assert all(c.quotePrefix for c in cells)  # Excel keeps them text even when someone edits the cell


def test_lead_and_client_exports_write_every_string_as_text(org, client, api_as):
    for n, evil in enumerate(EVIL):
        LeadFactory(collected_by=org.courier, company_name=f"甲{n}", needs=evil, notes=evil)
        ClientFactory(area=org.a1, name=evil, normalized_name=f"甲{n}")
    assert Lead.objects.count() == Client.objects.count() == len(EVIL)
    client.force_login(org.station_master)
    assert_all_text(client.get("/leads/?export=xlsx").content, 2 * len(EVIL))
    assert_all_text(client.get("/clients/?export=xlsx").content, len(EVIL))
    api = api_as(org.station_master)
    assert_all_text(api.get("/api/v1/leads/export/").content, 2 * len(EVIL))
    assert_all_text(api.get("/api/v1/clients/export/").content, len(EVIL))


def test_the_notice_names_people_as_text(org, client):
    User.objects.filter(pk=org.courier.pk).update(display_name=EVIL[0])
    User.objects.filter(pk=org.courier_a2.pk).update(display_name=EVIL[1])
    client.force_login(org.station_master)
    assert_all_text(client.get("/dashboard/notice.xlsx?period=week").content, 2)


def test_the_indicator_template_writes_names_as_text(org, client):
    Indicator.objects.create(code="evil", name=EVIL[3], unit="%", threshold=1)
    client.force_login(org.kam)
    assert_all_text(client.get("/satisfaction/indicators/template.xlsx").content, 1)


@pytest.mark.parametrize("write_only", [False, True])
def test_the_helper_writes_text_in_either_kind_of_worksheet(write_only):
    book = openpyxl.Workbook(write_only=write_only)
    sheet = book.create_sheet("x") if write_only else book.active
    xlsx.append_row(sheet, [*EVIL, 3, None, "plain"])
    out = io.BytesIO()
    book.save(out)
    assert_all_text(out.getvalue(), len(EVIL))
    row = next(openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[0].iter_rows(values_only=True))
    assert row[len(EVIL) :] == (3, None, "plain")
