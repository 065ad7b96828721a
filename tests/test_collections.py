"""Collections: editors curate them, the public sees published ones, the home page features them."""

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.cli import DEMO_ORGANISATIONS, DEMO_USERS
from library.extensions import db
from library.models import AuditEntry, Collection, Organisation, ShareLink
from library.models.base import utcnow
from library.sharing import collections, demo
from library.tracking.services import local_time


def _collection(org, materials, **fields):
    raw = {
        "slug": "ngay-sach-2026",
        "title": "Ngày Sách và Văn hóa đọc Việt Nam 21/4",
        "summary": "Sách hay cho công nhân.",
        "status": "published",
        "materials": [m.id for m in materials],
        **fields,
    }
    found = collections.create_collection(SYSTEM, org, raw)
    db.session.commit()
    return found


def _form(materials, **fields):
    return {
        "title": "Tuần lễ học tập suốt đời 2026",
        "slug": "tuan-le-2026",
        "summary": "Tài liệu chọn lọc.",
        "materials": "\n".join(str(m.id) for m in materials),
        "status": "published",
        **fields,
    }


def _titles(html: str) -> list[str]:
    return [
        s.get_text(strip=True) for s in BeautifulSoup(html, "html.parser").select(".card strong")
    ]


@pytest.fixture
def editor_org(make_org):
    return make_org(code="so-vhttdl", name="Sở Văn hóa, Thể thao và Du lịch")


def test_an_editor_creates_a_collection_whose_page_lists_materials_in_order(
    client, login, make_user, make_material, editor_org
):
    first, second = make_material(title="Sách thứ nhất"), make_material(title="Sách thứ hai")
    login(make_user("editor", org=editor_org))
    response = client.post("/manage/collections/new", data=_form([second, first]))
    assert response.status_code == 302
    page = client.get("/collections/tuan-le-2026")
    assert page.status_code == 200
    assert _titles(page.text) == ["Sách thứ hai", "Sách thứ nhất"]
    found = db.session.scalar(select(Collection))
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.object_id == found.id))


def test_reordering_keeps_each_material_once(client, login, make_user, make_material, editor_org):
    a, b, c = (make_material(title=t) for t in ("A", "B", "C"))
    found = _collection(editor_org, [a, b, c])
    login(make_user("editor", org=editor_org))
    data = _form([c, a, c, b], slug=found.slug)
    assert client.post(f"/manage/collections/{found.slug}/edit", data=data).status_code == 302
    assert _titles(client.get(f"/collections/{found.slug}").text) == ["C", "A", "B"]


def test_an_editor_of_another_organisation_is_refused(
    client, login, make_user, make_org, make_material, editor_org
):
    found = _collection(editor_org, [make_material()])
    login(make_user("editor", org=make_org(code="so-gddt", name="Sở Giáo dục")))
    edit = f"/manage/collections/{found.slug}/edit"
    assert client.get(edit).status_code == 403
    assert client.post(edit, data=_form([], slug=found.slug, title="Đổi tên")).status_code == 403
    assert db.session.get(Collection, found.id).title == "Ngày Sách và Văn hóa đọc Việt Nam 21/4"


def test_union_officers_and_visitors_cannot_manage_collections(client, login, make_user):
    assert client.get("/manage/collections/new").status_code == 302  # to the login page
    login(make_user("union"))
    assert client.get("/manage/collections").status_code == 403
    assert client.post("/manage/collections/new", data=_form([])).status_code == 403


def test_an_admin_edits_any_collection(client, login, make_user, make_material, editor_org):
    found = _collection(editor_org, [make_material()])
    login(make_user("admin"))
    data = _form([], slug=found.slug, title="Đổi tên", organisation=editor_org.code)
    assert client.post(f"/manage/collections/{found.slug}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Collection, found.id).title == "Đổi tên"


def test_bad_input_is_refused_with_messages_and_nothing_saved(
    client, login, make_user, make_material, editor_org
):
    _collection(editor_org, [make_material()])
    login(make_user("editor", org=editor_org))
    data = _form([], slug="ngay-sach-2026", starts_on="2026-05-01", ends_on="2026-04-01")
    data["materials"] = "12abc"
    response = client.post("/manage/collections/new", data=data)
    assert response.status_code == 422
    assert "Đường dẫn này đã được dùng" in response.text
    assert "Ngày kết thúc phải sau ngày bắt đầu" in response.text
    assert "Mã tài liệu phải là số" in response.text
    assert db.session.query(Collection).count() == 1
    huge = client.post("/manage/collections/new", data={**_form([]), "materials": "9" * 30})
    assert huge.status_code == 422 and "Mã tài liệu phải là số" in huge.text


def test_a_draft_collection_is_hidden_and_only_published_materials_show(
    client, make_material, editor_org
):
    shown, draft = make_material(title="Đã xuất bản"), make_material(title="Nháp", status="draft")
    _collection(editor_org, [shown, draft], slug="cong-khai")
    _collection(editor_org, [shown], slug="ban-nhap", status="draft")
    assert _titles(client.get("/collections/cong-khai").text) == ["Đã xuất bản"]
    assert client.get("/collections/ban-nhap").status_code == 404
    assert client.get("/collections/" + "x" * 500).status_code == 404
    assert "ban-nhap" not in client.get("/collections").text


def test_the_home_page_features_current_and_featured_collections(client, make_material, editor_org):
    today = local_time(utcnow()).date()
    material = make_material()
    _collection(
        editor_org,
        [material],
        slug="dang-dien-ra",
        title="Đang diễn ra",
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=1),
    )
    _collection(editor_org, [material], slug="noi-bat", title="Nổi bật", featured=True)
    _collection(
        editor_org,
        [material],
        slug="da-qua",
        title="Đã qua",
        starts_on=date(2020, 4, 15),
        ends_on=date(2020, 4, 25),
    )
    _collection(
        editor_org, [material], slug="nhap", title="Nháp nổi bật", featured=True, status="draft"
    )
    page = BeautifulSoup(client.get("/").text, "html.parser")
    featured = [a.strong.get_text() for a in page.select(".featured .collections a")]
    assert sorted(featured) == ["Nổi bật", "Đang diễn ra"]


def test_a_collection_page_has_a_share_panel(client, make_material, editor_org):
    _collection(editor_org, [make_material()])
    page = BeautifulSoup(client.get("/collections/ngay-sach-2026").text, "html.parser")
    facebook = page.select_one(".share-facebook")["href"]
    assert "thuvien.test%2Fcollections%2Fngay-sach-2026%3Fch%3Dfacebook" in facebook


def test_a_share_link_can_lead_to_a_collection(
    client, make_org, make_user, make_material, editor_org
):
    from library.sharing.services import create_link

    found = _collection(editor_org, [make_material()])
    enterprise = make_org(code="cty-may-hoa-lu", name="May Hoa Lư", type_="enterprise")
    link = create_link(make_user("admin"), enterprise=enterprise, collection=found, channel="qr")
    db.session.commit()
    response = client.get(f"/s/{link.code}")
    assert response.headers["Location"].endswith(f"/collections/{found.slug}?via={link.code}")


def test_seed_demo_adds_collections_the_union_enterprises_and_share_links(runner, client):
    """The sharing part of the demo, on a few materials (test_cli loads the whole demo set)."""
    for code, name, type_, workers in DEMO_ORGANISATIONS:
        accounts.create_organisation(SYSTEM, code, name, type_, workers)
    for email, role, org in DEMO_USERS:
        accounts.create_user(SYSTEM, email, "mat-khau-dai-du", role, org)
    culture = db.session.scalar(select(Organisation).where(Organisation.code == "so-vhttdl"))
    for n in range(3):
        raw = {"title": f"Sách {n}", "kind": "book", "areas": ["life-skills"], "body": "Đọc."}
        catalog.create_material(
            SYSTEM, culture, {**raw, "license": "CC0-1.0", "status": "published"}
        )
    db.session.commit()
    assert demo.seed() == demo.seed() == 2
    home = client.get("/").text
    assert "Tuần lễ học tập suốt đời 2026" in home
    assert "Ngày Sách và Văn hóa đọc Việt Nam 21/4" in home
    served = runner.invoke(args=["union-enterprises", "ldld-tinh", "--show"]).output
    assert "cty-giay-tam-diep" in served and "cty-may-hoa-lu" in served
    assert db.session.query(ShareLink).count() == 2


def test_an_editor_moves_a_material_up_and_down(
    client, login, make_user, make_material, editor_org
):
    a, b, c = (make_material(title=t) for t in ("A", "B", "C"))
    found = _collection(editor_org, [a, b, c])
    login(make_user("editor", org=editor_org))
    edit = BeautifulSoup(client.get(f"/manage/collections/{found.slug}/edit").text, "html.parser")
    assert len(edit.select(".order button")) == 4  # no "up" for the first, no "down" for the last
    base = f"/manage/collections/{found.slug}/items"
    assert client.post(f"{base}/{c.id}/up").status_code == 302
    assert client.post(f"{base}/{a.id}/down").status_code == 302
    assert _titles(client.get(f"/collections/{found.slug}").text) == ["C", "A", "B"]  # A C B, C A B
    assert client.post(f"{base}/99999/up").status_code == 404


def test_moving_is_refused_to_an_editor_of_another_organisation(
    client, login, make_user, make_org, make_material, editor_org
):
    a, b = make_material(title="A"), make_material(title="B")
    found = _collection(editor_org, [a, b])
    login(make_user("editor", org=make_org(code="so-gddt", name="Sở Giáo dục")))
    assert client.post(f"/manage/collections/{found.slug}/items/{b.id}/up").status_code == 403
    assert _titles(client.get(f"/collections/{found.slug}").text) == ["A", "B"]


def test_a_tracked_link_to_a_collection_from_its_page(
    client, login, make_user, make_org, make_material, editor_org
):
    from library.models import ShareLink

    found = _collection(editor_org, [make_material()])
    _collection(editor_org, [], slug="nhap", status="draft")
    make_org(code="cty-may-hoa-lu", name="May Hoa Lư", type_="enterprise")
    login(make_user("admin"))
    page = BeautifulSoup(client.get(f"/collections/{found.slug}").text, "html.parser")
    target = page.select_one(".share-tracked input[name=target]")["value"]
    data = {"target": target, "enterprise": "cty-may-hoa-lu", "channel": "facebook"}
    assert client.post("/sharing/links", data=data).status_code == 302
    assert db.session.scalar(select(ShareLink.collection_id)) == found.id
    draft = client.post("/sharing/links", data={**data, "target": "/collections/nhap"})
    assert draft.status_code == 422 and "bộ sưu tập đã xuất bản" in draft.text
