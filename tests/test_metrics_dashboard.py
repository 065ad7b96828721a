"""Dashboard figures: monthly rollups, channels, organisations, COUNTER spikes."""

from datetime import UTC, date, datetime, timedelta

from agents import CHROME_ANDROID

from library.extensions import db
from library.metrics.rollup import rollup_days
from library.metrics.services import EVERYTHING, Scope, dashboard, spikes
from library.tracking.services import record_event

MARCH = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
NOW = (2026, 11)


def _months(values: dict[int, int], year=2026) -> dict:
    return {(year, m): v for m, v in values.items()}


def test_a_month_far_above_the_previous_year_is_a_spike():
    history = {(2025, m): 50 for m in range(1, 13)}
    history[(2026, 1)] = 3 * 50 + 100  # exactly the threshold
    assert spikes(history, [(2026, 1)], NOW) == [((2026, 1), 250, 50.0)]


def test_a_month_under_one_percent_of_the_average_is_a_spike():
    history = {(2025, m): 1000 for m in range(1, 13)} | {(2026, 1): 9}
    assert spikes(history, [(2026, 1)], NOW)[0][1] == 9


def test_an_ordinary_month_is_not_a_spike():
    history = {(2025, m): 50 for m in range(1, 13)} | {(2026, 1): 249}
    assert spikes(history, [(2026, 1)], NOW) == []


def test_small_averages_are_never_spikes():
    history = {(2025, m): 10 for m in range(1, 13)} | {(2026, 1): 0}
    assert spikes(history, [(2026, 1)], NOW) == []


def test_months_without_a_year_of_history_are_not_judged():
    history = {(2025, m): 50 for m in range(6, 13)} | {(2026, 1): 1000}
    assert spikes(history, [(2026, 1)], NOW) == []


def test_a_month_still_running_is_not_a_low_spike():
    history = {(2025, m): 1000 for m in range(1, 13)} | {(2026, 1): 3}
    assert spikes(history, [(2026, 1)], (2026, 1)) == []


def test_the_year_dashboard_adds_up_days_into_months(app, make_material, make_org):
    material = make_material()
    firm = make_org(code="cty-go", name="Công ty Gỗ", type_="enterprise", workers=50)
    days = []
    for n in range(3):  # 10, 20 and 30 March
        moment = MARCH + timedelta(days=10 * n)
        record_event(material.id, "view", f"c{n}", CHROME_ANDROID, "zalo", firm.id, now=moment)
        record_event(material.id, "download", f"c{n}", CHROME_ANDROID, now=moment)
        days.append((moment + timedelta(hours=7)).date())
    rollup_days(days)
    db.session.commit()
    board = dashboard(EVERYTHING, 2026)
    assert board.series[2] == ((2026, 3), 3)
    assert board.areas["politics-law"] == {"view": 3, "download": 3}
    assert board.channels["zalo"]["view"] == 3 and board.channels["direct"]["download"] == 3
    assert [(org.code, totals["view"]) for org, totals in board.organisations] == [("cty-go", 3)]


def test_a_credited_scope_reads_the_same_figures_from_the_daily_rows(app, make_material, make_org):
    material = make_material()
    firm = make_org(code="cty-go", name="Công ty Gỗ", type_="enterprise", workers=50)
    record_event(material.id, "view", "c1", CHROME_ANDROID, "qr", firm.id, now=MARCH)
    rollup_days([date(2026, 3, 10)])
    board = dashboard(Scope(credited_orgs=(firm.id,)), 2026)
    assert board.series[2] == ((2026, 3), 1) and board.channels["qr"]["view"] == 1
