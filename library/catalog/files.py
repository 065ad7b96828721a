"""Serving stored files, their thumbnails and rendered PDF pages."""

from flask import abort, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from library.accounts.permissions import can_see, shows_withdrawal
from library.catalog import bp, media, processing
from library.extensions import db
from library.models import Material, StoredFile
from library.storage import get_storage
from library.tracking.web import count_on_success

INLINE_FAMILIES = {"image", "pdf", "video", "audio"}
# How long a browser waits before asking again for a page image its job has not made yet.
PAGE_RETRY_SECONDS = 30


def _visible_file(file_id: int) -> tuple[StoredFile, Material]:
    """The file and its material, if the visitor may see the material; else 404 or 410."""
    stored = db.session.get(StoredFile, file_id) or abort(404)
    material = db.session.scalar(select(Material).where(Material.file_id == stored.id))
    if material is None:
        abort(404)
    if not can_see(current_user, material):
        abort(410 if shows_withdrawal(material) else 404)
    return stored, material


def download_name(stored: StoredFile, material: Material) -> str:
    """The uploader's name for the file, with the extension of what it really is (werkzeug
    sends it as an ASCII filename plus an RFC 5987 filename* for the rest of Unicode)."""
    name = (stored.original_name or "").strip()
    stem = name.rsplit(".", 1)[0].strip(" .") if "." in name[1:] else name.strip(" .")
    return f"{stem or f'tai-lieu-{material.id}'}.{stored.extension}"


def _harden(response, cache: bool = True):
    # A stored file is never run as a page of this site, even if a browser tried.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if cache:
        response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/files/<id:file_id>/<path:name>")
def file(file_id: int, name: str):
    """The file itself, with range requests (seeking in video) and its real type."""
    stored, material = _visible_file(file_id)
    storage = get_storage()
    path = storage.path(storage.key_for(stored.sha256, stored.extension))
    if not path.is_file():
        abort(404)
    download = request.args.get("download") == "1" or stored.family not in INLINE_FAMILIES
    response = send_file(
        path,
        mimetype=stored.mime_type,
        as_attachment=download,
        download_name=download_name(stored, material),
        conditional=True,
        etag=stored.sha256,
        max_age=86400,
    )
    count_on_success(material, "download")
    return _harden(response, cache=material.status == "published")


@bp.route("/files/<id:file_id>/renditions/<name>")
def rendition(file_id: int, name: str):
    """A light copy of a video or audio (360p.mp4, 720p.mp4, audio.m4a), served and counted
    as the file itself is: ranges, conditional requests, a download per first byte."""
    stored, material = _visible_file(file_id)
    row = next((r for r in stored.renditions if f"{r.name}.{r.extension}" == name), None)
    path = get_storage().derived_path(stored.sha256, row.filename) if row else None
    if path is None or not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=row.mime_type,
        as_attachment=request.args.get("download") == "1",
        download_name=f"tai-lieu-{material.id}-{row.name}.{row.extension}",
        conditional=True,
        etag=row.sha256,
        max_age=86400,
    )
    count_on_success(material, "download")
    return _harden(response, cache=material.status == "published")


@bp.route("/files/<id:file_id>/thumb.webp")
def thumbnail(file_id: int):
    return _derived(file_id, media.LIST_THUMB, "image/webp")


@bp.route("/files/<id:file_id>/medium.webp")
def medium(file_id: int):
    return _derived(file_id, media.MEDIUM_IMAGE, "image/webp")


@bp.route("/files/<id:file_id>/thumb-<int:width>.webp")
def thumbnail_sized(file_id: int, width: int):
    return _sized(file_id, media.LIST_THUMB, width, media.LIST_WIDTHS)


@bp.route("/files/<id:file_id>/medium-<int:width>.webp")
def medium_sized(file_id: int, width: int):
    return _sized(file_id, media.MEDIUM_IMAGE, width, media.MEDIUM_WIDTHS)


def _sized(file_id: int, name: str, width: int, widths: tuple[int, ...]):
    """A narrower copy of a derived image, made on first request for files kept before the
    copies existed (then kept like those made on upload)."""
    if width not in widths:
        abort(404)
    stored, material = _visible_file(file_id)
    path = get_storage().derived_path(stored.sha256, media.sized_name(name, width))
    if not path.is_file() and media.make_sized(path.parent, name, width) is None:
        abort(404)
    response = send_file(path, mimetype="image/webp", conditional=True, max_age=86400)
    return _harden(response, cache=material.status == "published")


@bp.route("/files/<id:file_id>/preview.jpg")
def preview(file_id: int):
    return _derived(file_id, media.PREVIEW_IMAGE, "image/jpeg")


def _derived(file_id: int, name: str, mimetype: str):
    stored, material = _visible_file(file_id)
    path = get_storage().derived_path(stored.sha256, name)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=mimetype, conditional=True, max_age=86400)
    return _harden(response, cache=material.status == "published")


@bp.route("/files/<id:file_id>/pages/<int:number>.webp")
def pdf_page(file_id: int, number: int):
    """One page of a PDF drawn as an image, so a phone without a PDF viewer can read it."""
    stored, material, path = _page_image(file_id, number, full=False)
    if path is None:
        return _page_waiting(number)
    return _send_page(path, material)


@bp.route("/files/<id:file_id>/pages/<int:number>/full.webp")
def pdf_page_full(file_id: int, number: int):
    """The same page drawn large, opened from the page image to zoom into; until its job has
    drawn it, the page image itself."""
    stored, material, path = _page_image(file_id, number, full=True)
    if path is not None:
        return _send_page(path, material)
    if _page_image(file_id, number, full=False)[2] is not None:
        response = redirect(url_for("catalog.pdf_page", file_id=file_id, number=number))
        response.headers["Cache-Control"] = "no-store"
        return response
    return _page_waiting(number)


def _page_image(file_id: int, number: int, full: bool):
    """The file, its material and the page image's path (None while its job has not made it:
    page images are drawn by the page job only, never by a reader's request)."""
    stored, material = _visible_file(file_id)
    if stored.family != "pdf" or not 1 <= number <= processing.shown_pages(stored):
        abort(404)
    path = get_storage().derived_path(stored.sha256, processing.page_image_name(number, full))
    return stored, material, path if path.is_file() else None


def _send_page(path, material: Material):
    response = send_file(path, mimetype="image/webp", conditional=True, max_age=86400)
    return _harden(response, cache=material.status == "published")


def _page_waiting(number: int):
    """A page image not made yet: a picture saying so (an <img> shows it, a reader who opened
    it reads it), 503 with a time to ask again, never kept by a cache."""
    body = render_template("catalog/page_waiting.svg", number=number)
    response = make_response(body, 503)
    response.headers.update(
        {
            "Content-Type": "image/svg+xml; charset=utf-8",
            "Retry-After": str(PAGE_RETRY_SECONDS),
            "Cache-Control": "no-store",
        }
    )
    return _harden(response, cache=False)


@bp.route("/materials/<id:material_id>/captions.vtt")
def captions(material_id: int):
    """A video's or an audio's captions, for the player's <track> (same origin, so no CORS)."""
    material = db.session.get(Material, material_id) or abort(404)
    if not can_see(current_user, material):
        abort(410 if shows_withdrawal(material) else 404)
    stored = material.captions or abort(404)
    storage = get_storage()
    path = storage.path(storage.key_for(stored.sha256, stored.extension))
    if not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype="text/vtt", conditional=True, etag=stored.sha256, max_age=86400
    )
    response.headers["Content-Type"] = "text/vtt; charset=utf-8"
    return _harden(response, cache=material.status == "published")
