"""Who may do what: every route of the app, for every kind of person, pages and API.

MATRIX below classifies each (method, rule) of app.url_map. A rule missing from it fails
test_every_route_is_classified: a new route is added here with the URL to try and what each
actor gets. Shorthands:

    public()                       everybody gets an answer (2xx/3xx)
    members(refused=...)           anonymous visitors are sent to the login page, others allowed
    only("admin", ...)             the named actors allowed, others 403, anonymous to login
    api_public() / api_only(...)   the same for /api/ calls (anonymous: 401), by bearer token

An URL builder receives the World (tests/security/conftest.py) and may create what it acts on
(w.fresh() makes a new material of organisation A), so each actor meets the same state.
Every answer is also read for leaks: the title of organisation A's draft and of a material in
review never reach anybody who may not see them, whatever the status code.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from support import upload, video_bytes

from library import create_app
from library.accounts.permissions import SYSTEM
from library.catalog import revisions
from library.catalog import services as catalog
from library.extensions import db
from library.models import Collection, Material, ShareLink

from .conftest import ACTORS

OK = "ok"
LOGIN = "login"
STAFF_A = ("editor_a", "reviewer_a", "admin")
EDITING = ("editor_a", "editor_b", "reviewer_a", "admin")  # any organisation's editing roles
# In the titles of A's draft, of A's material in review, of a draft withdrawn unpublished and
# of A's draft collection.
SECRET_MARKERS = ("7Q3Z", "8K2W", "5M1X", "3C9V")
CANNOT_SEE_A_DRAFTS = ("anonymous", "union", "editor_b")


@dataclass
class Route:
    url: Callable
    expect: dict
    data: Callable | None = None
    json: Callable | None = None
    api: bool = False
    headers: dict | None = None


def public() -> dict:
    return dict.fromkeys(ACTORS, OK)


def members() -> dict:
    return {**dict.fromkeys(ACTORS, OK), "anonymous": LOGIN}


def only(*allowed, refused=403, anonymous=LOGIN) -> dict:
    expect = {a: (OK if a in allowed else refused) for a in ACTORS}
    if "anonymous" not in allowed:
        expect["anonymous"] = anonymous
    return expect


def api_public() -> dict:
    return public()


def api_only(*allowed, refused=403) -> dict:
    return only(*allowed, refused=refused, anonymous=401)


def draft_visible(anonymous=404) -> dict:
    """Organisation A's draft: its staff and the administrator see it, nobody else."""
    return only(*STAFF_A, refused=404, anonymous=anonymous)


def file_url(suffix):
    return lambda w: f"/files/{w.draft.file_id}/{suffix}"


def fresh(path, status="draft"):
    """A URL on a new material of organisation A, remembered to check it did not change."""

    def build(w):
        material = w.fresh(status)
        w.target = material.id
        return path.format(id=material.id)

    return build


def fresh_revision(path):
    """A URL on a new published material of organisation A with an edit waiting for review."""

    def build(w):
        material = w.fresh("published")
        revisions.propose_revision(SYSTEM, material, {"title": "Bản sửa đổi thao tác"})
        db.session.commit()
        w.target = material.id
        return path.format(id=material.id)

    return build


def fresh_collection(path):
    """A URL on a new draft collection of organisation A, remembered to check it did not change."""

    def build(w):
        collection = w.fresh_collection()
        w.target_collection = collection.id
        return path.format(slug=collection.slug, first=collection.items[0].material_id)

    return build


def fresh_link(path):
    """A URL on a new share link of the union, remembered to check it did not change."""

    def build(w):
        link = w.fresh_link()
        w.target_link = link.id
        return path.format(id=link.id)

    return build


def captioned_draft(w):
    """A draft video of organisation A with captions, made once per world."""
    if getattr(w, "captioned_draft_id", None) is None:
        material = catalog.create_material(
            SYSTEM,
            w.draft.organisation,
            {"title": "Video nháp 7Q3Z", "kind": "video", "areas": ["life-skills"],
             "license": "CC-BY-4.0"},
            upload(video_bytes([(0, 0, 0)], seconds=0.5), "v.mp4"),
            upload(b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nLoi thoai\n", "v.vtt"),
        )  # fmt: skip
        db.session.commit()
        w.captioned_draft_id = material.id
    return f"/materials/{w.captioned_draft_id}/captions.vtt"


def collection_url(suffix=""):
    return lambda w: f"/collections/{w.collection.slug}{suffix}"


def link_url(suffix):
    return lambda w: f"/sharing/links/{w.link.id}/{suffix}"


NEW_MATERIAL = {
    "title": "Tài liệu qua API",
    "kind": "legal_digest",
    "areas": ["politics-law"],
    "license": "gov-work",
    "body": "Điều 3.",
}

MATRIX: dict[tuple[str, str], Route] = {
    # Public pages, feeds, open interfaces.
    ("GET", "/"): Route(lambda w: "/", public()),
    ("GET", "/areas/<code>"): Route(lambda w: "/areas/politics-law", public()),
    ("GET", "/areas/<code>/feed.atom"): Route(lambda w: "/areas/politics-law/feed.atom", public()),
    ("GET", "/feed.atom"): Route(lambda w: "/feed.atom", public()),
    ("GET", "/robots.txt"): Route(lambda w: "/robots.txt", public()),
    # The installable app: its manifest, service worker and the page of what is saved offline.
    ("GET", "/manifest.webmanifest"): Route(lambda w: "/manifest.webmanifest", public()),
    ("GET", "/sw.js"): Route(lambda w: "/sw.js", public()),
    ("GET", "/offline"): Route(lambda w: "/offline", public()),
    ("GET", "/sitemap.xml"): Route(lambda w: "/sitemap.xml", public()),
    ("GET", "/sitemap-<id:number>.xml"): Route(lambda w: "/sitemap-1.xml", public()),
    ("GET", "/search"): Route(lambda w: "/search?q=b%E1%BA%A3n+nh%C3%A1p+duy%E1%BB%87t", public()),
    ("GET", "/oai"): Route(lambda w: "/oai?verb=ListRecords&metadataPrefix=oai_dc", public()),
    ("POST", "/oai"): Route(
        lambda w: "/oai",
        public(),
        data=lambda w: {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"},
    ),
    ("GET", "/static/<path:filename>"): Route(lambda w: "/static/css/site.css", public()),
    ("GET", "/api"): Route(lambda w: "/api", public()),
    ("GET", "/login"): Route(lambda w: "/login", public()),
    ("POST", "/login"): Route(lambda w: "/login", public(), data=lambda w: {}),
    ("POST", "/logout"): Route(lambda w: "/logout", public()),
    ("GET", "/password/forgot"): Route(lambda w: "/password/forgot", public()),
    ("POST", "/password/forgot"): Route(
        lambda w: "/password/forgot", public(), data=lambda w: {"email": "bientap.a@thuvien.vn"}
    ),
    ("GET", "/password/reset"): Route(lambda w: "/password/reset", public()),
    # A bad token is refused with 400 for everybody; a good one is tested on its own.
    ("POST", "/password/reset"): Route(
        lambda w: "/password/reset",
        dict.fromkeys(ACTORS, 400),
        data=lambda w: {
            "token": "x",
            "password": "mat-khau-moi-dai",
            "confirm": "mat-khau-moi-dai",
        },
    ),
    # A material and its files: a draft only for its organisation's staff.
    ("GET", "/materials/<id:material_id>"): Route(
        lambda w: f"/materials/{w.draft.id}", draft_visible()
    ),
    ("GET", "/files/<id:file_id>/<path:name>"): Route(file_url("ban-nhap.pdf"), draft_visible()),
    ("GET", "/files/<id:file_id>/renditions/<name>"): Route(
        lambda w: f"/files/{w.draft_video.file_id}/renditions/360p.mp4", draft_visible()
    ),
    ("GET", "/files/<id:file_id>/thumb.webp"): Route(file_url("thumb.webp"), draft_visible()),
    ("GET", "/files/<id:file_id>/medium.webp"): Route(file_url("medium.webp"), draft_visible()),
    ("GET", "/files/<id:file_id>/thumb-<int:width>.webp"): Route(
        file_url("thumb-160.webp"), draft_visible()
    ),
    ("GET", "/files/<id:file_id>/medium-<int:width>.webp"): Route(
        file_url("medium-360.webp"), draft_visible()
    ),
    ("GET", "/files/<id:file_id>/preview.jpg"): Route(file_url("preview.jpg"), draft_visible()),
    ("GET", "/files/<id:file_id>/pages/<int:number>.webp"): Route(
        file_url("pages/1.webp"), draft_visible()
    ),
    ("GET", "/files/<id:file_id>/pages/<int:number>/full.webp"): Route(
        file_url("pages/1/full.webp"), draft_visible()
    ),
    ("GET", "/materials/<id:material_id>/captions.vtt"): Route(captioned_draft, draft_visible()),
    # The play beacon (sent by the site's own page) counts only playable files the visitor may
    # see: neither here.
    ("POST", "/track/play/<int:material_id>"): Route(
        lambda w: f"/track/play/{w.draft.id}",
        dict.fromkeys(ACTORS, 404),
        headers={"Sec-Fetch-Site": "same-origin"},
    ),
    # Preview images, QR codes and A4 sheets: a material's follow the material (here a draft).
    ("GET", "/preview.jpg"): Route(lambda w: "/preview.jpg", public()),
    ("GET", "/areas/<code>/preview.jpg"): Route(
        lambda w: "/areas/politics-law/preview.jpg", public()
    ),
    ("GET", "/materials/<id:material_id>/preview.jpg"): Route(
        lambda w: f"/materials/{w.draft.id}/preview.jpg", draft_visible()
    ),
    ("GET", "/materials/<id:material_id>/preview-<int:width>.webp"): Route(
        lambda w: f"/materials/{w.draft.id}/preview-720.webp", draft_visible()
    ),
    ("GET", "/materials/<id:material_id>/qr.png"): Route(
        lambda w: f"/materials/{w.draft.id}/qr.png", draft_visible()
    ),
    ("GET", "/materials/<id:material_id>/qr.svg"): Route(
        lambda w: f"/materials/{w.draft.id}/qr.svg", draft_visible()
    ),
    ("GET", "/materials/<id:material_id>/print"): Route(
        lambda w: f"/materials/{w.draft.id}/print", draft_visible()
    ),
    # Collections: a published one is public (a draft is 404 for all, see below).
    ("GET", "/collections"): Route(lambda w: "/collections", public()),
    ("GET", "/collections/<slug>"): Route(collection_url(), public()),
    ("GET", "/collections/<slug>/preview.jpg"): Route(collection_url("/preview.jpg"), public()),
    ("GET", "/collections/<slug>/qr.png"): Route(collection_url("/qr.png"), public()),
    ("GET", "/collections/<slug>/qr.svg"): Route(collection_url("/qr.svg"), public()),
    ("GET", "/collections/<slug>/print"): Route(collection_url("/print"), public()),
    # Share links: following one is public; making and managing them is for union officers
    # (their organisation's links) and administrators.
    ("GET", "/s/<code>"): Route(lambda w: f"/s/{w.link.code}", public()),
    ("GET", "/sharing/links"): Route(lambda w: "/sharing/links", only("union", "admin")),
    ("GET", "/sharing/materials/suggest"): Route(
        lambda w: "/sharing/materials/suggest?q=lao+dong", only("union", "admin")
    ),
    ("POST", "/sharing/links"): Route(
        lambda w: "/sharing/links",
        only("union", "admin"),
        data=lambda w: {
            "target": str(w.public.id),
            "enterprise": w.enterprise.code,
            "channel": "qr",
        },
    ),
    ("GET", "/sharing/links/<id:link_id>/qr.png"): Route(
        link_url("qr.png"), only("union", "admin")
    ),
    ("GET", "/sharing/links/<id:link_id>/qr.svg"): Route(
        link_url("qr.svg"), only("union", "admin")
    ),
    ("GET", "/sharing/links/<id:link_id>/print"): Route(link_url("print"), only("union", "admin")),
    ("POST", "/sharing/links/<id:link_id>/revoke"): Route(
        fresh_link("/sharing/links/{id}/revoke"), only("union", "admin")
    ),
    # Collections' editors: editors and reviewers of the owning organisation, administrators.
    ("GET", "/manage/collections"): Route(lambda w: "/manage/collections", only(*EDITING)),
    ("GET", "/manage/collections/new"): Route(lambda w: "/manage/collections/new", only(*EDITING)),
    ("POST", "/manage/collections/new"): Route(
        lambda w: "/manage/collections/new",
        only(*EDITING),
        data=lambda w: {},
    ),
    ("GET", "/manage/collections/<slug>/edit"): Route(
        lambda w: f"/manage/collections/{w.draft_collection.slug}/edit", only(*STAFF_A)
    ),
    ("POST", "/manage/collections/<slug>/edit"): Route(
        fresh_collection("/manage/collections/{slug}/edit"),
        only(*STAFF_A),
        data=lambda w: {
            "title": "Đổi tên bộ sưu tập",
            "slug": f"doi-ten-{len(w.made)}",
            "status": "published",
            "materials": str(w.public.id),
            "organisation": w.orgs["a"].code,
        },
    ),
    ("POST", "/manage/collections/<slug>/items/<id:material_id>/<any(up, down):direction>"): Route(
        fresh_collection("/manage/collections/{slug}/items/{first}/down"), only(*STAFF_A)
    ),
    # One's own account and API tokens.
    ("GET", "/account"): Route(lambda w: "/account", members()),
    ("POST", "/account/tokens"): Route(lambda w: "/account/tokens", members(), data=lambda w: {}),
    # Each member reads (and marks as read) only its own notifications.
    ("GET", "/notifications"): Route(lambda w: "/notifications", members()),
    ("POST", "/notifications/read"): Route(lambda w: "/notifications/read", members()),
    ("POST", "/account/tokens/<id:token_id>/revoke"): Route(
        lambda w: f"/account/tokens/{w.fresh_token_id('editor_a')}/revoke",
        only("editor_a", "admin", refused=404),
    ),
    # Administrators only.
    ("GET", "/admin/organisations"): Route(lambda w: "/admin/organisations", only("admin")),
    ("POST", "/admin/organisations"): Route(
        lambda w: "/admin/organisations", only("admin"), data=lambda w: {}
    ),
    ("GET", "/admin/organisations/<id:org_id>"): Route(
        lambda w: f"/admin/organisations/{w.orgs['b'].id}", only("admin")
    ),
    ("POST", "/admin/organisations/<id:org_id>"): Route(
        lambda w: f"/admin/organisations/{w.orgs['b'].id}",
        only("admin"),
        data=lambda w: {"name": "Sở B (đổi tên)", "type": "department", "workers": "120"},
    ),
    ("GET", "/admin/organisations/<id:org_id>/enterprises"): Route(
        lambda w: f"/admin/organisations/{w.orgs['union'].id}/enterprises", only("admin")
    ),
    ("POST", "/admin/organisations/<id:org_id>/enterprises"): Route(
        lambda w: f"/admin/organisations/{w.orgs['union'].id}/enterprises",
        only("admin"),
        data=lambda w: {"enterprises": [w.enterprise.code]},
    ),
    ("GET", "/admin/users"): Route(lambda w: "/admin/users", only("admin")),
    ("POST", "/admin/tokens/<id:token_id>/revoke"): Route(
        lambda w: f"/admin/tokens/{w.fresh_token_id('editor_a')}/revoke", only("admin")
    ),
    ("POST", "/admin/users"): Route(lambda w: "/admin/users", only("admin"), data=lambda w: {}),
    # Another organisation's editor's account (the administrator acts last of the actors).
    ("GET", "/admin/users/<id:user_id>"): Route(
        lambda w: f"/admin/users/{w.users['editor_b'].id}", only("admin")
    ),
    ("POST", "/admin/users/<id:user_id>"): Route(
        lambda w: f"/admin/users/{w.users['editor_b'].id}",
        only("admin"),
        data=lambda w: {"name": "Biên tập B", "role": "editor", "organisation": "so-b"},
    ),
    ("POST", "/admin/users/<id:user_id>/disable"): Route(
        lambda w: f"/admin/users/{w.users['editor_b'].id}/disable", only("admin")
    ),
    ("POST", "/admin/users/<id:user_id>/enable"): Route(
        lambda w: f"/admin/users/{w.users['editor_b'].id}/enable", only("admin")
    ),
    ("POST", "/admin/users/<id:user_id>/send-reset"): Route(
        lambda w: f"/admin/users/{w.users['editor_b'].id}/send-reset", only("admin")
    ),
    ("GET", "/admin/search/synonyms"): Route(lambda w: "/admin/search/synonyms", only("admin")),
    ("POST", "/admin/search/synonyms"): Route(
        lambda w: "/admin/search/synonyms", only("admin"), data=lambda w: {"text": "a = b"}
    ),
    ("GET", "/metrics/reach"): Route(lambda w: "/metrics/reach", only("admin")),
    ("GET", "/metrics/report"): Route(lambda w: "/metrics/report?year=2026", only("admin")),
    ("GET", "/metrics/workforce"): Route(lambda w: "/metrics/workforce", only("admin")),
    ("POST", "/metrics/workforce"): Route(
        lambda w: "/metrics/workforce", only("admin"), data=lambda w: {"total": "x"}
    ),
    # Figures: each sees its own scope (checked for leaks below); sessions for unions.
    ("GET", "/metrics/"): Route(lambda w: "/metrics/", members()),
    ("GET", "/metrics/sessions"): Route(lambda w: "/metrics/sessions", only("union", "admin")),
    ("POST", "/metrics/sessions"): Route(
        lambda w: "/metrics/sessions", only("union", "admin"), data=lambda w: {}
    ),
    # Editors' pages.
    ("GET", "/manage"): Route(lambda w: "/manage", members()),
    ("GET", "/manage/materials/new"): Route(lambda w: "/manage/materials/new", only(*EDITING)),
    ("POST", "/manage/materials/new"): Route(
        lambda w: "/manage/materials/new",
        only(*EDITING),
        data=lambda w: {},
    ),
    ("GET", "/manage/materials/<id:material_id>/edit"): Route(
        lambda w: f"/manage/materials/{w.draft.id}/edit", only(*STAFF_A)
    ),
    ("POST", "/manage/materials/<id:material_id>/edit"): Route(
        fresh("/manage/materials/{id}/edit"),
        only(*STAFF_A),
        data=lambda w: {"title": "Đổi tên", "action": "publish"},
    ),
    # Replacing or removing captions: a draft without them is refused for its content (422).
    ("POST", "/manage/materials/<id:material_id>/captions"): Route(
        fresh("/manage/materials/{id}/captions"), only(*STAFF_A)
    ),
    ("POST", "/manage/materials/<id:material_id>/captions/remove"): Route(
        fresh("/manage/materials/{id}/captions/remove"),
        only(*STAFF_A),
        data=lambda w: {"confirm": "yes"},
    ),
    ("POST", "/manage/bulk"): Route(
        fresh("/manage/bulk"),
        only(*STAFF_A),
        data=lambda w: {"material": str(w.target), "action": "withdraw", "reason": "Hết hạn"},
    ),
    # The state of a material's jobs, polled by its editors' page: JSON, errors included.
    ("GET", "/manage/materials/<id:material_id>/jobs.json"): Route(
        lambda w: f"/manage/materials/{w.draft.id}/jobs.json", only(*STAFF_A, anonymous=401)
    ),
    ("GET", "/manage/materials/<id:material_id>/history"): Route(
        lambda w: f"/manage/materials/{w.draft.id}/history", only(*STAFF_A)
    ),
    ("POST", "/manage/materials/<id:material_id>/publish"): Route(
        fresh("/manage/materials/{id}/publish"), only(*STAFF_A)
    ),
    ("POST", "/manage/materials/<id:material_id>/withdraw"): Route(
        fresh("/manage/materials/{id}/withdraw", "published"), only(*STAFF_A)
    ),
    ("POST", "/manage/materials/<id:material_id>/approve"): Route(
        fresh("/manage/materials/{id}/approve", "in_review"), only("reviewer_a", "admin")
    ),
    ("POST", "/manage/materials/<id:material_id>/revision/approve"): Route(
        fresh_revision("/manage/materials/{id}/revision/approve"), only("reviewer_a", "admin")
    ),
    ("POST", "/manage/materials/<id:material_id>/revision/send-back"): Route(
        fresh_revision("/manage/materials/{id}/revision/send-back"),
        only("reviewer_a", "admin"),
        data=lambda w: {"comment": "Giữ bản cũ."},
    ),
    ("POST", "/manage/materials/<id:material_id>/send-back"): Route(
        fresh("/manage/materials/{id}/send-back", "in_review"),
        only("reviewer_a", "admin"),
        data=lambda w: {"comment": "Sửa lại tiêu đề."},
    ),
    # The API, by bearer token (a session cookie is not a credential there).
    ("GET", "/api/v1/areas"): Route(lambda w: "/api/v1/areas", api_public(), api=True),
    ("GET", "/api/v1/organisations"): Route(
        lambda w: "/api/v1/organisations", api_public(), api=True
    ),
    ("GET", "/api/v1/openapi.json"): Route(
        lambda w: "/api/v1/openapi.json", api_public(), api=True
    ),
    ("GET", "/api/v1/search"): Route(
        lambda w: "/api/v1/search?q=nhap+duyet", api_public(), api=True
    ),
    ("GET", "/api/v1/suggest"): Route(
        lambda w: "/api/v1/suggest?q=b%E1%BA%A3n", api_public(), api=True
    ),
    ("GET", "/api/v1/collections"): Route(lambda w: "/api/v1/collections", api_public(), api=True),
    ("GET", "/api/v1/collections/<slug>"): Route(
        lambda w: f"/api/v1/collections/{w.collection.slug}", api_public(), api=True
    ),
    ("GET", "/api/v1/materials"): Route(lambda w: "/api/v1/materials", api_public(), api=True),
    ("POST", "/api/v1/materials"): Route(
        lambda w: "/api/v1/materials",
        api_only(*EDITING),
        json=lambda w: NEW_MATERIAL,
        api=True,
    ),
    ("GET", "/api/v1/materials/<int:material_id>"): Route(
        lambda w: f"/api/v1/materials/{w.draft.id}", draft_visible(), api=True
    ),
    ("GET", "/api/v1/materials/<int:material_id>/stats"): Route(
        lambda w: f"/api/v1/materials/{w.draft.id}/stats", draft_visible(), api=True
    ),
    ("PATCH", "/api/v1/materials/<int:material_id>"): Route(
        fresh("/api/v1/materials/{id}"),
        api_only(*STAFF_A),
        json=lambda w: {"title": "Đổi tên qua API", "status": "published"},
        api=True,
    ),
    ("DELETE", "/api/v1/materials/<int:material_id>"): Route(
        fresh("/api/v1/materials/{id}", "published"), api_only(*STAFF_A), api=True
    ),
    # A draft without captions is refused for its content (422), like the page's removal.
    ("DELETE", "/api/v1/materials/<int:material_id>/captions"): Route(
        fresh("/api/v1/materials/{id}/captions"), api_only(*STAFF_A), api=True
    ),
    ("GET", "/api/v1/metrics/summary"): Route(
        lambda w: "/api/v1/metrics/summary?year=2026", api_only("admin"), api=True
    ),
}


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_is_classified():
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    routes = app_routes(app)
    missing = sorted(routes - MATRIX.keys(), key=lambda r: (r[1], r[0]))
    assert not missing, f"routes missing from MATRIX in {__file__}: {missing}"
    stale = sorted(MATRIX.keys() - routes)
    assert not stale, f"MATRIX names routes the app no longer has: {stale}"


def _snapshot(material_id):
    db.session.expire_all()
    m = db.session.get(Material, material_id)
    return (m.status, m.title, m.updated_at, m.review_comment)


def _collection_snapshot(collection_id):
    db.session.expire_all()
    c = db.session.get(Collection, collection_id)
    return (c.slug, c.title, c.status, c.updated_at, [i.material_id for i in c.items])


def _link_snapshot(link_id):
    db.session.expire_all()
    link = db.session.get(ShareLink, link_id)
    return (link.code, link.revoked_at, link.enterprise_id)


def _state(world):
    """What the route acts on, to check a refused request changed nothing."""
    if world.target:
        return _snapshot(world.target)
    if world.target_collection:
        return _collection_snapshot(world.target_collection)
    if world.target_link:
        return _link_snapshot(world.target_link)
    return None


def _call(world, actor, route, method):
    world.target = world.target_collection = world.target_link = None
    url = route.url(world)
    before = _state(world)
    kwargs = {}
    if route.api:
        client = world.clients["anonymous"]
        if world.tokens[actor]:
            kwargs["headers"] = {"Authorization": f"Bearer {world.tokens[actor]}"}
    else:
        client = world.clients[actor]
    if route.data:
        kwargs["data"] = route.data(world)
    if route.json:
        kwargs["json"] = route.json(world)
    if route.headers:
        kwargs["headers"] = {**kwargs.get("headers", {}), **route.headers}
    return client.open(url, method=method, **kwargs), before


def _answers_json(route, rule: str) -> bool:
    """The API, the play beacon and .json addresses answer JSON, errors included; pages HTML."""
    return route.api or rule.startswith(("/api/", "/track/")) or rule.endswith(".json")


def _outcome(answer) -> str | int:
    if answer.status_code in (302, 303) and "/login" in answer.headers.get("Location", ""):
        return LOGIN
    if answer.status_code < 400 or answer.status_code == 422:
        return OK  # allowed: done, redirected after success, or refused for its content
    return answer.status_code


def _keys(*methods):
    """The routes of MATRIX taking one of these methods, in a stable order."""
    return sorted((k for k in MATRIX if k[0] in methods), key=lambda r: (r[1], r[0]))


# A read changes nothing another case reads (it may add a material of its own, or a view), so
# the reading routes share one world per test process; a write gets a world of its own.
READS = _keys("GET")
WRITES = _keys("POST", "PUT", "PATCH", "DELETE")


def test_every_route_is_a_read_or_a_write():
    assert sorted(READS + WRITES) == sorted(MATRIX)


@pytest.mark.parametrize("key", READS, ids="{0[0]} {0[1]}".format)
def test_reading_route_answers_each_actor_as_the_product_says(shared_world, key):
    _answers_each_actor_as_the_product_says(shared_world, key)


@pytest.mark.parametrize("key", WRITES, ids="{0[0]} {0[1]}".format)
def test_route_answers_each_actor_as_the_product_says(world, key):
    _answers_each_actor_as_the_product_says(world, key)


def _answers_each_actor_as_the_product_says(world, key):
    method, rule = key
    route = MATRIX[key]
    problems = []
    for actor in ACTORS:
        answer, before = _call(world, actor, route, method)
        got, wanted = _outcome(answer), route.expect[actor]
        if got != wanted:
            problems.append(f"{actor}: got {answer.status_code} ({got}), wanted {wanted}")
            continue
        body = answer.get_data()
        if actor in CANNOT_SEE_A_DRAFTS:
            for marker in SECRET_MARKERS:
                if marker.encode() in body:
                    problems.append(f"{actor}: answer shows the hidden title {marker}")
        if wanted != OK:
            if before is not None and _state(world) != before:
                problems.append(f"{actor}: refused, yet what it acts on changed")
            if answer.status_code in (403, 404) and not _answers_json(route, rule):
                assert "text/html" in answer.content_type
    assert not problems, "\n".join(problems)


def test_hidden_titles_never_appear_in_search_or_lists(shared_world):
    """Search, suggestions, lists, OAI-PMH records and the API never show a hidden material."""
    world = shared_world
    hidden = (world.draft.id, world.in_review.id, world.withdrawn_draft.id)
    urls = ["/search?q=b%E1%BA%A3n+nh%C3%A1p", "/search?q=ch%E1%BB%9D+duy%E1%BB%87t", "/manage"]
    urls += [
        f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:thuvien.test:material/{i}"
        for i in hidden
    ]
    urls += [f"/api/v1/materials/{i}" for i in hidden] + ["/api/v1/suggest?q=b%E1%BA%A3n"]
    urls += [f"/materials/{i}" for i in hidden] + ["/feed.atom", "/sitemap.xml", "/sitemap-1.xml"]
    urls += ["/oai?verb=ListRecords&metadataPrefix=oai_dc"]
    for actor in CANNOT_SEE_A_DRAFTS:
        client = world.clients[actor]
        for url in urls:
            answer = client.get(url)
            assert answer.status_code < 500, url
            if url.startswith(("/materials/", "/api/v1/materials/")):
                assert answer.status_code == 404, (actor, url, answer.status_code)
            body = answer.get_data(as_text=True)
            assert not any(m in body for m in SECRET_MARKERS), (actor, url)


def test_another_organisations_figures_stay_hidden(shared_world):
    """Editor B's dashboard shows B's materials only; the summary API is for administrators."""
    world = shared_world
    page = world.clients["editor_b"].get("/metrics/").get_data(as_text=True)
    assert "Sổ tay an toàn lao động" not in page
    own = world.clients["editor_a"].get("/metrics/").get_data(as_text=True)
    assert "Sổ tay an toàn lao động" in own
    api = world.clients["anonymous"].get(
        "/api/v1/metrics/summary?year=2026",
        headers={"Authorization": f"Bearer {world.tokens['editor_b']}"},
    )
    assert api.status_code == 403 and "views" not in api.get_data(as_text=True)


def test_a_session_cookie_alone_cannot_write_through_the_api(shared_world):
    """API writes need a bearer token: a logged-in browser tricked by another site gets 401."""
    world = shared_world
    client = world.clients["admin"]
    assert client.post("/api/v1/materials", json=NEW_MATERIAL).status_code == 401
    assert client.delete(f"/api/v1/materials/{world.public.id}").status_code == 401
    assert _snapshot(world.public.id)[0] == "published"


def test_a_wrong_method_is_a_clear_405_everywhere(shared_world):
    """PUT (or any method a route does not take) is refused as such, never a server error."""
    world = shared_world
    seen = set()
    for (_method, rule), route in MATRIX.items():
        if rule in seen or rule.startswith("/static/"):
            continue
        seen.add(rule)
        url = route.url(world)
        answer = world.clients["editor_a"].open(url, method="PUT")
        assert answer.status_code == 405, (rule, answer.status_code)
        assert answer.headers.get("Allow"), rule
        if _answers_json(route, rule):
            assert answer.is_json, rule
            assert "Phương thức không được hỗ trợ" in answer.json["message"], rule
        else:
            assert "Phương thức không được hỗ trợ" in answer.get_data(as_text=True), rule
