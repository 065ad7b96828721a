"""`flask copy-library`: an SQLite library copied whole into an empty database of the run's kind
(another SQLite file in the first pass, PostgreSQL in the second), row for row."""

from datetime import UTC, date, datetime

import pytest
from agents import CHROME_ANDROID, GOOGLEBOT
from sqlalchemy import create_engine, func, select
from support import PASSWORD, png_bytes, upload

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.cli import prepare_database
from library.extensions import db
from library.metrics import reach, sessions
from library.metrics.rollup import rollup_pending
from library.models import Material, User
from library.search.backends import save_synonyms
from library.tracking.services import record_event

TODAY = date(2026, 11, 20)


@pytest.fixture
def sqlite_library(make_app, tmp_path, make_org, make_user, make_material):
    """A small but complete library in an SQLite file: every kind of row the product keeps."""
    url = f"sqlite:///{tmp_path / 'province.db'}"
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        prepare_database()
        dept = make_org(code="so-ldtbxh")
        firm = make_org(code="cty-may", name="Công ty May", type_="enterprise", workers=300)
        editor = make_user("editor", dept, email="bientap@thuvien.vn")
        admin = make_user("admin", email="quantri@thuvien.vn")
        accounts.create_token(editor, "may-chu")
        newer = make_material(dept, title="Luật mới", tags=["lao động", "hợp đồng"])
        older = make_material(
            dept,
            title="Luật cũ",
            kind="poster",
            body="",
            alt_text="Áp phích về luật lao động",
            superseded_by=newer.id,
            upload=upload(png_bytes(), "a.png"),
        )
        make_material(dept, title="Bản nháp", status="draft")
        for n, moment in enumerate(
            [datetime(2026, 11, 18, 3, tzinfo=UTC), datetime(2026, 11, 19, 4, tzinfo=UTC)]
        ):
            record_event(older.id, "view", f"c{n}", CHROME_ANDROID, "zalo", firm.id, now=moment)
            record_event(newer.id, "download", f"c{n}", CHROME_ANDROID, now=moment)
            record_event(newer.id, "view", "bot", GOOGLEBOT, now=moment)
        record_event(newer.id, "view", "h1", "Zalo/1.0 (unknown device)", now=moment)
        rollup_pending(TODAY)
        reach.set_workforce(admin, 5000, {firm.id: 300})
        raw = {"held_on": "2026-03-05", "organisation_id": str(firm.id), "attendees": 40}
        sessions.log_session(admin, {**raw, "areas": ["politics-law"]}, TODAY)
        save_synonyms(admin, "bhxh = bảo hiểm xã hội")
        db.session.commit()
        db.session.remove()
    return app, url


def _copy(app, *args):
    """Run the command as `flask` would, in the SQLite library's app."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=["copy-library", *args])


def _rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in key order, as Python values (dates, booleans, JSON)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table.name: [
                    tuple(r)
                    for r in conn.execute(select(table).order_by(*table.primary_key.columns))
                ]
                for table in db.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def test_a_library_is_copied_row_for_row(sqlite_library, empty_database_url):
    app, source = sqlite_library
    result = _copy(app, "--to", empty_database_url)
    assert result.exit_code == 0, result.output
    before, after = _rows(source), _rows(empty_database_url)
    assert {name: len(rows) for name, rows in after.items()} == {
        name: len(rows) for name, rows in before.items()
    }
    assert after == before
    assert all(before[name] for name in ("materials", "events", "daily_metrics", "api_tokens"))
    assert "KHÔNG KHỚP" not in result.output and "materials" in result.output


def test_the_copy_is_a_working_library(sqlite_library, empty_database_url, make_app):
    app, _source = sqlite_library
    assert _copy(app, "--to", empty_database_url).exit_code == 0
    copied = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    client = copied.test_client()
    with copied.app_context():
        older = db.session.scalar(select(Material).where(Material.title == "Luật cũ"))
        assert older.superseded_by.title == "Luật mới"
        assert client.get(f"/materials/{older.id}").status_code == 200
        # Ids go on after the copied ones: a new row never collides with a copied one.
        user = accounts.create_user(SYSTEM, "moi@thuvien.vn", PASSWORD, "admin", None)
        db.session.commit()
        assert user.id == db.session.scalar(select(func.max(User.id)))
        assert user.id > 2
        answer = client.post("/login", data={"email": "quantri@thuvien.vn", "password": PASSWORD})
        assert answer.status_code == 302
        db.session.remove()


def test_a_target_with_rows_is_refused_and_left_alone(sqlite_library, empty_database_url):
    app, source = sqlite_library
    assert _copy(app, "--to", empty_database_url).exit_code == 0
    before = _rows(empty_database_url)
    again = _copy(app, "--from", source, "--to", empty_database_url)
    assert again.exit_code != 0
    assert "không trống" in again.output
    assert _rows(empty_database_url) == before


def test_copying_a_database_onto_itself_is_refused(sqlite_library):
    app, source = sqlite_library
    result = _copy(app, "--to", source)
    assert result.exit_code != 0 and "cùng một" in result.output
