"""Fixtures: a fresh app per test on tmp_path with a real SQLite file, real files and index."""

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from library import create_app
from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.cli import prepare_database
from library.extensions import db

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
FIXTURES = SHARED_DATA / "fixtures"
PASSWORD = "mat-khau-thu-nghiem"


def _config(folder: Path, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'library.db'}",
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "SEARCH_INDEX_DIR": str(folder / "index"),
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


@pytest.fixture
def client(app):
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
        email = email or f"{role}{next(counter)}@thuvien.example.vn"  # .test is refused as reserved
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


def png_bytes(size=(64, 48), color=(200, 30, 30), fmt="PNG", **save) -> bytes:
    """A small real image."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt, **save)
    return buffer.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    """A small real PDF with blank pages."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str):
    """A file as a service receives it."""
    return catalog.Upload(io.BytesIO(data), name)


def stored_files(app) -> list[Path]:
    """Every kept file and derived image under the uploads folder (temporary files excluded)."""
    root = Path(app.config["UPLOAD_FOLDER"])
    return [p for p in root.rglob("*") if p.is_file() and "tmp" not in p.relative_to(root).parts]
