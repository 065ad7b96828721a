"""Daily rollups: figures, idempotence, redoing a day, pruning raw events."""

from datetime import UTC, date, datetime, timedelta

import pytest
from agents import CHROME_ANDROID, GOOGLEBOT
from sqlalchemy import func, select

from library.errors import DomainError
from library.extensions import db
from library.metrics.rollup import days_to_roll, prune_events, rollup_day, rollup_pending
from library.metrics.services import material_stats
from library.models import DailyMetric, Event, YearVisitor
from library.tracking.services import record_event

DAY = date(2026, 11, 20)
# 08:00 in Ha Noi is 01:00 UTC.
MORNING = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def _at(minutes: int) -> datetime:
    return MORNING + timedelta(minutes=minutes)


@pytest.fixture
def day_of_events(make_material, make_org):
    """Two materials; visitor a views m1 at 08:00 and 09:10, b at 08:05; a downloads m1."""
    m1 = make_material()
    m2 = make_material(m1.organisation, title="An toàn giao thông", areas=["life-skills"])
    org = make_org(code="cty-giay", name="Công ty Giày", type_="enterprise", workers=500)
    record_event(m1.id, "view", "ca", CHROME_ANDROID, now=_at(0))
    record_event(m1.id, "view", "ca", CHROME_ANDROID, now=_at(70))
    record_event(m1.id, "view", "cb", CHROME_ANDROID, "zalo", org.id, now=_at(5))
    record_event(m1.id, "download", "ca", CHROME_ANDROID, now=_at(1))
    record_event(m2.id, "view", "ca", CHROME_ANDROID, now=_at(2))
    record_event(m1.id, "view", "bot", GOOGLEBOT, now=_at(3))
    db.session.commit()
    return m1, m2, org


def _rows():
    query = select(
        DailyMetric.day,
        DailyMetric.material_id,
        DailyMetric.credited_org,
        DailyMetric.channel,
        DailyMetric.event,
        DailyMetric.total,
        DailyMetric.uniques,
    ).order_by(DailyMetric.material_id, DailyMetric.event, DailyMetric.channel)
    return [tuple(r) for r in db.session.execute(query)]


def test_a_rollup_sums_a_day_per_material_channel_organisation_and_event(day_of_events):
    m1, m2, org = day_of_events
    rollup_day(DAY)
    assert _rows() == [
        (DAY, m1.id, 0, "direct", "download", 1, 1),
        (DAY, m1.id, 0, "direct", "view", 2, 2),  # visitor a in two hours: two visitor-hours
        (DAY, m1.id, org.id, "zalo", "view", 1, 1),
        (DAY, m2.id, 0, "direct", "view", 1, 1),
    ]


def test_unique_counts_are_visitor_hours(app, make_material):
    material = make_material()
    for minutes in (0, 10, 20):  # three views in one hour by one visitor
        record_event(material.id, "view", "ca", CHROME_ANDROID, now=_at(minutes))
    rollup_day(DAY)
    assert _rows()[0][-2:] == (3, 1)


def test_running_a_rollup_twice_changes_nothing(day_of_events):
    rollup_day(DAY)
    db.session.commit()
    first = (_rows(), db.session.scalar(select(func.count()).select_from(YearVisitor)))
    rollup_day(DAY)
    db.session.commit()
    assert (_rows(), db.session.scalar(select(func.count()).select_from(YearVisitor))) == first


def test_a_past_day_can_be_redone_with_late_events(day_of_events):
    m1, _m2, _org = day_of_events
    rollup_day(DAY)
    record_event(m1.id, "view", "cz", CHROME_ANDROID, now=_at(300))
    rollup_day(DAY)
    views = db.session.scalar(
        select(func.sum(DailyMetric.total)).where(
            DailyMetric.material_id == m1.id, DailyMetric.event == "view"
        )
    )
    assert views == 4


def test_stats_count_each_event_once_before_and_after_the_rollup(day_of_events):
    m1, _m2, _org = day_of_events
    before = material_stats(m1.id)
    rollup_day(DAY)
    assert (
        material_stats(m1.id)
        == before
        == {
            "views": 3,
            "downloads": 1,
            "plays": 0,
            "unique_visitors": 3,
            "robot_requests": 1,
        }
    )


def test_days_to_roll_are_finished_days_not_rolled_up(day_of_events):
    m1, _m2, _org = day_of_events
    record_event(m1.id, "view", "cq", CHROME_ANDROID, now=_at(60 * 24))
    assert days_to_roll(DAY + timedelta(days=1)) == [DAY]
    rollup_day(DAY)
    assert days_to_roll(DAY + timedelta(days=2)) == [DAY + timedelta(days=1)]


def test_pruning_keeps_the_figures_and_drops_old_raw_events(day_of_events):
    m1, _m2, _org = day_of_events
    rollup_day(DAY)
    before = material_stats(m1.id)
    assert prune_events(DAY + timedelta(days=31), keep_days=30) == 5
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0
    assert material_stats(m1.id) == before


def test_pruning_never_drops_days_not_rolled_up(day_of_events):
    assert prune_events(DAY + timedelta(days=400), keep_days=30) == 0


def test_a_pruned_day_cannot_be_rolled_up_again(day_of_events, app):
    rollup_day(DAY)
    prune_events(DAY + timedelta(days=31), keep_days=30)
    with app.test_request_context(), pytest.raises(DomainError):
        rollup_day(DAY)


def test_the_rollup_command_is_idempotent(day_of_events, runner):
    first = runner.invoke(args=["metrics", "rollup", "--day", "2026-11-20"])
    assert first.exit_code == 0, first.output
    rows = _rows()
    again = runner.invoke(args=["metrics", "rollup", "--day", "2026-11-20"])
    assert again.exit_code == 0 and _rows() == rows


def test_the_rollup_command_rolls_every_finished_day(day_of_events, runner):
    result = runner.invoke(args=["metrics", "rollup"])
    assert result.exit_code == 0, result.output
    assert "1 ngày, 5 sự kiện" in result.output


def test_the_rollup_command_refuses_today(runner, app):
    today = datetime.now(UTC).date() + timedelta(days=1)
    result = runner.invoke(args=["metrics", "rollup", "--day", today.isoformat()])
    assert result.exit_code != 0


def test_the_prune_command_keeps_recent_raw_events(day_of_events, runner):
    runner.invoke(args=["metrics", "rollup", "--day", "2026-11-20"])
    result = runner.invoke(args=["metrics", "prune", "--keep-days", "100000"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Event)) == 5


def test_figures_stay_exact_around_the_rolled_through_mark(day_of_events):
    m1, _m2, _org = day_of_events
    rollup_pending(DAY + timedelta(days=1))  # every day up to DAY is rolled up
    record_event(m1.id, "view", "cn", CHROME_ANDROID, now=_at(60 * 24))  # the next day, raw
    assert material_stats(m1.id)["views"] == 4
    rollup_day(DAY + timedelta(days=1))  # a day past the mark, rolled up by hand
    assert material_stats(m1.id)["views"] == 4


def test_page_counts_follow_a_new_rolled_through_mark_as_the_stats_do(day_of_events):
    from library.metrics.services import page_counts

    m1, _m2, _org = day_of_events
    shown = {"views": 3, "downloads": 1}
    assert page_counts(m1.id) == shown  # its query is kept for the mark it was built under
    rollup_pending(DAY + timedelta(days=1))
    assert page_counts(m1.id) == shown
    record_event(m1.id, "view", "cn", CHROME_ANDROID, now=_at(60 * 24))
    rollup_day(DAY + timedelta(days=1))
    assert (
        page_counts(m1.id)
        == {"views": 4, "downloads": 1}
        == {k: material_stats(m1.id)[k] for k in shown}
    )
