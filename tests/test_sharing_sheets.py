"""QR codes, printable sheets and previews of collections and share links, read as people do."""

import io
from urllib.parse import urlsplit

import pytest
from agents import CHROME_ANDROID
from bs4 import BeautifulSoup
from PIL import Image
from pyzbar.pyzbar import decode
from sqlalchemy import select
from test_sharing_previews import SITE, read_preview

from library.accounts.permissions import SYSTEM
from library.extensions import db
from library.models import Event
from library.sharing import collections, services

BROWSER = {"User-Agent": CHROME_ANDROID}


def decoded(png: bytes) -> str:
    (symbol,) = decode(Image.open(io.BytesIO(png)))
    return symbol.data.decode()


def _local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def collection(make_org, make_material):
    org = make_org(code="so-vhttdl", name="Sở Văn hóa, Thể thao và Du lịch")
    raw = {
        "slug": "ngay-sach-2026",
        "title": "Ngày Sách và Văn hóa đọc Việt Nam 21/4",
        "summary": "Sách hay cho công nhân đọc trên điện thoại.",
        "status": "published",
        "materials": [make_material().id],
    }
    found = collections.create_collection(SYSTEM, org, raw)
    db.session.commit()
    return found


@pytest.fixture
def officer_link(make_org, make_user, make_material):
    union = make_org(code="ldld-tinh", name="Liên đoàn Lao động tỉnh", type_="union")
    make_org(code="cty-may-hoa-lu", name="Công ty May Hoa Lư", type_="enterprise")
    services.set_served_enterprises(SYSTEM, union, ["cty-may-hoa-lu"])
    db.session.commit()
    officer = make_user("union", org=union)
    enterprise = services.served_enterprises(union)[0]
    material = make_material(title="Quyền của người lao động")
    link = services.create_link(officer, enterprise=enterprise, material=material, channel="qr")
    db.session.commit()
    return officer, link


def test_a_collection_page_has_its_own_preview_tags_and_image(client, collection):
    og = read_preview(client, f"/collections/{collection.slug}")
    assert og["og:title"] == collection.title
    assert og["og:url"] == og["canonical"] == f"{SITE}/collections/{collection.slug}"
    assert og["og:locale"] == "vi_VN"
    image = client.get(_local(og["og:image"]))
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(image.data)).size == (1200, 630)


def test_a_collection_qr_code_scans_to_its_page_with_the_qr_channel(client, collection):
    url = decoded(client.get(f"/collections/{collection.slug}/qr.png").data)
    assert url == f"{SITE}/collections/{collection.slug}?ch=qr"
    assert client.get(_local(url)).status_code == 200
    svg = client.get(f"/collections/{collection.slug}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and "<svg" in svg.text


def test_a_collection_sheet_has_title_qr_and_address(client, collection):
    sheet = BeautifulSoup(client.get(f"/collections/{collection.slug}/print").text, "html.parser")
    assert sheet.h1.get_text() == collection.title
    assert (
        sheet.select_one(".sheet-url").get_text() == f"thuvien.test/collections/{collection.slug}"
    )
    assert sheet.select_one(".sheet-qr svg") is not None


def test_drafts_have_no_qr_code_sheet_or_image(client, collection):
    collection.status = "draft"
    db.session.commit()
    for end in ("qr.png", "qr.svg", "print", "preview.jpg"):
        assert client.get(f"/collections/{collection.slug}/{end}").status_code == 404


def test_a_share_link_qr_code_is_its_short_address_and_credits_the_enterprise(
    client, login, officer_link
):
    officer, link = officer_link
    assert client.get(f"/sharing/links/{link.id}/qr.png").status_code == 302  # log in first
    login(officer)
    url = decoded(client.get(f"/sharing/links/{link.id}/qr.png").data)
    assert url == f"{SITE}/s/{link.code}"
    landing = client.get(_local(url), headers=BROWSER)
    client.get(_local(landing.headers["Location"]), headers=BROWSER)
    views = db.session.execute(select(Event.channel, Event.organisation_id)).all()
    assert set(views) == {("qr", link.enterprise_id)}


def test_a_share_link_sheet_shows_the_short_address(client, login, officer_link):
    officer, link = officer_link
    login(officer)
    page = client.get("/sharing/links").text
    assert f"/sharing/links/{link.id}/print" in page
    sheet = BeautifulSoup(client.get(f"/sharing/links/{link.id}/print").text, "html.parser")
    assert sheet.h1.get_text() == "Quyền của người lao động"
    assert sheet.select_one(".sheet-url").get_text() == f"thuvien.test/s/{link.code}"


def test_another_union_gets_no_qr_code_of_a_link(client, login, make_org, make_user, officer_link):
    _, link = officer_link
    rival = make_org(code="cd-kcn", name="Công đoàn KCN", type_="union")
    login(make_user("union", org=rival))
    assert client.get(f"/sharing/links/{link.id}/qr.svg").status_code == 403
