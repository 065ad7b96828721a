"""Under parallel load on one database (SQLite file or PostgreSQL), no counted event is lost or
counted twice: each thread is a request of its own, with its own session and connection."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from agents import CHROME_ANDROID
from sqlalchemy import func, select

from library.extensions import db
from library.models import Event

THREADS = 8
PER_THREAD = 25


@pytest.fixture
def served(make_app, make_material):
    """A material and a second app on the same database file, as another process would be."""
    material_id = make_material().id
    app = make_app()
    yield app, material_id
    with app.app_context():
        db.engine.dispose()


def _hammer(app, material_id, ips):
    client = app.test_client(use_cookies=False)
    statuses = []
    for ip in ips:
        answer = client.get(
            f"/materials/{material_id}",
            headers={"User-Agent": CHROME_ANDROID},
            environ_base={"REMOTE_ADDR": ip},
        )
        statuses.append(answer.status_code)
    return statuses


def _run(app, material_id, ip_lists):
    with ThreadPoolExecutor(THREADS) as pool:
        results = pool.map(lambda ips: _hammer(app, material_id, ips), ip_lists)
        return [s for statuses in results for s in statuses]


def _views() -> int:
    return db.session.scalar(select(func.count()).select_from(Event).where(Event.event == "view"))


def test_distinct_visitors_in_parallel_are_all_counted(served, caplog):
    app, material_id = served
    ip_lists = [[f"10.{t}.0.{n}" for n in range(PER_THREAD)] for t in range(THREADS)]
    statuses = _run(app, material_id, ip_lists)
    assert statuses == [200] * THREADS * PER_THREAD
    assert _views() == THREADS * PER_THREAD
    assert "lost" not in caplog.text


def test_one_visitor_clicking_from_many_threads_counts_once(served):
    app, material_id = served
    statuses = _run(app, material_id, [["10.9.9.9"] * PER_THREAD] * THREADS)
    assert statuses == [200] * THREADS * PER_THREAD
    assert _views() == 1
