"""Fixtures: a fresh app per test on tmp_path with a real SQLite file, real files and index."""

import os
import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from support import PASSWORD

from library import create_app
from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.cli import prepare_database
from library.extensions import db
from library.models import Organisation


def _config(folder: Path, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'library.db'}",
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "SEARCH_INDEX_DIR": str(folder / "index"),
        "SEARCH_BACKEND": os.environ.get("LIBRARY_TEST_SEARCH_BACKEND") or "whoosh",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "thuvien.test",
        **extra,
    }


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    """One database built by the migrations, copied for each test (faster than migrating)."""
    folder = tmp_path_factory.mktemp("template")
    app = create_app(_config(folder))
    with app.app_context():
        prepare_database()
        db.engine.dispose()
    return folder / "library.db"


@pytest.fixture
def make_app(tmp_path, template_db):
    """Build an app on this test's folder, with settings changed as the test needs."""

    def build(**extra):
        db_file = tmp_path / "library.db"
        if not db_file.exists():
            shutil.copy(template_db, db_file)
        return create_app(_config(tmp_path, **extra))

    return build


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class BufferedClient(FlaskClient):
    """A test client that reads each answer whole (served files are closed at once) and runs
    each request in its own app context, as a server does: its own session, g and teardown."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = BufferedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_org(app):
    def make(
        code="so-ldtbxh",
        name="Sở Lao động - Thương binh và Xã hội",
        type_="department",
        workers=None,
        requires_review=False,
    ):
        existing = db.session.scalar(select(Organisation).where(Organisation.code == code))
        if existing is not None:
            return existing
        org = accounts.create_organisation(SYSTEM, code, name, type_, workers, requires_review)
        db.session.commit()
        return org

    return make


@pytest.fixture
def make_user(app, make_org):
    counter = iter(range(1, 10_000))

    def make(role="editor", org=None, email=None):
        if org is None and role != "admin":
            org = make_org(code=f"org-{next(counter)}")
        email = email or f"{role}{next(counter)}@thuvien.vn"
        user = accounts.create_user(SYSTEM, email, PASSWORD, role, org.code if org else None)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_material(app, make_org):
    def make(org=None, upload=None, **fields):
        org = org or make_org(code="so-vhttdl", name="Sở Văn hóa, Thể thao và Du lịch")
        raw = {
            "title": "Những điều cần biết về hợp đồng lao động",
            "summary": "Quyền và nghĩa vụ khi giao kết hợp đồng lao động.",
            "kind": "legal_digest",
            "areas": ["politics-law"],
            "license": "gov-work",
            "body": "## Điều 13\nHợp đồng lao động là sự thỏa thuận giữa người lao động "
            "và người sử dụng lao động.",
            "status": "published",
            **fields,
        }
        material = catalog.create_material(SYSTEM, org, raw, upload)
        db.session.commit()
        return material

    return make


@pytest.fixture
def login(client):
    def do(user):
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.text
        return client

    return do
