"""Creating, editing, reviewing and withdrawing materials: the one write path for pages,
API and command line. Services flush; the caller commits."""

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from library.accounts.permissions import can_create_in, can_edit, can_review, require
from library.audit import record_change
from library.catalog import media
from library.catalog.validation import clean_fields, clean_text
from library.errors import (
    STORAGE_ERRNOS,
    DuplicateFile,
    FileRejected,
    InvalidTransition,
    NotFound,
    StorageUnavailable,
    ValidationFailed,
)
from library.extensions import db
from library.models import Area, Material, Organisation, StoredFile, Tag
from library.models.base import utcnow
from library.storage import TooLarge, get_storage, remember_new_file

log = logging.getLogger(__name__)

# Fields copied as they are from the cleaned input onto the material.
PLAIN_FIELDS = (
    "title",
    "summary",
    "kind",
    "license",
    "body",
    "video_url",
    "legal_basis",
    "alt_text",
    "external_id",
    "effective_at",
)
CONTENT_KINDS = {"video_url": {"video"}, "body": {"legal_digest", "book", "leaflet"}}


@dataclass
class Upload:
    """A file handed to a service: a readable binary stream and the name the uploader gave."""

    stream: object
    filename: str = ""

    @classmethod
    def from_path(cls, path: Path) -> "Upload":
        return cls(open(path, "rb"), path.name)


def get_material(material_id) -> Material:
    material = db.session.get(Material, material_id)
    if material is None:
        raise NotFound()
    return material


def create_material(actor, organisation: Organisation, raw: dict, upload: Upload | None = None):
    """Create a material of an organisation from raw fields and an optional file."""
    require(can_create_in(actor, organisation))
    fields = clean_fields(raw)
    _require_fields(fields, ("title", "kind", "areas", "license"))
    material = Material(organisation=organisation, created_by_id=getattr(actor, "id", None))
    _apply(material, fields)
    db.session.add(material)
    if upload is not None and upload.filename:
        material.file = store_upload(upload, material.kind)
    _check_content(material)
    material.status = _status_for(actor, material, fields.get("status", "draft"))
    if material.status == "published":
        material.published_at = utcnow()
    db.session.flush()
    record_change(actor, "create", material, {**_snapshot(material), "status": material.status})
    return material


def update_material(actor, material: Material, raw: dict, upload: Upload | None = None):
    """Change the given fields (and the file, if one is given) of a material."""
    require(can_edit(actor, material))
    if material.status == "withdrawn":
        raise InvalidTransition(_l("Tài liệu đã thu hồi không thể sửa."))
    fields = clean_fields(raw)
    before = _snapshot(material)
    _apply(material, fields)
    if upload is not None and upload.filename:
        material.file = store_upload(upload, material.kind)
    _check_content(material)
    db.session.flush()
    changes = {k: [before.get(k), v] for k, v in _snapshot(material).items() if before.get(k) != v}
    if changes:
        record_change(actor, "update", material, changes)
    if "status" in fields and fields["status"] != material.status:
        _set_status(actor, material, fields["status"])
    return material


def publish_material(actor, material: Material) -> Material:
    """Publish, or submit for review where the organisation requires it."""
    require(can_edit(actor, material))
    _set_status(actor, material, "published")
    return material


def approve_material(actor, material: Material) -> Material:
    require(can_review(actor, material))
    if material.status != "in_review":
        raise InvalidTransition(_l("Tài liệu không ở trạng thái chờ duyệt."))
    material.review_comment = ""
    _move(actor, material, "published", "approve")
    return material


def send_back_material(actor, material: Material, comment: str) -> Material:
    """Return a material to its editor with a comment saying what to change."""
    require(can_review(actor, material))
    if material.status != "in_review":
        raise InvalidTransition(_l("Tài liệu không ở trạng thái chờ duyệt."))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed(errors={"comment": _l("Cần ghi rõ lý do trả lại.")})
    material.review_comment = comment[:2000]
    _move(actor, material, "draft", "send_back", comment=material.review_comment)
    return material


def withdraw_material(actor, material: Material, reason: str = "") -> Material:
    """Take a material out of lists and search; its page then explains it was withdrawn."""
    require(can_edit(actor, material))
    if material.status == "withdrawn":
        return material
    material.withdrawal_reason = (reason or "").strip()[:2000]
    material.withdrawn_at = utcnow()
    _move(actor, material, "withdrawn", "withdraw", reason=material.withdrawal_reason)
    return material


def _status_for(actor, material: Material, wanted: str) -> str:
    """The status a request to publish or keep as draft leads to, review considered."""
    if wanted == "draft":
        return "draft"
    needs_review = material.organisation.requires_review and not can_review(actor, material)
    if needs_review and material.status != "published":
        return "in_review"
    return "published"


def _set_status(actor, material: Material, wanted: str) -> None:
    status = _status_for(actor, material, wanted)
    if status != material.status:
        action = {"draft": "unpublish", "in_review": "submit", "published": "publish"}[status]
        _move(actor, material, status, action)


def _move(actor, material: Material, status: str, action: str, **details) -> None:
    before = material.status
    material.status = status
    if status == "published" and material.published_at is None:
        material.published_at = utcnow()
    db.session.flush()
    record_change(actor, action, material, {"status": [before, status], **details})


def _apply(material: Material, fields: dict) -> None:
    for name in PLAIN_FIELDS:
        if name in fields:
            setattr(material, name, fields[name])
    if not material.video_url:
        material.video_url = None
    if "areas" in fields:
        material.areas = list(
            db.session.scalars(select(Area).where(Area.code.in_(fields["areas"])))
        )
    if "tags" in fields:
        material.tags = [_tag(name) for name in fields["tags"]]
    if "superseded_by" in fields:
        material.superseded_by = _successor(material, fields["superseded_by"])
    if material.external_id == "":
        material.external_id = None


def _tag(name: str) -> Tag:
    tag = db.session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        tag = Tag(name=name)
        db.session.add(tag)
    return tag


def _successor(material: Material, successor_id: int | None) -> Material | None:
    if successor_id is None:
        return None
    successor = db.session.get(Material, successor_id)
    if successor is None or successor_id == material.id or successor.status == "withdrawn":
        raise ValidationFailed(errors={"superseded_by": _l("Tài liệu thay thế không tồn tại.")})
    return successor


REQUIRED_MESSAGES = {
    "title": _l("Cần nhập tiêu đề."),
    "kind": _l("Cần chọn loại tài liệu."),
    "areas": _l("Cần chọn ít nhất một lĩnh vực."),
    "license": _l("Cần chọn giấy phép."),
}


def _require_fields(fields: dict, names) -> None:
    missing = {n: REQUIRED_MESSAGES[n] for n in names if not fields.get(n)}
    if missing:
        raise ValidationFailed(errors=missing)


def _check_content(material: Material) -> None:
    """A material carries exactly one kind of content, and one that fits its kind."""
    present = [n for n in ("file", "video_url", "body") if getattr(material, n)]
    if not present:
        raise ValidationFailed(
            errors={"file": _l("Cần tải lên một tệp, nhập liên kết video hoặc viết nội dung.")}
        )
    if material.file is not None:
        if material.file.family not in media.KIND_FAMILIES[material.kind]:
            raise ValidationFailed(errors={"file": _l("Tệp này không phù hợp với loại tài liệu.")})
    for name, kinds in CONTENT_KINDS.items():
        if getattr(material, name) and material.kind not in kinds:
            raise ValidationFailed(
                errors={name: _l("Nội dung này không phù hợp với loại tài liệu.")}
            )
    if material.kind == "poster" and material.file and material.file.family == "image":
        if not material.alt_text:
            raise ValidationFailed(
                errors={"alt_text": _l("Áp phích cần có mô tả ảnh cho người khiếm thị.")}
            )


def _snapshot(material: Material) -> dict:
    data = {name: getattr(material, name) for name in PLAIN_FIELDS}
    data.update(
        areas=material.area_codes,
        tags=material.tag_names,
        file=material.file.sha256 if material.file else None,
        superseded_by=material.superseded_by_id,
    )
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


def store_upload(upload: Upload, kind: str | None = None) -> StoredFile:
    """Check an upload by its content and keep it under its hash; refuse anything doubtful."""
    config = current_app.config
    storage = get_storage()
    try:
        incoming = storage.receive(upload.stream, _size_limit)
    except TooLarge:
        raise FileRejected(_l("Tệp vượt quá dung lượng cho phép."), status=413) from None
    except OSError as error:
        _storage_failed(error)
    try:
        return _keep(storage, incoming, upload.filename, kind, config["MAX_IMAGE_PIXELS"])
    except OSError as error:
        _storage_failed(error)
    finally:
        storage.discard(incoming)


def _storage_failed(error: OSError):
    """Disk full or upload folder unwritable: a clear refusal, not a crash (nothing is kept:
    the received part is deleted and files kept so far go with the rollback)."""
    if error.errno in STORAGE_ERRNOS or isinstance(error, (NotADirectoryError, FileExistsError)):
        log.error("upload not stored: %s", error)
        raise StorageUnavailable() from error
    raise error


def _size_limit(head: bytes) -> int:
    """Audio and video may be larger than documents and images."""
    config = current_app.config
    try:
        family = media.detect(head)[2]
    except FileRejected:
        family = None
    return (
        config["MAX_MEDIA_BYTES"] if family in ("video", "audio") else config["MAX_DOCUMENT_BYTES"]
    )


def _keep(storage, incoming, filename: str, kind: str | None, max_pixels: int) -> StoredFile:
    if incoming.size == 0:
        raise FileRejected(_l("Tệp rỗng."), status=422)
    facts = media.inspect(incoming.path, incoming.head, max_pixels)
    if kind and facts.family not in media.KIND_FAMILIES.get(kind, ()):
        raise FileRejected(_l("Tệp này không phù hợp với loại tài liệu đã chọn."), status=415)
    _refuse_duplicate(incoming.sha256)
    if facts.family == "image":
        media.clean_image(incoming.path)
    key = storage.key_for(incoming.sha256, facts.extension)
    if storage.keep(incoming, key):
        remember_new_file(db.session(), key)
    _thumbnails(storage, key, incoming.sha256, facts.family)
    stored = StoredFile(
        sha256=incoming.sha256,
        mime_type=facts.mime_type,
        extension=facts.extension,
        size=storage.path(key).stat().st_size,
        original_name=_display_name(filename),
        page_count=facts.page_count,
        width=facts.width,
        height=facts.height,
        text=facts.text,
    )
    db.session.add(stored)
    return stored


def _refuse_duplicate(sha256: str) -> None:
    existing = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == sha256))
    if existing is None:
        return
    material = db.session.scalar(select(Material).where(Material.file_id == existing.id))
    if material is None:
        return
    raise DuplicateFile(
        _l(
            "Tệp này đã có trong thư viện: “%(title)s” (mã %(id)s).",
            title=material.title,
            id=material.id,
        ),
        errors={"file": _l("Tệp trùng với tài liệu đã có.")},
        existing_id=material.id,
    )


def _thumbnails(storage, key: str, sha256: str, family: str) -> None:
    try:
        media.make_thumbnails(storage.path(key), family, storage.derived_path(sha256, ""))
    except Exception:  # noqa: BLE001 - a missing thumbnail must not refuse a good file
        log.exception("thumbnails failed for %s", key)


# Right-to-left overrides and isolates can make "exe.pdf" read as "fdp.exe" (and back).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def _display_name(filename: str) -> str:
    """The last part of the name the uploader gave, for display only (files are stored and
    downloaded under generated names): NFC, no control or direction-override characters."""
    text = BIDI_CONTROLS.sub("", clean_text(str(filename).replace("\x00", "")))
    name = text.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "" if name in (".", "..") else name[:200]


def list_public_materials(
    area: str | None = None,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 12,
    organisation: str | None = None,
    updated_since: datetime | None = None,
):
    """Published materials, current before superseded, newest first."""
    query = select(Material).where(Material.status == "published")
    if area:
        query = query.where(Material.areas.any(Area.code == area))
    if kind:
        query = query.where(Material.kind == kind)
    if organisation:
        query = query.where(Material.organisation.has(Organisation.code == organisation))
    if updated_since is not None:
        query = query.where(Material.updated_at >= updated_since)
    query = query.order_by(
        Material.superseded_by_id.is_not(None), Material.published_at.desc(), Material.id.desc()
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def count_by_area() -> dict[str, int]:
    """How many published materials each area has."""
    from library.models.materials import material_areas

    query = (
        select(material_areas.c.area_code, func.count())
        .join(Material, Material.id == material_areas.c.material_id)
        .where(Material.status == "published")
        .group_by(material_areas.c.area_code)
    )
    return dict(db.session.execute(query).all())


def count_by_kind(area: str | None = None) -> dict[str, int]:
    query = select(Material.kind, func.count()).where(Material.status == "published")
    if area:
        query = query.where(Material.areas.any(Area.code == area))
    return dict(db.session.execute(query.group_by(Material.kind)).all())


def count_by_organisation() -> dict[int, int]:
    """How many published materials each organisation (by id) has."""
    query = (
        select(Material.organisation_id, func.count())
        .where(Material.status == "published")
        .group_by(Material.organisation_id)
    )
    return dict(db.session.execute(query).all())


def with_details(materials: list[Material]) -> list[Material]:
    """The same materials with areas, tags, organisation and file loaded in four queries."""
    if materials:
        db.session.scalars(
            select(Material)
            .where(Material.id.in_([m.id for m in materials]))
            .options(
                selectinload(Material.areas),
                selectinload(Material.tags),
                selectinload(Material.organisation),
                selectinload(Material.file),
            )
        ).all()
    return materials
