"""`flask seed-demo --with-activity`: the demo library's dashboards show figures, once.

The whole demo set and its six months of use take several seconds: one test covers what a
person evaluating the demo sees; the refusals run on a few materials and call the function.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import extract, func, select
from support import database_dump

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.cli import DEMO_ORGANISATIONS, DEMO_PASSWORD, DEMO_USERS
from library.extensions import db
from library.metrics import demo, reach, sessions
from library.metrics.rollup import prune_events, rollup_pending
from library.models import Event, Organisation, RobotHit, User
from library.sharing import demo as sharing_demo
from library.tracking.services import record_event

BROWSER = "Mozilla/5.0 (Linux; Android 11) AppleWebKit/537.36 Chrome/118.0 Mobile Safari/537.36"


@pytest.fixture
def app(make_app):
    """What is checked here is the demo's use: its files' pictures and renditions wait in the
    queue, as under `make run` until the worker takes them (tests/test_demo_content.py has them
    made)."""
    app = make_app(JOBS_IMMEDIATE=False)
    with app.app_context():
        yield app
        db.session.remove()


def figure(text: str) -> int:
    """A count as the Vietnamese pages write it: 4.071 is four thousand and seventy-one."""
    return int(text.replace(".", ""))


def _count(*where) -> int:
    return db.session.scalar(select(func.count()).select_from(Event).where(*where))


def _cells(table) -> list[list[str]]:
    return [[td.get_text(strip=True) for td in tr.select("td")] for tr in table.select("tbody tr")]


def _table_after(page, heading: str):
    return next(h for h in page.select("h2") if h.get_text(strip=True) == heading).find_next(
        "table"
    )


def test_seed_demo_with_activity_fills_the_dashboards_once(runner, client):
    result = runner.invoke(args=["seed-demo", "--with-activity"])
    assert result.exit_code == 0, result.output
    assert "Hoạt động mẫu:" in result.output and "sự kiện" in result.output
    db.session.remove()
    before = database_dump()
    again = runner.invoke(args=["seed-demo", "--with-activity"])
    assert "đã có số liệu sử dụng, không thêm gì" in again.output
    db.session.remove()
    assert database_dump() == before  # a second run changes no figure

    # The year with most of the six months (they span two years when run before July).
    last = db.session.scalar(select(func.max(Event.day)))
    first = db.session.scalar(select(func.min(Event.day)))
    year = max({first.year, last.year}, key=lambda y: _count(extract("year", Event.day) == y))
    in_year = extract("year", Event.day) == year
    views = _count(Event.event == "view", in_year)
    assert 5_000 <= _count() <= 15_000 and views > 0

    # The staff dashboard of that year, as the demo administrator sees it.
    login = {"email": DEMO_USERS[0][0], "password": DEMO_PASSWORD}
    assert client.post("/login", data=login).status_code == 302
    page = BeautifulSoup(client.get(f"/metrics/?year={year}").text, "html.parser")
    months = _table_after(page, "Lượt xem theo tháng")
    assert sum(figure(v) for v in _cells(months)[0]) == views  # what the events imply
    columns = [float(rect["height"]) for rect in page.select("svg rect.col")]
    assert len([h for h in columns if h > 0]) >= 3  # the chart has the year's months of use
    by_area = {row[0]: figure(row[1]) for row in _cells(_table_after(page, "Theo lĩnh vực"))}
    assert len(by_area) == 5 and all(n > 0 for n in by_area.values())
    channels = {row[0]: row[1:] for row in _cells(_table_after(page, "Theo kênh"))}
    shared = _count(Event.event == "share_visit", in_year)
    assert sum(figure(row[3]) for row in channels.values()) == shared
    assert all(figure(channels[c][3]) > 0 for c in ("Zalo", "Facebook", "Mã QR"))
    credited = _cells(_table_after(page, "Theo tổ chức được ghi nhận"))
    assert {row[0] for row in credited} == {"Công ty TNHH May Hoa Lư", "Công ty CP Giày Tam Điệp"}

    # Robots are counted apart: listed with their hits, in none of the figures above.
    robots = _cells(_table_after(page, "Máy tự động (không tính vào số liệu)"))
    robot_hits = db.session.scalar(
        select(func.sum(RobotHit.hits)).where(extract("year", RobotHit.day) == year)
    )
    assert sum(figure(hits) for _, hits in robots) == robot_hits > 0
    assert "bot" in {agent for agent, _ in robots}

    # A plausible shape: more views than downloads, people who come back, quieter weekends,
    # a gentle rise, and a few materials much more viewed than the rest.
    assert views > 5 * _count(Event.event == "download") > 0
    assert _count(Event.event == "play") > 0
    visitors = db.session.scalar(select(func.count(Event.visitor.distinct())))
    assert visitors < views / 2
    per_day = dict(db.session.execute(select(Event.day, func.count()).group_by(Event.day)).all())
    weekdays = [n for d, n in per_day.items() if d.weekday() < 5]
    weekends = [n for d, n in per_day.items() if d.weekday() >= 5]
    assert sum(weekdays) / len(weekdays) > 1.3 * sum(weekends) / len(weekends)
    early = sum(n for d, n in per_day.items() if d < first + timedelta(days=60))
    late = sum(n for d, n in per_day.items() if d > last - timedelta(days=60))
    assert late > 1.2 * early
    per_material = sorted(
        db.session.scalars(
            select(func.count()).where(Event.event == "view").group_by(Event.material_id)
        ),
        reverse=True,
    )
    assert per_material[0] > 10 * per_material[len(per_material) // 2]

    # Reach per area against the targets: a percentage for every area.
    reach_page = BeautifulSoup(client.get(f"/metrics/reach?year={year}").text, "html.parser")
    assert "Tổng số lao động đã đăng ký: 3.700" in reach_page.text
    rows = _cells(reach_page.select_one("table"))
    assert len(rows) == 5 and all(row[3].endswith("%") and row[3] != "0.0%" for row in rows)
    assert sum(figure(row[2]) for row in rows) > 0  # the union's offline sessions


def _small_demo_library() -> None:
    """The demo organisations and accounts, and a few demo materials (not the whole set)."""
    for code, name, type_, workers in DEMO_ORGANISATIONS:
        accounts.create_organisation(SYSTEM, code, name, type_, workers)
    for email, role, org in DEMO_USERS:
        accounts.create_user(SYSTEM, email, DEMO_PASSWORD, role, org)
    culture = db.session.scalar(select(Organisation).where(Organisation.code == "so-vhttdl"))
    for n in range(4):
        raw = {"title": f"Sách {n}", "kind": "book", "areas": ["life-skills"], "body": "Đọc."}
        raw |= {"license": "CC0-1.0", "status": "published", "external_id": f"demo-sach-{n}"}
        catalog.create_material(SYSTEM, culture, raw)
    db.session.commit()
    sharing_demo.seed()


def _an_event(today, material_id):
    record_event(material_id, "view", "c" + "1" * 32, BROWSER, now=_noon(today, 3))


def _a_session(today, material_id):
    officer = db.session.scalar(select(User).where(User.role == "union"))
    enterprise = db.session.scalar(select(Organisation).where(Organisation.type == "enterprise"))
    raw = {"held_on": today, "organisation_id": enterprise.id, "attendees": 30}
    sessions.log_session(officer, raw | {"areas": ["life-skills"], "materials": []}, today)


def _rolled_and_pruned(today, material_id):
    _an_event(today, material_id)
    rollup_pending(today)
    assert prune_events(today, keep_days=0) == 1


def _noon(day: date, days_before: int):
    return datetime.combine(day - timedelta(days=days_before), time(5), UTC)


@pytest.mark.parametrize("usage", [_an_event, _a_session, _rolled_and_pruned])
def test_a_library_with_usage_gets_no_demo_activity(app, usage):
    _small_demo_library()
    today = date(2026, 11, 23)
    material_id = demo.demo_materials()[0].id
    usage(today, material_id)
    db.session.commit()
    before = database_dump()
    assert demo.seed_activity(today) == {"added": False, "reason": "usage"}
    db.session.commit()
    assert database_dump() == before
    assert reach.workforce_total() is None


def test_a_small_demo_library_gets_its_six_months(app):
    _small_demo_library()
    today = date(2026, 11, 23)
    steps = []
    added = demo.seed_activity(today, progress=steps.append)
    db.session.commit()
    assert added["added"] and added["last_day"] == date(2026, 11, 22)
    assert added["events"] == _count() > 1000 and added["robot_hits"] > 0
    assert sum(steps) == 2 * demo.DAYS  # the progress bar reaches its end
    assert reach.workforce_total() == 1200 + 2500
    assert added["sessions"] == len(demo.SESSIONS)
    assert demo.seed_activity(today)["added"] is False
