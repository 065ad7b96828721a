"""The fault tests break the embedded default on purpose (a SQLite file held locked or moved away,
local folders made full or unwritable, processes killed): they run on SQLite in both passes of the
suite, PostgreSQL's pass included."""

import pytest
from databases import SqliteFiles

from library import create_app
from library.cli import prepare_database
from library.extensions import db


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    """A migrated SQLite template, copied for each fault test whatever the suite's database."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    factory = SqliteFiles(folder)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": factory.template_url(),
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "SEARCH_INDEX_DIR": str(folder / "index"),
            "SEARCH_BACKEND": "whoosh",
        }
    )
    with app.app_context():
        prepare_database()
        db.session.remove()
        db.engine.dispose()
    yield factory
    factory.close()
