"""Which copy of a video or audio the player plays: phones get the light rendition by default,
with a "Chất lượng cao" choice; each choice shows its size before anything is played."""

import re
from dataclasses import dataclass

from flask import request, url_for
from flask_babel import lazy_gettext as _l

# What phones (and feature phones' browsers) put in their User-Agent.
PHONE = re.compile(r"Mobi|Android|iPhone|iPod|Opera Mini|KAIOS|Windows Phone", re.IGNORECASE)
QUALITIES = ("light", "high")


@dataclass
class Choice:
    key: str
    label: str
    size: int
    url: str
    current: bool = False


def original_url(stored, material) -> str:
    name = f"tai-lieu-{material.id}.{stored.extension}"
    return url_for("catalog.file", file_id=stored.id, name=name)


def rendition_url(stored, rendition) -> str:
    return url_for(
        "catalog.rendition", file_id=stored.id, name=f"{rendition.name}.{rendition.extension}"
    )


def choices(stored, material) -> list[Choice]:
    """The copies offered, light first; the one to play marked current. Without renditions
    (not made yet, or failed), or with a light one no lighter, the original alone."""
    by_name = {r.name: r for r in stored.renditions}
    light = by_name.get("360p") or by_name.get("audio")
    original = Choice("high", _l("Chất lượng cao"), stored.size, original_url(stored, material))
    if light is None:
        return [original]
    high = by_name.get("720p")
    if high is not None:
        original = Choice("high", _l("Chất lượng cao"), high.size, rendition_url(stored, high))
    if light.size >= original.size:  # a tiny original the light copy could not undercut
        return [original]
    offered = [
        Choice("light", _l("Tiết kiệm dữ liệu"), light.size, rendition_url(stored, light)),
        original,
    ]
    chosen = wanted()
    for choice in offered:
        choice.current = choice.key == chosen
    return offered


def wanted() -> str:
    """The copy this visitor plays when there is a choice: ?quality=, else light on a phone."""
    quality = request.args.get("quality")
    if quality in QUALITIES:
        return quality
    return "light" if PHONE.search(request.headers.get("User-Agent", "")) else "high"


def playing(offered: list[Choice]) -> Choice:
    return next((c for c in offered if c.current), offered[0])
