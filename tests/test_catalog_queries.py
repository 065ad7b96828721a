"""The public pages read the database a fixed number of times, however many materials the
library holds (no query per card), and what they keep between visits follows every change at
once, in every worker."""

import re
from contextlib import contextmanager

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import event
from support import png_bytes, upload

from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.extensions import db


@contextmanager
def counted_queries():
    """The SQL statements the database receives inside the block."""
    statements = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def queries_of(client, path: str) -> int:
    with counted_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


def add_materials(make_material, org, count: int, start: int = 0) -> list:
    """Materials of several kinds, half of them with a picture (cards show files)."""
    made = []
    for n in range(start, start + count):
        if n % 2:
            made.append(
                make_material(
                    org=org,
                    title=f"Áp phích an toàn số {n}",
                    kind="poster",
                    body="",
                    alt_text="Áp phích về an toàn lao động",
                    upload=upload(png_bytes(color=(n % 256, 40, 90)), f"ap-phich-{n}.png"),
                )
            )
        else:
            made.append(make_material(org=org, title=f"Hợp đồng lao động, bài {n}"))
    return made


PAGES = ["/", "/areas/politics-law", "/areas/politics-law?kind=poster", "/search?q=an+toan"]


def page_queries(client, material_id: int) -> dict:
    paths = {**{path: path for path in PAGES}, "material": f"/materials/{material_id}"}
    first = {name: queries_of(client, path) for name, path in paths.items()}
    again = {name: queries_of(client, path) for name, path in paths.items()}
    return {"first": first, "again": again}


def test_pages_query_the_database_the_same_number_of_times_with_many_materials(
    app, client, make_material, make_org
):
    # Counting a view writes after the answer is sent (here, in the request): not a read.
    app.config["TRACKING_ENABLED"] = False
    org = make_org(code="so-ldtbxh", name="Sở Lao động")
    few = add_materials(make_material, org, 2)
    with_few = page_queries(client, few[-1].id)
    many = add_materials(make_material, org, 24, start=2)
    with_many = page_queries(client, many[-1].id)
    # A card per material, and not a query per card.
    home = BeautifulSoup(client.get("/").text, "html.parser")
    assert len(home.select("li.card")) == 8
    area = BeautifulSoup(client.get("/areas/politics-law").text, "html.parser")
    assert len(area.select("li.card img")) == 6
    for visit in ("first", "again"):
        for page, queries in with_many[visit].items():
            assert queries <= with_few[visit][page], (visit, page, with_many, with_few)
    # What each page costs: the home and area pages read only the catalogue's version once
    # their figures are kept; a material's page reads the material with its organisation and
    # file, the version and its counts (its areas and tags are in parts kept rendered); search
    # reads the version and the results' rows (and, on PostgreSQL, searches there).
    again = with_many["again"]
    assert {page: again[page] for page in again if page != "/search?q=an+toan"} == {
        "/": 1,
        "/areas/politics-law": 2,
        "/areas/politics-law?kind=poster": 2,
        "material": 4,
    }
    assert again["/search?q=an+toan"] <= 3
    assert with_many["first"]["/"] <= 6


def area_count(client, code: str) -> int:
    page = BeautifulSoup(client.get("/").text, "html.parser")
    text = page.select_one(f"a.area-{code} small").get_text()
    return int(re.search(r"\d+", text).group())


def card_titles(client, path: str) -> list[str]:
    page = BeautifulSoup(client.get(path).text, "html.parser")
    return [strong.get_text() for strong in page.select("li.card strong")]


def test_a_new_published_material_shows_at_once(app, client, make_material, make_org):
    org = make_org(code="so-ldtbxh", name="Sở Lao động")
    add_materials(make_material, org, 3)
    assert area_count(client, "politics-law") == 3
    assert area_count(client, "politics-law") == 3  # now from what the worker kept
    make_material(org=org, title="Bảo hiểm xã hội một lần", areas=["politics-law", "life-skills"])
    assert area_count(client, "politics-law") == 4
    assert area_count(client, "life-skills") == 1
    assert card_titles(client, "/")[0] == "Bảo hiểm xã hội một lần"
    assert "Bảo hiểm xã hội một lần" in card_titles(client, "/areas/life-skills")


def test_a_draft_shows_nowhere_until_published_then_a_withdrawal_hides_it_at_once(
    app, client, make_material, make_org
):
    org = make_org(code="so-ldtbxh", name="Sở Lao động")
    add_materials(make_material, org, 2)
    assert area_count(client, "politics-law") == 2
    draft = make_material(org=org, title="Nội quy lao động", status="draft")
    assert area_count(client, "politics-law") == 2
    assert "Nội quy lao động" not in card_titles(client, "/areas/politics-law")
    catalog.publish_material(SYSTEM, draft)
    db.session.commit()
    assert area_count(client, "politics-law") == 3
    assert "Nội quy lao động" in card_titles(client, "/areas/politics-law")
    catalog.withdraw_material(SYSTEM, draft, "Hết hiệu lực")
    db.session.commit()
    assert area_count(client, "politics-law") == 2
    assert "Nội quy lao động" not in card_titles(client, "/")
    assert "Nội quy lao động" not in card_titles(client, "/areas/politics-law")


def test_a_change_made_by_another_worker_shows_at_once(
    app, client, make_app, make_material, make_org
):
    """Two apps on one database, as two gunicorn workers: what one keeps follows the other."""
    org = make_org(code="so-ldtbxh", name="Sở Lao động")
    material = add_materials(make_material, org, 2)[0]
    other = make_app()
    other_client = other.test_client()
    assert "Hợp đồng lao động, bài 0" in other_client.get("/areas/politics-law").text
    assert area_count(other_client, "politics-law") == 2
    catalog.update_material(SYSTEM, material, {"title": "Hợp đồng lao động có thời hạn"})
    db.session.commit()
    make_material(org=org, title="Tiền lương tối thiểu vùng")
    assert area_count(other_client, "politics-law") == 3
    titles = card_titles(other_client, "/areas/politics-law")
    assert "Hợp đồng lao động có thời hạn" in titles
    assert "Tiền lương tối thiểu vùng" in titles
    assert "Hợp đồng lao động, bài 0" not in titles


@pytest.mark.parametrize("kind_filter", [None, "poster"])
def test_kind_counts_of_an_area_follow_a_change(app, client, make_material, make_org, kind_filter):
    org = make_org(code="so-ldtbxh", name="Sở Lao động")
    add_materials(make_material, org, 4)
    path = "/areas/politics-law" + (f"?kind={kind_filter}" if kind_filter else "")
    assert "Áp phích (2)" in client.get(path).text
    make_material(
        org=org,
        title="Áp phích phòng cháy",
        kind="poster",
        body="",
        alt_text="Áp phích về phòng cháy",
        upload=upload(png_bytes(color=(1, 2, 3)), "phong-chay.png"),
    )
    assert "Áp phích (3)" in client.get(path).text


def test_a_collection_page_reads_the_database_four_times_however_many_materials_it_holds(
    app, client, make_material, make_org
):
    from library.sharing import collections

    app.config["TRACKING_ENABLED"] = False
    org = make_org(code="so-vhttdl", name="Sở Văn hóa")
    made = add_materials(make_material, org, 12)
    draft = make_material(org=org, title="Bản nháp chưa xuất bản", status="draft")
    raw = {
        "slug": "tuan-le-2026",
        "title": "Tuần lễ học tập suốt đời 2026",
        "status": "published",
        "materials": [m.id for m in [*made, draft]],
    }
    collections.create_collection(SYSTEM, org, raw)
    db.session.commit()
    client.get("/collections/tuan-le-2026")
    # The collection, its materials in order, their files, its organisation: not one per item.
    assert queries_of(client, "/collections/tuan-le-2026") <= 4
    page = BeautifulSoup(client.get("/collections/tuan-le-2026").text, "html.parser")
    titles = [s.get_text(strip=True) for s in page.select(".card strong")]
    assert titles == [m.title for m in made]
