"""A PDF's text as a reading view: headings, paragraphs, lists and tables, each with its page."""

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from support import upload

from library.catalog import reading
from library.extensions import db

FIXTURES = Path(__file__).parent / "data" / "fixtures"
DEMO = Path(__file__).parents[1] / "demo" / "files"
DECREE = FIXTURES / "Nghị định 145／2020／NĐ-CP.pdf"
GAZETTE = FIXTURES / "thong-tu-09-2020-tt-bldtbxh-lao-dong-chua-thanh-nien.pdf"
SCAN = FIXTURES / "nghi-dinh-135-2020-nd-cp-tuoi-nghi-huu.pdf"
LEAFLET = DEMO / "to-gap-hop-dong-lao-dong.pdf"


@pytest.fixture(scope="module")
def views():
    return {path.stem: reading.extract(path) for path in (DECREE, GAZETTE, SCAN, LEAFLET)}


def texts(view, kind):
    return [b["text"] for b in view["blocks"] if b["type"] == kind]


def test_headings_are_told_by_their_size(views):
    decree = views[DECREE.stem]
    assert decree["status"] == "ok"
    assert texts(decree, "h2") == ["Nghị định 145/2020/NĐ-CP"]
    assert "Điều 8. Trợ cấp thôi việc, trợ cấp mất việc làm" in texts(decree, "h3")


def test_numbered_and_lettered_points_are_separate_list_items(views):
    items = texts(views[DECREE.stem], "li")
    assert "1. Ngành, nghề, công việc đặc thù gồm:" in items
    assert any(item.startswith("a) Thành viên tổ lái tàu bay") for item in items)


def test_each_block_carries_the_page_it_came_from(views):
    blocks = views[DECREE.stem]["blocks"]
    page_of = {b["text"]: b["page"] for b in blocks if "text" in b}
    assert page_of["Điều 8. Trợ cấp thôi việc, trợ cấp mất việc làm"] == 1
    assert any(b["page"] == 4 for b in blocks)
    assert [b["page"] for b in blocks] == sorted(b["page"] for b in blocks)


def test_page_numbers_and_running_headers_are_left_out(views):
    gazette = views[GAZETTE.stem]["blocks"]
    words = [b.get("text", "") for b in gazette]
    assert not any(w.startswith("CÔNG BÁO/Số 445") for w in words)
    assert not any(w.strip().isdigit() for w in words)
    assert "Trang 1" not in texts(views[LEAFLET.stem], "p")


def test_lines_of_one_paragraph_are_joined_again(views):
    paragraphs = texts(views[GAZETTE.stem], "p")
    assert any("một số điều, khoản sau đây của Bộ luật Lao động" in p for p in paragraphs)


def test_a_heading_on_two_lines_is_one_heading(views):
    headings = texts(views[GAZETTE.stem], "h4")
    assert "Điều 4. Giao kết hợp đồng lao động để sử dụng người chưa đủ 15 tuổi làm việc" in (
        headings
    )


def test_boxes_laid_out_in_rows_and_columns_are_a_table(views):
    tables = [b["rows"] for b in views[LEAFLET.stem]["blocks"] if b["type"] == "table"]
    assert tables[0][0] == ["Công việc", "Thời gian thử việc tối đa"]
    assert ["Người quản lý doanh nghiệp", "180 ngày"] in tables[0]
    assert len(tables[0]) == 5


def test_bullets_become_list_items_without_their_glyph(views):
    items = texts(views[LEAFLET.stem], "li")
    assert "Hợp đồng lao động không xác định thời hạn." in items
    assert not any("(cid" in item for item in items)
    # The rest of an item, set on the next lines, stays in it.
    assert any(i.endswith("(trừ một số trường hợp luật quy định). (Điều 20)") for i in items)


def test_a_scan_without_a_text_layer_says_so(views):
    assert views[SCAN.stem] == {"status": "no_text", "blocks": [], "pages": {}}


def test_page_alt_texts_are_the_first_words_of_each_page(views):
    pages = views[LEAFLET.stem]["pages"]
    assert set(pages) == {"1", "2"}
    assert pages["2"].startswith("6. Thời giờ làm việc và nghỉ hằng năm")
    assert len(pages["1"]) <= reading.ALT_LENGTH + 1


def test_consecutive_list_items_are_grouped_as_one_list(views):
    grouped = reading.list_groups(views[LEAFLET.stem]["blocks"])
    lists = [g for g in grouped if g["type"] == "list"]
    assert [i["text"] for i in lists[0]["items"]][0] == "Hợp đồng lao động không xác định thời hạn."
    assert len(lists[0]["items"]) == 2


def soup(response):
    return BeautifulSoup(response.data, "html.parser")


def pdf_material(make_material, path, kind="leaflet"):
    return make_material(kind=kind, body="", upload=upload(path.read_bytes(), path.name))


def test_leaflet_page_shows_the_reading_view_before_the_page_images(client, make_material):
    material = pdf_material(make_material, LEAFLET)
    page = soup(client.get(f"/materials/{material.id}"))
    view = page.select_one("section.reading")
    assert view["lang"] == "vi"
    assert view.find("h2").get_text() == "Hợp đồng lao động: 7 điều người lao động cần biết"
    assert view.select_one("table th").get_text() == "Công việc"
    assert [m.get_text() for m in view.select(".page-mark")] == ["Trang 1", "Trang 2"]
    original = page.select_one("details.original")
    assert "Xem bản gốc" in original.summary.get_text()
    assert page.find_all(["section", "details"])[0] is view


def test_page_images_open_at_full_resolution_and_say_their_text(client, make_material):
    material = pdf_material(make_material, LEAFLET)
    links = soup(client.get(f"/materials/{material.id}")).select(".pages a")
    assert links[1].img["alt"].startswith("Trang 2: 6. Thời giờ làm việc và nghỉ hằng năm")
    full = client.get(links[0]["href"])
    shown = client.get(links[0].img["src"])
    from io import BytesIO

    from PIL import Image

    assert full.mimetype == "image/webp"
    assert Image.open(BytesIO(full.data)).width > 2 * Image.open(BytesIO(shown.data)).width


def test_scanned_pdf_says_it_has_no_text_and_shows_its_pages(client, make_material):
    material = pdf_material(make_material, SCAN, kind="legal_digest")
    page = soup(client.get(f"/materials/{material.id}"))
    assert page.select_one("section.reading") is None
    assert "bản quét" in page.select_one(".notice").get_text()
    assert len(page.select(".pages img")) == 15
    assert page.select_one("details.original") is None


def test_a_pdf_kept_before_reading_views_gets_one_on_its_first_view(client, make_material):
    material = pdf_material(make_material, DECREE)
    material.file.reading = None
    db.session.commit()
    page = soup(client.get(f"/materials/{material.id}"))
    assert page.select_one("section.reading h2").get_text() == "Nghị định 145/2020/NĐ-CP"
    db.session.expire_all()
    assert material.file.reading["status"] == "ok"


def test_reading_views_command_makes_the_missing_ones(app, make_material):
    first = pdf_material(make_material, DECREE)
    second = pdf_material(make_material, LEAFLET)
    first.file.reading = None
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reading-views"])
    assert result.exit_code == 0 and "Đã tạo 1 bản đọc." in result.output
    db.session.expire_all()
    assert first.file.reading["status"] == "ok"
    assert second.file.reading["blocks"]


def test_a_reading_view_is_rendered_once_per_worker_until_the_catalogue_changes(
    app, client, make_material
):
    from flask import template_rendered

    material = pdf_material(make_material, LEAFLET)
    rendered = []

    def note(_app, template, context):
        rendered.append(template.name)

    template_rendered.connect(note, app)
    try:
        first = soup(client.get(f"/materials/{material.id}")).select_one("section.reading")
        second = soup(client.get(f"/materials/{material.id}")).select_one("section.reading")
        assert first is not None and str(first) == str(second)
        assert rendered.count("catalog/_pdf.html") == 1
        english = soup(client.get(f"/materials/{material.id}?lang=en"))
        assert (
            english.select_one("details.original summary")
            .get_text(strip=True)
            .startswith("See the original")
        )
        material.file.reading = None  # made again (the `reading-views` command, a new job)
        db.session.commit()
        again = soup(client.get(f"/materials/{material.id}"))
    finally:
        template_rendered.disconnect(note, app)
    assert again.select_one("section.reading h2") is not None
    assert rendered.count("catalog/_pdf.html") == 3  # Vietnamese, English, after the change
