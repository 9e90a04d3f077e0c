"""Workbooks in and out, the same for every app.

In: an uploaded .xlsx is a zip of XML that a few kilobytes can make enormous (a declared A1:XFD2000 makes
openpyxl pad every row to 16,384 cells; a member can inflate a thousandfold). `read_rows` looks at the zip's
directory and the sheet's declared dimension before reading anything, and then streams the rows (openpyxl's
read-only mode) within a fixed number of rows and columns, so memory is bounded by construction.

Out: every string a user typed is written as a text cell, so "=HYPERLINK(...)" or "+86..." stays text and never
becomes a formula (formula injection), in every workbook the product writes (`append_row`).
"""

import datetime
import io
import math
import zipfile
from collections.abc import Iterable, Iterator, Sequence

import openpyxl
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import IllegalCharacterError
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


# --- A table written straight to SpreadsheetML ------------------------------------------------------------
#
# openpyxl spends tens of microseconds on every cell it writes (a cell object, type inference, an element tree
# serialised element by element): a thousand-row export took half a second that way. `write_table` writes a
# one-sheet workbook of plain rows itself, each row one string, with the cells openpyxl's write-only mode writes
# for the same values (read back identically: inline text cells, numbers, dates as serials with a date format).

_STYLES = ("general", "datetime", "date", "text")  # fixed cell formats; a column format comes after them
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_PACKAGE = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>'
    ),
}
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<bookViews><workbookView activeTab="0"/></bookViews>'
    '<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0"><selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
    '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/><sheetData>'
)
_SHEET_END = "</sheetData></worksheet>"


def _styles(formats: list[str]) -> str:
    codes = ["yyyy-mm-dd h:mm:ss", "yyyy-mm-dd", *formats]
    num_fmts = "".join(
        f'<numFmt numFmtId="{164 + i}" formatCode="{escape_attribute(code)}"/>'
        for i, code in enumerate(codes)
    )
    xf = '<xf numFmtId="{}" fontId="0" fillId="0" borderId="0" xfId="0"{}/>'
    xfs = [
        xf.format(0, ""),
        xf.format(164, ' applyNumberFormat="1"'),
        xf.format(165, ' applyNumberFormat="1"'),
        xf.format(0, ' quotePrefix="1"'),
        *(xf.format(166 + i, ' applyNumberFormat="1"') for i in range(len(formats))),
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<numFmts count="{len(codes)}">{num_fmts}</numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def escape_attribute(value: str) -> str:
    return value.translate(_XML_ESCAPES).replace('"', "&quot;")


def _column_letters(count: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(i) for i in range(1, count + 1)]


def _cell(ref: str, value, style: int) -> str:
    """One cell as openpyxl's write-only mode writes `value` (strings always as text)."""
    kind = type(value)
    if kind is str:
        value = value[:32767]
        if ILLEGAL_CHARACTERS_RE.search(value):
            raise IllegalCharacterError(f"{value} cannot be used in worksheets.")
        if not value:
            return f'<c r="{ref}" t="inlineStr"/>'
        s = ' s="3"' if value.startswith(FORMULA_STARTS) else ""
        stripped = value.strip()
        space = ' xml:space="preserve"' if stripped and stripped != value else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{value.translate(_XML_ESCAPES)}</t></is></c>'
    if value is None:
        return f'<c r="{ref}" t="n"/>'
    if kind is datetime.datetime or kind is datetime.date:
        if kind is datetime.datetime and value.tzinfo is not None:
            raise TypeError("Excel does not support timezones in datetimes.")
        style = style or (1 if kind is datetime.datetime else 2)
        value = to_excel(value)
    elif kind is bool:
        return f'<c r="{ref}"{f' s="{style}"' if style else ""} t="b"><v>{int(value)}</v></c>'
    elif kind not in (int, float):
        raise ValueError(f"Cannot convert {value!r} to Excel")
    if value != value or value in (math.inf, -math.inf):
        return f'<c r="{ref}"{f' s="{style}"' if style else ""} t="n"/>'
    return f'<c r="{ref}"{f' s="{style}"' if style else ""} t="n"><v>{"%.16g" % value}</v></c>'


def write_table(title: str, rows: Iterable[Sequence], *, formats: dict[int, str] | None = None) -> bytes:
    """A one-sheet workbook named `title` of `rows` (str, int, float, date, datetime without zone, or None), read
    back as openpyxl would have written them: every string a text cell (quoted when it starts like a formula),
    datetimes and dates with a date format. `formats` gives some columns (by index) a number format for their
    numbers. Rows stream into the compressed sheet a thousand at a time."""
    formats = formats or {}
    format_codes = list(dict.fromkeys(formats.values()))
    column_style = {i: 4 + format_codes.index(code) for i, code in formats.items()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PACKAGE.items():
            archive.writestr(name, text)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(title=escape_attribute(title)))
        archive.writestr("xl/styles.xml", _styles(format_codes))
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(_SHEET_START.encode())
            letters: list[str] = []
            chunk: list[str] = []
            for number, row in enumerate(rows, start=1):
                if len(letters) < len(row):
                    letters = _column_letters(len(row))
                n = str(number)
                chunk.append(
                    f'<row r="{n}">'
                    + "".join(
                        [
                            _cell(letters[i] + n, value, column_style.get(i, 0) if value is not None else 0)
                            for i, value in enumerate(row)
                        ]
                    )
                    + "</row>"
                )
                if len(chunk) == 1000:
                    sheet.write("".join(chunk).encode())
                    chunk = []
            sheet.write(("".join(chunk) + _SHEET_END).encode())
    return out.getvalue()
