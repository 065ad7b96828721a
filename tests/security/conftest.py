"""A small library with two departments, a union and one person of every role, logged in."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from agents import CHROME_ANDROID
from flask.testing import FlaskClient
from support import PASSWORD, pdf_bytes, upload, video_bytes

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.accounts.services import create_token
from library.catalog import services as catalog
from library.extensions import db
from library.metrics.rollup import rollup_day
from library.sharing import collections
from library.sharing import services as sharing
from library.tracking.services import local_time, record_event

ACTORS = ("anonymous", "union", "editor_a", "editor_b", "reviewer_a", "admin")
DRAFT_TITLE = "Bản nháp mật của Sở A 7Q3Z"
REVIEW_TITLE = "Tài liệu chờ duyệt của Sở A 8K2W"
PUBLIC_TITLE = "Sổ tay an toàn lao động của Sở A"
B_TITLE = "Tài liệu của Sở B"
DRAFT_COLLECTION_TITLE = "Bộ sưu tập nháp của Sở A 3C9V"
PUBLIC_COLLECTION_TITLE = "Tuần lễ an toàn của Sở A"


class Client(FlaskClient):
    """Each request in its own app context, as a server runs it."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            return super().open(*args, **kwargs)


@dataclass
class World:
    app: object
    orgs: dict
    users: dict
    clients: dict
    tokens: dict
    draft: object = None
    draft_video: object = None  # with its light rendition
    in_review: object = None
    public: object = None
    b_material: object = None
    made: list = field(default_factory=list)
    target: int | None = None
    target_collection: int | None = None
    target_link: int | None = None
    withdrawn_draft: object = None
    collection: object = None
    draft_collection: object = None
    enterprise: object = None
    other_enterprise: object = None
    link: object = None

    def fresh(self, status="draft", org="a", kind="legal_digest", **extra):
        """A new material of organisation A (or B) for an action that changes it."""
        raw = {
            "title": f"Tài liệu thao tác {len(self.made)}",
            "kind": kind,
            "areas": ["politics-law"],
            "license": "gov-work",
            "body": "Nội dung.",
            "status": "published" if status == "published" else "draft",
            **extra,
        }
        material = catalog.create_material(SYSTEM, self.orgs[org], raw)
        if status == "in_review":
            material.status = "in_review"
        db.session.commit()
        self.made.append(material.id)
        return material

    def fresh_collection(self, status="draft"):
        """A new collection of organisation A with two materials, for an action that changes it."""
        raw = {
            "slug": f"thao-tac-{len(self.made)}",
            "title": f"Bộ sưu tập thao tác {len(self.made)}",
            "status": status,
            "materials": [self.public.id, self.fresh("published").id],
        }
        collection = collections.create_collection(SYSTEM, self.orgs["a"], raw)
        db.session.commit()
        return collection

    def fresh_link(self):
        """A new share link of the union to A's public material."""
        link = sharing.create_link(
            self.users["union"], enterprise=self.enterprise, material=self.public, channel="zalo"
        )
        db.session.commit()
        return link

    def fresh_token_id(self, owner="editor_a") -> int:
        create_token(self.users[owner], "thử")
        db.session.commit()
        return self.users[owner].tokens[-1].id


@pytest.fixture
def world(app):
    """The world for a test that changes it (a write route): built afresh for the test."""
    return build_world(app)


@pytest.fixture(scope="module")
def shared_world(module_app):
    """One world for a module's read-only tests (GET routes, refused writes): built once."""
    return build_world(module_app)


def _org(code, name, type_="department"):
    org = accounts.create_organisation(SYSTEM, code, name, type_)
    db.session.commit()
    return org


def _user(role, org, email):
    user = accounts.create_user(SYSTEM, email, PASSWORD, role, org.code if org else None)
    db.session.commit()
    return user


def build_world(app) -> World:
    """Two departments, a union, one person of every role logged in, and their materials."""
    orgs = {
        "a": _org("so-a", "Sở A"),
        "b": _org("so-b", "Sở B"),
        "union": _org("ldld", "Liên đoàn Lao động", type_="union"),
    }
    users = {
        "union": _user("union", orgs["union"], "congdoan@thuvien.vn"),
        "editor_a": _user("editor", orgs["a"], "bientap.a@thuvien.vn"),
        "editor_b": _user("editor", orgs["b"], "bientap.b@thuvien.vn"),
        "reviewer_a": _user("reviewer", orgs["a"], "duyet.a@thuvien.vn"),
        "admin": _user("admin", None, "quantri@thuvien.vn"),
    }
    app.test_client_class = Client
    clients = {"anonymous": app.test_client()}
    tokens = {"anonymous": None}
    for name, user in users.items():
        client = app.test_client()
        answer = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert answer.status_code == 302, answer.text
        clients[name] = client
    for name, user in users.items():
        tokens[name] = create_token(user, name)
    db.session.commit()
    w = World(app, orgs, users, clients, tokens)
    base = {"areas": ["politics-law"], "license": "gov-work"}
    w.draft = catalog.create_material(
        SYSTEM,
        orgs["a"],
        {**base, "title": DRAFT_TITLE, "kind": "leaflet", "status": "draft"},
        upload(pdf_bytes(2), "ban-nhap.pdf"),
    )
    w.draft_video = catalog.create_material(
        SYSTEM,
        orgs["a"],
        {**base, "title": "Video nháp của tổ chức A", "kind": "video", "status": "draft"},
        upload(video_bytes([(0, 90, 200)], seconds=1.0), "video-nhap.mp4"),
    )
    w.in_review = catalog.create_material(
        SYSTEM, orgs["a"], {**base, "title": REVIEW_TITLE, "kind": "book", "body": "Chờ duyệt."}
    )
    w.in_review.status = "in_review"
    w.public = catalog.create_material(
        SYSTEM,
        orgs["a"],
        {
            **base,
            "title": PUBLIC_TITLE,
            "kind": "legal_digest",
            "body": "Điều 1.",
            "status": "published",
        },
    )
    w.b_material = catalog.create_material(
        SYSTEM,
        orgs["b"],
        {
            **base,
            "title": B_TITLE,
            "kind": "legal_digest",
            "body": "Điều 2.",
            "status": "published",
        },
    )
    w.withdrawn_draft = catalog.create_material(
        SYSTEM,
        orgs["a"],
        {**base, "title": "Bản nháp đã rút 5M1X", "kind": "book", "body": "Nháp."},
    )
    db.session.flush()
    catalog.withdraw_material(SYSTEM, w.withdrawn_draft, "Lý do nội bộ 5M1X")
    db.session.commit()
    # Collections of A: one published, one draft holding A's draft.
    w.collection = collections.create_collection(
        SYSTEM,
        orgs["a"],
        {
            "slug": "tuan-le-an-toan",
            "title": PUBLIC_COLLECTION_TITLE,
            "status": "published",
            "materials": [w.public.id],
        },
    )
    w.draft_collection = collections.create_collection(
        SYSTEM,
        orgs["a"],
        {
            "slug": "bo-suu-tap-nhap",
            "title": DRAFT_COLLECTION_TITLE,
            "summary": "Giới thiệu nội bộ 3C9V",
            "status": "draft",
            "materials": [w.draft.id, w.public.id],
        },
    )
    # An enterprise the union serves, one it does not, and a share link of the union.
    w.enterprise = _org("dn-may", "Công ty May Việt", type_="enterprise")
    w.other_enterprise = _org("dn-go", "Công ty Gỗ Nam", type_="enterprise")
    sharing.set_served_enterprises(SYSTEM, orgs["union"], [w.enterprise.code])
    db.session.commit()
    w.link = w.fresh_link()
    # Views of A's public material, credited to the union: figures others must not read.
    now = datetime.now(UTC)
    for n in range(3):
        record_event(
            w.public.id, "view", f"visitor-{n}", CHROME_ANDROID, "zalo", orgs["union"].id, now
        )
    db.session.commit()
    rollup_day(local_time(now).date())
    db.session.commit()
    return w
