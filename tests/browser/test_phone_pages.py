"""A worker's phone (360 px, Chromium): leaflets read as text, big main actions, videos that load
nothing from YouTube until tapped, search results first, and a language switch that keeps the
search. One library is served for the whole module: the tests only read it."""

import pytest
from browser_support import add_material, no_sideways_scroll
from support import served

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.extensions import db

VIDEO_HOSTS = ("youtube", "ytimg", "googlevideo", "facebook", "fbcdn")


@pytest.fixture(scope="module")
def library(module_app):
    """The app on a real port with a leaflet, a YouTube video and enough materials that search
    shows facets."""
    org = accounts.create_organisation(
        SYSTEM, "so-ldtbxh", "Sở Lao động - Thương binh và Xã hội", "department", None, False
    )
    db.session.commit()
    leaflet = add_material(
        org,
        "to-gap-hop-dong-lao-dong.pdf",
        kind="leaflet",
        title="Tờ gấp hợp đồng lao động",
        areas=["politics-law"],
    )
    video = add_material(
        org,
        kind="video",
        title="Video hợp đồng lao động",
        areas=["life-skills"],
        video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    )
    for n in range(6):
        add_material(
            org,
            kind="legal_digest",
            title=f"Hỏi đáp hợp đồng lao động số {n}",
            areas=["politics-law"],
            body="Người lao động và hợp đồng lao động.",
        )
    with served(module_app) as base:
        yield base, {"leaflet": leaflet, "video": video}


def font_px(page, selector: str) -> float:
    return page.evaluate(
        f"parseFloat(getComputedStyle(document.querySelector('{selector}')).fontSize)"
    )


def test_leaflet_text_is_read_at_16_px_or_more_without_zooming(phone, library):
    url, materials = library
    phone.goto(f"{url}/materials/{materials['leaflet'].id}")
    reading = phone.locator("section.reading")
    assert reading.is_visible()
    assert font_px(phone, "section.reading p:not(.page-mark)") >= 16
    assert font_px(phone, "section.reading li") >= 16
    assert no_sideways_scroll(phone)
    # The page images wait behind "Xem bản gốc": none is fetched until it is opened.
    assert not phone.locator(".pages img").first.is_visible()
    phone.get_by_text("Xem bản gốc").click()
    first = phone.locator(".pages img").first
    first.scroll_into_view_if_needed()
    phone.wait_for_function("() => document.querySelector('.pages img').naturalWidth > 0")
    assert first.get_attribute("alt").startswith("Trang 1: ")


def test_the_main_action_is_a_full_width_button_44_px_tall(phone, library):
    url, materials = library
    phone.goto(f"{url}/materials/{materials['leaflet'].id}")
    button = phone.locator(".main-action a")
    box = button.bounding_box()
    assert box["height"] >= 44
    assert box["width"] >= 360 - 2 * 12 - 1  # the whole width inside the page's margins
    assert "PDF" in phone.locator(".main-action").inner_text()
    summary = phone.locator("details.original summary").bounding_box()
    assert summary["height"] >= 44


def test_a_youtube_video_loads_nothing_from_youtube_until_tapped(phone, library):
    url, materials = library
    requested = []
    phone.on("request", lambda request: requested.append(request.url))
    phone.route(
        lambda u: any(host in u for host in VIDEO_HOSTS),
        lambda route: route.fulfill(status=204, body=""),
    )
    phone.goto(f"{url}/materials/{materials['video'].id}")
    phone.wait_for_load_state("networkidle")
    assert not [u for u in requested if any(host in u for host in VIDEO_HOSTS)]
    play = phone.locator(".video-facade .play")
    box = play.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    with phone.expect_request(lambda request: "youtube-nocookie.com/embed/" in request.url):
        play.click()
    frame = phone.locator(".video-facade iframe")
    assert frame.get_attribute("src").endswith("?autoplay=1")


def test_lists_show_drawn_icons_not_pictures_from_youtube(phone, library):
    url, _ = library
    requested = []
    phone.on("request", lambda request: requested.append(request.url))
    phone.goto(f"{url}/areas/life-skills")
    phone.wait_for_load_state("networkidle")
    assert phone.locator(".card .icon svg").count() == 1
    assert not [u for u in requested if any(host in u for host in VIDEO_HOSTS)]


def test_search_results_come_first_and_filters_fold_behind_one_button(phone, library):
    url, _ = library
    phone.goto(f"{url}/search?q=hop+dong")
    first = phone.locator(".results li").first.bounding_box()
    assert first["y"] + 40 < 740  # the first result is on the first screen
    assert not phone.locator(".facets li a").first.is_visible()
    phone.get_by_text("Lọc", exact=True).click()
    assert phone.locator(".facets li a").first.is_visible()


def test_every_tappable_thing_of_search_is_44_px_or_more(phone, library):
    url, _ = library
    phone.goto(f"{url}/search?q=hop+dong")
    phone.locator("details.filters > summary").click()
    small = phone.evaluate(
        """() => [...document.querySelectorAll('a, button, summary, input, select')]
        .filter(e => e.offsetParent !== null && !e.closest('.skip'))
        .map(e => [e.textContent.trim() || e.name, e.getBoundingClientRect()])
        .filter(([, r]) => r.height < 44 || r.width < 44)
        .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
    )
    assert small == []


def test_language_switch_keeps_the_page_query_and_filters(phone, library):
    url, _ = library
    phone.goto(f"{url}/search?q=hop+dong&area=politics-law")
    phone.get_by_role("link", name="English").click()
    phone.wait_for_url("**lang=en**")
    assert phone.evaluate("document.documentElement.lang") == "en"
    assert phone.input_value("#q") == "hop dong"
    assert "area=politics-law" in phone.url
    title = phone.locator(".results li strong").first
    assert title.evaluate("e => e.closest('[lang]').lang") == "vi"
    phone.get_by_role("link", name="Tiếng Việt").click()
    phone.wait_for_url("**lang=vi**")
    assert phone.input_value("#q") == "hop dong"


def test_the_library_is_an_installable_app(phone, library):
    url, _ = library
    phone.goto(url + "/")
    manifest = phone.request.get(url + phone.locator("link[rel=manifest]").get_attribute("href"))
    body = manifest.json()
    assert body["display"] == "standalone" and body["start_url"] == "/"
    assert {icon["sizes"] for icon in body["icons"]} == {"192x192", "512x512"}
    for icon in body["icons"]:
        assert phone.request.get(url + icon["src"]).ok
    registered = phone.evaluate("() => navigator.serviceWorker.ready.then(r => r.active.scriptURL)")
    assert registered == url + "/sw.js"


def test_a_saved_leaflet_and_a_visited_page_open_with_no_network(phone, library):
    url, materials = library
    leaflet = f"{url}/materials/{materials['leaflet'].id}"
    phone.goto(url + "/")
    phone.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    phone.goto(url + "/areas/life-skills")  # visited while the service worker answers
    phone.goto(leaflet)
    assert phone.evaluate("() => navigator.serviceWorker.controller !== null")
    phone.get_by_role("button", name="Lưu để đọc khi không có mạng").click()
    status = phone.locator(".save-offline [role=status]")
    status.filter(has_text="Đã lưu").wait_for()
    assert "KB" in status.inner_text()

    phone.context.set_offline(True)
    try:
        phone.goto(leaflet)
        assert phone.locator("section.reading h2").inner_text().startswith("Hợp đồng lao động")
        phone.get_by_text("Xem bản gốc").click()
        phone.locator(".pages img").first.scroll_into_view_if_needed()
        phone.wait_for_function("() => document.querySelector('.pages img').naturalWidth > 0")
        phone.goto(url + "/areas/life-skills")
        assert phone.locator("h1").inner_text() == "Kỹ năng sống"
        phone.goto(url + "/areas/vocational-skills")  # never opened: the offline page answers
        assert phone.locator("#offline-now").is_visible()
        saved = phone.locator(".saved li")
        assert saved.count() == 1
        assert "Tờ gấp hợp đồng lao động" in saved.inner_text() and "KB" in saved.inner_text()
        assert "Tổng dung lượng" in phone.locator(".saved-total").inner_text()
        saved.get_by_role("button").click()
        phone.locator("#saved-list .empty").wait_for()
    finally:
        phone.context.set_offline(False)
    cached = phone.evaluate(
        "() => caches.open('saved').then(c => c.keys()).then(keys => keys.length)"
    )
    assert cached == 0
