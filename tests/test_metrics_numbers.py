"""Figures on the dashboards as the reader's language writes them: 4.071 and 46,3 % in
Vietnamese, 4,071 and 46.3% in English."""

from datetime import date

import pytest
from bs4 import BeautifulSoup

from library.accounts.permissions import SYSTEM
from library.extensions import db
from library.metrics import reach, sessions


@pytest.fixture
def admin_page(client, login, make_user, make_org):
    firm = make_org(code="cty-a", name="Công ty A", type_="enterprise", workers=20000)
    reach.set_workforce(SYSTEM, 10000, {})
    raw = {"held_on": "2026-06-02", "organisation_id": str(firm.id), "attendees": "4630"}
    sessions.log_session(SYSTEM, {**raw, "areas": ["politics-law"]}, date(2026, 11, 22))
    db.session.commit()
    login(make_user("admin", email="quantri@thuvien.vn"))

    def cells(path: str) -> list[list[str]]:
        page = BeautifulSoup(client.get(path).text, "html.parser")
        table = page.select_one("main table")
        return [[c.get_text(" ", strip=True) for c in tr.select("td")] for tr in table.tbody("tr")]

    return cells


def test_the_reach_page_writes_vietnamese_figures(admin_page):
    law = admin_page("/metrics/reach?year=2026")[0]
    assert law[:3] == ["Chính trị, pháp luật", "0", "4.630"]
    assert law[3:6] == ["46,3\u00a0%", "70\u00a0%", "90\u00a0%"]


def test_the_reach_page_in_english_writes_english_figures(admin_page):
    law = admin_page("/metrics/reach?year=2026&lang=en")[0]
    assert law[2:6] == ["4,630", "46.3%", "70%", "90%"]


def test_the_chart_shows_the_same_figure_as_the_table(client, admin_page):
    admin_page("/metrics/reach?year=2026")
    page = BeautifulSoup(client.get("/metrics/reach?year=2026").text, "html.parser")
    figures = [t.get_text() for t in page.select("svg.hbars text.value")]
    assert figures[0] == "46,3\u00a0%" and figures[1:] == ["0,0\u00a0%"] * 4
    names = [t.get_text() for t in page.select("svg.hbars text.label")]
    assert "Mô hình học tập (Công dân học tập)" in names  # whole, never cut with …
