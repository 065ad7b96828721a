"""Tracked share links: short codes, where they lead, what they credit, who may make them."""

import re
from urllib.parse import quote, urlsplit

import pytest
from agents import CHROME_ANDROID, FACEBOOK_PREVIEW
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from support import PASSWORD

from library.accounts.permissions import SYSTEM
from library.errors import PermissionDenied
from library.extensions import db
from library.models import Event, ShareLink, ShareVisit
from library.sharing import services
from library.sharing.services import create_link

BROWSER = {"User-Agent": CHROME_ANDROID}


@pytest.fixture
def union_setup(make_org, make_user):
    """A union attached to one enterprise, its officer, and an enterprise it does not serve."""
    union = make_org(code="ldld-tinh", name="Liên đoàn Lao động tỉnh", type_="union")
    served = make_org(code="cty-may-hoa-lu", name="Công ty May Hoa Lư", type_="enterprise")
    other = make_org(code="cty-giay-tam-diep", name="Công ty Giày Tam Điệp", type_="enterprise")
    services.set_served_enterprises(SYSTEM, union, ["cty-may-hoa-lu"])
    db.session.commit()
    officer = make_user("union", org=union)
    return union, served, other, officer


def _link(officer, enterprise, material, channel="zalo", campaign=None):
    link = create_link(
        officer, enterprise=enterprise, material=material, channel=channel, campaign=campaign
    )
    db.session.commit()
    return link


def _views(event="view"):
    query = select(Event.channel, Event.organisation_id).where(Event.event == event)
    return db.session.execute(query).all()


def test_codes_are_short_url_safe_and_unique(union_setup, make_material):
    _, served, _, officer = union_setup
    material = make_material()
    codes = {_link(officer, served, material).code for _ in range(40)}
    assert len(codes) == 40
    # Two groups of four capitals and digits, none that reads as another (0/O, 1/I/L).
    assert all(re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code) for code in codes)


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{bare}", "{spaced}", " {lower_bare} "])
def test_a_code_typed_from_a_notice_board_opens_its_link(client, union_setup, make_material, typed):
    _, served, _, officer = union_setup
    material = make_material()
    code = _link(officer, served, material).code
    bare = code.replace("-", "")
    text = typed.format(
        code=code,
        lower=code.lower(),
        bare=bare,
        spaced=f"{bare[:4]} {bare[4:]}",
        lower_bare=bare.lower(),
    )
    response = client.get(f"/s/{quote(text)}", headers=BROWSER)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/materials/{material.id}"


def test_old_mixed_case_codes_keep_working_and_keep_their_case(client, union_setup, make_material):
    _, served, _, officer = union_setup
    material, other = make_material(), make_material(title="Một tài liệu khác")
    old = _link(officer, served, material)
    old.code = "aB3x_Yz9"
    near = _link(officer, served, other)
    near.code = "AB3x_YZ9"
    db.session.commit()
    location = client.get("/s/aB3x_Yz9", headers=BROWSER).headers["Location"]
    assert urlsplit(location).path == f"/materials/{material.id}"
    location = client.get("/s/AB3x_YZ9", headers=BROWSER).headers["Location"]
    assert urlsplit(location).path == f"/materials/{other.id}"
    assert client.get("/s/ab3x_yz9", headers=BROWSER).status_code == 404


def test_a_taken_code_is_drawn_again(union_setup, make_material, monkeypatch):
    _, served, _, officer = union_setup
    material = make_material()
    first = _link(officer, served, material)
    draws = iter([first.code, first.code, "Fresh123"])
    monkeypatch.setattr(services, "new_code", lambda: next(draws))
    assert _link(officer, served, material).code == "Fresh123"
    assert db.session.scalar(select(func.count()).select_from(ShareLink)) == 2


def test_a_link_redirects_to_the_material_page_and_credits_enterprise_and_channel(
    client, union_setup, make_material
):
    _, served, _, officer = union_setup
    material = make_material()
    link = _link(officer, served, material, channel="zalo")
    response = client.get(f"/s/{link.code}", headers=BROWSER)
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.netloc in ("", "thuvien.test")
    assert target.path == f"/materials/{material.id}"
    assert client.get(response.headers["Location"], headers=BROWSER).status_code == 200
    assert _views() == [("zalo", served.id)]
    assert _views("share_visit") == [("zalo", served.id)]


def test_a_revoked_link_lands_on_the_page_but_credits_nobody(
    client, login, union_setup, make_material
):
    _, served, _, officer = union_setup
    material = make_material()
    link = _link(officer, served, material)
    login(officer)
    assert client.post(f"/sharing/links/{link.id}/revoke").status_code == 302
    response = client.get(f"/s/{link.code}", headers=BROWSER)
    assert response.status_code == 302
    assert "via=" not in response.headers["Location"]
    client.get(response.headers["Location"], headers=BROWSER)
    # Replaying the old address with the code credits no one either.
    client.get(f"/materials/{material.id}?via={link.code}", headers=BROWSER)
    assert [org for _, org in _views()] == [None]
    assert db.session.scalar(select(func.count()).select_from(ShareVisit)) == 0
    assert _views("share_visit") == []


def test_a_code_of_another_page_credits_nobody(client, union_setup, make_material):
    _, served, _, officer = union_setup
    shared, other = make_material(), make_material(title="Một tài liệu khác")
    link = _link(officer, served, shared)
    client.get(f"/materials/{other.id}?via={link.code}", headers=BROWSER)
    assert [org for _, org in _views()] == [None]


@pytest.mark.parametrize(
    "code",
    ["x", "AAAAAAAA", "a" * 5000, "%00%00", "..%2F..%2Fetc", "https:%2F%2Fevil.example", "é" * 8],
)
def test_unknown_malformed_and_long_codes_are_a_vietnamese_404(client, code):
    response = client.get(f"/s/{code}")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.text


def test_links_lead_only_to_pages_of_the_site(client, union_setup, make_material):
    """Whatever is added to the short address, the target is built from the link's row."""
    _, served, _, officer = union_setup
    link = _link(officer, served, make_material())
    for suffix in ("?next=https://evil.example", "?url=//evil.example"):
        location = client.get(f"/s/{link.code}{suffix}").headers["Location"]
        assert "evil" not in location
        assert urlsplit(location).netloc in ("", "thuvien.test")


def test_the_share_panel_channel_is_counted_and_unknown_channels_are_ignored(client, make_material):
    material = make_material()
    client.get(f"/materials/{material.id}?ch=facebook", headers=BROWSER)
    client.get(f"/materials/{material.id}?ch=evil", headers={"User-Agent": FACEBOOK_PREVIEW})
    assert _views() == [("facebook", None)]
    client.get(f"/materials/{material.id}?ch=<script>", headers={"User-Agent": "Other/1.0"})
    assert sorted(c for c, _ in _views()) == ["direct", "facebook"]


def test_union_officer_is_refused_an_enterprise_it_does_not_serve(
    client, login, union_setup, make_material
):
    _, _, other, officer = union_setup
    material = make_material()
    with pytest.raises(PermissionDenied):
        create_link(officer, enterprise=other, material=material, channel="zalo")
    db.session.rollback()
    login(officer)
    response = client.post(
        "/sharing/links",
        data={"target": str(material.id), "enterprise": other.code, "channel": "zalo"},
    )
    assert response.status_code == 403
    assert "chưa được gắn với doanh nghiệp này" in response.text
    assert db.session.scalar(select(func.count()).select_from(ShareLink)) == 0


def test_editors_and_anonymous_visitors_cannot_make_links(client, login, make_user, union_setup):
    assert client.get("/sharing/links").status_code == 302  # to the login page
    login(make_user("editor"))
    assert client.get("/sharing/links").status_code == 403


def test_admin_attaches_a_union_to_enterprises_and_then_its_officer_may_credit_them(
    client, login, make_user, union_setup, make_material
):
    union, served, other, officer = union_setup
    material = make_material()
    login(make_user("admin"))
    page = client.get(f"/admin/organisations/{union.id}/enterprises")
    assert page.status_code == 200 and "Công ty Giày Tam Điệp" in page.text
    response = client.post(
        f"/admin/organisations/{union.id}/enterprises",
        data={"enterprises": [served.code, other.code]},
    )
    assert response.status_code == 302
    assert {e.code for e in services.served_enterprises(union)} == {served.code, other.code}
    assert _link(officer, other, material).enterprise_id == other.id


def test_only_admins_attach_enterprises(client, login, union_setup):
    union, _, _, officer = union_setup
    login(officer)
    assert client.post(f"/admin/organisations/{union.id}/enterprises").status_code == 403


def test_the_command_line_attaches_enterprises(runner, union_setup):
    result = runner.invoke(args=["union-enterprises", "ldld-tinh", "cty-giay-tam-diep"])
    assert result.exit_code == 0, result.output
    assert "cty-giay-tam-diep" in result.output and "cty-may-hoa-lu" not in result.output
    bad = runner.invoke(args=["union-enterprises", "ldld-tinh", "khong-co"])
    assert bad.exit_code != 0


def test_my_links_lists_visits_per_link_and_channel(client, login, union_setup, make_material):
    _, served, _, officer = union_setup
    material = make_material()
    zalo = _link(officer, served, material, channel="zalo", campaign="Tuần lễ học tập")
    qr = _link(officer, served, material, channel="qr")
    for agent in ("Mozilla/5.0 (Linux; Android 9) Chrome/120.0 Mobile", CHROME_ANDROID):
        client.get(f"/s/{zalo.code}", headers={"User-Agent": agent})
    client.get(f"/s/{zalo.code}", headers=BROWSER)  # the same visitor again the same day
    client.get(f"/s/{qr.code}", headers=BROWSER)
    client.get(f"/s/{qr.code}", headers={"User-Agent": FACEBOOK_PREVIEW})  # a crawler
    login(officer)
    page = client.get("/sharing/links").text
    visits = dict(re.findall(r'data-code="([^"]+)">.*?class="visits">(\d+)<', page, re.S))
    assert visits == {zalo.code: "2", qr.code: "1"}
    assert "Tuần lễ học tập" in page
    assert re.search(r'data-channel="zalo">Zalo: 2<', page)
    assert re.search(r'data-channel="qr">[^<]*: 1<', page)


def test_officers_see_and_revoke_only_their_organisations_links(
    client, login, make_org, make_user, union_setup, make_material
):
    _, served, _, officer = union_setup
    link = _link(officer, served, make_material())
    rival = make_org(code="cd-khu-cong-nghiep", name="Công đoàn KCN", type_="union")
    login(make_user("union", org=rival))
    assert link.code not in client.get("/sharing/links").text
    assert client.post(f"/sharing/links/{link.id}/revoke").status_code == 403
    assert db.session.get(ShareLink, link.id).revoked_at is None


def test_an_officer_creates_a_link_from_the_form(client, login, union_setup, make_material):
    _, served, _, officer = union_setup
    material = make_material()
    login(officer)
    response = client.post(
        "/sharing/links",
        data={
            "target": f"https://thuvien.test/materials/{material.id}",
            "enterprise": served.code,
            "channel": "facebook",
            "campaign": "Ngày hội công nhân",
        },
    )
    assert response.status_code == 302
    link = db.session.scalar(select(ShareLink))
    assert (link.material_id, link.channel, link.campaign) == (
        material.id,
        "facebook",
        "Ngày hội công nhân",
    )
    page = client.get("/sharing/links").text
    assert f"/s/{link.code}" in page


def test_a_form_naming_nothing_known_is_refused_with_a_message(client, login, union_setup):
    _, served, _, officer = union_setup
    login(officer)
    response = client.post(
        "/sharing/links",
        data={"target": "/materials/99999", "enterprise": served.code, "channel": "qr"},
    )
    assert response.status_code == 422
    assert "Không tìm thấy tài liệu hoặc bộ sưu tập này" in response.text


def test_the_share_panel_offers_an_officer_its_enterprises_only(
    client, login, union_setup, make_material
):
    _, served, other, officer = union_setup
    material = make_material()
    assert "share-tracked" not in client.get(f"/materials/{material.id}").text
    login(officer)
    page = BeautifulSoup(client.get(f"/materials/{material.id}").text, "html.parser")
    form = page.select_one(".share-tracked form")
    options = [o["value"] for o in form.select("select[name=enterprise] option")]
    assert options == [served.code]
    data = {i["name"]: i.get("value", "") for i in form.select("input")}
    data.update(enterprise=served.code, channel="qr")
    assert client.post(form["action"], data=data).status_code == 302
    link = db.session.scalar(select(ShareLink))
    assert (link.material_id, link.enterprise_id, link.channel) == (material.id, served.id, "qr")


def test_link_forms_need_their_csrf_token(make_app, union_setup, make_material):
    _, served, _, officer = union_setup
    material = make_material()
    link = _link(officer, served, material)
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token_of = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
    with app.app_context():
        token = token_of.search(client.get("/login").text).group(1)
        login = {"email": officer.email, "password": PASSWORD, "csrf_token": token}
        assert client.post("/login", data=login).status_code == 302
        form = {"target": str(material.id), "enterprise": served.code, "channel": "zalo"}
        assert client.post("/sharing/links", data=form).status_code == 400
        assert client.post(f"/sharing/links/{link.id}/revoke").status_code == 400
        token = token_of.search(client.get("/sharing/links").text).group(1)
        assert client.post("/sharing/links", data={**form, "csrf_token": token}).status_code == 302
        revoke = client.post(f"/sharing/links/{link.id}/revoke", data={"csrf_token": token})
        assert revoke.status_code == 302
        db.session.remove()
        db.engine.dispose()
