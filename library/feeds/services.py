"""What feeds and the sitemap list: published materials, newest first."""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import selectinload

from library.extensions import db
from library.models import Area, Collection, Material

# The sitemaps.org limits for one file: 50,000 URLs and 50 MB. An entry here is under 400 bytes
# (address, last change, tags), so 50,000 of them stay far below 50 MB: the count decides.
SITEMAP_MAX_URLS = 50_000


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


def sitemap_file_size() -> int:
    """How many URLs one sitemap file holds: SITEMAP_MAX_URLS, never above the protocol's limit."""
    return max(1, min(int(current_app.config["SITEMAP_MAX_URLS"]), SITEMAP_MAX_URLS))


@dataclass(frozen=True)
class SitemapPlan:
    """What the sitemap lists, in order: the fixed pages (home, areas, the collections page), the
    published collections, then the published materials, each by id. File n (from 1) holds the
    entries n*size - size to n*size - 1 of that sequence."""

    fixed: int
    collections: int
    materials: int
    size: int

    @property
    def total(self) -> int:
        return self.fixed + self.collections + self.materials

    @property
    def files(self) -> int:
        """How many files the list needs (one at least, even empty)."""
        return max(1, -(-self.total // self.size))

    @property
    def needs_index(self) -> bool:
        return self.total > self.size


def _published_collections():
    return select(Collection).where(Collection.status == "published")


def _published_materials():
    return select(Material).where(Material.status == "published")


def sitemap_plan(fixed: int) -> SitemapPlan:
    """Count what the sitemap lists (two COUNT queries), with `fixed` pages first."""
    collections = db.session.scalar(
        select(func.count()).select_from(_published_collections().subquery())
    )
    materials = db.session.scalar(
        select(func.count()).select_from(_published_materials().subquery())
    )
    return SitemapPlan(fixed, collections or 0, materials or 0, sitemap_file_size())


def sitemap_collections(offset: int, limit: int) -> list[tuple[str, datetime]]:
    """(slug, updated_at) of published collections by id, from `offset`, at most `limit`."""
    return _published_slice(Collection, Collection.slug, offset, limit)


def sitemap_materials(offset: int, limit: int) -> list[tuple[int, datetime]]:
    """(id, updated_at) of published materials by id, from `offset`, at most `limit`."""
    return _published_slice(Material, Material.id, offset, limit)


def _published_slice(model, key, offset: int, limit: int) -> list[tuple]:
    """(key, updated_at) of `model`'s published rows by id, from `offset`, at most `limit`."""
    if limit <= 0:
        return []
    query = (
        select(key, model.updated_at)
        .where(model.status == "published")
        .order_by(model.id)
        .offset(offset)
        .limit(limit)
    )
    return [tuple(row) for row in db.session.execute(query)]


def sitemap_file_changes(plan: SitemapPlan) -> dict[int, datetime]:
    """The last change of what each file lists, by file number (from 1), in one query that
    returns a row per file; a file with only fixed pages has none."""
    entries = union_all(
        select(literal(0).label("part"), Collection.id, Collection.updated_at).where(
            Collection.status == "published"
        ),
        select(literal(1).label("part"), Material.id, Material.updated_at).where(
            Material.status == "published"
        ),
    ).subquery()
    position = func.row_number().over(order_by=(entries.c.part, entries.c.id)) - 1 + plan.fixed
    numbered = select(
        (position // plan.size + 1).label("file"), entries.c.updated_at.label("changed")
    ).subquery()
    query = select(numbered.c.file, func.max(numbered.c.changed)).group_by(numbered.c.file)
    return {int(number): changed for number, changed in db.session.execute(query)}
