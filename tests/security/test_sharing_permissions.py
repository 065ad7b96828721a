"""Collections and share links: drafts stay unknown, each organisation keeps to its own.

The permission matrix tries every route once per actor; these follow the cases it cannot show
in one URL: a draft collection on every public address, writes that really happen for those
allowed, and titles that must not come back by a side door (a collection of another
organisation's draft, a link whose page went back to draft).
"""

from sqlalchemy import func, select
from support import PASSWORD

from library.extensions import db
from library.models import Collection, ShareLink

from .conftest import ACTORS, DRAFT_TITLE

COLLECTION_SECRET = "3C9V"
DRAFT_SECRET = "7Q3Z"
DRAFT_COLLECTION_ADDRESSES = (
    "/collections/bo-suu-tap-nhap",
    "/collections/bo-suu-tap-nhap/preview.jpg",
    "/collections/bo-suu-tap-nhap/qr.png",
    "/collections/bo-suu-tap-nhap/qr.svg",
    "/collections/bo-suu-tap-nhap/print",
    "/api/v1/collections/bo-suu-tap-nhap",
)
LISTS = ("/", "/collections", "/api/v1/collections", "/sitemap.xml", "/feed.atom")


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _login(world, user):
    client = world.app.test_client()
    answer = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert answer.status_code == 302
    return client


def test_a_draft_collection_is_unknown_to_everybody_on_its_public_addresses(world):
    for actor in ACTORS:
        client = world.clients[actor]
        for url in DRAFT_COLLECTION_ADDRESSES:
            answer = client.get(url)
            assert answer.status_code == 404, (actor, url, answer.status_code)
            assert COLLECTION_SECRET not in answer.get_data(as_text=True), (actor, url)
        for url in LISTS:
            answer = client.get(url)
            assert answer.status_code == 200, (actor, url)
            assert COLLECTION_SECRET not in answer.get_data(as_text=True), (actor, url)


def test_refused_editors_never_read_a_draft_collections_title(world):
    slug = world.draft_collection.slug
    first = world.draft_collection.items[0].material_id
    for actor in ("union", "editor_b"):
        client = world.clients[actor]
        answers = [
            client.get(f"/manage/collections/{slug}/edit"),
            client.post(f"/manage/collections/{slug}/edit", data={"title": "Chiếm", "slug": slug}),
            client.post(f"/manage/collections/{slug}/items/{first}/down"),
            client.get("/manage/collections"),
        ]
        for answer in answers:
            assert COLLECTION_SECRET not in answer.get_data(as_text=True), actor
        assert [a.status_code for a in answers[:3]] == [403, 403, 403], actor
    db.session.expire_all()
    assert db.session.get(Collection, world.draft_collection.id).title.endswith(COLLECTION_SECRET)
    own = world.clients["editor_a"].get("/manage/collections").get_data(as_text=True)
    assert COLLECTION_SECRET in own


def test_a_published_materials_previews_qr_codes_and_sheet_are_public(world):
    client = world.clients["anonymous"]
    for suffix in ("preview.jpg", "qr.png", "qr.svg", "print"):
        answer = client.get(f"/materials/{world.public.id}/{suffix}")
        assert answer.status_code == 200, suffix


def test_editors_of_the_organisation_change_its_collection_others_cannot(world):
    collection = world.fresh_collection()
    slug = collection.slug
    data = {"title": "Tuần lễ pháp luật", "slug": slug, "status": "draft", "materials": ""}
    refused = world.clients["editor_b"].post(f"/manage/collections/{slug}/edit", data=data)
    assert refused.status_code == 403
    done = world.clients["reviewer_a"].post(f"/manage/collections/{slug}/edit", data=data)
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Collection, collection.id).title == "Tuần lễ pháp luật"


def test_another_organisations_draft_cannot_be_put_in_a_collection_to_read_its_title(world):
    """Editor B naming A's draft in B's collection gets 'no such material', never its title."""
    client = world.clients["editor_b"]
    before = _count(Collection)
    data = {"title": "Của Sở B", "slug": "cua-so-b", "status": "draft"}
    answer = client.post("/manage/collections/new", data={**data, "materials": str(world.draft.id)})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert f"Không có tài liệu số {world.draft.id}" in page
    assert DRAFT_SECRET not in page and DRAFT_TITLE not in page
    assert _count(Collection) == before
    # B's own collection, edited to hold A's draft: refused the same way.
    made = client.post("/manage/collections/new", data={**data, "materials": ""})
    assert made.status_code == 302
    answer = client.post(
        "/manage/collections/cua-so-b/edit", data={**data, "materials": str(world.draft.id)}
    )
    assert answer.status_code == 422 and DRAFT_SECRET not in answer.get_data(as_text=True)
    page = client.get("/manage/collections/cua-so-b/edit").get_data(as_text=True)
    assert DRAFT_SECRET not in page
    # A's own editor may add A's draft (and sees its title on the edit page).
    own = world.clients["editor_a"].post(
        "/manage/collections/new",
        data={**data, "slug": "cua-so-a", "materials": str(world.draft.id)},
    )
    assert own.status_code == 302
    page = world.clients["editor_a"].get("/manage/collections/cua-so-a/edit")
    assert DRAFT_SECRET in page.get_data(as_text=True)


def test_a_union_officer_credits_only_the_enterprises_of_its_union(world):
    client = world.clients["union"]
    before = _count(ShareLink)
    target = {"target": str(world.public.id), "channel": "zalo"}
    answer = client.post(
        "/sharing/links", data={**target, "enterprise": world.other_enterprise.code}
    )
    assert answer.status_code == 403
    assert _count(ShareLink) == before
    answer = client.post("/sharing/links", data={**target, "enterprise": world.enterprise.code})
    assert answer.status_code == 302
    assert _count(ShareLink) == before + 1
    # A draft cannot be shared, and the refusal does not name it.
    answer = client.post(
        "/sharing/links", data={**target, "target": str(world.draft.id), "enterprise": "dn-may"}
    )
    assert answer.status_code == 422 and DRAFT_SECRET not in answer.get_data(as_text=True)
    answer = client.post(
        "/sharing/links",
        data={**target, "target": "/collections/bo-suu-tap-nhap", "enterprise": "dn-may"},
    )
    assert answer.status_code == 422 and COLLECTION_SECRET not in answer.get_data(as_text=True)
    assert _count(ShareLink) == before + 1


def test_another_unions_officer_cannot_use_or_revoke_the_link(world, make_org, make_user):
    other_union = make_org(code="cd-nganh", name="Công đoàn ngành", type_="union")
    client = _login(world, make_user("union", other_union, email="congdoan.nganh@thuvien.vn"))
    link = world.link
    for suffix in ("qr.png", "qr.svg", "print"):
        assert client.get(f"/sharing/links/{link.id}/{suffix}").status_code == 403, suffix
    assert client.post(f"/sharing/links/{link.id}/revoke").status_code == 403
    assert link.code not in client.get("/sharing/links").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ShareLink, link.id).revoked_at is None
    assert link.code in world.clients["union"].get("/sharing/links").get_data(as_text=True)


def test_a_link_whose_page_went_back_to_draft_no_longer_shows_its_title(world):
    """The officer made links when the pages were public; unpublished, their titles are hidden."""
    material = world.fresh("published")
    collection = world.fresh_collection("published")
    officer = world.users["union"]
    from library.sharing.services import create_link

    by_material = create_link(officer, enterprise=world.enterprise, material=material, channel="qr")
    by_collection = create_link(
        officer, enterprise=world.enterprise, collection=collection, channel="qr"
    )
    material.title, collection.title = "Sắp sửa 4R6T", "Sắp sửa 9J2P"
    material.status = collection.status = "draft"
    db.session.commit()
    client = world.clients["union"]
    page = client.get("/sharing/links").get_data(as_text=True)
    assert "4R6T" not in page and "9J2P" not in page
    assert by_material.code in page and by_collection.code in page
    assert f"/sharing/links/{by_material.id}/print" not in page
    assert f"/sharing/links/{world.link.id}/print" in page
    for link in (by_material, by_collection):
        for suffix in ("qr.png", "qr.svg", "print"):
            answer = client.get(f"/sharing/links/{link.id}/{suffix}")
            assert answer.status_code == 404, suffix
            assert b"4R6T" not in answer.data and b"9J2P" not in answer.data
        # The short address leads to a page that is now 404, naming nothing.
        followed = client.get(f"/s/{link.code}", follow_redirects=True)
        assert followed.status_code == 404
        assert b"4R6T" not in followed.data and b"9J2P" not in followed.data
