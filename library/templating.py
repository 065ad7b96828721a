"""Template filters and globals: sizes, dates, Markdown, labels, the page's language."""

from functools import lru_cache

import markdown as md
import nh3
from babel.numbers import format_decimal as numbers_format_decimal
from flask import request
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user
from markupsafe import Markup

from library import numbers
from library.accounts.forms import ROLE_LABELS, TYPE_LABELS
from library.accounts.permissions import can_edit, can_review, can_see
from library.catalog import fragments, media, pictures, playback, structured, video
from library.catalog.forms import (
    ACTION_LABELS,
    KIND_LABELS,
    LICENSE_LABELS,
    STATUS_LABELS,
    ActionForm,
)
from library.catalog.job_labels import job_message
from library.i18n import language_url
from library.jobs import waiting_jobs
from library.storage import get_storage
from library.web import search_url

MARKDOWN_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "pre",
    "hr",
}
FILE_TYPE_LABELS = {
    "pdf": "PDF",
    "jpg": "JPEG",
    "png": "PNG",
    "webp": "WebP",
    "mp4": "MP4",
    "webm": "WebM",
    "mp3": "MP3",
    "m4a": "M4A",
}


def human_size(size: int | None) -> str:
    """1,2 MB in Vietnamese, 1.2 MB in English: what a worker pays for in mobile data."""
    if size is None:
        return ""
    return _human_size(size, str(get_locale()))


@lru_cache(maxsize=4096)
def _human_size(size: int, locale: str) -> str:
    """human_size in one locale, kept: a list shows several, and Babel's formatting is slow."""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            digits = "#,##0" if unit == "B" else "#,##0.#"
            return f"{numbers_format_decimal(size, format=digits, locale=locale)} {unit}"
        size /= 1024
    return ""


@lru_cache(maxsize=256)
def render_markdown(text: str) -> Markup:
    """Markdown written by editors, with everything but plain formatting removed (kept for the
    same text: a digest's page is read far more often than it is edited)."""
    html = md.markdown(text or "", extensions=["tables", "sane_lists"])
    clean = nh3.clean(
        html,
        tags=MARKDOWN_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )
    return Markup(clean)


def format_day(day) -> str:
    """01/12/2026 in Vietnamese (the usual way), Dec 1, 2026 in English."""
    if not day:
        return ""
    return format_date(day, "medium" if str(get_locale()) == "en" else "dd/MM/yyyy")


def format_moment(moment) -> str:
    """A moment on the province's clock: 01/12/2026 07:00 (Dec 1, 2026, 7:00 AM in English)."""
    if not moment:
        return ""
    return format_datetime(moment, "medium" if str(get_locale()) == "en" else "dd/MM/yyyy HH:mm")


def area_name(area) -> str:
    return area.name_en if str(get_locale()) == "en" else area.name_vi


def has_picture(stored) -> bool:
    """Whether a stored file has a list thumbnail: images and PDFs always, a video when a frame
    of it could be read on upload."""
    if stored is None or stored.family not in ("image", "pdf", "video"):
        return False
    if stored.family != "video":
        return True
    return get_storage().derived_path(stored.sha256, media.LIST_THUMB).is_file()


def register(app) -> None:
    """Make the helpers available in every template."""
    app.jinja_env.add_extension(fragments.KeptExtension)
    app.jinja_env.filters.update(
        human_size=human_size,
        markdown=render_markdown,
        date=format_day,
        moment=format_moment,
        kind_label=lambda k: KIND_LABELS.get(k, k),
        license_label=lambda c: LICENSE_LABELS.get(c, c),
        status_label=lambda s: STATUS_LABELS.get(s, s),
        file_type=lambda f: FILE_TYPE_LABELS.get(f.extension, f.extension.upper()),
        area_name=area_name,
        role_label=lambda r: ROLE_LABELS.get(r, r),
        action_label=lambda a: ACTION_LABELS.get(a, a),
        org_type_label=lambda t: TYPE_LABELS.get(t, t),
        number=numbers.number,
        percent=numbers.percent,
        whole_percent=numbers.whole_percent,
    )
    app.jinja_env.globals.update(
        player_url=video.player_url,
        language_url=language_url,
        material_jsonld=structured.material_document,
        collection_jsonld=structured.collection_document,
        has_picture=has_picture,
        lead_picture=pictures.lead_picture,
        search_url=search_url,
        pdf_part=fragments.pdf_part,
        kept_key=fragments.frozen,
        waiting_jobs=waiting_jobs,
        play_choices=playback.choices,
        playing=playback.playing,
        play_quality=playback.wanted,
        job_message=job_message,
        can_edit=lambda m: can_edit(current_user, m),
        can_review=lambda m: can_review(current_user, m),
        can_see=lambda m: can_see(current_user, m),
        action_form=ActionForm,
    )

    @app.context_processor
    def page_language():
        return {"lang": str(get_locale()), "current_path": request.full_path.rstrip("?")}
