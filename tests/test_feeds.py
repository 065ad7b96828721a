"""Atom feeds read by a real feed parser; sitemap.xml and robots.txt."""

import feedparser
import pytest
from lxml import etree

from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.extensions import db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def org(make_org):
    return make_org(code="so-tttt", name="Sở Thông tin & Truyền thông")


@pytest.fixture
def materials(make_material, org):
    """Two published materials in two areas, one withdrawn, one draft."""
    law = make_material(title="Luật lao động <2026> & bạn", areas=["politics-law"], org=org)
    digital = make_material(
        title="An toàn trên mạng xã hội",
        areas=["digital-skills"],
        summary="Đặt mật khẩu mạnh; không bấm liên kết lạ.",
        org=org,
    )
    gone = make_material(title="Đã thu hồi", org=org)
    catalog.withdraw_material(SYSTEM, gone, "Cũ")
    make_material(title="Bản nháp", status="draft", org=org)
    db.session.commit()
    return {"law": law, "digital": digital}


def parse(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response.content_type.startswith("application/atom+xml")
    feed = feedparser.parse(response.data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_site_feed_lists_new_published_materials_newest_first(client, materials):
    feed = parse(client, "/feed.atom")
    assert [e.title for e in feed.entries] == [
        "An toàn trên mạng xã hội",
        "Luật lao động <2026> & bạn",
    ]
    entry = feed.entries[0]
    assert entry.link == f"http://thuvien.test/materials/{materials['digital'].id}"
    assert entry.summary == "Đặt mật khẩu mạnh; không bấm liên kết lạ."
    assert entry.author == "Sở Thông tin & Truyền thông"
    assert [t.term for t in entry.tags] == ["digital-skills"]
    assert entry.published_parsed and entry.updated_parsed


def test_area_feed_lists_only_that_area(client, materials):
    feed = parse(client, "/areas/politics-law/feed.atom")
    assert [e.title for e in feed.entries] == ["Luật lao động <2026> & bạn"]
    assert feed.feed.title == "Chính trị, pháp luật — Thư viện học tập mở"
    assert client.get("/areas/no-such-area/feed.atom").status_code == 404


def test_empty_feed_is_still_valid(client):
    assert parse(client, "/areas/learning-model/feed.atom").entries == []


def test_feed_size_is_configurable(app, client, make_material, org):
    app.config["FEED_SIZE"] = 2
    for n in range(3):
        make_material(title=f"Tài liệu {n}", org=org)
    assert len(parse(client, "/feed.atom").entries) == 2


def test_sitemap_lists_home_areas_and_published_materials(client, materials):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = etree.fromstring(response.data)
    locations = [loc.text for loc in root.iter(f"{SITEMAP}loc")]
    assert locations[0] == "http://thuvien.test/"
    assert "http://thuvien.test/areas/life-skills" in locations
    material_urls = {u for u in locations if "/materials/" in u}
    assert material_urls == {f"http://thuvien.test/materials/{m.id}" for m in materials.values()}
    assert len(list(root.iter(f"{SITEMAP}lastmod"))) == 2


def test_robots_keeps_crawlers_out_of_private_pages_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.content_type.startswith("text/plain")
    lines = response.text.splitlines()
    assert "User-agent: *" in lines
    for path in ("/manage", "/account", "/admin"):
        assert f"Disallow: {path}" in lines
    assert "Sitemap: http://thuvien.test/sitemap.xml" in lines
    assert "Disallow: /" not in lines
    assert "Disallow: /oai" not in lines  # harvesters that obey robots.txt must reach it


def test_pages_announce_their_feeds(client):
    home = client.get("/").text
    assert 'type="application/atom+xml" href="/feed.atom"' in home
    area = client.get("/areas/life-skills").text
    assert 'href="/areas/life-skills/feed.atom"' in area
