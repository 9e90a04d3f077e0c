"""Workbooks in and out, the same for every app.

In: an uploaded .xlsx is a zip of XML that a few kilobytes can make enormous (a declared A1:XFD2000 makes
openpyxl pad every row to 16,384 cells; a member can inflate a thousandfold). `read_rows` looks at the zip's
directory and the sheet's declared dimension before reading anything, and then streams the rows (openpyxl's
read-only mode) within a fixed number of rows and columns, so memory is bounded by construction.

Out: every string a user typed is written as a text cell, so "=HYPERLINK(...)" or "+86..." stays text and never
becomes a formula (formula injection), in every workbook the product writes (`append_row`).
"""

import io
import zipfile
from collections.abc import Iterator

import openpyxl
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# Bounds of an uploaded workbook, checked before it is read.
MAX_COLUMNS = 200
MAX_MEMBERS = 1000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
# openpyxl holds every shared string in memory from the moment the workbook is opened.
MAX_SHARED_STRINGS_BYTES = 50 * 1024 * 1024
# Leading characters that make a spreadsheet read a cell as a formula (or, pasted elsewhere, as a command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _damaged() -> ValidationError:
    return ValidationError(_("The file is damaged: it is not a readable Excel workbook."))


def check_archive(data: bytes) -> None:
    """Refuse a workbook whose zip would unpack beyond the bounds above, reading only the zip's directory."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _damaged() from None
    unpacked = sum(m.file_size for m in members)
    strings = sum(m.file_size for m in members if m.filename.lower().endswith("sharedstrings.xml"))
    if len(members) > MAX_MEMBERS or unpacked > MAX_UNCOMPRESSED_BYTES or strings > MAX_SHARED_STRINGS_BYTES:
        raise ValidationError(
            _(
                "The workbook unpacks to %(size)s MB; at most %(max)s MB. Save the data alone in a new workbook."
            )
            % {
                "size": f"{unpacked / 1024 / 1024:,.0f}",
                "max": f"{MAX_UNCOMPRESSED_BYTES / 1024 / 1024:,.0f}",
            }
        )


def read_rows(data: bytes, *, max_rows: int) -> Iterator[tuple[int, list]]:
    """(row number, values) of the first sheet's rows, at most `max_rows` rows of at most MAX_COLUMNS values,
    streamed. A sheet declaring more rows or columns than that is refused before any row is read;
    ValidationError with a message for the user."""
    check_archive(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises assorted errors on malformed XML inside the zip
        raise _damaged() from None
    try:
        if not workbook.worksheets:
            raise ValidationError(_("The file is empty."))
        sheet = workbook.worksheets[0]
        rows, columns = sheet.max_row or 0, sheet.max_column or 0
        if rows > max_rows or columns > MAX_COLUMNS:
            raise ValidationError(
                _(
                    "The sheet declares %(rows)s rows and %(columns)s columns; at most %(max_rows)s rows and "
                    "%(max_columns)s columns are read. Copy the data alone into a new workbook."
                )
                % {
                    "rows": f"{rows:,}",
                    "columns": f"{columns:,}",
                    "max_rows": f"{max_rows:,}",
                    "max_columns": MAX_COLUMNS,
                }
            )
        # Explicit bounds: the declared dimension can lie, or be missing, and openpyxl pads rows up to it.
        width = min(columns, MAX_COLUMNS) if columns else MAX_COLUMNS
        values = sheet.iter_rows(max_row=max_rows, max_col=width, values_only=True)
        try:
            for number, row in enumerate(values, start=1):
                row = list(row)
                while row and row[-1] is None:
                    row.pop()
                yield number, row
        except ValidationError:
            raise
        except Exception:
            raise _damaged() from None
    finally:
        workbook.close()


def _text(cell) -> None:
    cell.data_type = "s"
    if cell.value.startswith(FORMULA_STARTS):
        # Excel shows the cell as typed text even when someone edits it later.
        cell.quotePrefix = True


def append_row(sheet, values) -> None:
    """Append a row to a worksheet (ordinary or write-only); every string becomes a text cell whatever it starts
    with (=, +, -, @, tab, CR)."""
    if isinstance(sheet, WriteOnlyWorksheet):
        cells = []
        for value in values:
            if isinstance(value, str):
                value = WriteOnlyCell(sheet, value)
                _text(value)
            cells.append(value)
        sheet.append(cells)
        return
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            _text(cell)
