"""Social previews read the way a crawler reads them, preview images, QR codes, the A4 sheet."""

import io
import os
import re
import time
import unicodedata
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import extruct
import pytest
from agents import CHROME_ANDROID, FACEBOOK_PREVIEW, PREVIEW_CRAWLERS, ZALO_PREVIEW
from bs4 import BeautifulSoup
from fontTools.ttLib import TTFont
from lxml import etree
from PIL import Image
from pyzbar.pyzbar import decode
from sqlalchemy import func, select
from support import pdf_bytes, png_bytes, upload

from library.accounts.permissions import SYSTEM
from library.catalog import media
from library.catalog import services as catalog
from library.extensions import db
from library.models import Event, RobotHit
from library.sharing import cards
from library.sharing.previews import render_print_sheet, summarise
from library.storage import get_storage
from library.tracking.robots import robot_pattern

SITE = "http://thuvien.test"
LONG_SUMMARY = (
    "Người lao động được ký hợp đồng lao động bằng văn bản, được biết rõ công việc, nơi làm việc, "
    "tiền lương, thời giờ làm việc, nghỉ ngơi và chế độ bảo hiểm xã hội trước khi ký; hợp đồng "
    "phải ghi rõ thời hạn, và người sử dụng lao động không được giữ giấy tờ tùy thân của người "
    "lao động."
)


def read_preview(client, path: str, agent: str = FACEBOOK_PREVIEW) -> dict:
    """The page's Open Graph properties (extruct), Twitter card tags and canonical link."""
    response = client.get(path, headers={"User-Agent": agent})
    assert response.status_code == 200
    data = extruct.extract(response.text, base_url=SITE + path, syntaxes=["opengraph"])
    (graph,) = data["opengraph"]
    names = [name for name, _ in graph["properties"]]
    assert len(names) == len(set(names)), "a property given twice"
    og = dict(graph["properties"])
    soup = BeautifulSoup(response.text, "html.parser")
    for meta in soup.find_all("meta", attrs={"name": re.compile(r"^twitter:")}):
        og[meta["name"]] = meta["content"]
    og["canonical"] = soup.find("link", rel="canonical")["href"]
    return og


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def get_image(client, url: str, **headers):
    """Fetch an absolute image URL of the site, as the crawler does after reading the tags."""
    parts = urlsplit(url)
    return client.get(parts.path, headers={"User-Agent": FACEBOOK_PREVIEW, **headers})


def test_a_crawler_reads_the_material_preview(client, make_material):
    material = make_material(summary=LONG_SUMMARY)
    og = read_preview(client, f"/materials/{material.id}")
    page = f"{SITE}/materials/{material.id}"
    assert og["og:title"] == material.title == og["twitter:title"]
    assert og["og:description"] == summarise(LONG_SUMMARY) == og["twitter:description"]
    assert len(og["og:description"]) <= 200 and og["og:description"].endswith("…")
    assert LONG_SUMMARY.startswith(og["og:description"][:-1])
    assert og["og:url"] == og["canonical"] == page
    assert og["og:type"] == "article"
    assert og["og:locale"] == "vi_VN"
    assert og["og:site_name"] == "Thư viện học tập mở"
    assert og["og:image"] == og["twitter:image"] == f"{page}/preview.jpg"
    assert (og["og:image:width"], og["og:image:height"]) == ("1200", "630")
    assert og["og:image:type"] == "image/jpeg"
    assert og["og:image:alt"] == material.title
    assert og["twitter:card"] == "summary_large_image"
    assert og["article:section"] == "Chính trị, pháp luật"


def test_the_canonical_address_has_no_query(client, make_material):
    material = make_material()
    og = read_preview(client, f"/materials/{material.id}?ch=zalo&lang=en&utm_source=x")
    assert og["og:url"] == og["canonical"] == f"{SITE}/materials/{material.id}"
    # The content is Vietnamese whatever the interface language.
    assert og["og:locale"] == "vi_VN"


def test_a_configured_public_address_is_used_behind_a_proxy(make_app, make_material):
    material = make_material()
    proxied = make_app(PUBLIC_BASE_URL="https://hoctap.congdoan.vn/")
    og = read_preview(proxied.test_client(), f"/materials/{material.id}")
    page = f"https://hoctap.congdoan.vn/materials/{material.id}"
    assert og["og:url"] == og["canonical"] == page
    assert og["og:image"] == og["og:image:secure_url"] == f"{page}/preview.jpg"


def test_a_public_address_without_scheme_is_refused_at_start(make_app):
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL"):
        make_app(PUBLIC_BASE_URL="hoctap.congdoan.vn")


def test_a_material_without_summary_is_described_by_its_text(client, make_material):
    material = make_material(summary="", body="**Điều 13.** Hợp đồng lao động là sự thỏa thuận.")
    og = read_preview(client, f"/materials/{material.id}")
    assert og["og:description"] == "Điều 13. Hợp đồng lao động là sự thỏa thuận."


@pytest.mark.parametrize("agent", PREVIEW_CRAWLERS)
def test_preview_crawlers_get_the_tags_but_are_not_counted(client, make_material, agent):
    material = make_material()
    og = read_preview(client, f"/materials/{material.id}", agent=agent)
    assert og["og:title"] == material.title
    assert get_image(client, og["og:image"], **{"User-Agent": agent}).status_code == 200
    assert robot_pattern(agent) is not None
    assert count(Event) == 0
    assert db.session.scalar(select(func.sum(RobotHit.hits))) == 1


def test_a_person_after_the_crawler_is_counted(client, make_material):
    material = make_material()
    read_preview(client, f"/materials/{material.id}", agent=ZALO_PREVIEW)
    client.get(f"/materials/{material.id}", headers={"User-Agent": CHROME_ANDROID})
    assert count(Event) == 1


def test_home_and_area_pages_have_site_previews(client):
    home = read_preview(client, "/?page=2")
    assert home["og:url"] == home["canonical"] == f"{SITE}/"
    assert home["og:type"] == "website"
    area = read_preview(client, "/areas/life-skills?kind=video&page=3")
    assert area["og:url"] == area["canonical"] == f"{SITE}/areas/life-skills"
    assert "Kỹ năng sống" in area["og:title"]
    for og in (home, area):
        image = get_image(client, og["og:image"])
        assert image.status_code == 200 and image.mimetype == "image/jpeg"
        assert Image.open(io.BytesIO(image.data)).size == (1200, 630)


def test_a_text_material_gets_a_generated_card_kept_in_storage(app, client, make_material):
    material = make_material()
    og = read_preview(client, f"/materials/{material.id}")
    first = get_image(client, og["og:image"])
    assert first.status_code == 200 and first.mimetype == "image/jpeg"
    picture = Image.open(io.BytesIO(first.data))
    assert (picture.format, picture.size) == ("JPEG", (1200, 630))
    # The card's footer band is the area's colour (politics and law: the brand red).
    red, green, blue = picture.getpixel((600, 600))
    assert red > 150 and green < 80 and blue < 80
    assert "public" in first.headers["Cache-Control"] and first.headers["ETag"]
    kept = list((get_storage().root / "cards" / "materials" / str(material.id)).glob("*.jpg"))
    assert len(kept) == 1 and kept[0].read_bytes() == first.data
    stamp = kept[0].stat().st_mtime_ns
    again = get_image(client, og["og:image"], **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert get_image(client, og["og:image"]).data == first.data
    assert kept[0].stat().st_mtime_ns == stamp  # not drawn again

    catalog.update_material(SYSTEM, material, {"title": "Tiêu đề mới về an toàn lao động"})
    db.session.commit()
    old = time.time() - 3600
    os.utime(kept[0], (old, old))  # drawn an hour ago: no request can still be sending it
    changed = get_image(client, og["og:image"])
    assert changed.data != first.data and changed.headers["ETag"] != first.headers["ETag"]
    assert not kept[0].exists()


def test_a_poster_and_a_pdf_show_their_own_picture(app, client, make_material):
    poster = make_material(
        kind="poster",
        body="",
        alt_text="Áp phích xanh",
        upload=upload(png_bytes((1600, 900), (20, 140, 60)), "a.png"),
    )
    leaflet = make_material(kind="leaflet", body="", upload=upload(pdf_bytes(), "b.pdf"))
    for material in (poster, leaflet):
        og = read_preview(client, f"/materials/{material.id}")
        image = get_image(client, og["og:image"])
        derived = get_storage().derived_path(material.file.sha256, media.PREVIEW_IMAGE)
        assert image.status_code == 200 and image.data == derived.read_bytes()
        assert Image.open(io.BytesIO(image.data)).size == (1200, 630)
    centre = Image.open(io.BytesIO(get_image(client, f"/materials/{poster.id}/preview.jpg").data))
    assert centre.getpixel((600, 315))[1] > 120  # the poster's green, not a card


def test_the_font_has_every_vietnamese_letter():
    font = TTFont(cards.FONT_FILE)
    cmap = font.getBestCmap()
    letters = "ăâđêôơưắằẳẵặấầẩẫậếềểễệốồổỗộớờởỡợứừửữựíìỉĩịýỳỷỹỵúùủũụéèẻẽẹóòỏõọáàảãạ"
    for char in letters + letters.upper():
        assert ord(char) in cmap, char
    face = cards.font(60)
    for char in "ắệữđ":
        assert face.getmask(char).getbbox() is not None


def test_a_title_typed_decomposed_is_drawn_like_a_composed_one():
    title = "Bảo hiểm xã hội: những điều cần biết"
    composed = cards.render_card(cards.Card(title=unicodedata.normalize("NFC", title)))
    decomposed = cards.render_card(cards.Card(title=unicodedata.normalize("NFD", title)))
    assert composed.tobytes() == decomposed.tobytes()


def test_a_very_long_title_fits_the_card():
    card = cards.Card(title="Quy định về an toàn vệ sinh lao động " * 12)
    face, lines = cards._fit_title(cards._nfc(card.title), 1040, 340)
    assert lines[-1].endswith("…") and all(face.getlength(line) <= 1040 for line in lines)
    assert cards.render_card(card).size == (1200, 630)


@pytest.mark.parametrize(
    "path", ["preview.jpg", "qr.png", "qr.svg", "print"], ids=lambda p: p.replace(".", "-")
)
def test_drafts_and_withdrawn_materials_have_nothing_for_the_public(client, make_material, path):
    draft = make_material(status="draft")
    gone = make_material(title="Tài liệu cũ")
    catalog.withdraw_material(SYSTEM, gone, "Hết hiệu lực")
    db.session.commit()
    for material in (draft, gone):
        assert client.get(f"/materials/{material.id}/{path}").status_code == 404
    assert client.get(f"/materials/99999999/{path}").status_code == 404


def test_an_editor_sees_the_preview_of_a_draft_uncached(client, make_material, make_user, login):
    draft = make_material(status="draft")
    login(make_user(role="editor", org=draft.organisation))
    response = client.get(f"/materials/{draft.id}/preview.jpg")
    assert response.status_code == 200 and "private" in response.headers["Cache-Control"]
    page = client.get(f"/materials/{draft.id}")
    assert "In tờ A4 có mã QR" not in page.text  # nothing to share before it is published


def test_unknown_area_image_is_404(client):
    assert client.get("/areas/khong-co/preview.jpg").status_code == 404
    assert client.get("/areas/" + "x" * 300 + "/preview.jpg").status_code == 404


def decoded_urls(png: bytes) -> list[str]:
    return [symbol.data.decode() for symbol in decode(Image.open(io.BytesIO(png)))]


def test_the_qr_png_leads_to_the_material_with_the_qr_channel(client, make_material):
    material = make_material()
    response = client.get(f"/materials/{material.id}/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "public" in response.headers["Cache-Control"] and response.headers["ETag"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    (url,) = decoded_urls(response.data)
    assert url == f"{SITE}/materials/{material.id}?ch=qr"
    page = client.get(urlsplit(url).path + "?" + urlsplit(url).query)
    assert page.status_code == 200
    assert BeautifulSoup(page.text, "html.parser").h1.text == material.title
    again = client.get(
        f"/materials/{material.id}/qr.png", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_the_qr_png_is_large_with_a_quiet_zone(client, make_material):
    material = make_material()
    picture = Image.open(io.BytesIO(client.get(f"/materials/{material.id}/qr.png").data))
    assert picture.size[0] == picture.size[1] >= 900
    grey = picture.convert("L")
    # Version 3 or 4 (29 or 33 modules) plus 4 white modules each side: the outer 8 % is white.
    margin = picture.size[0] * 4 // 41
    for x in range(picture.size[0]):
        for y in (*range(margin), *range(picture.size[1] - margin, picture.size[1])):
            assert grey.getpixel((x, y)) == 255 and grey.getpixel((y, x)) == 255


def test_the_qr_svg_is_a_scalable_svg_file(client, make_material):
    material = make_material()
    response = client.get(f"/materials/{material.id}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    root = etree.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")
    assert root.findtext("{http://www.w3.org/2000/svg}title") == material.title


def test_the_material_page_links_to_the_sheet_and_qr_codes(client, make_material):
    material = make_material()
    soup = BeautifulSoup(client.get(f"/materials/{material.id}").text, "html.parser")
    section = soup.find(class_="qr-links")
    links = {a["href"] for a in section.find_all("a")}
    assert links == {
        f"/materials/{material.id}/print",
        f"/materials/{material.id}/qr.png",
        f"/materials/{material.id}/qr.svg",
    }


def test_the_print_sheet_is_print_ready_html(client, make_material):
    material = make_material(summary=LONG_SUMMARY)
    response = client.get(f"/materials/{material.id}/print")
    assert response.status_code == 200 and "noindex" in response.headers["X-Robots-Tag"]
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.h1.text == material.title
    assert soup.find(class_="sheet-url").text == f"thuvien.test/materials/{material.id}"
    assert soup.find(class_="sheet-org").text == material.organisation.name
    assert soup.find(class_="sheet-area").text == "Chính trị, pháp luật"
    assert len(soup.find(class_="sheet-summary").text) <= 240
    assert soup.find(class_="sheet-qr").svg is not None
    assert all(script.get("src") for script in soup.find_all("script"))  # no inline script
    assert soup.find("button", id="print-sheet").text == "In"
    css = client.get(soup.find("link", rel="stylesheet")["href"]).text
    assert "size: A4" in css


def test_the_sheet_renders_for_any_address(app):
    with app.test_request_context("/"):
        html = render_print_sheet(
            "Tuần lễ học tập suốt đời 2026",
            "Bộ sưu tập tài liệu.",
            "https://hoctap.congdoan.vn/s/Ab3xYz",
            organisation="Công đoàn KCN Tân Bình",
        )
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find(class_="sheet-url").text == "hoctap.congdoan.vn/s/Ab3xYz"
    assert soup.find(class_="sheet-area") is None
    title = soup.find(class_="sheet-qr").svg.title.text
    assert title.endswith("https://hoctap.congdoan.vn/s/Ab3xYz?ch=qr")


def test_the_english_interface_keeps_the_preview_vietnamese(client, make_material):
    material = make_material()
    og = read_preview(client, f"/materials/{material.id}?lang=en")
    image = get_image(client, og["og:image"])
    vietnamese = get_image(client, read_preview(client, f"/materials/{material.id}")["og:image"])
    assert image.data == vietnamese.data


def test_quotes_and_brackets_in_a_title_reach_the_crawler_unchanged(client, make_material):
    title = 'Luật "Công đoàn" <2024> & quy định mới'
    material = make_material(title=title, summary="Tóm tắt 'ngắn' & rõ <b>ràng</b>")
    og = read_preview(client, f"/materials/{material.id}")
    assert og["og:title"] == og["twitter:title"] == og["og:image:alt"] == title
    assert og["og:description"] == "Tóm tắt 'ngắn' & rõ <b>ràng</b>"


def test_robots_txt_lets_preview_crawlers_fetch_the_page_and_its_image(client, make_material):
    material = make_material()
    rules = RobotFileParser()
    rules.parse(client.get("/robots.txt").text.splitlines())
    og = read_preview(client, f"/materials/{material.id}")
    for agent in ("Twitterbot", "facebookexternalhit", "TelegramBot", "LinkedInBot"):
        assert rules.can_fetch(agent, og["og:url"]) and rules.can_fetch(agent, og["og:image"])


def test_a_video_link_gets_a_card_naming_its_kind(client, make_material):
    material = make_material(
        kind="video", body="", video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    )
    og = read_preview(client, f"/materials/{material.id}")
    image = get_image(client, og["og:image"])
    assert Image.open(io.BytesIO(image.data)).size == (1200, 630)
    card = cards.material_card(material)
    assert (card.badge, card.label) == ("Video", "Chính trị, pháp luật")
    assert image.headers["ETag"].strip('"') == f"card-{card.digest}"
