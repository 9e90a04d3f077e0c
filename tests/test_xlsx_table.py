"""config/xlsx.write_table writes the cells openpyxl's write-only mode writes for the same values (read back alike:
value, type, number format, quoted text), and the lead and client exports built on it read a constant number of
queries however many rows they carry."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl.utils.exceptions import IllegalCharacterError

from config import numbers, xlsx
from tests.factories_leads import ClientFactory, LeadFactory

ROWS = [
    ["No.", "name", "when", "day", "money", "note"],
    [
        1,
        '甲 & <乙> "丙"',
        datetime.datetime(2026, 7, 31, 9, 5, 7, 123456),
        datetime.date(2026, 7, 31),
        1234.5,
        "",
    ],
    [2, "  padded ", None, None, None, "=SUM(1+1)"],
    [3, "line\nbreak", datetime.datetime(1900, 1, 1), datetime.date(1900, 3, 1), 0.1 + 0.2, "+86 138"],
    [4, "-2+3", None, None, 10**12, "@x"],
    [5, "\t=1", None, None, -7, "#N/A"],
    [6, "x" * 40000, None, None, 1.0, True],
]


def _cells(content: bytes) -> list:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [sheet.title] + [
        [(c.value, c.data_type, c.number_format, bool(c.quotePrefix)) for c in row]
        for row in sheet.iter_rows()
    ]


def _openpyxl(rows, money_column) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("线索")
    for row in rows:
        row = list(row)
        if isinstance(row[money_column], float | int) and not isinstance(row[money_column], bool):
            row[money_column] = openpyxl.cell.WriteOnlyCell(sheet, row[money_column])
            row[money_column].number_format = numbers.XLSX_MONEY
        xlsx.append_row(sheet, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_table_reads_back_as_openpyxl_writes_it():
    ours = xlsx.write_table("线索", ROWS, formats={4: numbers.XLSX_MONEY})
    assert _cells(ours) == _cells(_openpyxl(ROWS, 4))
    streamed = openpyxl.load_workbook(io.BytesIO(ours), read_only=True, data_only=True).worksheets[0]
    assert list(streamed.iter_rows(values_only=True))[2][:2] == (2, "  padded ")


def test_a_table_refuses_what_a_worksheet_cannot_hold():
    with pytest.raises(IllegalCharacterError):
        xlsx.write_table("x", [["bell\x07"]])
    with pytest.raises(TypeError):
        xlsx.write_table("x", [[datetime.datetime.now(datetime.UTC)]])


@pytest.mark.django_db
def test_exports_read_constant_queries(org, api_as):
    def queries(path):
        api = api_as(org.station_master)
        api.get(path)  # the session and the user are read once, like every request
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path).status_code == 200
        return len(captured)

    def grow(n):
        for _ in range(n):
            client = ClientFactory(area=org.a1, owner=org.kam)
            LeadFactory(collected_by=org.courier, area=org.a1, client=client)
            LeadFactory(collected_by=org.courier_a2)

    grow(2)
    before = {p: queries(p) for p in ("/api/v1/leads/export/", "/api/v1/clients/export/")}
    grow(10)
    assert {p: queries(p) for p in before} == before
    assert before["/api/v1/leads/export/"] <= 5 and before["/api/v1/clients/export/"] <= 5
