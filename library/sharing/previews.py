"""Social previews, QR codes and printable sheets of the site's pages.

The functions here take plain values (a title, a summary, a URL), so that any page that can be
shared — a material, an area, a share link, a collection — gets the same Open Graph tags, the same
QR code and the same A4 sheet; the routes below apply them to materials, areas and the home page.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import nh3
from flask import Blueprint, abort, make_response, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from library.accounts.permissions import can_see
from library.addresses import public_url
from library.extensions import db
from library.models import Area, Material
from library.sharing import cards, qr
from library.templating import area_name, has_picture, render_markdown

bp = Blueprint("previews", __name__)

DESCRIPTION_LIMIT = 200
SHEET_SUMMARY_LIMIT = 240
ONE_DAY = 86400
SANDBOX = "default-src 'none'; sandbox"


@dataclass(frozen=True)
class PreviewMeta:
    """What the Open Graph and Twitter card tags of one page say (see sharing/_meta.html)."""

    title: str
    description: str
    url: str
    image: str
    image_alt: str
    type: str = "website"
    image_width: int = cards.WIDTH
    image_height: int = cards.HEIGHT
    image_type: str = "image/jpeg"
    published_at: datetime | None = None
    section: str = ""


def summarise(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """Plain text on one line, cut at a word before `limit` characters, with an ellipsis."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-–") + "…"


def _plain(markdown_text: str) -> str:
    return nh3.clean(str(render_markdown(markdown_text)), tags=set())


def site_description() -> str:
    return _("Tài liệu học tập mở cho công nhân lao động tại doanh nghiệp")


def _this_page() -> str:
    """The current page's absolute address without its query (?page=, ?lang=, ?ch=...)."""
    if request.url_rule is not None and request.endpoint:
        return public_url(request.endpoint, **(request.view_args or {}))
    return public_url("catalog.home")


def site_meta() -> PreviewMeta:
    """The tags of pages without their own: the page's address, the site's card."""
    return PreviewMeta(
        title=cards.site_name(),
        description=site_description(),
        url=_this_page(),
        image=public_url("previews.site_image"),
        image_alt=cards.site_name(),
    )


def area_meta(area: Area) -> PreviewMeta:
    name = area_name(area)
    return PreviewMeta(
        title=f"{name} · {cards.site_name()}",
        description=_("Tài liệu học tập về %(area)s cho công nhân lao động.", area=name),
        url=public_url("catalog.area", code=area.code),
        image=public_url("previews.area_image", code=area.code),
        image_alt=name,
    )


def material_meta(material: Material) -> PreviewMeta:
    """A material's tags: its title, summary (or the start of its text), its page and image."""
    description = summarise(material.summary) or summarise(_plain(material.body))
    area = material.areas[0] if material.areas else None
    return PreviewMeta(
        title=material.title,
        description=description or site_description(),
        url=public_url("catalog.material", material_id=material.id),
        image=public_url("previews.material_image", material_id=material.id),
        image_alt=material.alt_text or material.title,
        type="article",
        published_at=material.published_at,
        section=area_name(area) if area else "",
    )


def short_url(url: str) -> str:
    """An address as a person types it from a notice board: no scheme, no trailing slash."""
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/")


def render_print_sheet(
    title: str,
    summary: str,
    url: str,
    *,
    qr_url: str | None = None,
    display_url: str | None = None,
    area: str = "",
    organisation: str = "",
    back_url: str | None = None,
    picture_url: str | None = None,
    picture_alt: str = "",
) -> str:
    """An A4 sheet for a notice board: title, short summary, QR code, the address in large type.

    url is the page's address; the QR code leads to qr_url (by default url with ?ch=qr, so the
    visit is credited to the QR channel) and the sheet shows display_url (by default url without
    its scheme) for people who type it. A poster's sheet shows the poster itself (picture_url).
    """
    target = qr_url or qr.with_channel(url, "qr")
    return render_template(
        "sharing/print.html",
        title=title,
        summary=summarise(summary, SHEET_SUMMARY_LIMIT),
        url=url,
        display_url=display_url or short_url(url),
        qr_svg=qr.qr_svg(target, inline=True, title=_("Mã QR: %(url)s", url=target)),
        area=area,
        organisation=organisation,
        back_url=back_url or url,
        long_title=len(title) > 90,
        picture_url=picture_url,
        picture_alt=picture_alt,
    )


def poster_picture(material: Material) -> dict:
    """The picture a poster's sheet shows (its image, or a PDF poster's first page), if any."""
    if material.kind != "poster" or not has_picture(material.file):
        return {}
    return {
        "picture_url": url_for("catalog.medium", file_id=material.file_id),
        "picture_alt": material.alt_text or material.title,
    }


def _material(material_id: int) -> Material:
    """The material if this visitor may see it; drafts and withdrawn ones are 404 to the public."""
    material = db.session.get(Material, material_id)
    if material is None or not can_see(current_user, material):
        abort(404)
    return material


def _cache(response, public: bool):
    response.headers["Cache-Control"] = (
        f"public, max-age={ONE_DAY}" if public else "private, no-cache"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _image(image: cards.PreviewImage, public: bool = True):
    response = send_file(
        image.path, mimetype="image/jpeg", conditional=True, etag=image.etag, max_age=ONE_DAY
    )
    response.headers["Content-Security-Policy"] = SANDBOX
    return _cache(response, public)


def _generated(body, mimetype: str, filename: str, public: bool):
    """An answer made in memory, with an ETag of its content, 304 when the client has it."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    response = make_response(data)
    response.mimetype = mimetype
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Content-Security-Policy"] = SANDBOX
    # A QR code holds an absolute address, which follows the request's host when no public
    # address is configured: a shared cache must keep one copy per host.
    response.vary.add("Host")
    _cache(response, public)
    return response.make_conditional(request)


@bp.app_template_global()
def preview_tags_for(item=None) -> PreviewMeta:
    """The preview of a material or an area, or the site's: for templates/sharing/_meta.html."""
    if isinstance(item, Material):
        return material_meta(item)
    if isinstance(item, Area):
        return area_meta(item)
    return site_meta()


@bp.route("/preview.jpg")
def site_image():
    return _image(cards.cached_card("site", cards.site_card()))


@bp.route("/areas/<code>/preview.jpg")
def area_image(code: str):
    if not re.fullmatch(r"[a-z0-9-]{1,40}", code):
        abort(404)
    area = db.session.get(Area, code) or abort(404)
    return _image(cards.cached_card(f"areas/{area.code}", cards.area_card(area)))


@bp.route("/materials/<id:material_id>/preview.jpg")
def material_image(material_id: int):
    material = _material(material_id)
    return _image(cards.material_image(material), public=material.is_public)


@bp.route("/materials/<id:material_id>/preview-<int:width>.webp")
def material_image_small(material_id: int, width: int):
    """The same picture narrower, for a phone's screen (the video placeholder's srcset)."""
    if width not in cards.SMALL_WIDTHS:
        abort(404)
    material = _material(material_id)
    image = cards.small_copy(cards.material_image(material), width)
    response = send_file(
        image.path, mimetype="image/webp", conditional=True, etag=image.etag, max_age=ONE_DAY
    )
    response.headers["Content-Security-Policy"] = SANDBOX
    return _cache(response, material.is_public)


def _qr_target(material: Material) -> str:
    return qr.with_channel(public_url("catalog.material", material_id=material.id), "qr")


@bp.route("/materials/<id:material_id>/qr.svg")
def material_qr_svg(material_id: int):
    material = _material(material_id)
    svg = qr.qr_svg(_qr_target(material), title=material.title)
    name = f"ma-qr-tai-lieu-{material.id}.svg"
    return _generated(svg, "image/svg+xml", name, material.is_public)


@bp.route("/materials/<id:material_id>/qr.png")
def material_qr_png(material_id: int):
    material = _material(material_id)
    png = qr.qr_png(_qr_target(material))
    return _generated(png, "image/png", f"ma-qr-tai-lieu-{material.id}.png", material.is_public)


@bp.route("/materials/<id:material_id>/print")
def material_sheet(material_id: int):
    """The material's A4 sheet for a notice board (print-ready HTML)."""
    material = _material(material_id)
    areas = ", ".join(area_name(a) for a in material.areas)
    page = public_url("catalog.material", material_id=material.id)
    html = render_print_sheet(
        material.title,
        material.summary or _plain(material.body),
        page,
        area=areas,
        organisation=material.organisation.name,
        back_url=url_for("catalog.material", material_id=material.id),
        **poster_picture(material),
    )
    response = make_response(html)
    response.headers["X-Robots-Tag"] = "noindex"
    return _cache(response, public=False)
