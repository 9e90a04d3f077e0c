"""The notice (通报) as an .xlsx workbook: one sheet ranking the areas, one ranking the people, and the month's
targets against actuals (areas, people) when there are any."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from config import numbers
from config.xlsx import append_row
from targets.models import Metric
from targets.workbook import ranking_sheet

HEADER_FILL = PatternFill("solid", fgColor="E6F2EC")
BEHIND_FILL = PatternFill("solid", fgColor="FDE8E8")


def _sheet(wb, title, heading, columns, rows, *, mark_missed=False):
    ws = wb.create_sheet(title)
    append_row(ws, [heading])
    ws["A1"].font = Font(bold=True, size=14)
    append_row(ws, [])
    append_row(ws, [label for label, _key in columns])
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        values = []
        for _label, key in columns:
            value = row.get(key)
            values.append(value if value is not None else "")
        append_row(ws, values)  # names are people's and areas': text, never a formula
        if mark_missed and row.get("missed_days"):
            for cell in ws[ws.max_row]:
                cell.fill = BEHIND_FILL
    for i, (label, key) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, len(label) * 2 + 2)
        formats = {"compliance": numbers.XLSX_PERCENT, "leads_per_person": numbers.XLSX_DECIMAL}
        if key in formats:
            for (cell,) in ws.iter_rows(min_row=4, min_col=i, max_col=i):
                cell.number_format = formats[key]
    ws.freeze_panes = "A4"
    return ws


def notice_workbook(notice: dict) -> bytes:
    where = notice["station"]["name"] + (f" · {notice['area']['name']}" if notice["area"] else "")
    period = (
        str(notice["start"]) if notice["start"] == notice["end"] else f"{notice['start']} – {notice['end']}"
    )
    heading = _("Lead collection notice · %(where)s · %(period)s") % {"where": where, "period": period}
    wb = Workbook()
    wb.remove(wb.active)
    common = [
        (_("Leads collected"), "leads"),
        (_("Counting for the quota"), "counted"),
        (_("Days due"), "due_days"),
        (_("Days met"), "met_days"),
        (_("Days missed"), "missed_days"),
        (_("Compliance"), "compliance"),
    ]
    _sheet(
        wb,
        _("Areas"),
        heading,
        [
            (_("Rank"), "rank"),
            (_("Area"), "name"),
            (_("People"), "people"),
            *common,
            (_("Leads per person"), "leads_per_person"),
        ],
        notice["areas"],
    )
    _sheet(
        wb,
        _("People"),
        heading,
        [(_("Rank"), "rank"), (_("Name"), "name"), (_("Area"), "area"), common[1], common[0], *common[2:]],
        notice["people"],
        mark_missed=True,
    )
    targets = notice.get("targets") or {}
    for key, title in (("areas", _("Area targets")), ("people", _("Targets"))):
        ranked = targets.get(key)
        if ranked:
            month = targets["month"].strftime("%Y-%m")
            ranking_sheet(
                wb,
                title,
                _("Targets · %(where)s · %(month)s") % {"where": where, "month": month},
                ranked,
                [m for m in Metric.values if any(m in e["metrics"] for e in ranked)],
            )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
