"""What feeds and the sitemap list: published materials, newest first."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from library.extensions import db
from library.models import Area, Material

SITEMAP_MAX_URLS = 50_000  # the sitemaps.org limit for one file


def latest_materials(limit: int, area: str | None = None) -> list[Material]:
    """The most recently published materials, of one area if given."""
    query = select(Material).where(Material.status == "published")
    if area:
        query = query.where(Material.areas.any(Area.code == area))
    query = query.order_by(Material.published_at.desc(), Material.id.desc()).limit(limit)
    return list(
        db.session.scalars(
            query.options(selectinload(Material.areas), selectinload(Material.organisation))
        )
    )


def sitemap_materials(limit: int = SITEMAP_MAX_URLS) -> list[tuple[int, object]]:
    """(id, updated_at) of published materials, newest change first."""
    query = (
        select(Material.id, Material.updated_at)
        .where(Material.status == "published")
        .order_by(Material.updated_at.desc())
        .limit(limit)
    )
    return [tuple(row) for row in db.session.execute(query)]
