"""Bulk import of materials from a JSON Lines or CSV manifest."""

import csv
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from library.accounts import services as accounts
from library.catalog import services
from library.catalog.validation import as_list
from library.errors import DomainError
from library.extensions import db
from library.models import Material, Organisation, StoredFile
from library.models.base import row_id
from library.storage import discard_since, pending_mark


@dataclass
class ImportReport:
    created: int = 0
    skipped: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    # (material id, external id of its successor) for successors later in the manifest
    pending_links: list[tuple[int, str]] = field(default_factory=list)
    # (material id, why) for successors found at the end but refused
    unlinked: list[tuple[int, str]] = field(default_factory=list)


def read_manifest(path: Path) -> Iterator[tuple[int, dict | None, str]]:
    """Yield (line number, record or None, error) for each line of a .jsonl or .csv manifest."""
    if path.suffix.lower() == ".csv":
        with open(path, newline="", encoding="utf-8-sig") as f:
            for number, row in enumerate(csv.DictReader(f), start=2):
                yield number, {k: v for k, v in row.items() if k and v not in (None, "")}, ""
        return
    with open(path, encoding="utf-8-sig") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                yield number, None, _("JSON không hợp lệ: %(err)s", err=err.msg)
                continue
            if not isinstance(record, dict):
                yield number, None, _("Mỗi dòng phải là một đối tượng JSON.")
                continue
            yield number, record, ""


def count_lines(path: Path) -> int:
    with open(path, encoding="utf-8-sig") as f:
        return sum(1 for line in f if line.strip()) - (1 if path.suffix.lower() == ".csv" else 0)


def import_manifest(
    actor,
    path: Path,
    default_org: Organisation | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
):
    """Import every acceptable line, list the rejected ones, skip what is already there.

    Each line is its own transaction: a refused line is rolled back (with any file it stored)
    and the others stay. A dry run rolls every line back.
    """
    report = ImportReport()
    seen_ids = set(
        db.session.scalars(select(Material.external_id).where(Material.external_id.is_not(None)))
    )
    for number, record, error in read_manifest(path):
        if record is None:
            report.rejected.append((number, error))
        else:
            _import_one(actor, record, path.parent, default_org, report, number, seen_ids, dry_run)
        if progress:
            progress(1)
    if not dry_run:
        _resolve_links(report)
        db.session.commit()
    return report


def _import_one(actor, record, base, default_org, report, number, seen_ids, dry_run) -> None:
    external_id = str(record.get("external_id") or "").strip() or None
    if external_id and external_id in seen_ids:
        report.skipped += 1
        return
    session = db.session()
    mark = pending_mark(session)
    upload = captions = None
    try:
        org = _organisation(record, default_org)
        upload = _file(record, base)
        if upload is not None and _same_file_exists(upload):
            report.skipped += 1
            return
        captions = _file(record, base, "captions")
        material = services.create_material(actor, org, _fields(record), upload, captions)
        _link_successor(record, material, report)
        session.flush()
    except (DomainError, OSError) as err:
        discard_since(session, mark)
        session.rollback()
        report.rejected.append((number, _reason(err)))
        return
    finally:
        for opened in (upload, captions):
            if opened is not None:
                opened.stream.close()
    if dry_run:
        session.rollback()
    else:
        session.commit()
    if external_id:
        seen_ids.add(external_id)
    report.created += 1


def _fields(record: dict) -> dict:
    fields = {
        k: v
        for k, v in record.items()
        if k not in ("file", "captions", "organisation", "superseded_by")
    }
    fields["areas"] = as_list(record.get("areas"))
    fields["tags"] = as_list(record.get("tags"))
    fields.setdefault("status", "published")
    return fields


def _organisation(record: dict, default_org) -> Organisation:
    code = record.get("organisation")
    if not code:
        if default_org is None:
            raise DomainError(_("Thiếu tổ chức (organisation) và không có --org mặc định."))
        return default_org
    org = accounts.find_organisation(code)
    if org is None:
        raise DomainError(_("Không có tổ chức với mã %(code)s.", code=code))
    return org


def _file(record: dict, base: Path, column: str = "file"):
    """The file a line names in `column` (its file, or a video's captions), beside the manifest."""
    name = record.get(column)
    if not name:
        return None
    path = (base / str(name)).resolve()
    if not path.is_relative_to(base.resolve()):
        raise DomainError(_("Đường dẫn tệp phải nằm trong thư mục của tệp kê khai."))
    if not path.is_file():
        raise DomainError(_("Không tìm thấy tệp %(name)s.", name=name))
    return services.Upload.from_path(path)


def _same_file_exists(upload) -> bool:
    """A re-run skips a file that is already in the library."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: upload.stream.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.stream.seek(0)
    return (
        db.session.scalar(select(StoredFile.id).where(StoredFile.sha256 == digest.hexdigest()))
        is not None
    )


def _link_successor(record: dict, material: Material, report: ImportReport) -> None:
    """superseded_by names the newer material by its external_id (or its number)."""
    target = record.get("superseded_by")
    if not target:
        return
    successor = db.session.scalar(select(Material).where(Material.external_id == str(target)))
    if successor is None and row_id(target):
        successor = db.session.get(Material, row_id(target))
    if successor is None:
        # The newer material may come later in the manifest; link it at the end.
        report.pending_links.append((material.id, str(target)))
        return
    material.superseded_by = services.check_successor(material, successor)


def _resolve_links(report: ImportReport) -> None:
    """Link the successors named before they were imported; one that is not published is
    left unlinked and reported (a material points only at what the public may see)."""
    for material_id, target in report.pending_links:
        successor = db.session.scalar(select(Material).where(Material.external_id == target))
        material = db.session.get(Material, material_id)
        if successor is None or material is None:
            continue
        try:
            material.superseded_by = services.check_successor(material, successor)
        except DomainError as err:
            report.unlinked.append((material_id, _reason(err)))


def _reason(err: Exception) -> str:
    if isinstance(err, DomainError) and err.errors:
        return "; ".join(f"{k}: {v}" for k, v in err.errors.items())
    return str(getattr(err, "message", err))
