"""Reach against the targets, the workforce, and offline sessions, checked by hand."""

from datetime import UTC, date, datetime, timedelta

import pytest
from agents import CHROME_ANDROID
from sqlalchemy import func, select

from library.accounts.permissions import SYSTEM
from library.errors import PermissionDenied, ValidationFailed
from library.extensions import db
from library.metrics import reach, sessions
from library.metrics.rollup import rollup_day
from library.models import Area, OfflineSession
from library.sharing import services as sharing
from library.tracking.services import record_event

TODAY = date(2026, 11, 22)
NOON = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


@pytest.fixture
def enterprise(make_org):
    return make_org(code="cty-may", name="Công ty May Hoa Lư", type_="enterprise", workers=200)


@pytest.fixture
def officer(make_user, make_org, enterprise):
    """A union officer whose union serves the enterprise."""
    union = make_org(code="cdcs-kcn", name="Công đoàn KCN Gián Khẩu", type_="union")
    sharing.set_served_enterprises(SYSTEM, union, [enterprise.code])
    db.session.commit()
    return make_user("union", union, email="congdoan@thuvien.vn")


def _session(actor, org, attendees, areas=("politics-law",), held_on="2026-03-05"):
    raw = {
        "held_on": held_on,
        "organisation_id": str(org.id),
        "attendees": attendees,
        "areas": list(areas),
    }
    return sessions.log_session(actor, raw, TODAY)


def _by_code(rows):
    return {r.area.code: r for r in rows}


@pytest.fixture
def year_of_use(app, make_material, enterprise):
    """Politics-law: cookie visitors c1 (twice), c2; a cookie-less h1 on two days; 40 offline."""
    law = make_material()
    both = make_material(
        law.organisation, title="Kỹ năng số", areas=["politics-law", "digital-skills"]
    )
    record_event(law.id, "view", "c1", CHROME_ANDROID, now=NOON)
    record_event(law.id, "view", "c1", CHROME_ANDROID, now=NOON + timedelta(days=30))
    record_event(both.id, "view", "c2", CHROME_ANDROID, "zalo", enterprise.id, now=NOON)
    record_event(law.id, "view", "h1-day1", CHROME_ANDROID, now=NOON)
    record_event(law.id, "view", "h1-day2", CHROME_ANDROID, now=NOON + timedelta(days=1))
    rollup_day(date(2026, 3, 2))  # one day rolled up, the others still raw
    reach.set_workforce(SYSTEM, 1000, {})
    _session(SYSTEM, enterprise, 40)
    db.session.commit()
    return law, both


def test_reach_adds_online_visitors_and_offline_attendees(year_of_use):
    rows = _by_code(reach.reach_by_area(2026))
    law = rows["politics-law"]
    # c1, c2, h1-day1, h1-day2 = 4 online; 40 offline; (4 + 40) / 1000 = 4.4%
    assert (law.online, law.offline, law.reach_pct) == (4, 40, 4.4)
    assert (rows["digital-skills"].online, rows["digital-skills"].reach_pct) == (1, 0.1)
    assert rows["life-skills"].reach_pct == 0.0


def test_reach_is_capped_at_100_percent(year_of_use, enterprise):
    reach.set_workforce(SYSTEM, 10, {})
    assert _by_code(reach.reach_by_area(2026))["politics-law"].reach_pct == 100.0


def test_reach_is_unknown_without_a_workforce(app):
    rows = reach.reach_by_area(2026)
    assert all(r.reach_pct is None and r.on_track is None for r in rows)


def test_an_enterprise_reach_counts_its_credited_visitors_and_sessions(year_of_use, enterprise):
    law = _by_code(reach.reach_by_area(2026, enterprise))["politics-law"]
    # c2 came through the enterprise's share link; 40 attended its session: 41 / 200 = 20.5%
    assert (law.online, law.offline, law.reach_pct) == (1, 40, 20.5)


def test_the_mark_of_2026_lies_between_the_2025_and_2030_targets(app):
    area = db.session.get(Area, "politics-law")
    assert reach.target_for(area, 2025) == 70
    assert reach.target_for(area, 2026) == 74  # 70 + (90 - 70) / 5
    assert reach.target_for(area, 2031) == 90


def test_on_track_compares_reach_with_the_mark_of_the_year(year_of_use):
    reach.set_targets(SYSTEM, {"politics-law": (4, 5)})
    law = _by_code(reach.reach_by_area(2026))["politics-law"]
    assert law.target_now == 4.2 and law.on_track is True
    reach.set_targets(SYSTEM, {"politics-law": (70, 90)})
    assert _by_code(reach.reach_by_area(2026))["politics-law"].on_track is False


def test_summary_gives_the_contract_fields_per_area(year_of_use):
    summary = reach.summary(2026)
    assert summary["politics-law"] == {
        "views": 5,
        "unique_visitors": 4,
        "offline_attendees": 40,
        "reach_pct": 4.4,
        "target_2025": 70,
        "target_2030": 90,
    }
    assert set(summary) == {
        "politics-law",
        "vocational-skills",
        "life-skills",
        "digital-skills",
        "learning-model",
    }


def test_targets_outside_0_to_100_are_refused(app):
    with app.test_request_context(), pytest.raises(ValidationFailed) as err:
        reach.set_targets(SYSTEM, {"politics-law": (120, 90)})
    assert "politics-law-2025" in err.value.errors


def test_a_negative_workforce_is_refused(app, enterprise):
    with app.test_request_context(), pytest.raises(ValidationFailed) as err:
        reach.set_workforce(SYSTEM, -5, {enterprise.id: "abc"})
    assert set(err.value.errors) == {"total", f"org-{enterprise.id}"}


def test_only_an_administrator_sets_the_workforce(app, make_user):
    with app.test_request_context(), pytest.raises(PermissionDenied):
        reach.set_workforce(make_user("editor", email="bientap@thuvien.vn"), 100, {})


@pytest.mark.parametrize(
    ("attendees", "held_on", "field", "message"),
    [
        (-3, "2026-03-05", "attendees", "lớn hơn 0"),
        (201, "2026-03-05", "attendees", "vượt quá số lao động"),
        ("mười", "2026-03-05", "attendees", "số nguyên"),
        (30, "2026-12-01", "held_on", "tương lai"),
    ],
)
def test_bad_session_figures_are_refused_with_a_clear_message(
    app, officer, enterprise, attendees, held_on, field, message
):
    with app.test_request_context(), pytest.raises(ValidationFailed) as err:
        _session(officer, enterprise, attendees, held_on=held_on)
    assert message in str(err.value.errors[field])
    assert db.session.scalar(select(func.count()).select_from(OfflineSession)) == 0


def test_a_union_officer_logs_a_session(app, officer, enterprise, make_material):
    session = _session(officer, enterprise, 150, areas=("life-skills", "politics-law"))
    assert (session.attendees, [a.code for a in session.areas]) == (
        150,
        ["politics-law", "life-skills"],
    )


def test_a_union_officer_cannot_log_a_session_for_an_enterprise_it_does_not_serve(
    app, officer, make_org
):
    other = make_org(code="cty-det", name="Công ty Dệt", type_="enterprise", workers=500)
    with app.test_request_context(), pytest.raises(PermissionDenied):
        _session(officer, other, 40)
    assert db.session.scalar(select(func.count()).select_from(OfflineSession)) == 0


def test_an_editor_cannot_log_a_session(app, make_user, enterprise):
    with app.test_request_context(), pytest.raises(PermissionDenied):
        _session(make_user("editor", email="bientap@thuvien.vn"), enterprise, 10)
