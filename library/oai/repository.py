"""What the repository holds for harvesters: records, their datestamps and their sets.

A record exists for every material that was ever published. One that is no longer public
(withdrawn, or taken back to draft) is a deleted record, kept for ever ("persistent"), so
harvesters learn to remove it. Drafts that were never published never appear.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from library.extensions import db
from library.models import Area, Material
from library.models.materials import KINDS

HARVESTABLE = or_(Material.status == "published", Material.published_at.is_not(None))


@dataclass(frozen=True)
class Selection:
    """Selective harvesting: a datestamp range (from inclusive, until exclusive) and a set."""

    start: datetime | None = None
    end: datetime | None = None
    set_spec: str | None = None


def is_deleted(material: Material) -> bool:
    """Harvesters must drop a record that is no longer public."""
    return material.status != "published"


def set_specs(material: Material) -> list[str]:
    """The sets a material belongs to: one per area, one for its kind."""
    return [f"area:{code}" for code in material.area_codes] + [f"kind:{material.kind}"]


def all_sets() -> list[tuple[str, str]]:
    """(setSpec, setName) for every set, parents before their children."""
    areas = db.session.scalars(select(Area).order_by(Area.position))
    sets = [("area", "Lĩnh vực học tập")]
    sets += [(f"area:{a.code}", a.name_vi) for a in areas]
    sets += [("kind", "Loại tài liệu")]
    sets += [(f"kind:{kind}", kind) for kind in KINDS]
    return sets


def set_exists(set_spec: str) -> bool:
    """Whether a setSpec names one of the repository's sets."""
    return any(spec == set_spec for spec, _ in all_sets())


def find_record(material_id: int) -> Material | None:
    """The material behind an identifier, if it is harvestable."""
    query = select(Material).where(Material.id == material_id, HARVESTABLE)
    return db.session.scalar(_loaded(query))


def earliest_datestamp() -> datetime | None:
    """The oldest datestamp of any record, None when there is none."""
    return db.session.scalar(select(func.min(Material.updated_at)).where(HARVESTABLE))


def count_records(selection: Selection) -> int:
    """How many records a selection holds, for completeListSize."""
    query = select(func.count()).select_from(Material).where(*_conditions(selection))
    return db.session.scalar(query)


def list_records(selection: Selection, after: tuple[datetime, int] | None, limit: int):
    """Up to `limit` records in datestamp order, after the given (datestamp, id) position."""
    query = select(Material).where(*_conditions(selection))
    if after is not None:
        moment, last_id = after
        query = query.where(
            or_(
                Material.updated_at > moment,
                and_(Material.updated_at == moment, Material.id > last_id),
            )
        )
    query = query.order_by(Material.updated_at, Material.id).limit(limit)
    return list(db.session.scalars(_loaded(query)))


def _conditions(selection: Selection) -> list:
    """SQL conditions for a selection: harvestable, in range, in the set."""
    conditions = [HARVESTABLE]
    if selection.start is not None:
        conditions.append(Material.updated_at >= selection.start)
    if selection.end is not None:
        conditions.append(Material.updated_at < selection.end)
    if selection.set_spec:
        conditions.append(_in_set(selection.set_spec))
    return conditions


def _in_set(set_spec: str):
    """SQL condition for membership of a set (or of a parent set)."""
    family, _, value = set_spec.partition(":")
    if family == "area":
        return Material.areas.any(Area.code == value) if value else Material.areas.any()
    return Material.kind == value if value else Material.kind.is_not(None)


def _loaded(query):
    """Load what a record shows in a few queries, not one per record."""
    return query.options(
        selectinload(Material.areas),
        selectinload(Material.tags),
        selectinload(Material.organisation),
        selectinload(Material.file),
    )
