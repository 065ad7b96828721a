"""Creating, editing, reviewing and withdrawing materials: the one write path for pages,
API and command line. Services flush; the caller commits."""

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, load_only, selectinload

from library import jobs
from library.accounts import services as accounts
from library.accounts.permissions import (
    SYSTEM,
    can_create_in,
    can_edit,
    can_review,
    can_see,
    require,
)
from library.audit import record_change
from library.catalog import captions as captions_files
from library.catalog import media, processing, reading, workflow
from library.catalog.validation import clean_fields, clean_fields_partly, clean_text
from library.errors import (
    STORAGE_ERRNOS,
    DomainError,
    DuplicateFile,
    FileRejected,
    InvalidTransition,
    NotFound,
    StorageUnavailable,
    ValidationFailed,
)
from library.extensions import db
from library.models import Area, Material, Organisation, PendingRevision, StoredFile, Tag
from library.models.base import utcnow
from library.storage import (
    TooLarge,
    file_sha256,
    forget_new_file,
    get_storage,
    remember_new_file,
)
from library.upsert import insert_for

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
    "publish_at",
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


def create_material(
    actor,
    organisation: Organisation,
    raw: dict,
    upload: Upload | None = None,
    captions: Upload | None = None,
):
    """Create a material of an organisation from raw fields, an optional file and, for a
    video or an audio, optional captions."""
    fields, errors = clean_fields_partly(raw)
    if organisation is None:  # an administrator who chose none: said with the other problems
        require(getattr(actor, "is_admin", False))
        errors["organisation"] = _l("Cần chọn tổ chức.")
    else:
        require(can_create_in(actor, organisation))
    errors.update({k: v for k, v in _missing(fields, REQUIRED) if k not in errors})
    material = Material(
        organisation=organisation, created_by_id=getattr(actor, "id", None), status="draft"
    )
    _fill(material, fields, errors, upload, actor, captions)
    db.session.add(material)  # (already there when it came with a file)
    target = workflow.resolve(actor, material, fields.get("status", "draft"))
    if target != "draft":
        workflow.move(actor, material, target, audit=False)
    db.session.flush()
    record_change(actor, "create", material, {**_snapshot(material), "status": material.status})
    return material


def update_material(
    actor,
    material: Material,
    raw: dict,
    upload: Upload | None = None,
    captions: Upload | None = None,
):
    """Change the given fields (and the file or the captions, if given) of a material. Where
    the edit of a published material must be reviewed first, it waits as a pending revision."""
    from library.catalog import revisions  # builds on this module's helpers

    require(can_edit(actor, material))
    edits = set(raw) - {"status"} or any(u is not None and u.filename for u in (upload, captions))
    if material.status == "withdrawn" and edits:
        # Only its state may change (the state machine says who may restore it).
        raise InvalidTransition(_l("Tài liệu đã thu hồi không thể sửa."))
    if material.status == "published" and _asks_for(raw, "draft"):
        # Taken offline first: its edits then need no review until it is published again.
        workflow.move(actor, material, "draft")
    if revisions.edit_waits_for_review(actor, material):
        _check_fields_and_file(raw, upload, actor, material.kind)
        revisions.propose_revision(actor, material, raw, upload, captions)
        return material
    fields, errors = clean_fields_partly(raw)
    before = _snapshot(material)
    _fill(material, fields, errors, upload, actor, captions)
    db.session.flush()
    changes = {k: [before.get(k), v] for k, v in _snapshot(material).items() if before.get(k) != v}
    if changes:
        record_change(actor, "update", material, changes)
    if "status" in fields:
        target = workflow.resolve(actor, material, fields["status"])
        if target != material.status:
            workflow.move(actor, material, target)
    elif changes and material.status == "scheduled":
        _recheck_schedule(actor, material)
    return material


def _recheck_schedule(actor, material: Material) -> None:
    """A scheduled material edited: one whose edit needs review goes back for review; one
    whose publication time was brought forward is published now."""
    target = workflow.resolve(actor, material, "published")
    if target != material.status:
        workflow.move(actor, material, target)


def publish_scheduled(now: datetime | None = None) -> list[Material]:
    """Publish every scheduled material whose time has come (the timer's command)."""
    due = db.session.scalars(
        select(Material)
        .where(Material.status == "scheduled")
        .where((Material.publish_at.is_(None)) | (Material.publish_at <= (now or utcnow())))
        .order_by(Material.publish_at, Material.id)
        # Two timers at once (two hosts): each publishes only what the other has not taken.
        .with_for_update(skip_locked=True)
    ).all()
    for material in due:
        workflow.move(SYSTEM, material, "published", "publish_scheduled")
    return due


def _fill(
    material: Material,
    fields: dict,
    errors: dict,
    upload: Upload | None,
    actor,
    captions: Upload | None = None,
) -> None:
    """Apply the fields that are fine, the file and the captions to a material, then raise
    every problem at once (the fields', the file's, the content's), so a form is corrected in
    one pass. A file refused for itself alone keeps its own refusal (413, 415...)."""
    errors = dict(errors)
    with db.session.no_autoflush:  # a material half made is never written
        try:
            _apply(material, fields)
        except ValidationFailed as err:
            errors.update(err.errors)
    refused, family = None, material.file.family if material.file else None
    if upload is not None and upload.filename:
        kind = material.kind if material.kind in media.KIND_FAMILIES else None
        try:
            if errors:  # the material will not be saved: its file is only checked
                family = check_upload(upload, kind, actor)
            else:
                db.session.add(material)  # written first: the file's row joins its transaction
                material.file = store_upload(upload, kind, actor)
                family = material.file.family
        except (FileRejected, DuplicateFile) as err:
            errors.update(err.errors)
            refused, family = err, None
    if captions is not None and captions.filename and not errors:
        try:
            replaced, material.captions = material.captions, store_captions(captions)
        except captions_files.CaptionsRejected as err:
            errors.update(err.errors)
            refused = err
        else:
            if replaced is not material.captions:
                captions_files.discard_if_unused(replaced, material)
    errors = {**content_problems(material, family), **errors}
    if refused is not None and set(errors) == set(refused.errors):
        raise refused  # refused for itself alone: its own answer (413, 415, captions_rejected)
    if errors:
        raise _problems(errors, file_refused(refused))


def file_refused(err: DomainError | None) -> bool:
    """Whether an error refuses the file itself (not a good file sent with the wrong kind)."""
    if isinstance(err, FileRejected | DuplicateFile):
        return not getattr(err, "fits_another_kind", False)
    return bool(getattr(err, "file_refused", False))


def _problems(errors: dict, refuses_file: bool) -> ValidationFailed:
    """Every problem of a submit; whether its file was refused is for the form only (it keeps
    a good file for the next submit), never part of an API answer."""
    failure = ValidationFailed(errors=errors)
    failure.file_refused = refuses_file
    return failure


def _check_fields_and_file(raw: dict, upload: Upload | None, actor, kind: str) -> None:
    """Before an edit waits as a revision: its fields' problems and its file's, together."""
    fields, errors = clean_fields_partly(raw)
    if not errors:
        return
    if upload is not None and upload.filename:
        try:
            check_upload(upload, fields.get("kind", kind), actor)
        except (FileRejected, DuplicateFile) as err:
            errors.update(err.errors)
            raise _problems(errors, file_refused(err)) from None
    raise ValidationFailed(errors=errors)


def _asks_for(raw: dict, status: str) -> bool:
    return "status" in raw and clean_fields({"status": raw["status"]})["status"] == status


def publish_material(actor, material: Material) -> Material:
    """Publish, or submit for review where the organisation requires it."""
    require(can_edit(actor, material))
    workflow.move(actor, material, workflow.resolve(actor, material, "published"))
    return material


def approve_material(actor, material: Material) -> Material:
    require(can_review(actor, material))
    if material.status != "in_review":
        raise InvalidTransition(_l("Tài liệu không ở trạng thái chờ duyệt."))
    material.review_comment = ""
    workflow.move(actor, material, workflow.release(material), "approve")
    return material


def send_back_material(actor, material: Material, comment: str) -> Material:
    """Return a material to its editor with a comment saying what to change."""
    require(can_review(actor, material))
    if material.status != "in_review":
        raise InvalidTransition(_l("Tài liệu không ở trạng thái chờ duyệt."))
    material.review_comment = review_comment(comment)
    workflow.move(actor, material, "draft", "send_back", comment=material.review_comment)
    return material


def review_comment(comment: str) -> str:
    """A reviewer's comment when sending back: required, at most 2,000 characters."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed(errors={"comment": _l("Cần ghi rõ lý do trả lại.")})
    return comment[:2000]


def withdraw_material(actor, material: Material, reason: str = "") -> Material:
    """Take a material out of lists and search; its page then explains it was withdrawn."""
    require(can_edit(actor, material))
    if material.status == "withdrawn":
        return material
    material.withdrawal_reason = (reason or "").strip()[:2000]
    workflow.move(actor, material, "withdrawn", reason=material.withdrawal_reason)
    return material


def change_status(actor, material: Material, wanted: str, reason: str = "") -> Material:
    """Move a material to draft, published (submitted where review is required) or withdrawn:
    the command line's path through the state machine."""
    if wanted == "withdrawn":
        return withdraw_material(actor, material, reason)
    require(can_edit(actor, material))
    workflow.move(actor, material, workflow.resolve(actor, material, wanted))
    return material


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
    """The tag of that name, made if new; two editors adding the same new tag at once both get
    it (the insert that comes second does nothing)."""
    tag = db.session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        db.session.execute(
            insert_for(Tag.__table__)
            .values(name=name)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        tag = db.session.scalar(select(Tag).where(Tag.name == name))
    return tag


def _successor(material: Material, successor_id: int | None) -> Material | None:
    if successor_id is None:
        return None
    return check_successor(material, db.session.get(Material, successor_id))


def check_successor(material: Material, successor: Material | None) -> Material:
    """A material may point only at a published one: the public page shows its title. Any
    other is refused as if it did not exist, so the refusal tells nothing of hidden materials."""
    if successor is None or successor.id == material.id or successor.status != "published":
        raise ValidationFailed(errors={"superseded_by": _l("Tài liệu thay thế không tồn tại.")})
    return successor


REQUIRED_MESSAGES = {
    "title": _l("Cần nhập tiêu đề."),
    "kind": _l("Cần chọn loại tài liệu."),
    "areas": _l("Cần chọn ít nhất một lĩnh vực."),
    "license": _l("Cần chọn giấy phép."),
}


REQUIRED = ("title", "kind", "areas", "license")


def _missing(fields: dict, names) -> list[tuple[str, str]]:
    return [(n, REQUIRED_MESSAGES[n]) for n in names if not fields.get(n)]


def _check_content(material: Material) -> None:
    problems = content_problems(material, material.file.family if material.file else None)
    if problems:
        raise ValidationFailed(errors=problems)


def content_problems(material: Material, family: str | None) -> dict:
    """A material carries exactly one kind of content, and one that fits its kind: what is
    wrong with it, by field (nothing about its kind while the kind itself is wrong). `family`
    is its file's (pdf, image...), None without a file."""
    present = [n for n in ("video_url", "body") if getattr(material, n)]
    if not present and family is None:
        return {"file": _l("Cần tải lên một tệp, nhập liên kết video hoặc viết nội dung.")}
    if material.kind not in media.KIND_FAMILIES:
        return {}
    problems = {}
    if family is not None and family not in media.KIND_FAMILIES[material.kind]:
        problems["file"] = _l("Tệp này không phù hợp với loại tài liệu.")
    for name, kinds in CONTENT_KINDS.items():
        if getattr(material, name) and material.kind not in kinds:
            problems[name] = _l("Nội dung này không phù hợp với loại tài liệu.")
    if material.captions is not None and family not in captions_files.CAPTIONED_FAMILIES:
        problems["captions"] = _l("Phụ đề chỉ gắn được vào video hoặc âm thanh đã tải lên.")
    if material.kind == "poster" and family == "image":
        if not material.alt_text:
            problems["alt_text"] = _l("Áp phích cần có mô tả ảnh cho người khiếm thị.")
    return problems


def remove_captions(actor, material: Material) -> Material:
    """Take a video's or an audio's captions off: the player has no track, the transcript
    leaves the page and the search index, the file goes once nothing else uses it. Like a
    withdrawal it takes content away, so it needs no review."""
    require(can_edit(actor, material))
    if material.status == "withdrawn":
        raise InvalidTransition(_l("Tài liệu đã thu hồi không thể sửa."))
    removed = material.captions
    if removed is None:
        raise ValidationFailed(errors={"captions": _l("Tài liệu này chưa có phụ đề.")})
    material.captions = None
    captions_files.discard_if_unused(removed, material)
    db.session.flush()
    record_change(actor, "remove_captions", material, {"captions": [removed.sha256, None]})
    return material


def store_captions(upload: Upload) -> StoredFile:
    """Check a captions file (WebVTT or SubRip) and keep it as WebVTT; refuse a bad one."""
    try:
        return captions_files.store_captions(upload, display_name(upload.filename))
    except OSError as error:
        _storage_failed(error)


def _snapshot(material: Material) -> dict:
    data = {name: getattr(material, name) for name in PLAIN_FIELDS}
    data.update(
        areas=material.area_codes,
        tags=material.tag_names,
        file=material.file.sha256 if material.file else None,
        captions=material.captions.sha256 if material.captions else None,
        superseded_by=material.superseded_by_id,
    )
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


def store_upload(upload: Upload, kind: str | None = None, actor=None) -> StoredFile:
    """Check an upload by its content and keep it under its hash; refuse anything doubtful
    (a refusal names only what the uploader, `actor`, may see)."""
    storage = get_storage()
    incoming = _receive(storage, upload)
    try:
        return _keep(storage, incoming, upload.filename, kind, actor)
    except OSError as error:
        _storage_failed(error)
    finally:
        storage.discard(incoming)


def check_upload(upload: Upload, kind: str | None = None, actor=None) -> str:
    """Check an upload as store_upload does, keeping nothing (the material it comes with is
    refused for another reason); return its family (pdf, image, video, audio)."""
    storage = get_storage()
    incoming = _receive(storage, upload)
    try:
        facts = _inspect(incoming, kind)
        _unused_or_refuse(incoming.sha256, actor)
        return facts.family
    except OSError as error:
        _storage_failed(error)
    finally:
        storage.discard(incoming)


def _receive(storage, upload: Upload):
    try:
        return storage.receive(upload.stream, size_limit)
    except TooLarge:
        raise FileRejected(_l("Tệp vượt quá dung lượng cho phép."), status=413) from None
    except OSError as error:
        _storage_failed(error)


def _inspect(incoming, kind):
    """What a received file is, refusing an empty, doubtful or unfitting one."""
    if incoming.size == 0:
        raise FileRejected(_l("Tệp rỗng."), status=422)
    facts = media.inspect(incoming.path, incoming.head, current_app.config["MAX_IMAGE_PIXELS"])
    if kind and facts.family not in media.KIND_FAMILIES.get(kind, ()):
        refusal = FileRejected(_l("Tệp này không phù hợp với loại tài liệu đã chọn."), status=415)
        refusal.fits_another_kind = True  # a good file: the form keeps it for another kind
        raise refusal
    return facts


def _storage_failed(error: OSError):
    """Disk full or upload folder unwritable: a clear refusal, not a crash (nothing is kept:
    the received part is deleted and files kept so far go with the rollback)."""
    if error.errno in STORAGE_ERRNOS or isinstance(error, (NotADirectoryError, FileExistsError)):
        log.error("upload not stored: %s", error)
        raise StorageUnavailable() from error
    raise error


def size_limit(head: bytes) -> int:
    """Audio and video may be larger than documents and images."""
    config = current_app.config
    try:
        family = media.detect(head)[2]
    except FileRejected:
        family = None
    return (
        config["MAX_MEDIA_BYTES"] if family in ("video", "audio") else config["MAX_DOCUMENT_BYTES"]
    )


def _keep(storage, incoming, filename: str, kind, actor) -> StoredFile:
    facts = _inspect(incoming, kind)
    unused = _unused_or_refuse(incoming.sha256, actor)
    if facts.family == "image":
        media.clean_image(incoming.path)
        facts.rewritten = True
    if unused is not None:
        return _keep_again(storage, unused, incoming, filename)
    key = storage.key_for(incoming.sha256, facts.extension)
    kept = storage.keep(incoming, key)
    if kept:
        remember_new_file(db.session(), key)
    stored = StoredFile(
        sha256=incoming.sha256,
        # What backups and `flask doctor` check: the upload's own bytes unless they were changed
        # (or a file kept earlier under this name stayed in place of them).
        stored_sha256=(
            file_sha256(storage.path(key)) if facts.rewritten or not kept else incoming.sha256
        ),
        mime_type=facts.mime_type,
        extension=facts.extension,
        size=storage.path(key).stat().st_size,
        original_name=display_name(filename),
        page_count=facts.page_count,
        width=facts.width,
        height=facts.height,
        text=facts.text,
    )
    saved = _add_stored(stored, key if kept else None, filename, actor)
    if saved is stored:
        # Pictures, page images, reading view and renditions: made by the workers, after commit.
        processing.queue_for(stored)
    return saved


def _add_stored(stored: StoredFile, kept_key: str | None, filename: str, actor) -> StoredFile:
    """Save the row of a new file. An upload of the same file that was saved meanwhile (two
    editors at once) wins: this one is then a duplicate of it, or uses its row."""
    try:
        with db.session.begin_nested():
            db.session.add(stored)
    except IntegrityError:
        if kept_key is not None:  # the file in place now belongs to the row saved first
            forget_new_file(db.session(), kept_key)
        other = _unused_or_refuse(stored.sha256, actor)
        if other is None:
            raise
        other.original_name = display_name(filename)
        return other
    return stored


def _unused_or_refuse(sha256: str, actor) -> StoredFile | None:
    """The row of a file kept before and used by no material now (it was replaced on one):
    it is used again. A file a material (or a revision waiting for review) uses is refused as
    a duplicate, naming that material only to an uploader who may see it."""
    existing = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == sha256))
    if existing is None:
        return None
    material = db.session.scalar(select(Material).where(Material.file_id == existing.id))
    if material is None:
        revision = db.session.scalar(
            select(PendingRevision).where(PendingRevision.file_id == existing.id)
        )
        material = revision.material if revision is not None else None
    if material is None:
        return existing
    errors = {"file": _l("Tệp trùng với tài liệu đã có.")}
    if not can_see(actor, material):
        raise DuplicateFile(_l("Tệp có cùng nội dung đã có trong thư viện."), errors=errors)
    raise DuplicateFile(
        _l(
            "Tệp này đã có trong thư viện: “%(title)s” (mã %(id)s).",
            title=material.title,
            id=material.id,
        ),
        errors=errors,
        existing_id=material.id,
    )


def _keep_again(storage, stored: StoredFile, incoming, filename: str) -> StoredFile:
    """An unused row taken up again; its file is kept again if it left the upload folder."""
    key = storage.key_for(stored.sha256, stored.extension)
    if storage.keep(incoming, key):
        remember_new_file(db.session(), key)
        stored.stored_sha256 = file_sha256(storage.path(key))
        stored.size = storage.path(key).stat().st_size
        processing.queue_for(stored)
    stored.original_name = display_name(filename)
    return stored


# Right-to-left overrides and isolates can make "exe.pdf" read as "fdp.exe" (and back).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def display_name(filename: str) -> str:
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
    query = _public_query(area, kind, organisation, updated_since)
    query = query.options(selectinload(Material.file))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


# What a material's card shows (title, kind, file type, size and thumbnail): loaded with the list
# in two queries, without the texts (a book's extracted text, its reading view).
CARD_LOADS = (
    load_only(
        Material.id,
        Material.title,
        Material.kind,
        Material.status,
        Material.file_id,
        Material.superseded_by_id,
        Material.published_at,
    ),
    selectinload(Material.file).load_only(
        StoredFile.id,
        StoredFile.sha256,
        StoredFile.mime_type,
        StoredFile.extension,
        StoredFile.size,
        StoredFile.page_count,
        StoredFile.width,
        StoredFile.height,
    ),
)


# What a material's page reads with it in one query: its organisation and file (without its
# extracted text, nor its reading view, a long decree's being hundreds of KB of JSON). Its areas
# and tags are read only when the parts showing them are rendered again
# (templates/catalog/material.html: kept per catalogue version, as is the reading view).
PAGE_LOADS = (
    joinedload(Material.organisation),
    joinedload(Material.file).defer(StoredFile.text).defer(StoredFile.reading),
)


def lacks_reading_view(stored: StoredFile) -> bool:
    """Whether a PDF has no reading view yet, without reading the view itself."""
    if "reading" not in inspect(stored).unloaded:
        return stored.reading is None
    missing = select(StoredFile.id).where(StoredFile.id == stored.id, StoredFile.reading.is_(None))
    return db.session.scalar(missing) is not None


def public_cards(area: str, kind: str | None, page: int, per_page: int):
    """A page of an area's published materials, loaded for their cards."""
    query = _public_query(area, kind).options(*CARD_LOADS)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def latest_public_materials(limit: int) -> list[Material]:
    """The newest published materials loaded for their cards, without counting them all."""
    return list(db.session.scalars(_public_query().options(*CARD_LOADS).limit(limit)))


def _public_query(area=None, kind=None, organisation=None, updated_since=None):
    query = select(Material).where(Material.status == "published")
    if area:
        query = query.where(Material.areas.any(Area.code == area))
    if kind:
        query = query.where(Material.kind == kind)
    if organisation:
        query = query.where(
            Material.organisation.has(Organisation.code == accounts.organisation_code(organisation))
        )
    if updated_since is not None:
        query = query.where(Material.updated_at >= updated_since)
    return query.order_by(
        Material.superseded_by_id.is_not(None), Material.published_at.desc(), Material.id.desc()
    )


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
                selectinload(Material.captions),
            )
        ).all()
    return materials


def reading_view(stored: StoredFile) -> dict | None:
    """A PDF's reading view, made by its page job; for a file kept before there were jobs, made
    from the kept file the first time it is asked for. None for other files, a PDF whose job has
    not made it yet, or one missing from storage."""
    if stored.family != "pdf":
        return None
    if stored.reading is None and jobs.is_done(stored, processing.PAGES):
        storage = get_storage()
        path = storage.path(storage.key_for(stored.sha256, stored.extension))
        if not path.is_file():
            return None
        stored.reading = reading.extract(path)
        db.session.flush()
    return stored.reading


def make_missing_reading_views() -> int:
    """Make the reading view of every kept PDF that has none yet; return how many were made."""
    missing = select(StoredFile).where(
        StoredFile.mime_type == "application/pdf", StoredFile.reading.is_(None)
    )
    made = 0
    for stored in db.session.scalars(missing).all():
        made += reading_view(stored) is not None
    return made
