"""The picture a material's page leads with (a poster, a video link's placeholder): the one
image its phone must get first, named once for the page's <img> and for its preload in <head>."""

from dataclasses import dataclass

from flask import url_for

from library.catalog import media
from library.sharing import cards

# The page's column: 12 px margins on a phone, 936 px at most (static/css/site.css).
COLUMN = "(min-width: 984px) 936px, calc(100vw - 24px)"


@dataclass(frozen=True)
class LeadPicture:
    """What an <img> and its <link rel=preload> both say, so the browser loads one copy."""

    src: str
    srcset: str
    sizes: str
    width: int | None
    height: int | None


def lead_picture(material) -> LeadPicture | None:
    """The poster's picture or the video link's placeholder; None for other pages."""
    stored = material.file
    if stored is not None and stored.family == "image":
        return _poster(stored)
    if stored is None and material.video_url:
        return _placeholder(material)
    return None


def _poster(stored) -> LeadPicture:
    medium = url_for("catalog.medium", file_id=stored.id)
    copies = [
        f"{url_for('catalog.medium_sized', file_id=stored.id, width=w)} {w}w"
        for w in media.MEDIUM_WIDTHS
    ]
    srcset = ", ".join([*copies, f"{medium} 1080w"])
    return LeadPicture(medium, srcset, COLUMN, stored.width, stored.height)


def _placeholder(material) -> LeadPicture:
    def small(width: int) -> str:
        return url_for("previews.material_image_small", material_id=material.id, width=width)

    large = url_for("previews.material_image", material_id=material.id)
    copies = [f"{small(w)} {w}w" for w in cards.SMALL_WIDTHS if w != 640]
    srcset = ", ".join([*copies, f"{large} 1200w"])
    return LeadPicture(small(720), srcset, COLUMN, 1200, 630)
