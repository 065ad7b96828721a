"""The 1200x630 preview images that social networks show under a shared link.

A material's image is its own picture when it has one (the poster, the PDF's first page or a frame
of an uploaded video: the 1200x630 preview the catalog derives on upload); otherwise a card is
drawn with Pillow: the title in DejaVu Sans Bold (vendored in static/fonts with its licence, so
every Vietnamese letter has a glyph on any machine), the area's name and colour, and the site's
name. Drawn cards are kept in
storage under a digest of what they show, so crawlers fetching the same image never redraw it.
"""

import hashlib
import io
import os
import threading
import time
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask_babel import force_locale
from flask_babel import gettext as _
from PIL import Image, ImageDraw, ImageFont

from library import ROOT
from library.catalog import media
from library.catalog.forms import KIND_LABELS
from library.storage import get_storage

WIDTH, HEIGHT = media.PREVIEW_SIZE
FONT_FILE = ROOT / "static" / "fonts" / "DejaVuSans-Bold.ttf"
# Bump when the drawing changes, so cached cards are redrawn.
CARD_VERSION = "1"
# The copies of a preview a phone's screen may load (the video placeholder's srcset): 360 and
# 720 for a 336 px slot at 1x and 2x; 640 for pages saved before the others existed.
SMALL_WIDTHS = (360, 640, 720)
# The area colours of the site's stylesheet (static/css/site.css).
BRAND = "#b3261e"
AREA_COLOURS = {
    "politics-law": BRAND,
    "vocational-skills": "#0b57a4",
    "life-skills": "#1b6e3a",
    "digital-skills": "#6b3fa0",
    "learning-model": "#c77700",
}
INK = "#1d2733"
MARGIN = 80
BAND = 24
FOOTER_TOP = 520
TITLE_TOP, TITLE_BOTTOM = 150, 490
TITLE_SIZES = (76, 68, 60, 54, 48, 44)
STALE_AFTER = 60  # seconds
CARDS = "cards"  # the folder of the upload folder that holds drawn cards


@dataclass(frozen=True)
class Card:
    """What a drawn card shows; the same card is drawn once and kept."""

    title: str
    label: str = ""
    colour: str = BRAND
    footer: str = ""
    badge: str = ""

    @property
    def digest(self) -> str:
        text = "\x1f".join((CARD_VERSION, self.title, self.label, self.colour, self.footer))
        return hashlib.sha256(f"{text}\x1f{self.badge}".encode()).hexdigest()[:20]


@dataclass(frozen=True)
class PreviewImage:
    """A preview image on disk and the validator it is served with."""

    path: Path
    etag: str


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILE), size)


def _nfc(text: str) -> str:
    """Precomposed letters: a title typed as NFD (base letter + marks) is drawn the same."""
    return unicodedata.normalize("NFC", " ".join((text or "").split()))


def wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break text into lines no wider than width; a word too long for a line is cut."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if face.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while face.getlength(word) > width:
            cut = len(word)
            while cut > 1 and face.getlength(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _fit_title(text: str, width: int, height: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size at which the title fits the box; at the smallest, cut with an ellipsis."""
    for size in TITLE_SIZES:
        face = font(size)
        lines = wrap(text, face, width)
        if len(lines) * round(size * 1.2) <= height:
            return face, lines
    face = font(TITLE_SIZES[-1])
    lines = wrap(text, face, width)
    keep = max(1, height // round(TITLE_SIZES[-1] * 1.2))
    if len(lines) > keep:
        lines = lines[:keep]
        last = lines[-1]
        while last and face.getlength(last + "…") > width:
            last = last[:-1].rstrip()
        lines[-1] = last + "…"
    return face, lines


def _ellipsis(text: str, face: ImageFont.FreeTypeFont, width: int) -> str:
    if face.getlength(text) <= width:
        return text
    while text and face.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def render_card(card: Card) -> Image.Image:
    """Draw a 1200x630 card: label and title on white, the site's name on the colour band."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "#ffffff")
    draw = ImageDraw.Draw(image)
    colour = card.colour or BRAND
    draw.rectangle((0, 0, BAND - 1, HEIGHT), fill=colour)
    draw.rectangle((0, FOOTER_TOP, WIDTH, HEIGHT), fill=colour)
    text_width = WIDTH - MARGIN * 2
    if card.label:
        label_face = font(36)
        draw.text(
            (MARGIN, 72),
            _ellipsis(_nfc(card.label), label_face, text_width),
            font=label_face,
            fill=colour,
        )
    face, lines = _fit_title(_nfc(card.title), text_width, TITLE_BOTTOM - TITLE_TOP)
    line_height = round(face.size * 1.2)
    top = TITLE_TOP + (TITLE_BOTTOM - TITLE_TOP - line_height * len(lines)) // 2
    for n, line in enumerate(lines):
        draw.text((MARGIN, top + n * line_height), line, font=face, fill=INK)
    footer_face = font(34)
    badge = _nfc(card.badge)
    badge_width = int(footer_face.getlength(badge)) + 40 if badge else 0
    if badge:
        draw.text(
            (WIDTH - MARGIN - badge_width + 40, FOOTER_TOP + 30),
            badge,
            font=footer_face,
            fill="#ffffff",
        )
    footer = _ellipsis(_nfc(card.footer), footer_face, text_width - badge_width)
    draw.text((MARGIN, FOOTER_TOP + 30), footer, font=footer_face, fill="#ffffff")
    return image


def jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88, optimize=True)
    return buffer.getvalue()


def cached_card(folder: str, card: Card) -> PreviewImage:
    """The card drawn once and kept in storage under cards/<folder>/<digest>.jpg.

    folder names what the card stands for ("materials/12", "collections/3"); a new digest (the
    title or area changed) replaces the older drawings of that folder once they are a minute old.
    """
    directory = get_storage().root / CARDS / folder
    path = directory / f"{card.digest}.jpg"
    if not path.is_file():
        directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(jpeg_bytes(render_card(card)))
        tmp.replace(path)
        # Older drawings go once no request can still be sending them.
        for old in [*directory.glob("*.jpg"), *directory.glob("*.webp")]:
            if not old.name.startswith(card.digest) and _age(old) > STALE_AFTER:
                old.unlink(missing_ok=True)
    return PreviewImage(path, f"card-{card.digest}")


def small_copy(image: PreviewImage, width: int) -> PreviewImage:
    """A WebP copy of a preview at the given width, made once beside it."""
    path = image.path.with_name(f"{image.path.stem}-{width}.webp")
    if not path.is_file():
        with Image.open(image.path) as picture:
            picture.thumbnail((width, width))
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            picture.save(tmp, "WEBP", quality=75, method=6)
        tmp.replace(path)
    return PreviewImage(path, f"{image.etag}-{width}")


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def site_name() -> str:
    return _("Thư viện học tập mở")


def material_card(material) -> Card:
    """The card of a material: always in Vietnamese, the language of the people it is shown to."""
    area = material.areas[0] if material.areas else None
    with force_locale("vi"):
        return Card(
            title=material.title,
            label=area.name_vi if area else "",
            colour=AREA_COLOURS.get(area.code, BRAND) if area else BRAND,
            footer=site_name(),
            badge=str(KIND_LABELS.get(material.kind, "")),
        )


def area_card(area) -> Card:
    with force_locale("vi"):
        return Card(
            title=area.name_vi,
            label=_("Lĩnh vực học tập"),
            colour=AREA_COLOURS.get(area.code, BRAND),
            footer=site_name(),
        )


def site_card() -> Card:
    with force_locale("vi"):
        return Card(
            title=_("Tài liệu học tập mở cho công nhân lao động tại doanh nghiệp"),
            label=_("Chương trình 1268"),
            footer=site_name(),
        )


def material_image(material) -> PreviewImage:
    """A material's preview: its own 1200x630 picture (poster, PDF's first page, a frame of an
    uploaded video), else a card."""
    stored = material.file
    if stored is not None and stored.family in ("image", "pdf", "video"):
        path = get_storage().derived_path(stored.sha256, media.PREVIEW_IMAGE)
        if path.is_file():
            return PreviewImage(path, f"file-{stored.sha256[:20]}")
    return cached_card(f"materials/{material.id}", material_card(material))
