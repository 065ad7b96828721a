"""`flask doctor`: check the database, the search index, the files and their agreement, and
repair what can be repaired without a person's judgement.

The database is the truth. Everything else is either kept by it (a material's file, which
cannot be recreated if it is lost) or derived from it (the search index, thumbnails), which
can. So the doctor:

- database: reachable, migrations at head, `PRAGMA integrity_check` and `foreign_key_check`
  on SQLite; nothing here is repaired (a damaged database needs a backup: `flask restore`);
- files: every stored file exists and holds the bytes recorded when it was kept (its size and
  `stored_sha256`; a missing or altered file is reported with the materials that use it: it
  cannot be repaired here); thumbnails missing are made again; every light rendition of a
  video or audio holds the bytes its row records (else it is forgotten and its job queued
  again), and a rendition file no row records is deleted; a PDF's page images (normal and
  large) missing have its page job queued again (pages are drawn by that job only); files in
  the upload folder that no row refers to are moved to a quarantine folder (never deleted),
  thumbnails of no file are removed, and uploads left half-received in `tmp/` by a crash are
  deleted; the drawn preview cards (`cards/`, made again on demand) and the folder's
  `.gitkeep` are the app's own;
- search: the index opens and holds exactly the published materials, each as it is now (ids
  and a change stamp); if not, or if a crashed rebuild left its unfinished generation behind,
  it is rebuilt.

Files changed less than `grace` ago are left alone (they may belong to an upload or a rebuild
still running). The report lists every finding; `ok` is False when a problem remains.
"""

import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload, selectinload

from library import jobs
from library.catalog import media, processing
from library.extensions import db
from library.models import Material, Rendition, StoredFile
from library.search import indexing
from library.search.backends import get_backend
from library.search.base import SearchError
from library.sharing.cards import CARDS
from library.storage import file_sha256, get_storage

QUARANTINE = "quarantine"
KEPT = "kept"  # library.catalog.kept_files
SKIPPED_DIRS = ("tmp", "derived", CARDS, QUARANTINE, KEPT)
# Files of the project's checkout in the default upload folder (it keeps the folder in git).
CHECKOUT_FILES = {".gitkeep"}
BUSY = ("queued", "running")
DERIVED_NAMES = (media.LIST_THUMB, media.MEDIUM_IMAGE, media.PREVIEW_IMAGE)


@dataclass
class Finding:
    """One thing found: where, what, and whether the doctor repaired it."""

    part: str  # database, files, search
    message: str
    repaired: bool = False
    action: str = ""

    @property
    def status(self) -> str:
        return "repaired" if self.repaired else "PROBLEM"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if not f.repaired]

    @property
    def repaired(self) -> list[Finding]:
        return [f for f in self.findings if f.repaired]

    @property
    def ok(self) -> bool:
        return not self.problems


Say = Callable[[str], None]


def _quiet(_message: str) -> None:
    """No progress output."""


def run(repair: bool = True, grace: float = 600, say: Say = _quiet) -> Report:
    """Check everything (and repair what can be, unless `repair` is False)."""
    report = Report()
    say("Cơ sở dữ liệu…")
    if not check_database(report):
        return report  # nothing else can be judged without the database
    say("Tệp đã lưu…")
    check_files(report, repair, grace, say)
    say("Chỉ mục tìm kiếm…")
    check_search(report, repair, grace)
    return report


# Database ----------------------------------------------------------------------------------


def check_database(report: Report) -> bool:
    """Reachable, migrated to head, intact; False if it cannot be used at all."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        report.findings.append(Finding("database", f"unreachable: {_short(error)}"))
        return False
    head = _migration_head()
    try:
        with db.engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as error:
        report.findings.append(Finding("database", f"revision unreadable: {_short(error)}"))
        return False
    if revision != head:
        report.findings.append(
            Finding(
                "database",
                f"schema at revision {revision or 'none'}, the code expects {head}: "
                "run `flask init-db`",
            )
        )
        return False
    if db.engine.dialect.name == "sqlite":
        result = [row[0] for row in db.session.execute(text("PRAGMA integrity_check"))]
        if result != ["ok"]:
            report.findings.append(
                Finding("database", "integrity_check: " + "; ".join(map(str, result[:5])))
            )
        broken = db.session.execute(text("PRAGMA foreign_key_check")).all()
        if broken:
            tables = sorted({row[0] for row in broken})
            report.findings.append(
                Finding(
                    "database",
                    f"{len(broken)} rows refer to missing rows (tables {', '.join(tables)})",
                )
            )
    report.checked["materials"] = db.session.scalar(select(func.count()).select_from(Material))
    return True


def _migration_head() -> str | None:
    migrate = current_app.extensions["migrate"]
    config = migrate.migrate.get_config(migrate.directory)
    return ScriptDirectory.from_config(config).get_current_head()


def migration_revision() -> str | None:
    """The revision the database is at (for backups)."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


# Files -------------------------------------------------------------------------------------


def file_intact(path: Path, stored_sha256: str, size: int) -> bool:
    """True when a stored file holds the bytes its row recorded when it was kept (a file is
    named by the hash of the upload, but an image or a PDF cleaned on upload holds others)."""
    return path.stat().st_size == size and file_sha256(path) == stored_sha256


def check_files(report: Report, repair: bool, grace: float, say: Say = _quiet) -> None:
    """Every stored file present and intact; every file in the folder known; thumbnails."""
    storage = get_storage()
    rows = db.session.execute(
        select(
            StoredFile.id,
            StoredFile.sha256,
            StoredFile.stored_sha256,
            StoredFile.extension,
            StoredFile.mime_type,
            StoredFile.size,
        )
    ).all()
    users = _materials_by_file()
    known: set[str] = set()
    for number, (file_id, sha256, stored_sha256, extension, mime_type, size) in enumerate(rows, 1):
        if number % 200 == 0:
            say(f"  {number}/{len(rows)}")
        key = storage.key_for(sha256, extension)
        known.add(key)
        path = storage.path(key)
        where = f"materials {users.get(file_id, [])}" if users.get(file_id) else "no material"
        if not path.is_file():
            report.findings.append(
                Finding("files", f"file {key} of {where} is missing: restore it from a backup")
            )
            continue
        if not file_intact(path, stored_sha256, size):
            report.findings.append(
                Finding("files", f"file {key} of {where} is altered (SHA-256 or size differs)")
            )
            continue
        family = "pdf" if mime_type == "application/pdf" else mime_type.split("/")[0]
        _check_derived(report, repair, storage, path, sha256, family)
        if file_id not in users:
            report.findings.append(
                Finding(
                    "files",
                    f"stored file {key} is used by no material",
                    repaired=True,
                    action="kept (harmless)",
                )
            )
    report.checked["files"] = len(rows)
    known |= check_renditions(report, repair, storage)
    check_page_images(report, repair, storage)
    _check_folder(report, repair, grace, storage.root, known, {Path(k).stem for k in known})
    if repair:
        db.session.commit()  # renditions forgotten: their jobs go to the workers now


def _materials_by_file() -> dict[int, list[int]]:
    """The materials using each stored file, as their file or as their captions."""
    found: dict[int, list[int]] = {}
    for column in (Material.file_id, Material.captions_file_id):
        for material_id, file_id in db.session.execute(
            select(Material.id, column).where(column.is_not(None))
        ):
            found.setdefault(file_id, []).append(material_id)
    return found


def _check_derived(report, repair, storage, path: Path, sha256: str, family: str) -> None:
    """Thumbnails of images, PDFs and videos (a frame): made again when missing."""
    if family not in ("image", "pdf", "video"):
        return
    folder = storage.derived_path(sha256, "")
    missing = [name for name in DERIVED_NAMES if not (folder / name).is_file()]
    if not missing:
        return
    finding = Finding("files", f"thumbnails of {path.name} missing ({', '.join(missing)})")
    if repair:
        try:
            media.make_thumbnails(path, family, folder)
        except Exception as error:  # noqa: BLE001 - reported, the file itself is fine
            finding.action = f"could not remake them: {_short(error)}"
        else:
            # A file with no picture to draw (a PDF of blank pages fails nothing) shows none.
            finding.repaired = True
            remade = all((folder / name).is_file() for name in DERIVED_NAMES)
            finding.action = "remade" if remade else "nothing to draw: shown without one"
    report.findings.append(finding)


def check_renditions(report: Report, repair: bool, storage) -> set[str]:
    """Every rendition's file present and as its row recorded; a missing or altered one is
    forgotten and its job queued again (the original still plays meanwhile). Returns the
    renditions' paths under the upload folder, for the folder check."""
    known = set()
    renditions = db.session.scalars(select(Rendition).options(joinedload(Rendition.file))).all()
    for rendition in renditions:
        path = storage.derived_path(rendition.file.sha256, rendition.filename)
        intact = path.is_file() and file_intact(path, rendition.sha256, rendition.size)
        if intact:
            known.add(path.relative_to(storage.root).as_posix())
            continue
        state = "altered" if path.is_file() else "missing"
        finding = Finding(
            "files", f"rendition {rendition.filename} of {rendition.file.sha256} is {state}"
        )
        if repair:
            processing.queue_rendition_again(rendition)
            finding.repaired, finding.action = True, "forgotten, its job queued again"
        report.findings.append(finding)
    report.checked["renditions"] = len(renditions)
    return known


def check_page_images(report: Report, repair: bool, storage) -> None:
    """Every page image a PDF's page job makes, once that job has ended: missing ones have
    the job queued again (it draws only those missing; the page shows the others meanwhile)."""
    pdfs = db.session.scalars(
        select(StoredFile)
        .where(StoredFile.mime_type == "application/pdf", StoredFile.page_count > 0)
        .options(selectinload(StoredFile.jobs))
    ).all()
    for stored in pdfs:
        busy = any(j.kind == processing.PAGES and j.status in BUSY for j in stored.jobs)
        if busy or not storage.exists(storage.key_for(stored.sha256, stored.extension)):
            continue  # the job will make them; a missing file is reported with the files
        folder = storage.derived_path(stored.sha256, "")
        names = processing.page_image_names(stored)
        missing = [name for name in names if not (folder / name).is_file()]
        if not missing:
            continue
        shown = ", ".join(missing[:6]) + (" …" if len(missing) > 6 else "")
        finding = Finding("files", f"page images of {stored.sha256} missing ({shown})")
        if repair:
            jobs.queue_jobs(stored, [processing.PAGES])
            finding.repaired, finding.action = True, "its page job queued again"
        report.findings.append(finding)
    report.checked["PDFs"] = len(pdfs)


def _check_folder(report, repair, grace, root: Path, known: set[str], hashes: set[str]) -> None:
    """Files nobody refers to: quarantined; stale temporary uploads and thumbnails: deleted."""
    if not root.is_dir():
        return
    now = time.time()
    quarantine = root / QUARANTINE / time.strftime("%Y%m%dT%H%M%S")
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        top = relative.parts[0]
        if top == QUARANTINE:
            continue
        young = now - _mtime(path) < grace
        if top == "tmp" or (top in (CARDS, "derived") and path.suffix == ".tmp"):
            what = {"tmp": "upload", CARDS: "preview card"}.get(top, "derived file")
            report.findings.append(
                _unfinished(path, f"unfinished {what} {relative}", young, repair)
            )
        elif top == CARDS or relative.as_posix() in CHECKOUT_FILES:
            continue  # drawn preview cards are drawn again when missing
        elif top == KEPT:
            continue  # files kept for an editor's next submit: they expire by themselves
        elif top == "derived":
            if len(relative.parts) >= 3 and relative.parts[2] in hashes:
                if not path.name.startswith("rendition-") or relative.as_posix() in known:
                    continue
                # A rendition no row records (its worker died before saving the row).
                finding = Finding("files", f"rendition of no row {relative}")
                if young:
                    finding.repaired, finding.action = True, "recent: left for the worker"
                elif repair:
                    path.unlink(missing_ok=True)
                    finding.repaired, finding.action = True, "deleted"
                report.findings.append(finding)
                continue
            finding = Finding("files", f"thumbnail of no file {relative}")
            if repair:
                path.unlink(missing_ok=True)
                finding.repaired, finding.action = True, "deleted"
            report.findings.append(finding)
        elif relative.as_posix() not in known:
            finding = Finding("files", f"orphan file {relative} (no row refers to it)")
            if young:
                finding.action = "recent: left alone (an upload may still be saving it)"
                finding.repaired = True
            elif repair:
                target = quarantine / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(path, target)
                finding.repaired = True
                finding.action = f"moved to {target.relative_to(root)}"
            report.findings.append(finding)
    for folder in sorted((p for p in (root / "derived").rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def _unfinished(path: Path, message: str, young: bool, repair: bool) -> Finding:
    """A file half-written by a crash: deleted, unless it is recent (still being written)."""
    finding = Finding("files", message)
    if young:
        finding.repaired, finding.action = True, "recent: left for the writer running"
    elif repair:
        path.unlink(missing_ok=True)
        finding.repaired, finding.action = True, "deleted"
    return finding


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


# Search ------------------------------------------------------------------------------------


def expected_stamps(backend) -> dict[int, str]:
    """What the index should hold: each published material's id and stamp."""
    return {doc["id"]: backend.document_stamp(doc) for doc in indexing.published_documents()}


def index_disagreement(backend) -> str | None:
    """Why the index does not hold exactly the published materials, or None."""
    problem = backend.check()
    if problem and not backend.built():
        # No index yet is right for a library with nothing published.
        return None if indexing.count_published() == 0 else problem
    if problem:
        return problem
    try:
        held = backend.stamps()
    except (SearchError, OSError) as error:
        return _short(error)
    wanted = expected_stamps(backend)
    missing = sorted(set(wanted) - set(held))
    extra = sorted(set(held) - set(wanted))
    stale = sorted(i for i in set(wanted) & set(held) if wanted[i] != held[i])
    if not (missing or extra or stale):
        return None
    parts = []
    for label, ids in (("missing", missing), ("not published", extra), ("outdated", stale)):
        if ids:
            shown = ", ".join(map(str, ids[:10])) + (" …" if len(ids) > 10 else "")
            parts.append(f"{len(ids)} {label} ({shown})")
    return "the index disagrees with the database: " + "; ".join(parts)


def check_search(report: Report, repair: bool, grace: float) -> None:
    """The index opens and holds exactly the published materials; leftovers of a crash."""
    backend = get_backend()
    settled = backend.settled_notes(indexing.NOTE_MARGIN)  # before the database is read
    report.checked["published"] = indexing.count_published()
    leftovers = backend.leftovers(grace)
    problem = index_disagreement(backend)
    if leftovers:
        finding = Finding("search", "left by an interrupted rebuild: " + ", ".join(leftovers))
        if repair:
            backend.remove_leftovers(leftovers)
            finding.repaired, finding.action = True, "removed"
        report.findings.append(finding)
    if problem is None:
        if repair:
            _clear_settled_notes(report, backend, settled)
        report.checked["indexed"] = _indexed(backend)
        return
    finding = Finding("search", problem)
    if repair:
        try:
            count = indexing.reindex()
            again = index_disagreement(backend)
        except (SearchError, OSError) as error:
            again = _short(error)
            count = 0
        if again is None:
            finding.repaired, finding.action = True, f"index rebuilt ({count} materials)"
        else:
            finding.action = f"rebuild did not help: {again}"
    report.findings.append(finding)
    report.checked["indexed"] = _indexed(backend)


def _clear_settled_notes(report: Report, backend, notes: list) -> None:
    """Pending notes left by a failed index write or a crash, now that the index is known to
    agree with the database: they would only keep searches checking those ids."""
    try:
        for note in notes:
            backend.clear_pending(note)
    except OSError as error:
        report.findings.append(Finding("search", f"pending notes not cleared: {_short(error)}"))
        return
    if notes:
        message = (
            f"{len(notes)} changes were noted on their way to the index but never confirmed "
            "(a failed index write or a crash); the index agrees with the database"
        )
        report.findings.append(Finding("search", message, repaired=True, action="notes cleared"))


def _indexed(backend) -> int:
    try:
        return backend.doc_count()
    except (SearchError, OSError):
        return 0


def _short(error: BaseException) -> str:
    text_ = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"{type(error).__name__}: {text_[:300]}"


# Used by backup/restore --------------------------------------------------------------------


def sqlite_path() -> Path | None:
    """The database file of the embedded default (None for another engine)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def sqlite_tables(path: Path) -> list[str]:
    """The tables in a SQLite file (without opening it through the app)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
    finally:
        connection.close()
