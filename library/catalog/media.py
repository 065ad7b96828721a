"""What an uploaded file really is, judged by its content; thumbnails and page images."""

import logging
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
        facts.text = _pdf_text(reader)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as err:
        log.info("PDF refused: %s", err)
        raise damaged from err
    if not facts.page_count:
        raise damaged


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
    """The picture that stands for a file: the image itself or a PDF's first page."""
    if family == "image":
        with Image.open(path) as img:
            return ImageOps.exif_transpose(img).convert("RGB")
    if family == "pdf":
        return render_pdf_page(path, 0, width)
    return None


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
    folder.mkdir(parents=True, exist_ok=True)
    thumb = picture.copy()
    thumb.thumbnail((480, 480))
    thumb.save(folder / LIST_THUMB, "WEBP", quality=80)
    medium = picture.copy()
    medium.thumbnail((1080, 4000))
    medium.save(folder / MEDIUM_IMAGE, "WEBP", quality=80)
    ImageOps.fit(picture, PREVIEW_SIZE, centering=(0.5, 0.3)).save(
        folder / PREVIEW_IMAGE, "JPEG", quality=85
    )
