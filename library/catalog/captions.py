"""Captions of a video or an audio: WebVTT (or SubRip, converted to WebVTT) checked like any
upload, kept as a stored file whose text is the transcript shown below the player and searched
like a PDF's text."""

import hashlib
import io
import re

import webvtt
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from webvtt.errors import MalformedFileError

from library.errors import ValidationFailed
from library.extensions import db
from library.models import Material, PendingRevision, StoredFile
from library.storage import (
    TooLarge,
    delete_after_commit,
    file_sha256,
    get_storage,
    remember_new_file,
)

MIME_TYPE = "text/vtt"
EXTENSION = "vtt"
# The families of uploaded files a material's captions may go with.
CAPTIONED_FAMILIES = {"video", "audio"}
MAX_CUES = 20_000
TAGS = re.compile(r"<[^>]*>")
# One cue's timing line, WebVTT's (hours optional, a point) or SubRip's (a comma), settings after.
TIME = r"(?:\d+:)?\d{2}:\d{2}[.,]\d{3}"
TIMING = re.compile(rf"{TIME}[ \t]+-->[ \t]+{TIME}(?:[ \t].*)?")
# WebVTT blocks that are not cues.
NOT_CUES = ("NOTE", "STYLE", "REGION")


class CaptionsRejected(ValidationFailed):
    """A captions file refused for its content; the message names what is wrong."""

    code = "captions_rejected"

    def __init__(self, message, status: int = 422):
        super().__init__(message, errors={"captions": message})
        self.status = status


def parse(data: bytes) -> list:
    """The cues of a WebVTT or SubRip file, checked: UTF-8, well-formed, at least one cue, each
    ending after it starts. Refuses anything else with a message saying why."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CaptionsRejected(_l("Tệp phụ đề cần mã hóa UTF-8.")) from None
    if "\x00" in text:
        raise CaptionsRejected(_l("Tệp phụ đề cần mã hóa UTF-8."))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kind = "vtt" if text.lstrip().startswith("WEBVTT") else "srt"
    timed = _check_blocks(text, kind)
    try:
        captions = webvtt.WebVTT.from_buffer(io.StringIO(text), format=kind).captions
    except (MalformedFileError, ValueError, IndexError):
        captions = None
    if not captions or len(captions) != timed:
        raise CaptionsRejected(
            _l("Tệp phụ đề không hợp lệ: cần tệp WebVTT (.vtt) hoặc SubRip (.srt) có thời gian.")
        )
    if len(captions) > MAX_CUES:
        raise CaptionsRejected(_l("Tệp phụ đề có quá nhiều dòng."))
    for number, cue in enumerate(captions, 1):
        if cue.end_in_seconds <= cue.start_in_seconds:
            raise CaptionsRejected(
                _l(
                    "Dòng phụ đề thứ %(number)s kết thúc trước khi bắt đầu (%(start)s → %(end)s).",
                    number=number,
                    start=cue.start,
                    end=cue.end,
                )
            )
    return captions


def _check_blocks(text: str, kind: str) -> int:
    """How many cues the file has, each block checked for a well-formed timing line: the
    parser would read a broken cue as more words of the one before (its number and its wrong
    timing shown on screen and put in the transcript)."""
    blocks = [b.strip("\n") for b in re.split(r"\n[ \t]*\n", text.strip())]
    if kind == "vtt":
        blocks = [b for b in blocks[1:] if b and not b.startswith(NOT_CUES)]
    number = 0
    for block in filter(None, blocks):
        number += 1
        lines = block.split("\n")
        # A cue's first line may be its identifier (SubRip's number), its timing then second.
        timing = next((line for line in lines[:2] if "-->" in line), None)
        if timing is None:
            raise CaptionsRejected(
                _l(
                    "Tệp phụ đề không hợp lệ: dòng phụ đề thứ %(number)s không có thời gian.",
                    number=number,
                )
            )
        if not TIMING.fullmatch(timing.strip()):
            raise CaptionsRejected(
                _l(
                    "Tệp phụ đề không hợp lệ: dòng phụ đề thứ %(number)s có thời gian sai "
                    "(%(timing)s).",
                    number=number,
                    timing=timing.strip()[:60],
                )
            )
    return number


def to_webvtt(captions) -> str:
    """The cues written as a plain WebVTT file (an SRT's commas become WebVTT's points)."""
    blocks = ["WEBVTT"]
    for cue in captions:
        lines = [line for line in cue.raw_text.split("\n") if line.strip()]
        blocks.append(f"{cue.start} --> {cue.end}\n" + "\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def transcript(captions) -> str:
    """The words spoken, one cue a line, without markup, a cue repeated on screen once."""
    lines: list[str] = []
    for cue in captions:
        line = " ".join(TAGS.sub("", cue.raw_text).split())
        if line and (not lines or lines[-1] != line):
            lines.append(line)
    return "\n".join(lines)


def store_captions(upload, display_name: str) -> StoredFile:
    """Check a captions upload and keep it as WebVTT under the hash of what is kept; the same
    captions uploaded again (on another material) use the same row. Storage errors (a full
    disk) are the caller's to turn into a refusal."""
    storage = get_storage()
    limit = current_app.config["MAX_CAPTION_BYTES"]
    try:
        incoming = storage.receive(upload.stream, limit)
    except TooLarge:
        raise CaptionsRejected(_l("Tệp phụ đề vượt quá dung lượng cho phép."), status=413) from None
    try:
        data = incoming.path.read_bytes()
    finally:
        storage.discard(incoming)
    if not data:
        raise CaptionsRejected(_l("Tệp phụ đề rỗng."))
    cues = parse(data)
    return _keep(storage, to_webvtt(cues).encode("utf-8"), transcript(cues), display_name)


def _keep(storage, vtt: bytes, text: str, display_name: str) -> StoredFile:
    sha256 = hashlib.sha256(vtt).hexdigest()
    existing = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == sha256))
    key = storage.key_for(sha256, EXTENSION)
    if existing is not None and storage.exists(key):
        return existing
    incoming = storage.receive(io.BytesIO(vtt), len(vtt))
    if storage.keep(incoming, key):
        remember_new_file(db.session(), key)
    if existing is not None:  # its file had gone: kept again
        return existing
    stored = StoredFile(
        sha256=sha256,
        stored_sha256=file_sha256(storage.path(key)),
        mime_type=MIME_TYPE,
        extension=EXTENSION,
        size=len(vtt),
        original_name=display_name,
        text=text,
    )
    db.session.add(stored)
    return stored


def captioned(material) -> bool:
    """Whether the material's content can carry captions: an uploaded video or audio."""
    return material.file is not None and material.file.family in CAPTIONED_FAMILIES


def check(material) -> None:
    """Captions only on a material whose file is a video or an audio."""
    if material.captions is not None and not captioned(material):
        raise ValidationFailed(
            errors={"captions": _l("Phụ đề chỉ gắn được vào video hoặc âm thanh đã tải lên.")}
        )


def discard_if_unused(stored: StoredFile | None, material) -> None:
    """Captions a material let go of (replaced or removed): their row and file go, once the
    change commits, unless another material or an edit waiting for review uses them too."""
    if stored is None or stored.id is None:
        return
    others = select(Material.id).where(
        Material.captions_file_id == stored.id, Material.id != material.id
    )
    waiting = select(PendingRevision.id).where(PendingRevision.captions_file_id == stored.id)
    if db.session.scalar(others.limit(1)) or db.session.scalar(waiting.limit(1)):
        return
    db.session.delete(stored)
    delete_after_commit(db.session(), get_storage().key_for(stored.sha256, stored.extension))
