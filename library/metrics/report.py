"""The yearly Program 1268 report: per area and per enterprise, as CSV or XLSX."""

import csv
import io
from datetime import date

from flask_babel import get_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from library import numbers
from library.metrics import reach, services
from library.metrics.services import EVERYTHING

# What a spreadsheet reads as the start of a formula (or, for tab and CR, may drop to reach one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(value):
    """A cell's value as a spreadsheet shows it and never runs it: a text beginning like a
    formula (a material's title "=HYPERLINK(…)", an organisation "@SUM(…)") gets a leading
    single quote, as OWASP advises for CSV injection; numbers are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def inert_rows(rows) -> list[list]:
    """Every cell of the rows through inert_cell: what both writers write."""
    return [[inert_cell(value) for value in row] for row in rows]


def reach_headers() -> list[str]:
    return [
        _("Phạm vi"),
        _("Lĩnh vực"),
        _("Lượt xem"),
        _("Người học trực tuyến"),
        _("Người dự trực tiếp"),
        _("Số lao động"),
        _("Tỷ lệ tiếp cận (%)"),
        _("Mục tiêu 2025 (%)"),
        _("Mục tiêu 2030 (%)"),
        _("Mốc của năm (%)"),
        _("Đánh giá"),
    ]


def _mark(row: reach.AreaReach) -> str:
    if row.on_track is None:
        return _("Chưa có số lao động")
    return _("Đạt tiến độ") if row.on_track else _("Chậm tiến độ")


def _reach_row(scope: str, row: reach.AreaReach) -> list:
    return [
        scope,
        row.area.name_vi,
        row.views,
        row.online,
        row.offline,
        row.workforce,
        row.reach_pct,
        row.target_2025,
        row.target_2030,
        row.target_now,
        _mark(row),
    ]


def report_rows(year: int) -> dict[str, list[list]]:
    """The report's tables: areas of the province, areas of each enterprise, top materials."""
    province = [_reach_row(_("Toàn tỉnh"), r) for r in reach.reach_by_area(year)]
    enterprises = [
        _reach_row(org.name, r)
        for org in reach.enterprises_with_workforce()
        for r in reach.reach_by_area(year, org)
    ]
    start, end = date(year, 1, 1), date(year, 12, 31)
    top = [
        # (the material's number is a name, not a quantity: never written as 1.234)
        [
            rank,
            str(m.id),
            m.title,
            m.organisation.name,
            ", ".join(a.name_vi for a in m.areas),
            views,
        ]
        for rank, (m, views) in enumerate(services.top_materials(EVERYTHING, start, end, 20), 1)
    ]
    return {"areas": province, "enterprises": enterprises, "top": top}


def top_headers() -> list[str]:
    return [_("Hạng"), _("Mã"), _("Tài liệu"), _("Tổ chức"), _("Lĩnh vực"), _("Lượt xem")]


def csv_cell(value):
    """A figure as the report's language writes it (4.071 and 12,6 in Vietnamese), so a
    spreadsheet set to that language reads it as the number it is; text stays text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return numbers.number(value) if isinstance(value, int) else numbers.decimal(value)


def csv_separator() -> str:
    """Excel takes the list separator of the computer's region: `;` where the decimal mark is
    a comma, as in Vietnamese; `,` in English."""
    return ";" if get_locale().language == "vi" else ","


def report_csv(year: int) -> bytes:
    """UTF-8 with a BOM, so Excel and LibreOffice read the Vietnamese letters; separated and
    with figures written as Excel set to the report's language expects them."""
    rows = report_rows(year)
    buffer = io.StringIO()
    table = [
        [_("Báo cáo Chương trình 1268 năm %(year)s", year=year)],
        reach_headers(),
        *rows["areas"],
        *rows["enterprises"],
        [],
        [_("Tài liệu được xem nhiều nhất")],
        top_headers(),
        *rows["top"],
    ]
    cells = [[csv_cell(value) for value in row] for row in inert_rows(table)]
    csv.writer(buffer, delimiter=csv_separator()).writerows(cells)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def report_xlsx(year: int) -> bytes:
    """Three sheets with Vietnamese headers: areas, enterprises, top materials."""
    rows = report_rows(year)
    book = Workbook()
    sheets = [
        (_("Lĩnh vực"), reach_headers(), rows["areas"]),
        (_("Doanh nghiệp"), reach_headers(), rows["enterprises"]),
        (_("Tài liệu"), top_headers(), rows["top"]),
    ]
    book.remove(book.active)
    for title, headers, body in sheets:
        sheet = book.create_sheet(title)
        for row in inert_rows([headers, *body]):
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for column in sheet.columns:
            sheet.column_dimensions[column[0].column_letter].width = 18
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
