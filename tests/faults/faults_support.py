"""Helpers of the fault tests: a library with real files, and its consistency as a user sees it."""

import sqlite3
from pathlib import Path

from sqlalchemy import select
from support import pdf_bytes, png_bytes, upload

from library import doctor
from library.extensions import db
from library.models import Material, StoredFile
from library.search.backends import get_backend
from library.storage import get_storage


def library_with_files(make_material, count: int = 3) -> list[Material]:
    """Published materials with a poster, a PDF leaflet and a text digest each time."""
    made = []
    for n in range(count):
        made.append(
            make_material(
                title=f"Áp phích an toàn lao động số {n}",
                kind="poster",
                body="",
                alt_text="Công nhân đội mũ bảo hộ",
                upload=upload(png_bytes(color=(n * 40 % 256, 90, 30)), f"poster-{n}.png"),
            )
        )
        made.append(
            make_material(
                title=f"Tờ rơi bảo hiểm xã hội số {n}",
                kind="leaflet",
                body="",
                upload=upload(pdf_bytes(pages=n + 1), f"to-roi-{n}.pdf"),
            )
        )
        made.append(make_material(title=f"Hợp đồng lao động điều {n}"))
    return made


def consistency(app) -> dict:
    """What the fault tests require after every fault: every material row has its file, every
    file has its row, the index holds exactly the published materials as they are."""
    storage = get_storage()
    rows = db.session.execute(select(StoredFile.sha256, StoredFile.extension)).all()
    keys = {storage.key_for(sha, ext) for sha, ext in rows}
    root = Path(app.config["UPLOAD_FOLDER"])
    on_disk = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).parts[0] not in doctor.SKIPPED_DIRS
    }
    missing_files = sorted(k for k in keys if not storage.exists(k))
    orphan_files = sorted(on_disk - keys)
    backend = get_backend()
    index_problem = doctor.index_disagreement(backend)
    return {
        "missing_files": missing_files,
        "orphan_files": orphan_files,
        "index": index_problem,
        "tmp": sorted(p.name for p in (root / "tmp").glob("*")) if (root / "tmp").is_dir() else [],
    }


CONSISTENT = {"missing_files": [], "orphan_files": [], "index": None, "tmp": []}


def published_ids() -> set[int]:
    return set(db.session.scalars(select(Material.id).where(Material.status == "published")))


def rows_of(path: Path) -> dict[str, list]:
    """Every row of every table of a SQLite file, in a fixed order."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            r[0]
            for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            n: sorted(connection.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)
            for n in names
        }
    finally:
        connection.close()


def files_of(root: Path, skipped=("tmp", "derived", "quarantine")) -> dict[str, bytes]:
    """Every file under an upload folder and its bytes, but those in the skipped folders."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).parts[0] not in skipped
    }
