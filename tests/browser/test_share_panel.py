"""The share panel of a material page on a 360 px phone, in Chromium."""

from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import add_material, no_sideways_scroll


@pytest.fixture
def material_page(live_app, make_org):
    _, url = live_app
    org = make_org(code="so-ldtbxh")
    material = add_material(
        org,
        title="Quyền của người lao động",
        kind="legal_digest",
        areas=["politics-law"],
        body="## Điều 5\nNgười lao động có quyền làm việc.",
    )
    return url, f"{url}/materials/{material.id}"


def test_share_buttons_are_visible_and_carry_the_channel_and_page(phone, material_page):
    _, page_url = material_page
    phone.goto(page_url)
    panel = phone.locator(".share")
    panel.scroll_into_view_if_needed()
    for name in ("Chép liên kết", "Facebook", "Zalo"):
        button = panel.get_by_role("button", name=name).or_(panel.get_by_role("link", name=name))
        assert button.is_visible()
        box = button.bounding_box()
        assert box["height"] >= 40 and box["x"] >= 0 and box["x"] + box["width"] <= 360
    facebook = panel.get_by_role("link", name="Facebook").get_attribute("href")
    assert facebook.startswith("https://www.facebook.com/sharer/sharer.php?")
    assert parse_qs(urlsplit(facebook).query)["u"] == [page_url + "?ch=facebook"]
    zalo = panel.get_by_role("link", name="Zalo").get_attribute("href")
    assert parse_qs(urlsplit(zalo).query)["url"] == [page_url + "?ch=zalo"]
    assert no_sideways_scroll(phone)
    canonical = phone.locator("link[rel=canonical]").get_attribute("href")
    assert canonical.endswith(urlsplit(page_url).path)


def test_copy_puts_the_link_in_the_clipboard(phone, material_page):
    origin, page_url = material_page
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    phone.goto(page_url)
    phone.get_by_role("button", name="Chép liên kết").click()
    phone.get_by_role("button", name="Đã chép liên kết").wait_for()
    assert phone.evaluate("navigator.clipboard.readText()") == page_url + "?ch=other"


def test_without_clipboard_the_link_is_shown_to_copy_by_hand(phone, material_page):
    _, page_url = material_page
    phone.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    phone.goto(page_url)
    phone.get_by_role("button", name="Chép liên kết").click()
    field = phone.locator(".share-url")
    field.wait_for()
    assert field.input_value() == page_url + "?ch=other"


def test_the_phone_share_button_appears_only_where_the_browser_can_share(phone, material_page):
    _, page_url = material_page
    phone.goto(page_url)
    native = phone.get_by_role("button", name="Chia sẻ qua ứng dụng khác")
    assert native.is_visible() == phone.evaluate("typeof navigator.share === 'function'")
    phone.add_init_script(
        "navigator.share = (data) => { window.shared = data; return Promise.resolve(); }"
    )
    phone.goto(page_url)
    phone.get_by_role("button", name="Chia sẻ qua ứng dụng khác").click()
    shared = phone.evaluate("window.shared")
    assert shared == {"title": "Quyền của người lao động", "url": page_url + "?ch=other"}
