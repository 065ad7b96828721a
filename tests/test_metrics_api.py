"""The JSON contract: a material's stats, and the yearly summary per area."""

from datetime import UTC, datetime

import pytest
from agents import CHROME_ANDROID, GOOGLEBOT

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.extensions import db
from library.metrics import reach
from library.tracking.services import record_event

NOON = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)


def _token(make_user, role):
    user = make_user(role, email=f"{role}@thuvien.vn")
    token = accounts.create_token(user, "api")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_material_stats_counts_everything_up_to_now(client, make_material):
    material = make_material()
    record_event(material.id, "view", "c1", CHROME_ANDROID, now=NOON)
    record_event(material.id, "download", "c1", CHROME_ANDROID, now=NOON)
    record_event(material.id, "view", "r", GOOGLEBOT, now=NOON)
    db.session.commit()
    body = client.get(f"/api/v1/materials/{material.id}/stats").get_json()
    assert body == {
        "views": 1,
        "downloads": 1,
        "plays": 0,
        "unique_visitors": 1,
        "robot_requests": 1,
    }


def test_stats_of_a_draft_are_not_shown(client, make_material):
    assert (
        client.get(f"/api/v1/materials/{make_material(status='draft').id}/stats").status_code == 404
    )


def test_the_summary_gives_each_area_for_an_administrator(client, make_user, make_material):
    material = make_material()
    record_event(material.id, "view", "c1", CHROME_ANDROID, now=NOON)
    reach.set_workforce(SYSTEM, 100, {})
    db.session.commit()
    answer = client.get("/api/v1/metrics/summary?year=2026", headers=_token(make_user, "admin"))
    body = answer.get_json()
    assert body["politics-law"] == {
        "views": 1,
        "unique_visitors": 1,
        "offline_attendees": 0,
        "reach_pct": 1.0,
        "target_2025": 70,
        "target_2030": 90,
    }
    assert len(body) == 5


@pytest.mark.parametrize(("query", "status"), [("", 400), ("?year=abc", 400)])
def test_the_summary_needs_a_year(client, make_user, query, status):
    answer = client.get(f"/api/v1/metrics/summary{query}", headers=_token(make_user, "admin"))
    assert answer.status_code == status


def test_the_summary_needs_a_token(client):
    assert client.get("/api/v1/metrics/summary?year=2026").status_code == 401


def test_the_summary_is_refused_to_an_editor(client, make_user):
    answer = client.get("/api/v1/metrics/summary?year=2026", headers=_token(make_user, "editor"))
    assert answer.status_code == 403
