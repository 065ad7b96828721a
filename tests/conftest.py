"""Fixtures: a fresh app per test on tmp_path with its own database, real files and index.

The database is a SQLite file, or a PostgreSQL database when LIBRARY_TEST_DATABASE_URL names a
server (tests/databases.py; `make test` runs the suite both ways).
"""

from pathlib import Path

import pytest
from databases import SEARCH_BACKEND, databases_for, dialect
from flask import Flask
from jinja2 import BytecodeCache
from support import PASSWORD, BufferedClient
from werkzeug.routing import Rule

from library import create_app
from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.cli import prepare_database
from library.extensions import db


class TemplateCache(BytecodeCache):
    """Compiled templates shared by every app the tests build. Each app has a Jinja environment
    of its own and would compile every template it renders again, a tenth of the suite's time;
    a template whose source changed is compiled again (Jinja checks each one's checksum)."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": TemplateCache()}


def _shared_url_builders() -> None:
    """URL builders shared by every app the tests build. Werkzeug writes and compiles Python
    code for each rule of each new app (two builders for each of about a hundred rules), 85% of
    the 200 ms an app takes to build. A builder is the same function for the same rule: it
    reads the rule's converters through the rule it is bound to, so one compiled for an equal
    rule of an earlier app serves."""
    compile_builder = Rule._compile_builder
    builders = {}

    def shared(rule, append_unknown=True):
        key = (
            tuple(rule._trace),
            tuple((name, type(c), _settings(c)) for name, c in rule._converters.items()),
            repr(sorted((rule.defaults or {}).items())),
            append_unknown,
        )
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    Rule._compile_builder = shared


def _settings(converter) -> str:
    """A converter's own settings (its arguments, its pattern), without the map it belongs to."""
    return repr(sorted((k, v) for k, v in vars(converter).items() if k != "map"))


_shared_url_builders()


def _config(folder: Path, database_url: str, **extra) -> dict:
    database_url = extra.pop("SQLALCHEMY_DATABASE_URI", database_url)
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "SEARCH_INDEX_DIR": str(folder / "index"),
        # PostgreSQL search needs a PostgreSQL database; a SQLite app (a copy's source) uses Whoosh.
        "SEARCH_BACKEND": SEARCH_BACKEND if database_url.startswith("postgresql") else "whoosh",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "thuvien.test",
        # One round of PBKDF2 instead of scrypt: the tests make thousands of accounts and logins,
        # and what they check (a hash is stored, the right password opens) does not need the cost.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        # Jobs run at once, in the request that queued them, with no wait between tries; the
        # worker itself is tested in tests/test_jobs.py. The queue is kept beside the test's
        # database: a SQLite file, or the test's own PostgreSQL database (the shared store).
        "JOBS_IMMEDIATE": True,
        "JOBS_RETRY_DELAY": 0,
        # Small page images: a PDF page drawn at 900 and 2000 px costs about a quarter of a
        # second, and the tests upload hundreds of pages. Those about the sizes ask for the real
        # ones (PRODUCT_PAGE_WIDTHS).
        "PDF_PAGE_WIDTH": 90,
        "PDF_FULL_PAGE_WIDTH": 200,
        **extra,
    }


def pytest_report_header(config):
    return f"database: {dialect()}, search backend: {SEARCH_BACKEND}"


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    """One database built by the migrations, copied for each test (faster than migrating)."""
    folder = tmp_path_factory.mktemp("template")
    factory = databases_for(folder)
    app = create_app(_config(folder, factory.template_url()))
    with app.app_context():
        prepare_database()
        db.session.remove()
        db.engine.dispose()
    yield factory
    factory.close()


@pytest.fixture
def database_url(tmp_path, databases):
    """This test's own database, a copy of the migrated template."""
    url = databases.for_test(tmp_path)
    yield url
    databases.release(url)


@pytest.fixture
def empty_database_url(tmp_path, databases):
    """A database with no tables at all, of the same kind as the test's."""
    url = databases.empty(tmp_path)
    yield url
    databases.release(url)


@pytest.fixture
def make_app(tmp_path, database_url):
    """Build an app on this test's folder and database, with settings changed as it needs."""

    built = []

    def build(**extra):
        built.append(create_app(_config(tmp_path, database_url, **extra)))
        return built[-1]

    yield build
    # Close every pooled connection: none may outlive its database (or leak past the test).
    for app in built:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def module_app(tmp_path_factory, databases):
    """An app on a database of its own for a whole test module, its context pushed: for
    read-only tests that share one costly set-up (each leaves what it reads as it found it)."""
    folder = tmp_path_factory.mktemp("module")
    url = databases.for_test(folder)
    app = create_app(_config(folder, url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    databases.release(url)


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
        existing = accounts.find_organisation(code)
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
