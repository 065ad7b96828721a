"""The administrator's charts as a browser lays them out (Chromium, desktop and 360 px phone):
labels smaller than the headings and clear of one another, columns over their month in the table,
each bar's figure clear of the target marks, full area names, Vietnamese figures."""

from datetime import date

import pytest
from browser_support import add_material
from support import PASSWORD

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.areas import all_areas
from library.extensions import db
from library.metrics import reach, sessions
from library.metrics.rollup import rollup_month
from library.models import DailyMetric

# Views per month: wide figures next to small ones, the widest labels a year can have.
MONTHLY = [4071, 12345, 980, 15, 0, 23456, 8, 777, 3000, 11111, 1, 6000]


@pytest.fixture
def figures(live_app):
    app, base = live_app
    dept = accounts.create_organisation(SYSTEM, "so-a", "Sở A", "department")
    firm = accounts.create_organisation(SYSTEM, "cty-a", "Công ty A", "enterprise", 20000)
    admin = accounts.create_user(SYSTEM, "quantri@thuvien.vn", PASSWORD, "admin", None)
    db.session.commit()
    material = add_material(
        dept,
        title="Pháp luật lao động",
        kind="legal_digest",
        body="Điều 1.",
        areas=["politics-law"],
    )
    for month, views in enumerate(MONTHLY, 1):
        db.session.add(
            DailyMetric(
                day=date(2026, month, 15),
                material_id=material.id,
                owner_org=dept.id,
                credited_org=0,
                channel="direct",
                event="view",
                total=views,
                uniques=views,
            )
        )
    db.session.flush()
    for month in range(1, 13):
        rollup_month(date(2026, month, 1))
    reach.set_workforce(SYSTEM, 10000, {})
    raw = {
        "held_on": "2026-06-02",
        "organisation_id": str(firm.id),
        "attendees": "4630",
        "areas": ["politics-law"],
    }
    sessions.log_session(SYSTEM, raw, date(2026, 11, 22))
    db.session.commit()
    return base, admin


def sign_in(page, base, user):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


MONTH_LAYOUT = """() => {
  const box = e => e.getBoundingClientRect();
  const size = e => parseFloat(getComputedStyle(e).fontSize);
  return {
    heading: size(document.querySelector('main h2')),
    labels: [...document.querySelectorAll('svg.columns text.value')].map(
      e => ({text: e.textContent, size: size(e), left: box(e).left, right: box(e).right,
             top: box(e).top, bottom: box(e).bottom})),
    cols: [...document.querySelectorAll('svg.columns rect.col')].map(
      e => ({left: box(e).left, right: box(e).right})),
    months: [...document.querySelectorAll('table.series th')].map(
      e => ({left: box(e).left, right: box(e).right})),
  };
}"""

REACH_LAYOUT = """() => {
  const box = e => { const r = e.getBoundingClientRect();
                     return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const svg = document.querySelector('svg.hbars');
  const rows = [...svg.querySelectorAll('text.label')].map((label, i) => ({
    label: label.textContent, labelBox: box(label),
    value: svg.querySelectorAll('text.value')[i].textContent,
    valueBox: box(svg.querySelectorAll('text.value')[i]),
  }));
  return {svg: box(svg), rows, marks: [...svg.querySelectorAll('line')].map(box),
          heading: parseFloat(getComputedStyle(document.querySelector('main h1')).fontSize),
          size: parseFloat(getComputedStyle(svg.querySelector('text.label')).fontSize)};
}"""


def overlaps(a, b) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and (b["top"] < a["bottom"])
    )


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_month_columns_stand_over_their_month_with_a_figure_each(figures, screen, request):
    base, admin = figures
    page = request.getfixturevalue(screen)
    sign_in(page, base, admin)
    page.goto(f"{base}/metrics/?year=2026")
    layout = page.evaluate(MONTH_LAYOUT)
    labels, cols, months = layout["labels"], layout["cols"], layout["months"]
    assert [label["text"] for label in labels] == [
        "4.071",
        "12.345",
        "980",
        "15",
        "0",
        "23.456",
        "8",
        "777",
        "3.000",
        "11.111",
        "1",
        "6.000",
    ]
    assert all(label["size"] < layout["heading"] for label in labels)
    for left, right in zip(labels, labels[1:], strict=False):
        assert not overlaps(left, right), (left, right)
    for col, label, month in zip(cols, labels, months, strict=True):
        assert month["left"] <= col["left"] and col["right"] <= month["right"]
        middle = (label["left"] + label["right"]) / 2
        assert month["left"] <= middle <= month["right"]


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_reach_bars_keep_full_names_and_figures_clear_of_the_targets(figures, screen, request):
    base, admin = figures
    page = request.getfixturevalue(screen)
    sign_in(page, base, admin)
    page.goto(f"{base}/metrics/reach?year=2026")
    layout = page.evaluate(REACH_LAYOUT)
    rows = layout["rows"]
    assert [r["label"] for r in rows] == [a.name_vi for a in all_areas()]
    assert rows[0]["value"] == "46,3\u00a0%"  # 4,630 of 10,000 workers
    assert layout["size"] < layout["heading"]
    for row in rows:
        assert row["labelBox"]["right"] < row["valueBox"]["left"]  # name and figure apart
        assert row["valueBox"]["right"] <= layout["svg"]["right"] + 1
        assert not any(overlaps(row["valueBox"], mark) for mark in layout["marks"]), row
    assert len(layout["marks"]) == 2 * len(rows)
    assert "46,3\u00a0%" in page.inner_text("table")
