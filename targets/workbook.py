"""Scorecards as an .xlsx workbook: the ranking, then every target against its actual. Names come from users, so
every string is written as a text cell (config/xlsx.py): a name like "=HYPERLINK(...)" stays text, never a formula."""

import io

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from config import numbers
from config.xlsx import append_row

from .models import Metric

HEADER_FILL = PatternFill("solid", fgColor="E6F2EC")
BEHIND_FILL = PatternFill("solid", fgColor="FDE8E8")


def _header(ws, labels) -> None:
    append_row(ws, labels)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL


def _widths(ws, labels) -> None:
    for i, label in enumerate(labels, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, len(label) * 2 + 2)


def ranking_sheet(wb, title: str, heading: str, ranked: list[dict], metrics: list[str]) -> None:
    ws = wb.create_sheet(title)
    append_row(ws, [heading])
    ws["A1"].font = Font(bold=True, size=14)
    append_row(ws, [])
    labels = [_("Rank"), pgettext("ranked", "Name"), _("Area"), _("Score")]
    for metric in metrics:
        label = str(Metric(metric).label)
        labels += [
            _("%(metric)s · target") % {"metric": label},
            _("%(metric)s · actual") % {"metric": label},
        ]
    _header(ws, labels)
    for entry in ranked:
        values = [
            entry["rank"],
            entry["name"],
            entry["area_name"],
            float(entry["score"]) if entry["score"] is not None else "",
        ]
        for metric in metrics:
            row = entry["metrics"].get(metric)
            values += [float(row["target"]), float(row["actual"])] if row else ["", ""]
        append_row(ws, values)
        ws.cell(ws.max_row, 4).number_format = numbers.XLSX_PERCENT
        for i, metric in enumerate(metrics):
            if metric == Metric.REVENUE:
                for column in (5 + 2 * i, 6 + 2 * i):
                    ws.cell(ws.max_row, column).number_format = numbers.XLSX_MONEY
        if entry["behind"]:
            for cell in ws[ws.max_row]:
                cell.fill = BEHIND_FILL
    _widths(ws, labels)
    ws.freeze_panes = "A4"


def rows_sheet(wb, title: str, rows: list[dict]) -> None:
    ws = wb.create_sheet(title)
    labels = [
        _("Station"),
        pgettext("ranked", "Name"),
        _("Area"),
        _("Metric"),
        _("Target"),
        _("Actual"),
        _("Attainment"),
        _("Expected by now"),
        pgettext("target", "Behind"),
        _("Rank"),
    ]
    _header(ws, labels)
    for row in rows:
        append_row(
            ws,
            [
                row["station_name"],
                row["name"],
                row["area_name"],
                row["metric_label"],
                float(row["target"]),
                float(row["actual"]),
                float(row["attainment"]) if row["attainment"] is not None else "",
                float(row["expected"]),
                _("yes") if row["behind"] else "",
                row["rank"],
            ],
        )
        ws.cell(ws.max_row, 7).number_format = numbers.XLSX_PERCENT
        if row["metric"] == Metric.REVENUE:
            for column in (5, 6, 8):
                ws.cell(ws.max_row, column).number_format = numbers.XLSX_MONEY
    _widths(ws, labels)
    ws.freeze_panes = "A2"


def scorecard_workbook(*, heading: str, sections: list[tuple[str, list[dict], list[dict]]]) -> bytes:
    """`sections`: (sheet title, ranking, rows) per level shown; a ranking sheet and a detail sheet each."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, ranked, rows in sections:
        metrics = [m for m in Metric.values if any(m in e["metrics"] for e in ranked)]
        ranking_sheet(wb, title, heading, ranked, metrics)
        rows_sheet(wb, _("%(sheet)s · detail") % {"sheet": title}, rows)
    if not wb.sheetnames:
        append_row(wb.create_sheet(_("Scorecard")), [heading])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
