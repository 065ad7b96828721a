"""The play beacon: static/js/tracking.js reports that a video or audio started."""

from urllib.parse import urlsplit

from flask import abort, request
from flask_login import current_user

from library.accounts.permissions import can_see
from library.addresses import public_origin
from library.extensions import db
from library.models import Material
from library.tracking import bp
from library.tracking.web import count_on_success

PLAYABLE = ("video", "audio")


def _same_origin() -> bool:
    """Only this site's pages may report a play (the beacon carries no CSRF token).

    A browser says where the request comes from (Sec-Fetch-Site, or Origin on a POST); a
    request that says nothing is no browser's beacon and counts nothing.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    return origin is not None and _origin_of(origin) == _origin_of(public_origin())


def _origin_of(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


@bp.post("/track/play/<int:material_id>")
def play(material_id: int):
    """Count a play; it writes nothing but a counted event, so it needs no CSRF token."""
    if not _same_origin():
        abort(403)
    material = db.session.get(Material, material_id)
    if material is None or not can_see(current_user, material):
        abort(404)
    if material.file is None or material.file.family not in PLAYABLE:
        abort(404)
    count_on_success(material, "play")
    return "", 204
