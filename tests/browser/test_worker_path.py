"""A worker on a 360 px phone: home, an area, a kind, and reading each kind of material."""

import pytest
from browser_support import add_material, no_sideways_scroll


@pytest.fixture
def library(live_app, make_org):
    app, url = live_app
    org = make_org(code="so-ldtbxh")
    digest_text = "## Điều 5\nNgười lao động có quyền làm việc."
    materials = {
        "digest": add_material(
            org,
            title="Quyền của người lao động",
            kind="legal_digest",
            areas=["politics-law"],
            body=digest_text,
        ),
        "leaflet": add_material(
            org,
            "to-gap-hop-dong-lao-dong.pdf",
            kind="leaflet",
            title="Tờ gấp hợp đồng lao động",
            areas=["politics-law"],
        ),
        "poster": add_material(
            org,
            "poster-an-toan-lao-dong.png",
            kind="poster",
            title="Áp phích an toàn lao động",
            areas=["life-skills"],
            alt_text="Công nhân đội mũ bảo hộ",
        ),
        "video": add_material(
            org,
            "video-gioi-thieu-thu-vien.mp4",
            title="Giới thiệu thư viện",
            kind="video",
            areas=["learning-model"],
        ),
    }
    return url, materials


def test_worker_finds_an_area_filters_by_kind_and_reads_a_digest(phone, library):
    url, _ = library
    phone.goto(url + "/")
    assert no_sideways_scroll(phone)
    phone.get_by_role("link", name="Chính trị, pháp luật").click()
    assert phone.locator("h1").inner_text() == "Chính trị, pháp luật"
    phone.get_by_role("link", name="Tài liệu pháp luật (1)").click()
    assert phone.locator(".card strong").all_inner_texts() == ["Quyền của người lao động"]
    phone.get_by_text("Quyền của người lao động").click()
    assert phone.locator(".body h2").inner_text() == "Điều 5"
    assert no_sideways_scroll(phone)


def test_leaflet_pages_are_readable_in_the_page_and_the_size_is_shown(phone, library):
    url, materials = library
    phone.goto(f"{url}/materials/{materials['leaflet'].id}")
    phone.get_by_text("Xem bản gốc").click()
    first = phone.locator(".pages img").first
    first.scroll_into_view_if_needed()
    phone.wait_for_function("() => document.querySelector('.pages img').naturalWidth > 0")
    assert "PDF" in phone.locator(".download").inner_text()
    assert "KB" in phone.locator(".download").inner_text()
    assert no_sideways_scroll(phone)


def test_poster_fits_the_phone_screen(phone, library):
    url, materials = library
    phone.goto(f"{url}/materials/{materials['poster'].id}")
    poster = phone.locator("img.poster")
    phone.wait_for_function("() => document.querySelector('img.poster').naturalWidth > 0")
    box = poster.bounding_box()
    assert box["width"] <= 360
    assert poster.get_attribute("alt") == "Công nhân đội mũ bảo hộ"


def test_video_plays_and_can_be_scrubbed(phone, library):
    url, materials = library
    phone.goto(f"{url}/materials/{materials['video'].id}")
    phone.wait_for_function("() => document.querySelector('video').readyState >= 1")
    duration = phone.evaluate("document.querySelector('video').duration")
    assert duration > 1
    phone.evaluate(
        "v => { const e = document.querySelector('video'); e.currentTime = e.duration - 1; }"
    )
    phone.wait_for_function("() => document.querySelector('video').currentTime > 1")


def test_keyboard_user_can_skip_to_the_content(desktop, library):
    url, _ = library
    desktop.goto(url + "/")
    desktop.keyboard.press("Tab")
    assert desktop.evaluate("document.activeElement.className") == "skip"
    desktop.keyboard.press("Enter")
    assert desktop.evaluate("location.hash") == "#main"
