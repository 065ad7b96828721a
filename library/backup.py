"""`flask backup DEST` and `flask restore SNAPSHOT`: a consistent snapshot of a running library
and its return on a fresh machine.

A snapshot folder holds::

    library.db        the database, copied by SQLite's online backup API (one consistent
                      moment, while the site keeps reading and writing)
    files/ab/<sha256>.<ext>   every stored file the copied database refers to (hard links
                      when on the same file system, copies otherwise)
    manifest.json     app version, migration revision, row counts per table, the database's
                      and every file's SHA-256 and size

Thumbnails and the search index are not copied: both are derived and are rebuilt on restore.
The files are read from the copied database, not the live one, so a material added after the
snapshot's moment is not half in it. PostgreSQL is refused with a message: use pg_dump.
"""

import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from flask import current_app

from library import doctor
from library.errors import DomainError
from library.extensions import db
from library.storage import file_sha256, get_storage

MANIFEST = "manifest.json"
DATABASE = "library.db"
FILES = "files"
FORMAT = 1
Say = Callable[[str], None]


class BackupError(DomainError):
    code = "backup_failed"


def _quiet(_message: str) -> None:
    """No progress output."""


def app_version() -> str:
    try:
        return metadata.version("open-learning-library")
    except metadata.PackageNotFoundError:
        return "unknown"


def _live_database() -> Path:
    path = doctor.sqlite_path()
    if path is None:
        raise BackupError(
            f"flask backup copies the embedded SQLite database; this library uses "
            f"{db.engine.dialect.name}: back it up with its own tool (pg_dump) and copy the "
            f"upload folder"
        )
    return path


def backup(dest: Path, say: Say = _quiet) -> dict:
    """Write a snapshot into `dest` (a new or empty folder); return the manifest.

    The snapshot is written into a temporary folder beside `dest` and renamed into place once
    whole, so a backup that fails (a file missing or altered, a full or unwritable disk) leaves
    nothing behind, not even the folders it had to create."""
    source = _live_database()
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} is not empty: give a new folder")
    created = _first_missing(dest.parent)
    work = None
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.unfinished-"))
        manifest = _write_snapshot(work, source, say)
        os.rename(work, dest)  # (replaces the empty folder given, if any)
    except BaseException as error:
        for folder in (work, created):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        # A full disk reaches the database copy as SQLite's own error, the files as OSError.
        if isinstance(error, OSError | sqlite3.Error):
            raise BackupError(
                f"the backup could not be written ({error}): nothing was kept"
            ) from error
        raise
    return manifest


def _first_missing(folder: Path) -> Path | None:
    """The outermost folder of `folder`'s path that does not exist yet (None if it exists)."""
    missing = None
    while not folder.exists() and folder != folder.parent:
        missing, folder = folder, folder.parent
    return missing


def _write_snapshot(dest: Path, source: Path, say: Say) -> dict:
    """The database, every file it refers to (checked against its recorded hash), the manifest."""
    snapshot = dest / DATABASE
    say("Sao chép cơ sở dữ liệu…")
    _sqlite_copy(source, snapshot)
    tables, revision, files = _read_snapshot(snapshot)
    say(f"Sao chép {len(files)} tệp…")
    listed = [_copy_file(dest, *row) for row in files]
    manifest = {
        "format": FORMAT,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "app_version": app_version(),
        "migration_revision": revision,
        "database": {
            "file": DATABASE,
            "sha256": file_sha256(snapshot),
            "size": snapshot.stat().st_size,
        },
        "tables": tables,
        "files": listed,
        "counts": {
            "files": len(listed),
            "file_bytes": sum(f["size"] for f in listed),
            "materials": tables.get("materials", 0),
            "users": tables.get("users", 0),
            "events": tables.get("events", 0),
        },
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


def _copy_file(dest: Path, sha256: str, stored_sha256: str, extension: str, size: int) -> dict:
    """One stored file into the snapshot, refused unless it holds the bytes recorded for it."""
    storage = get_storage()
    key = storage.key_for(sha256, extension)
    target = dest / FILES / key
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        _link_or_copy(storage.path(key), target)
    except FileNotFoundError:
        raise BackupError(
            f"file {key} is missing from the upload folder: run `flask doctor`"
        ) from None
    if not doctor.file_intact(target, stored_sha256, size):
        raise BackupError(f"file {key} is altered (SHA-256 differs): run `flask doctor`")
    return {"key": key, "sha256": stored_sha256, "size": size}


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy while other connections keep writing.

    All pages in one step, under one read transaction (in WAL mode writers go on meanwhile):
    a copy in several steps starts again whenever another connection writes, and with a busy
    site might never finish."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()


def _read_snapshot(path: Path):
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name"
            )
        ]
        tables = {n: connection.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
        revision = None
        if "alembic_version" in names:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        files = connection.execute(
            "SELECT sha256, stored_sha256, extension, size FROM stored_files ORDER BY id"
        ).fetchall()
    finally:
        connection.close()
    return tables, revision, files


def _link_or_copy(source: Path, target: Path) -> None:
    """Stored files never change (their name is their hash): a hard link is a safe copy."""
    try:
        os.link(source, target)
    except FileNotFoundError:
        raise
    except OSError:
        shutil.copy2(source, target)


# Restore -----------------------------------------------------------------------------------


def restore(snapshot: Path, say: Say = _quiet) -> dict:
    """Bring a snapshot back into an empty library: database, files, thumbnails, index."""
    snapshot = Path(snapshot)
    manifest_path = snapshot / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{snapshot} has no {MANIFEST}: not a snapshot")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"snapshot format {manifest.get('format')} is not {FORMAT}")
    target = _live_database()
    storage = get_storage()
    _require_empty(target, storage.root)
    say("Kiểm tra bản sao…")
    database = snapshot / manifest["database"]["file"]
    if file_sha256(database) != manifest["database"]["sha256"]:
        raise BackupError("the snapshot's database is altered (SHA-256 differs)")
    for item in manifest["files"]:
        path = snapshot / FILES / item["key"]
        if not path.is_file() or file_sha256(path) != item["sha256"]:
            raise BackupError(f"file {item['key']} of the snapshot is missing or altered")
    say("Khôi phục cơ sở dữ liệu…")
    db.session.remove()
    db.engine.dispose()
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    _sqlite_copy(database, target)
    with sqlite3.connect(target) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
    connection.close()
    say(f"Khôi phục {len(manifest['files'])} tệp…")
    for item in manifest["files"]:
        destination = storage.path(item["key"])
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(snapshot / FILES / item["key"], destination)
    from library.cli import prepare_database

    prepare_database()  # a snapshot from an older version is brought to the newest schema
    say("Dựng lại ảnh thu nhỏ và chỉ mục tìm kiếm…")
    current_app.extensions.pop("search.synonyms_checked_at", None)
    report = doctor.run(repair=True, grace=0)
    if not report.ok:
        problems = "; ".join(f.message for f in report.problems)
        raise BackupError(f"restored, but problems remain: {problems}")
    return manifest


def _require_empty(database: Path, uploads: Path) -> None:
    """Refuse to overwrite a library: the database must be absent or hold no tables, and the
    upload folder must hold no file."""
    if database.exists() and database.stat().st_size > 0:
        tables = doctor.sqlite_tables(database)
        if tables:
            raise BackupError(
                f"the database {database} is not empty ({len(tables)} tables): restore goes "
                f"into an empty library only"
            )
    if uploads.is_dir() and any(
        p.is_file() and p.relative_to(uploads).as_posix() not in doctor.CHECKOUT_FILES
        for p in uploads.rglob("*")
    ):
        raise BackupError(f"the upload folder {uploads} is not empty")
