"""Rollups started at once by two app processes (two cron hosts, a command during a deploy)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from agents import CHROME_ANDROID
from sqlalchemy import func, select

from library.extensions import db
from library.metrics.rollup import prune_events, rollup_days, rollup_pending
from library.models import DailyMetric, Event, MonthlyMetric, RolledDay, YearVisitor
from library.tracking.services import record_event

TODAY = date(2026, 11, 20)
DAYS = [TODAY - timedelta(days=n) for n in (3, 2, 1)]
VISITORS = 6


@pytest.fixture
def events(make_material):
    """Six visitors view one material on each of three past days (18 counted views)."""
    material = make_material()
    for day in DAYS:
        moment = datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)
        for n in range(VISITORS):
            record_event(material.id, "view", f"c{n}", CHROME_ANDROID, now=moment)
    db.session.commit()
    return material


def _at_once(make_app, job) -> list:
    """Run job in two apps (each its own engine and connections, like two processes) at once."""
    apps = [make_app(), make_app()]
    start = threading.Barrier(len(apps))

    def run(app):
        with app.app_context():
            start.wait()
            result = job()
            db.session.commit()
            db.session.remove()
            return result

    with ThreadPoolExecutor(len(apps)) as pool:
        return list(pool.map(run, apps))


def _figures():
    def count(model):
        return db.session.scalar(select(func.count()).select_from(model))

    daily = db.session.execute(
        select(DailyMetric.day, DailyMetric.total, DailyMetric.uniques).order_by(DailyMetric.day)
    ).all()
    monthly = db.session.scalar(select(func.sum(MonthlyMetric.total)))
    return [tuple(r) for r in daily], monthly, count(RolledDay), count(YearVisitor)


EXPECTED = ([(day, VISITORS, VISITORS) for day in DAYS], 3 * VISITORS, 3, VISITORS)


def test_two_pending_rollups_at_once_roll_each_day_once(events, make_app):
    results = _at_once(make_app, lambda: rollup_pending(TODAY))
    # One of them did the work; the other found nothing left to do.
    assert sorted(results) == [(0, 0), (3, 3 * VISITORS)]
    db.session.expire_all()
    assert _figures() == EXPECTED


def test_two_redos_of_the_same_days_at_once_give_the_figures_of_one(events, make_app):
    results = _at_once(make_app, lambda: rollup_days(DAYS))
    assert results == [3 * VISITORS, 3 * VISITORS]
    db.session.expire_all()
    assert _figures() == EXPECTED


def test_a_prune_during_a_rollup_loses_no_figures(events, make_app):
    jobs = iter([lambda: rollup_pending(TODAY), lambda: prune_events(TODAY, keep_days=0)])
    lock = threading.Lock()

    def job():
        with lock:
            chosen = next(jobs)
        return chosen()

    _at_once(make_app, job)
    db.session.expire_all()
    daily, monthly, rolled, _visitors = _figures()
    # Whichever ran first, no raw event was dropped before its day was in the rollups.
    remaining = db.session.scalar(select(func.count()).select_from(Event))
    assert monthly == 3 * VISITORS and rolled == 3
    assert remaining in (0, 3 * VISITORS)
    assert daily == EXPECTED[0]
