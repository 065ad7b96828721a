"""What the public lists show on every visit (the areas, materials per area and per kind, the
featured collections, the cards of the newest materials and of an area's pages), kept by each
worker between changes of the catalogue.

Any flush that adds, changes or removes a material, file, area, organisation or collection writes
a new catalogue version (a `settings` row) in the same transaction. A worker uses what it kept
only while the version it was read under is still the database's: one primary-key read per page
instead of the grouped counts, and every worker sees a change as soon as it is committed.
"""

import uuid
from dataclasses import dataclass
from datetime import date

from flask import current_app, g, has_request_context
from sqlalchemy import event as sa_event
from sqlalchemy import select

from library.extensions import db
from library.models import Area, Material, Organisation, StoredFile
from library.models.base import utcnow
from library.models.jobs import Rendition
from library.models.metrics import Setting
from library.models.sharing import Collection, CollectionItem
from library.upsert import insert_for

VERSION_KEY = "catalog_version"
# A file's renditions too: a material's page keeps its player rendered (catalog/fragments.py).
WATCHED = (Material, StoredFile, Rendition, Area, Organisation, Collection, CollectionItem)
# Built once: every page reads it, and building the statement costs more than running it.
_VERSION_QUERY = select(Setting.value).where(Setting.key == VERSION_KEY)


@dataclass(frozen=True)
class AreaFacts:
    """An area as the public pages show it (kept between requests, so no database row)."""

    code: str
    name_vi: str
    name_en: str
    position: int


@dataclass(frozen=True)
class FileFacts:
    """What a card shows of a material's file."""

    id: int
    sha256: str
    mime_type: str
    extension: str
    size: int
    page_count: int | None
    width: int | None
    height: int | None

    family = StoredFile.family


@dataclass(frozen=True)
class CardFacts:
    """What a material's card shows."""

    id: int
    title: str
    kind: str
    superseded_by_id: int | None
    file: FileFacts | None


@dataclass(frozen=True)
class CardPage:
    """A page of cards, with what the pager needs."""

    items: list[CardFacts]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


@dataclass(frozen=True)
class CollectionFacts:
    slug: str
    title: str
    summary: str


def version() -> str:
    """The catalogue's current version ("" before its first change through the ORM), read once
    per request."""
    if has_request_context() and "catalog_version" in g:
        return g.catalog_version
    found = db.session.scalar(_VERSION_QUERY) or ""
    if has_request_context():
        g.catalog_version = found
    return found


def kept(name, compute, day: date | None = None):
    """`compute()`, or what it gave under the catalogue's current version (and the same day)."""
    store = current_app.extensions.setdefault("catalog_counts", {})
    now = (version(), day)  # read before computing: a change in between makes the next read miss
    found = store.get(name)
    if found is not None and found[0] == now:
        return found[1]
    value = compute()
    store[name] = (now, value)
    return value


def areas() -> list[AreaFacts]:
    from library.areas import all_areas

    return kept(
        "areas",
        lambda: [AreaFacts(a.code, a.name_vi, a.name_en, a.position) for a in all_areas()],
    )


def area(code: str) -> AreaFacts | None:
    return next((a for a in areas() if a.code == code), None)


def organisation_names() -> dict[str, str]:
    """Every organisation's name by its code (what the search facets show)."""
    return kept(
        "organisations",
        lambda: dict(db.session.execute(select(Organisation.code, Organisation.name)).all()),
    )


def by_area() -> dict[str, int]:
    from library.catalog.services import count_by_area

    return kept("by_area", count_by_area)


def by_kind(area_code: str | None = None) -> dict[str, int]:
    from library.catalog.services import count_by_kind

    return kept(("by_kind", area_code), lambda: count_by_kind(area_code))


def card(material: Material) -> CardFacts:
    f = material.file
    facts = None
    if f is not None:
        facts = FileFacts(
            f.id, f.sha256, f.mime_type, f.extension, f.size, f.page_count, f.width, f.height
        )
    return CardFacts(material.id, material.title, material.kind, material.superseded_by_id, facts)


def latest(limit: int) -> list[CardFacts]:
    """The cards of the newest published materials."""
    from library.catalog.services import latest_public_materials

    return kept(("latest", limit), lambda: [card(m) for m in latest_public_materials(limit)])


def area_page(code: str, kind: str | None, page: int, per_page: int) -> CardPage:
    """A page of an area's cards (pages past the last are empty, as the database gives them)."""
    from library.catalog.services import public_cards

    def compute():
        found = public_cards(code, kind, page, per_page)
        return CardPage([card(m) for m in found.items], page, per_page, found.total or 0)

    return kept(("area", code, kind, page, per_page), compute)


def featured_collections(today: date) -> list[CollectionFacts]:
    from library.sharing.collections import current_collections

    def compute():
        return [CollectionFacts(c.slug, c.title, c.summary) for c in current_collections(today)]

    return kept("collections", compute, today)


def _note_change(session, _context, _instances) -> None:
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(item, WATCHED) for item in touched):
        session.info["catalog_changed"] = True


def _write_version(session, _context) -> None:
    if not session.info.pop("catalog_changed", False):
        return
    values = {"key": VERSION_KEY, "value": uuid.uuid4().hex, "updated_at": utcnow()}
    statement = insert_for(Setting.__table__, session.get_bind().dialect.name).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["key"], set_={"value": values["value"], "updated_at": values["updated_at"]}
    )
    session.connection().execute(statement)
    if has_request_context():
        g.pop("catalog_version", None)  # this request reads the new version from now on


def register(app) -> None:
    """Write a new version with every flush that changes the catalogue."""
    if not sa_event.contains(db.session, "before_flush", _note_change):
        sa_event.listen(db.session, "before_flush", _note_change)
        sa_event.listen(db.session, "after_flush", _write_version)
