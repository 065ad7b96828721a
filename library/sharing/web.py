"""The request side of sharing: which channel and enterprise a page view is credited to."""

from urllib.parse import urlencode

from flask import current_app, request, url_for

from library.addresses import public_url
from library.models.sharing import LINK_CHANNELS
from library.sharing.services import resolve

# ?ch= values the share panel puts on the links it hands out (a subset of tracking's channels).
PANEL_CHANNELS = LINK_CHANNELS
FACEBOOK_SHARER = "https://www.facebook.com/sharer/sharer.php"


def credit_for(material=None, collection=None) -> tuple[str | None, int | None]:
    """(channel, enterprise id) for this view: an active share link's, else the ?ch= channel.

    A revoked link, or a code for another page, credits no one; unknown ?ch= values are ignored
    so the referrer decides, as for any other visit.
    """
    code = request.args.get("via")
    if code:
        link = resolve(code)
        if link is not None and link.is_active and _targets(link, material, collection):
            return link.channel, link.enterprise_id
        return None, None
    channel = request.args.get("ch")
    return (channel if channel in PANEL_CHANNELS else None), None


def _targets(link, material, collection) -> bool:
    if material is not None:
        return link.material_id == material.id
    return collection is not None and link.collection_id == collection.id


def share_urls(page_url: str) -> dict[str, str]:
    """The addresses the share panel hands out, each carrying its channel."""
    tagged = {ch: f"{page_url}?{urlencode({'ch': ch})}" for ch in PANEL_CHANNELS}
    zalo = current_app.config["SHARE_ZALO_URL"]
    return {
        "link": tagged["other"],
        "facebook": f"{FACEBOOK_SHARER}?{urlencode({'u': tagged['facebook']})}",
        "zalo": zalo.replace("{url}", urlencode({"": tagged["zalo"]})[1:]),
        "native": tagged["other"],
    }


def link_url(link) -> str:
    """The short address of a share link."""
    return public_url("sharing.follow", code=link.code)


def target_url(link, credit: bool) -> str:
    """The page a link leads to, built from the link's row only (never from the request)."""
    extra = {"via": link.code} if credit else {}
    if link.material_id is not None:
        return url_for("catalog.material", material_id=link.material_id, **extra)
    return url_for("sharing.collection", slug=link.collection.slug, **extra)
