"""Robots and link-preview crawlers: not counted as use, counted apart; unknown agents listed."""

import pytest
from agents import BROWSERS, CHROME_ANDROID, CURL, FACEBOOK_PREVIEW, ROBOTS, counter_patterns
from sqlalchemy import func, select

from library.extensions import db
from library.metrics.services import agents_to_review, material_stats
from library.models import AgentSighting, Event, RobotHit
from library.tracking.robots import _patterns, agent_family, robot_pattern


def _view(client, material, agent):
    return client.get(f"/materials/{material.id}", headers={"User-Agent": agent})


def test_the_robot_list_is_the_published_counter_list():
    assert set(counter_patterns()) <= set(_patterns())


@pytest.mark.parametrize("pattern", ["bot", "spider", "crawl", r"facebookexternalhit\/"])
def test_robot_patterns_match_case_insensitively(pattern):
    assert robot_pattern(pattern.replace("\\", "").upper() + "/1.0") is not None


@pytest.mark.parametrize("agent", ROBOTS)
def test_robots_are_not_counted_as_views(client, make_material, agent):
    material = make_material()
    assert _view(client, material, agent).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0


@pytest.mark.parametrize("agent", BROWSERS)
def test_in_app_browsers_of_zalo_and_facebook_are_not_robots(agent):
    assert robot_pattern(agent) is None


def test_robot_requests_stay_visible_per_pattern(client, make_material):
    material = make_material()
    for _ in range(3):
        _view(client, material, FACEBOOK_PREVIEW)
    _view(client, material, CURL)
    hits = dict(db.session.execute(select(RobotHit.agent, RobotHit.hits)).all())
    assert hits == {r"facebookexternalhit\/": 3, r"curl\/": 1}
    assert material_stats(material.id)["robot_requests"] == 4


def test_a_preview_fetch_does_not_get_a_visitor_cookie_counted(client, make_material):
    material = make_material()
    _view(client, material, FACEBOOK_PREVIEW)
    _view(client, material, CHROME_ANDROID)
    assert material_stats(material.id)["views"] == 1


def test_unknown_agents_are_listed_by_family_for_review(client, make_material):
    material = make_material()
    odd = "NhaMayReader/3.2 (Linux; SM-A125F; serial 8899)"
    for n in range(3):
        client.get(
            f"/materials/{material.id}",
            headers={"User-Agent": odd},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        )
    sighting = db.session.scalar(select(AgentSighting))
    assert (sighting.family, sighting.hits) == ("NhaMayReader/…", 3)
    assert agents_to_review(threshold=3) == [sighting]


def test_browsers_are_not_listed_for_review(client, make_material):
    _view(client, make_material(), CHROME_ANDROID)
    assert db.session.scalar(select(func.count()).select_from(AgentSighting)) == 0


def test_agent_family_drops_versions_urls_and_device_details():
    agent = "Mozilla/5.0 (compatible; FooFetch/2.1; +https://foo.example/bot) Zalo/24.1"
    assert agent_family(agent) == "Mozilla/… (compatible; FooFetch/…; +) Zalo/…"
