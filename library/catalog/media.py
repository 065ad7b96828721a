"""What an uploaded file really is, judged by its content; thumbnails and page images."""

import io
import logging
import os
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import filetype
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

from library.errors import FileRejected

log = logging.getLogger(__name__)

# Accepted types by detected MIME type: (extension, family).
ACCEPTED = {
    "application/pdf": ("pdf", "pdf"),
    "image/jpeg": ("jpg", "image"),
    "image/png": ("png", "image"),
    "image/webp": ("webp", "image"),
    "video/mp4": ("mp4", "video"),
    "video/webm": ("webm", "video"),
    "audio/mpeg": ("mp3", "audio"),
    "audio/mp4": ("m4a", "audio"),
}
# filetype names M4A audio differently from the MIME type browsers expect.
ALIASES = {"audio/x-m4a": "audio/mp4", "audio/m4a": "audio/mp4"}
# Which file families each kind of material may carry.
KIND_FAMILIES = {
    "leaflet": {"pdf", "image"},
    "poster": {"image", "pdf"},
    "video": {"video"},
    "legal_digest": {"pdf"},
    "book": {"pdf"},
    "audio": {"audio"},
}
LIST_THUMB = "list.webp"
PREVIEW_IMAGE = "preview.jpg"
MEDIUM_IMAGE = "medium.webp"
PREVIEW_SIZE = (1200, 630)
# Narrower copies kept beside the list thumbnail (480 px) and the medium image (1080 px), so a
# phone loads the one it shows (srcset): a card's picture is 96 to 128 px wide, a poster the
# width of the screen, each twice that on most phones' screens.
LIST_WIDTHS = (160, 320)
MEDIUM_WIDTHS = (360, 720)
SIZED_QUALITY = 70
MAX_TEXT = 2_000_000


@dataclass
class FileFacts:
    mime_type: str
    extension: str
    family: str
    page_count: int | None = None
    width: int | None = None
    height: int | None = None
    text: str = ""
    warnings: list[str] = field(default_factory=list)
    rewritten: bool = False  # the file's bytes were changed (active parts of a PDF removed)


def detect(head: bytes) -> tuple[str, str, str]:
    """Return (mime, extension, family) from the first bytes, or refuse the file."""
    kind = filetype.guess(head)
    mime = ALIASES.get(kind.mime, kind.mime) if kind else None
    if mime not in ACCEPTED:
        raise FileRejected(
            _l("Loại tệp không được hỗ trợ. Chấp nhận: PDF, JPEG, PNG, WebP, MP4, WebM, MP3, M4A."),
            status=415,
        )
    extension, family = ACCEPTED[mime]
    return mime, extension, family


def inspect(path: Path, head: bytes, max_pixels: int) -> FileFacts:
    """Check that a received file is whole and of an accepted type, and read its facts."""
    mime, extension, family = detect(head)
    facts = FileFacts(mime, extension, family)
    if family == "pdf":
        _inspect_pdf(path, facts)
    elif family == "image":
        _inspect_image(path, facts, max_pixels)
    return facts


def _inspect_pdf(path: Path, facts: FileFacts) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    damaged = FileRejected(_l("Tệp PDF bị hỏng hoặc không đầy đủ."), status=422)
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - 2048))
        if b"%%EOF" not in f.read():
            raise damaged
    try:
        reader = PdfReader(str(path), strict=False)
        facts.page_count = len(reader.pages)
        _refuse_inflated_pages(reader)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as err:
        log.info("PDF refused: %s", err)
        raise damaged from err
    if not facts.page_count:
        raise damaged
    try:
        facts.rewritten = bool(strip_active_content(path))
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as err:
        log.info("PDF refused while removing active content: %s", err)
        raise damaged from err


# What a PDF viewer may run or open on its own: scripts, actions on opening a document or a page,
# launching programs, forms sent elsewhere, attached files, multimedia and XFA forms.
ACTIVE_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/GoToE",
    "/GoToR",
    "/RichMediaExecute",
    "/Rendition",
    "/Movie",
    "/Sound",
}
ACTIVE_ANNOTATIONS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}


def active_content(reader) -> list[str]:
    """The active parts of a PDF (empty for a plain document), found by walking every object
    reachable from its catalogue, compressed object streams included."""
    found, seen, todo = [], set(), [reader.trailer["/Root"]]
    while todo:
        item = todo.pop()
        ref = getattr(item, "idnum", None)
        if ref is not None:
            if ref in seen or len(seen) > 200_000:
                continue
            seen.add(ref)
            item = item.get_object()
        if isinstance(item, dict):
            for key in ("/JS", "/AA", "/EmbeddedFiles", "/XFA", "/EF", "/AF"):
                if key in item:
                    found.append(key)
            if "/OpenAction" in item and not opens_quietly(item["/OpenAction"]):
                found.append("/OpenAction")
            if item.get("/S") in ACTIVE_ACTIONS or item.get("/Subtype") in ACTIVE_ANNOTATIONS:
                found.append(str(item.get("/S") or item.get("/Subtype")))
            names = item.get("/Names")
            if hasattr(names, "get_object") or isinstance(names, dict):
                names = names.get_object()
                if isinstance(names, dict) and "/JavaScript" in names:
                    found.append("/JavaScript")
            todo.extend(v for k, v in item.items() if k not in ("/Parent", "/P"))
        elif isinstance(item, list):
            todo.extend(item)
    return sorted(set(found))


def opens_quietly(action) -> bool:
    """True for an /OpenAction that only shows a page or sets the zoom (as LaTeX, Word and many
    official PDFs have): a destination, or a GoTo action whose following actions are GoTo too.
    Anything else (a script, a web address, a form sent, a program launched) is active."""
    action = _resolved(action)
    if isinstance(action, (list, str)):
        return True  # a destination: [page /Fit], [page /XYZ left top zoom], or its name
    return _only_goto(action, 0)


def _only_goto(action, depth: int) -> bool:
    action = _resolved(action)
    if not isinstance(action, dict) or action.get("/S") != "/GoTo" or depth > 20:
        return False
    following = _resolved(action.get("/Next"))
    if following is None:
        return True
    chain = following if isinstance(following, list) else [following]
    return all(_only_goto(step, depth + 1) for step in chain)


def _resolved(item):
    return item.get_object() if hasattr(item, "get_object") else item


def strip_active_content(path: Path) -> list[str]:
    """Rewrite a PDF without its active parts; return what was removed (nothing: untouched)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, NameObject

    reader = PdfReader(str(path), strict=False)
    found = active_content(reader)
    if not found:
        return []
    writer = PdfWriter(clone_from=reader)
    root = writer._root_object
    for key in ("/AA", "/AF"):
        root.pop(NameObject(key), None)
    if "/OpenAction" in root and not opens_quietly(root["/OpenAction"]):
        root.pop(NameObject("/OpenAction"))
    names = root.get("/Names")
    if names is not None:
        names = names.get_object()
        for key in ("/JavaScript", "/EmbeddedFiles"):
            names.pop(NameObject(key), None)
    form = root.get("/AcroForm")
    if form is not None:
        form.get_object().pop(NameObject("/XFA"), None)
    for page in writer.pages:
        page.pop(NameObject("/AA"), None)
        page.pop(NameObject("/AF"), None)
        annotations = page.get("/Annots")
        if annotations is None:
            continue
        kept = ArrayObject()
        for annotation in annotations.get_object():
            annot = annotation.get_object()
            if annot.get("/Subtype") in ACTIVE_ANNOTATIONS:
                continue
            annot.pop(NameObject("/AA"), None)
            action = annot.get("/A")
            if action is not None and action.get_object().get("/S") in ACTIVE_ACTIONS:
                annot.pop(NameObject("/A"), None)
            kept.append(annotation)
        page[NameObject("/Annots")] = kept
    # Copy again what is still reachable: the removed scripts and files are left out.
    buffer = io.BytesIO()
    writer.write(buffer)
    buffer.seek(0)
    tmp = path.with_suffix(".clean")
    with open(tmp, "wb") as out:
        PdfWriter(clone_from=PdfReader(buffer, strict=False)).write(out)
    remaining = active_content(PdfReader(str(tmp), strict=False))
    if remaining:
        tmp.unlink(missing_ok=True)
        raise FileRejected(
            _l(
                "Tệp PDF chứa mã chạy tự động hoặc tệp đính kèm không gỡ được. "
                "Vui lòng xuất lại PDF (In → Lưu dưới dạng PDF) rồi tải lên."
            ),
            status=422,
        )
    tmp.replace(path)
    log.info("PDF active content removed: %s", ", ".join(found))
    return found


MAX_PAGE_CONTENT = 20 * 1024 * 1024


def _refuse_inflated_pages(reader) -> None:
    """Refuse a PDF whose page drawing instructions inflate past MAX_PAGE_CONTENT (a small file
    that would take seconds and hundreds of MB to draw), measured without inflating it whole."""
    import zlib

    for page in reader.pages:
        contents = page.get("/Contents")
        if contents is None:
            continue
        contents = contents.get_object()
        streams = contents if isinstance(contents, list) else [contents]
        total = 0
        for stream in streams:
            stream = stream.get_object()
            data = getattr(stream, "_data", b"") or b""
            if stream.get("/Filter") not in ("/FlateDecode", ["/FlateDecode"]):
                total += len(data)
                continue
            inflater = zlib.decompressobj()
            for start in range(0, len(data), 65536):
                total += len(inflater.decompress(data[start : start + 65536], 1 << 20))
                while inflater.unconsumed_tail and total <= MAX_PAGE_CONTENT:
                    total += len(inflater.decompress(inflater.unconsumed_tail, 1 << 20))
                if total > MAX_PAGE_CONTENT:
                    break
        if total > MAX_PAGE_CONTENT:
            raise FileRejected(
                _l("Tệp PDF có trang quá nặng để hiển thị (có thể là tệp độc hại)."), status=413
            )


def pdf_text(path: Path) -> str:
    """Text of every page of a kept PDF for search (seconds for a long one: a job's work)."""
    from pypdf import PdfReader

    return _pdf_text(PdfReader(str(path), strict=False))


def _pdf_text(reader) -> str:
    """Text of every page for search; a page whose text cannot be read is skipped."""
    parts, total = [], 0
    for page in reader.pages:
        try:
            text = page.extract_text() or ""
        except Exception as err:  # noqa: BLE001 - one bad page must not refuse the whole file
            log.info("PDF page text unreadable: %s", err)
            continue
        parts.append(text)
        total += len(text)
        if total > MAX_TEXT:
            break
    return "\n".join(parts)[:MAX_TEXT]


def _inspect_image(path: Path, facts: FileFacts, max_pixels: int) -> None:
    bomb = FileRejected(_l("Ảnh quá lớn (số điểm ảnh vượt giới hạn)."), status=413)
    broken = FileRejected(_l("Tệp ảnh bị hỏng hoặc không đọc được."), status=422)
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img.verify()
            with Image.open(path) as img:
                img.load()
                facts.width, facts.height = ImageOps.exif_transpose(img).size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise bomb from err
    except (OSError, SyntaxError, ValueError) as err:
        raise broken from err


def clean_image(path: Path) -> None:
    """Rewrite an image upright and without metadata (EXIF GPS, camera serials, text chunks)."""
    with Image.open(path) as img:
        img.load()
        fmt = img.format
        clean = ImageOps.exif_transpose(img)
    clean.info = {}
    options = {"quality": 90, "exif": b""} if fmt in ("JPEG", "WEBP") else {"optimize": True}
    clean.save(path, format=fmt, **options)


def first_image(path: Path, family: str, width: int = 1200) -> Image.Image | None:
    """The picture that stands for a file: the image itself, a PDF's first page or a frame of a
    video about a second in."""
    if family == "image":
        with Image.open(path) as img:
            return ImageOps.exif_transpose(img).convert("RGB")
    if family == "pdf":
        return render_pdf_page(path, 0, width)
    if family == "video":
        return video_frame(path)
    return None


# A video's picture is its frame about FRAME_AT seconds in (past a fade from black), or its first
# frame when it is shorter. Reading it is bounded, so an odd file cannot hold an upload for long:
# at most so many packets read, frames decoded and seconds spent, and no frame larger than 8K.
FRAME_AT = 1.0
FRAME_MAX_PACKETS = 600
FRAME_MAX_DECODED = 90
FRAME_MAX_SECONDS = 5.0
FRAME_MAX_PIXELS = 7680 * 4320


def video_frame(path: Path) -> Image.Image | None:
    """A frame of a video about FRAME_AT seconds in, upright, or None if none can be read."""
    import av

    try:
        with av.open(str(path), options={"probesize": "5000000"}) as container:
            frame = _pick_frame(container)
            if frame is None:
                return None
            picture = frame.to_image().convert("RGB")
            turn = int(getattr(frame, "rotation", 0) or 0) % 360
            if turn:
                # The display matrix's angle is counter-clockwise, as is Pillow's rotate.
                picture = picture.rotate(turn, expand=True)
            return picture
    except Exception as err:  # noqa: BLE001 - a video whose frame cannot be read has no picture
        log.info("video frame not read: %s", err)
        return None


def _pick_frame(container):
    import av

    stream = next(iter(container.streams.video), None)
    if stream is None:
        return None
    context = stream.codec_context
    if (context.width or 0) * (context.height or 0) > FRAME_MAX_PIXELS:
        log.info("video frame not read: %sx%s is too large", context.width, context.height)
        return None
    start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
    deadline = time.monotonic() + FRAME_MAX_SECONDS
    first = last = None
    decoded = packets = 0
    for packet in container.demux(stream):
        packets += 1
        if packets > FRAME_MAX_PACKETS or decoded >= FRAME_MAX_DECODED:
            return last  # reading stopped early: the latest frame is the nearest to FRAME_AT
        if time.monotonic() > deadline:
            return last
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            continue  # a damaged packet: a later key frame may still decode
        for frame in frames:
            if frame.width * frame.height > FRAME_MAX_PIXELS:
                return None  # the stream said less than its frames are: not drawn
            decoded += 1
            first = first or frame
            last = frame
            if frame.time is not None and frame.time - start >= FRAME_AT:
                return frame
    return first  # the video ends before FRAME_AT: its first frame


def render_pdf_page(path: Path, index: int, width: int) -> Image.Image | None:
    """Render one PDF page to an image of the given width, or None if it cannot be drawn."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
        try:
            if index >= len(pdf):
                return None
            page = pdf[index]
            scale = width / max(page.get_width(), 1)
            return page.render(scale=min(scale, 4)).to_pil().convert("RGB")
        finally:
            pdf.close()
    except Exception as err:  # noqa: BLE001 - a page we cannot draw is shown as a link instead
        log.info("PDF page %s not rendered: %s", index, err)
        return None


def make_thumbnails(source: Path, family: str, folder: Path) -> None:
    """Write the list thumbnail and the 1200x630 social preview of a file."""
    picture = first_image(source, family)
    if picture is None:
        return
    thumb = picture.copy()
    thumb.thumbnail((480, 480))
    save_whole(thumb, folder / LIST_THUMB, "WEBP", quality=80)
    medium = picture.copy()
    medium.thumbnail((1080, 4000))
    save_whole(medium, folder / MEDIUM_IMAGE, "WEBP", quality=80)
    preview = ImageOps.fit(picture, PREVIEW_SIZE, centering=(0.5, 0.3))
    save_whole(preview, folder / PREVIEW_IMAGE, "JPEG", quality=85)
    for name, widths in ((LIST_THUMB, LIST_WIDTHS), (MEDIUM_IMAGE, MEDIUM_WIDTHS)):
        for width in widths:
            make_sized(folder, name, width)


def save_whole(image: Image.Image, path: Path, fmt: str, **options) -> None:
    """Save an image under a temporary name, then rename it: a reader never gets half of it
    (a worker killed, a disk full, two requests making it at once), and `flask doctor` removes
    what a crash left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        image.save(tmp, fmt, **options)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def sized_name(name: str, width: int) -> str:
    """list.webp, 160 -> list-160.webp"""
    stem, extension = name.rsplit(".", 1)
    return f"{stem}-{width}.{extension}"


def make_sized(folder: Path, name: str, width: int) -> Path | None:
    """The copy of the derived image `name` at most `width` wide, made from it and kept beside
    it; None when there is no such image (a file whose picture could not be read)."""
    source = folder / name
    if not source.is_file():
        return None
    target = folder / sized_name(name, width)
    with Image.open(source) as img:
        picture = img.convert("RGB")
    picture.thumbnail((width, width * 10))
    # The copies phones load: on a 2x screen their artefacts are half as wide, and a poster's
    # copy is most of its page's bytes on slow 3G (quality 70 and the slowest method: a fifth
    # lighter than quality 80, made once).
    save_whole(picture, target, "WEBP", quality=SIZED_QUALITY, method=6)
    return target
