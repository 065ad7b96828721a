"""Atom feeds read by a real feed parser; sitemap.xml and robots.txt."""

import feedparser
import pytest
from lxml import etree

from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.extensions import db
from library.sharing import collections

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


def test_the_sitemap_lists_published_collections_and_their_page(client, materials, org):
    law = materials["law"].id
    shown = {"title": "Tuần lễ pháp luật", "status": "published", "materials": [law]}
    collections.create_collection(SYSTEM, org, {**shown, "slug": "tuan-le-phap-luat"})
    collections.create_collection(SYSTEM, org, {**shown, "slug": "ban-nhap", "status": "draft"})
    db.session.commit()
    locations = _locations(client.get("/sitemap.xml"))
    assert "http://thuvien.test/collections" in locations
    assert "http://thuvien.test/collections/tuan-le-phap-luat" in locations
    assert not any("ban-nhap" in u for u in locations)


def _locations(response) -> list[str]:
    assert response.status_code == 200
    assert response.content_type.startswith("application/xml")
    root = etree.fromstring(response.data)
    assert root.tag == f"{SITEMAP}urlset"
    return [loc.text for loc in root.iter(f"{SITEMAP}loc")]


@pytest.fixture
def big_library(app, make_material, org, materials):
    """Seven published materials, a published and a draft collection, with 5 URLs per file:
    home, 5 areas and /collections, 1 collection, 7 materials = 15 URLs, 3 files."""
    app.config["SITEMAP_MAX_URLS"] = 5
    published = [m.id for m in materials.values()]
    published += [make_material(title=f"Tài liệu {n}", org=org).id for n in range(5)]
    shown = {"title": "Tuần lễ pháp luật", "status": "published", "materials": published[:2]}
    collections.create_collection(SYSTEM, org, {**shown, "slug": "tuan-le-phap-luat"})
    collections.create_collection(SYSTEM, org, {**shown, "slug": "ban-nhap", "status": "draft"})
    db.session.commit()
    return published


def test_past_the_file_limit_the_sitemap_is_an_index_of_numbered_files(client, big_library):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = etree.fromstring(response.data)
    assert root.tag == f"{SITEMAP}sitemapindex"
    files = root.findall(f"{SITEMAP}sitemap")
    assert [f.findtext(f"{SITEMAP}loc") for f in files] == [
        f"http://thuvien.test/sitemap-{n}.xml" for n in (1, 2, 3)
    ]
    changes = [f.findtext(f"{SITEMAP}lastmod") for f in files]
    assert all(c.endswith("Z") for c in changes)

    listed = []
    for n in (1, 2, 3):
        response = client.get(f"/sitemap-{n}.xml")
        locations = _locations(response)
        assert 0 < len(locations) <= 5
        listed += locations
        dates = [d.text for d in etree.fromstring(response.data).iter(f"{SITEMAP}lastmod")]
        # Each file's date in the index is its newest entry's (file 1 has home and areas only).
        assert changes[n - 1] == max(dates or changes), n
    assert len(listed) == len(set(listed)) == 15
    materials = [u for u in listed if "/materials/" in u]
    assert sorted(materials) == sorted(f"http://thuvien.test/materials/{i}" for i in big_library)
    assert "http://thuvien.test/" in listed
    assert "http://thuvien.test/collections/tuan-le-phap-luat" in listed
    assert not any("ban-nhap" in u for u in listed)


def test_a_material_published_later_moves_into_the_index(client, big_library, make_material, org):
    make_material(title="Tài liệu mới", org=org)
    root = etree.fromstring(client.get("/sitemap.xml").data)
    assert len(root.findall(f"{SITEMAP}sitemap")) == 4
    assert len(_locations(client.get("/sitemap-4.xml"))) == 1


def test_a_sitemap_file_number_that_is_not_listed_is_not_found(client, big_library):
    for bad in ("0", "4", "01", "-1", "abc", "1.5", "", "99999999999999999999999"):
        response = client.get(f"/sitemap-{bad}.xml")
        assert response.status_code == 404, bad


def test_under_the_limit_there_is_one_file(app, client, materials):
    app.config["SITEMAP_MAX_URLS"] = 9  # 7 fixed pages and the 2 materials
    assert len(_locations(client.get("/sitemap.xml"))) == 9
    assert client.get("/sitemap-2.xml").status_code == 404


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
