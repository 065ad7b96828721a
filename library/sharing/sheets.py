"""QR codes, printable A4 sheets and preview images of collections and share links.

They reuse the functions of previews.py (plain values in, the same tags, QR codes and sheet out):
a collection's QR code leads to its page with ?ch=qr; a share link's QR code is its short
address, which credits the link's enterprise and channel when scanned.
"""

from flask import abort, make_response
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from library.addresses import public_url
from library.sharing import cards, collections, qr, services
from library.sharing.previews import (
    PreviewMeta,
    _cache,
    _generated,
    _image,
    poster_picture,
    render_print_sheet,
    short_url,
    summarise,
)
from library.sharing.views import bp


def collection_card(collection) -> cards.Card:
    """The drawn preview card of a collection (in Vietnamese, like the others)."""
    with force_locale("vi"):
        return cards.Card(
            title=collection.title,
            label=_("Bộ sưu tập"),
            footer=cards.site_name(),
            badge=collection.organisation.name[:40],
        )


@bp.app_template_global()
def collection_preview(collection) -> PreviewMeta:
    """The Open Graph and Twitter card tags of a collection's page."""
    return PreviewMeta(
        title=collection.title,
        description=summarise(collection.summary) or _("Bộ sưu tập tài liệu học tập mở"),
        url=public_url("sharing.collection", slug=collection.slug),
        image=public_url("sharing.collection_image", slug=collection.slug),
        image_alt=collection.title,
    )


def _collection_target(collection) -> str:
    return qr.with_channel(public_url("sharing.collection", slug=collection.slug), "qr")


@bp.get("/collections/<slug>/preview.jpg")
def collection_image(slug: str):
    found = collections.public_collection(slug)
    return _image(cards.cached_card(f"collections/{found.id}", collection_card(found)))


@bp.get("/collections/<slug>/qr.svg")
def collection_qr_svg(slug: str):
    found = collections.public_collection(slug)
    svg = qr.qr_svg(_collection_target(found), title=found.title)
    return _generated(svg, "image/svg+xml", f"ma-qr-bo-suu-tap-{found.id}.svg", True)


@bp.get("/collections/<slug>/qr.png")
def collection_qr_png(slug: str):
    found = collections.public_collection(slug)
    png = qr.qr_png(_collection_target(found))
    return _generated(png, "image/png", f"ma-qr-bo-suu-tap-{found.id}.png", True)


@bp.get("/collections/<slug>/print")
def collection_sheet(slug: str):
    """A collection's A4 sheet for a notice board."""
    found = collections.public_collection(slug)
    html = render_print_sheet(
        found.title,
        found.summary,
        public_url("sharing.collection", slug=found.slug),
        organisation=found.organisation.name,
        back_url=public_url("sharing.collection", slug=found.slug),
    )
    return _sheet(html)


def _sheet(html: str):
    response = make_response(html)
    response.headers["X-Robots-Tag"] = "noindex"
    return _cache(response, public=False)


def short_link(link) -> str:
    """The public short address of a share link."""
    return public_url("sharing.follow", code=link.code)


def _managed_link(link_id: int):
    """A link the current user manages; a revoked one has no QR code or sheet any more, nor one
    whose page went back to draft (the sheet would show a title this user may not see)."""
    link = services.find_link(current_user, link_id)
    if not link.is_active or not services.shows_target(current_user, link):
        abort(404)
    return link


@bp.get("/sharing/links/<id:link_id>/qr.svg")
@login_required
def link_qr_svg(link_id: int):
    link = _managed_link(link_id)
    svg = qr.qr_svg(short_link(link), title=link.title)
    return _generated(svg, "image/svg+xml", f"ma-qr-lien-ket-{link.code}.svg", False)


@bp.get("/sharing/links/<id:link_id>/qr.png")
@login_required
def link_qr_png(link_id: int):
    link = _managed_link(link_id)
    return _generated(
        qr.qr_png(short_link(link)), "image/png", f"ma-qr-lien-ket-{link.code}.png", False
    )


@bp.get("/sharing/links/<id:link_id>/print")
@login_required
def link_sheet(link_id: int):
    """A share link's A4 sheet: the QR code and the address typed are the short link."""
    link = _managed_link(link_id)
    if link.material is not None:
        summary, page = (
            link.material.summary,
            public_url("catalog.material", material_id=link.material_id),
        )
    else:
        summary, page = (
            link.collection.summary,
            public_url("sharing.collection", slug=link.collection.slug),
        )
    short = short_link(link)
    html = render_print_sheet(
        link.title,
        summary,
        page,
        qr_url=short,
        display_url=short_url(short),
        organisation=link.enterprise.name,
        back_url=public_url("sharing.links"),
        **(poster_picture(link.material) if link.material is not None else {}),
    )
    return _sheet(html)
