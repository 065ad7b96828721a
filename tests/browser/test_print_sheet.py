"""The A4 sheet printed by Chromium, and the QR codes as Chromium draws them, read by zbar."""

import io

from browser_support import add_material
from PIL import Image
from pypdf import PdfReader
from pyzbar.pyzbar import decode

from library.sharing.previews import short_url

A4 = (595.3, 841.9)  # points
LONG_TITLE = (
    "Hướng dẫn an toàn, vệ sinh lao động cho công nhân ngành dệt may, da giày và điện tử tại "
    "các khu công nghiệp: phòng chống cháy nổ, sơ cứu tai nạn, hóa chất, tiếng ồn, bụi và "
    "quyền được từ chối làm việc nơi có nguy cơ xảy ra tai nạn lao động đe dọa tính mạng"
)


def _sheet(live_app, make_org, title):
    app, base = live_app
    org = make_org(code="cd-kcn", name="Công đoàn các Khu công nghiệp tỉnh", type_="union")
    material = add_material(
        org,
        title=title,
        summary="Những điều người lao động cần biết để làm việc an toàn mỗi ngày. " * 8,
        kind="legal_digest",
        areas=["politics-law", "life-skills"],
        body="Nội dung.",
    )
    return material, base


def _decode_screenshot(png: bytes) -> list[str]:
    return [symbol.data.decode() for symbol in decode(Image.open(io.BytesIO(png)))]


def test_the_sheet_prints_on_one_a4_page_with_title_and_address(live_app, make_org, desktop):
    for title in ("Phòng chống cháy nổ tại nơi làm việc", LONG_TITLE):
        material, base = _sheet(live_app, make_org, title)
        desktop.goto(f"{base}/materials/{material.id}/print")
        assert desktop.get_by_role("button", name="In", exact=True).is_visible()
        reader = PdfReader(io.BytesIO(desktop.pdf(format="A4", print_background=True)))
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert abs(box.width - A4[0]) < 2 and abs(box.height - A4[1]) < 2
        text = " ".join(reader.pages[0].extract_text().split())
        address = short_url(f"{base}/materials/{material.id}")
        assert title in text
        assert address in text.replace(" ", "") or address in text
        assert "Công đoàn các Khu công nghiệp tỉnh" in text


def test_the_sheet_qr_code_scans_to_the_material(live_app, make_org, phone):
    material, base = _sheet(live_app, make_org, "Kỹ năng giao tiếp nơi làm việc")
    phone.goto(f"{base}/materials/{material.id}/print")
    (url,) = _decode_screenshot(phone.locator(".sheet-qr svg").screenshot())
    assert url == f"{base}/materials/{material.id}?ch=qr"
    phone.goto(url)
    assert phone.locator("h1").inner_text() == "Kỹ năng giao tiếp nơi làm việc"


def test_the_svg_file_drawn_by_chromium_scans_to_the_material(live_app, make_org, desktop):
    material, base = _sheet(live_app, make_org, "Sử dụng điện thoại thông minh an toàn")
    desktop.goto(f"{base}/materials/{material.id}/qr.svg")
    (url,) = _decode_screenshot(desktop.locator("svg").screenshot())
    assert url == f"{base}/materials/{material.id}?ch=qr"


def test_the_material_page_offers_the_sheet_at_phone_width(live_app, make_org, phone):
    material, base = _sheet(live_app, make_org, "Bảo hiểm xã hội tự nguyện")
    phone.goto(f"{base}/materials/{material.id}")
    link = phone.get_by_role("link", name="In tờ A4 có mã QR")
    assert link.is_visible()
    box = link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    link.click()
    phone.wait_for_url(f"{base}/materials/{material.id}/print")
    assert phone.locator("h1").inner_text() == "Bảo hiểm xã hội tự nguyện"


MM = 96 / 25.4  # CSS pixels per millimetre
PAGE_HEIGHT_MM = 297 - 2 * 15  # inside the sheet's margins


def _printed_layout(page) -> dict:
    """Where the sheet's parts fall on the printed page, in millimetres from its top."""
    page.emulate_media(media="print")
    return page.evaluate(
        """(mm) => {
          const top = document.querySelector('.sheet').getBoundingClientRect().top;
          const at = (s) => document.querySelector(s).getBoundingClientRect();
          const picture = document.querySelector('.sheet-picture img');
          return {qr: at('.sheet-qr svg').width / mm, bottom: (at('.sheet-site').bottom - top) / mm,
                  picture: picture ? picture.getBoundingClientRect().height / mm : 0};
        }""",
        MM,
    )


def test_the_sheet_uses_the_whole_page_with_a_large_code(live_app, make_org, desktop):
    material, base = _sheet(live_app, make_org, "Phòng chống cháy nổ tại nơi làm việc")
    desktop.goto(f"{base}/materials/{material.id}/print")
    layout = _printed_layout(desktop)
    # The last line sits at the foot of the page, not 40 % up it, and the code is 10 cm wide.
    assert layout["bottom"] > 0.95 * PAGE_HEIGHT_MM
    assert layout["qr"] >= 100
    reader = PdfReader(io.BytesIO(desktop.pdf(format="A4", print_background=True)))
    assert len(reader.pages) == 1


def test_a_poster_sheet_shows_the_poster_above_its_code(live_app, make_org, desktop):
    app, base = live_app
    org = make_org(code="so-ldtbxh", name="Sở Lao động - Thương binh và Xã hội")
    poster = add_material(
        org,
        "poster-an-toan-lao-dong.png",
        kind="poster",
        title="Năm điều ghi nhớ về an toàn lao động",
        areas=["life-skills"],
        alt_text="Áp phích năm điều an toàn lao động",
    )
    desktop.goto(f"{base}/materials/{poster.id}/print")
    picture = desktop.locator(".sheet-picture img")
    assert picture.get_attribute("alt") == "Áp phích năm điều an toàn lao động"
    desktop.wait_for_function("() => document.querySelector('.sheet-picture img').naturalWidth > 0")
    layout = _printed_layout(desktop)
    assert layout["picture"] > 0.5 * PAGE_HEIGHT_MM  # the poster takes most of the page
    assert layout["bottom"] > 0.95 * PAGE_HEIGHT_MM
    pdf = PdfReader(io.BytesIO(desktop.pdf(format="A4", print_background=True)))
    assert len(pdf.pages) == 1
    (url,) = _decode_screenshot(desktop.locator(".sheet-qr svg").screenshot())
    assert url == f"{base}/materials/{poster.id}?ch=qr"
