"""Backups of real libraries: the demo library `make run` seeds and a library holding every
fixture file of tests/data pass `flask doctor` and come back from `flask backup` / `flask
restore` byte for byte; a backup that fails leaves nothing behind.

PDFs with an ordinary /OpenAction (the demo's Nghị định 145 has one) and images cleaned on
upload hold other bytes than the upload whose hash names them: each stored file has its own
recorded hash, which the doctor and the backup check."""

import json
import sqlite3
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from support import FIXTURES, upload

from library import backup, create_app
from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.extensions import db
from library.models import Material, StoredFile
from library.storage import file_sha256, get_storage

from .faults_support import files_of, rows_of
from .test_faults_web import immutable, small_disk

CARD_PAGES = ("/preview.jpg", "/areas/politics-law/preview.jpg")
# Drawn on demand and never backed up; the checkout's placeholder of the upload folder.
NOT_BACKED_UP = ("tmp", "quarantine", "cards", ".gitkeep")


def library_app(folder: Path, database_url: str | None = None):
    """An app on its own folder (a fresh machine when the database file does not exist yet)."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{folder / 'library.db'}",
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "SEARCH_INDEX_DIR": str(folder / "index"),
            "SEARCH_BACKEND": "whoosh",
            "SERVER_NAME": "thuvien.test",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        }
    )


def seed_demo(app) -> None:
    """What `make run` loads: `flask seed-demo --with-activity`."""
    result = app.test_cli_runner().invoke(args=["seed-demo", "--with-activity"])
    assert result.exit_code == 0, result.output
    assert "từ chối 0" in result.output


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.suffix in (".pdf", ".png", ".jpg"))


def seed_fixtures(app) -> None:
    """Every PDF and picture of tests/data/fixtures, uploaded as an editor would, and a text."""
    org = accounts.create_organisation(SYSTEM, "so-ldtbxh", "Sở Lao động", "department", None)
    for path in fixture_files():
        picture = path.suffix != ".pdf"
        fields = {
            "title": path.stem,
            "kind": "poster" if picture else "legal_digest",
            "areas": ["politics-law"],
            "license": "gov-work",
            "alt_text": "Ảnh minh họa" if picture else "",
            "status": "published",
        }
        with open(path, "rb") as stream:
            catalog.create_material(SYSTEM, org, fields, catalog.Upload(stream, path.name))
    text = {"title": "Hợp đồng lao động", "kind": "legal_digest", "body": "Điều 13."}
    more = {"areas": ["politics-law"], "license": "gov-work", "status": "published"}
    catalog.create_material(SYSTEM, org, {**text, **more}, None)
    db.session.commit()


SEEDS = {"demo": seed_demo, "fixtures": seed_fixtures}


@pytest.fixture(scope="module", params=sorted(SEEDS))
def library(request, tmp_path_factory, databases):
    """A seeded library, its preview cards drawn and the checkout's .gitkeep in its uploads."""
    folder = tmp_path_factory.mktemp(request.param)
    app = library_app(folder, databases.for_test(folder))
    with app.app_context():
        SEEDS[request.param](app)
        client = app.test_client()
        text_only = db.session.scalar(
            select(func.min(Material.id)).where(Material.file_id.is_(None))
        )
        for page in (*CARD_PAGES, f"/materials/{text_only}/preview.jpg"):
            assert client.get(page, buffered=True).status_code == 200, page
        (get_storage().root / ".gitkeep").write_bytes(b"")
        db.session.remove()
        yield app
        db.session.remove()
        db.engine.dispose()


def uploads_of(app) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


def test_the_library_passes_the_doctor_and_keeps_its_cards_and_gitkeep(library):
    uploads = uploads_of(library)
    cards = sorted((uploads / "cards").rglob("*.jpg"))
    assert len(cards) == 3
    result = library.test_cli_runner().invoke(args=["doctor", "--grace-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert "Mọi thứ nhất quán" in result.output
    assert "PROBLEM" not in result.output and "orphan" not in result.output
    assert ".gitkeep" not in result.output and "cards" not in result.output
    assert sorted((uploads / "cards").rglob("*.jpg")) == cards  # none quarantined
    assert (uploads / ".gitkeep").is_file() and not (uploads / "quarantine").exists()


def test_each_stored_file_holds_the_bytes_its_row_records(library):
    storage = get_storage()
    rows = db.session.scalars(select(StoredFile)).all()
    assert rows
    for stored in rows:
        path = storage.path(storage.key_for(stored.sha256, stored.extension))
        assert file_sha256(path) == stored.stored_sha256, path.name
        assert path.stat().st_size == stored.size


def test_a_pdf_whose_open_action_only_sets_the_view_is_kept_unchanged(library):
    path = FIXTURES / "Nghị định 145／2020／NĐ-CP.pdf"
    assert "/OpenAction" in PdfReader(path).trailer["/Root"]
    original = path.read_bytes()
    storage = get_storage()
    kept = [
        storage.path(storage.key_for(s.sha256, s.extension)).read_bytes()
        for s in db.session.scalars(select(StoredFile).where(StoredFile.extension == "pdf"))
    ]
    assert original in kept


def test_the_library_comes_back_from_backup_and_restore_byte_for_byte(library, tmp_path):
    # The thumbnails a jobs worker would have made by now (a restore makes them again), whichever
    # test ran the doctor on this library first.
    repaired = library.test_cli_runner().invoke(args=["doctor", "--grace-minutes", "0"])
    assert repaired.exit_code == 0, repaired.output
    snapshot = tmp_path / "snapshot"
    saved = library.test_cli_runner().invoke(args=["backup", str(snapshot)])
    assert saved.exit_code == 0, saved.output
    live = Path(library.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    manifest = json.loads((snapshot / "manifest.json").read_text())
    files = db.session.scalar(select(func.count()).select_from(StoredFile))
    assert manifest["counts"]["files"] == files > 0

    fresh = tmp_path / "fresh"
    other = library_app(fresh)
    with other.app_context():
        restored = other.test_cli_runner().invoke(args=["restore", str(snapshot)])
        assert restored.exit_code == 0, restored.output
        checked = other.test_cli_runner().invoke(args=["doctor", "--grace-minutes", "0"])
        assert checked.exit_code == 0, checked.output
        db.session.remove()
        db.engine.dispose()
    assert rows_of(fresh / "library.db") == rows_of(live)
    # Every stored file and every thumbnail (remade on restore) is the same, byte for byte.
    before = files_of(uploads_of(library), skipped=NOT_BACKED_UP)
    after = files_of(fresh / "uploads", skipped=NOT_BACKED_UP)
    assert sorted(after) == sorted(before)
    assert [k for k in before if before[k] != after[k]] == []


# A failed backup leaves nothing -------------------------------------------------------------


@pytest.fixture
def small_library(app, make_material):
    """A PDF with an /OpenAction and a cleaned picture, on the test's own library."""
    for name in ("Nghị định 145／2020／NĐ-CP.pdf", "vietocr.jpg"):
        picture = name.endswith(".jpg")
        make_material(
            title=name,
            kind="poster" if picture else "legal_digest",
            body="",
            alt_text="Sơ đồ" if picture else "",
            upload=upload((FIXTURES / name).read_bytes(), name),
        )
    return app


def stored_paths() -> list[Path]:
    storage = get_storage()
    return [
        storage.path(storage.key_for(s.sha256, s.extension))
        for s in db.session.scalars(select(StoredFile).order_by(StoredFile.id))
    ]


def left_beside(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_backup_refused_for_an_altered_file_leaves_nothing(small_library, runner, tmp_path):
    stored_paths()[-1].write_bytes(b"altered on disk")
    target = tmp_path / "backups" / "monday" / "snapshot"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0 and "altered" in result.output
    assert not (tmp_path / "backups").exists()  # not even the folders it made


def test_a_file_removed_while_the_backup_runs_leaves_nothing(small_library, tmp_path):
    target = tmp_path / "backups" / "snapshot"
    target.mkdir(parents=True)  # an empty folder given: it stays as it was

    def remove_a_file(message: str) -> None:
        if message.startswith("Sao chép") and "tệp" in message:  # the database is copied
            stored_paths()[0].unlink()

    with pytest.raises(backup.BackupError, match="missing"):
        backup.backup(target, say=remove_a_file)
    assert left_beside(target.parent) == ["snapshot"] and left_beside(target) == []


def test_a_backup_into_an_unwritable_folder_says_so_and_leaves_nothing(
    small_library, runner, tmp_path
):
    backups = tmp_path / "backups"
    backups.mkdir()
    with immutable(backups):  # not even root may write there
        result = runner.invoke(args=["backup", str(backups / "snapshot")])
    assert result.exit_code != 0
    assert "could not be written" in result.output and "Traceback" not in result.output
    assert left_beside(backups) == []


def _database_bytes(app) -> int:
    """The live database's size as a copy has it (its pages, those still in the WAL included)."""
    live = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with sqlite3.connect(live) as connection:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        size = connection.execute("PRAGMA page_size").fetchone()[0]
    return pages * size


def test_a_backup_that_fills_the_disk_midway_leaves_nothing(small_library, runner, tmp_path):
    # Room for the database, not for the files after it.
    room = f"{(_database_bytes(small_library) + 48 * 1024) // 1024}k"
    with small_disk(tmp_path / "backups", room) as backups:
        result = runner.invoke(args=["backup", str(backups / "snapshot")])
        assert result.exit_code != 0, result.output
        assert "Sao chép 2 tệp" in result.output  # the database was copied: then the disk filled
        assert "No space left" in result.output and "nothing was kept" in result.output
        assert left_beside(backups) == []


def test_a_disk_too_small_for_the_database_says_so_and_leaves_nothing(
    small_library, runner, tmp_path
):
    room = f"{_database_bytes(small_library) // 2 // 1024}k"
    with small_disk(tmp_path / "backups", room) as backups:
        result = runner.invoke(args=["backup", str(backups / "snapshot")])
        assert result.exit_code != 0, result.output
        assert "could not be written" in result.output and "nothing was kept" in result.output
        assert "Sao chép 2 tệp" not in result.output and "Traceback" not in result.output
        assert left_beside(backups) == []


def test_a_backup_into_an_empty_folder_given_fills_it(small_library, runner, tmp_path):
    target = tmp_path / "backups" / "snapshot"
    target.mkdir(parents=True)
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert left_beside(target.parent) == ["snapshot"]
    assert sorted(p.name for p in target.iterdir()) == ["files", "library.db", "manifest.json"]
