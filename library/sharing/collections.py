"""Collections: curated, ordered sets of materials; the home page features the current ones."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from library.accounts.permissions import EDITING_ROLES, can_see
from library.audit import record_change
from library.catalog.validation import clean_text
from library.errors import NotFound, PermissionDenied, ValidationFailed
from library.extensions import db
from library.models import Collection, CollectionItem, Material, Organisation
from library.models.sharing import COLLECTION_STATUSES

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
TITLE_MAX = 200
SUMMARY_MAX = 2000
ITEMS_MAX = 200
MAX_ID = 2**31 - 1  # larger numbers are no row's id (and overflow the database's integers)


def can_manage(user, collection: Collection | None = None, organisation=None) -> bool:
    """Admins manage every collection; editors and reviewers their organisation's."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == "admin":
        return True
    org_id = collection.organisation_id if collection else getattr(organisation, "id", None)
    return user.role in EDITING_ROLES and org_id is not None and org_id == user.organisation_id


def _fields(actor, raw: dict, collection: Collection | None) -> dict:
    """Checked and normalised fields; every problem at once in ValidationFailed."""
    errors = {}
    slug = clean_text(raw.get("slug")).lower()
    if not SLUG_PATTERN.match(slug):
        errors["slug"] = _l("Đường dẫn chỉ gồm chữ thường không dấu, số và dấu gạch ngang.")
    else:
        taken = db.session.scalar(select(Collection).where(Collection.slug == slug))
        if taken is not None and taken is not collection:
            errors["slug"] = _l("Đường dẫn này đã được dùng.")
    title = clean_text(raw.get("title"))
    if not title or len(title) > TITLE_MAX:
        errors["title"] = _l("Cần nhập tiêu đề (tối đa %(n)s ký tự).", n=TITLE_MAX)
    summary = clean_text(raw.get("summary"))
    if len(summary) > SUMMARY_MAX:
        errors["summary"] = _l("Giới thiệu tối đa %(n)s ký tự.", n=SUMMARY_MAX)
    status = raw.get("status") or "draft"
    if status not in COLLECTION_STATUSES:
        errors["status"] = _l("Trạng thái không hợp lệ.")
    starts_on, ends_on = raw.get("starts_on"), raw.get("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _l("Ngày kết thúc phải sau ngày bắt đầu.")
    items = _materials(actor, raw.get("materials") or [], errors, collection)
    if errors:
        raise ValidationFailed(errors=errors)
    return {
        "slug": slug,
        "title": title,
        "summary": summary,
        "status": status,
        "featured": bool(raw.get("featured")),
        "starts_on": starts_on,
        "ends_on": ends_on,
        "materials": items,
    }


def _materials(actor, ids, errors: dict, collection: Collection | None) -> list[Material]:
    """The materials of the given ids, in that order, each once.

    Only materials the actor may see can be added: another organisation's draft is answered
    like a number no row has, so nobody learns its title by putting it in a collection. One
    already in the collection stays allowed (it may have been unpublished since it was added).
    """
    wanted = []
    for raw in ids:
        try:
            number = int(raw)
        except (TypeError, ValueError):
            number = 0
        if not 0 < number <= MAX_ID:
            errors["materials"] = _l("Mã tài liệu phải là số.")
            return []
        if number not in wanted:
            wanted.append(number)
    if len(wanted) > ITEMS_MAX:
        errors["materials"] = _l("Tối đa %(n)s tài liệu.", n=ITEMS_MAX)
        return []
    found = {m.id: m for m in db.session.scalars(select(Material).where(Material.id.in_(wanted)))}
    kept = {i.material_id for i in collection.items} if collection is not None else set()
    missing = [
        str(n)
        for n in wanted
        if n not in found
        or found[n].status == "withdrawn"
        or not (can_see(actor, found[n]) or n in kept)
    ]
    if missing:
        errors["materials"] = _l("Không có tài liệu số %(ids)s.", ids=", ".join(missing))
        return []
    return [found[n] for n in wanted]


def _apply(collection: Collection, fields: dict) -> None:
    for name in ("slug", "title", "summary", "status", "featured", "starts_on", "ends_on"):
        setattr(collection, name, fields[name])
    collection.items = [
        CollectionItem(material=m, position=i) for i, m in enumerate(fields["materials"])
    ]


def create_collection(actor, organisation: Organisation, raw: dict) -> Collection:
    """A new collection of an organisation."""
    if not can_manage(actor, organisation=organisation):
        raise PermissionDenied()
    fields = _fields(actor, raw, None)
    collection = Collection(organisation=organisation)
    _apply(collection, fields)
    db.session.add(collection)
    db.session.flush()
    record_change(actor, "create", collection, _changes(fields))
    return collection


def update_collection(actor, collection: Collection, raw: dict) -> Collection:
    """Change a collection's fields and its materials (in the order given)."""
    if not can_manage(actor, collection):
        raise PermissionDenied()
    fields = _fields(actor, raw, collection)
    # The old rows go first, so re-adding a material keeps one row per material.
    collection.items = []
    db.session.flush()
    _apply(collection, fields)
    db.session.flush()
    record_change(actor, "update", collection, _changes(fields))
    return collection


def move_item(actor, collection: Collection, material_id: int, step: int) -> Collection:
    """Move one material a place up (step -1) or down (+1) in the collection's order."""
    if not can_manage(actor, collection):
        raise PermissionDenied()
    items = list(collection.items)
    index = next((i for i, item in enumerate(items) if item.material_id == material_id), None)
    if index is None:
        raise NotFound()
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        for position, item in enumerate(items):
            item.position = position
        db.session.flush()
        record_change(actor, "update", collection, {"materials": [i.material_id for i in items]})
    return collection


def _changes(fields: dict) -> dict:
    return {**fields, "materials": [m.id for m in fields["materials"]]}


def get_collection(slug: str) -> Collection:
    collection = db.session.scalar(select(Collection).where(Collection.slug == slug))
    if collection is None:
        raise NotFound()
    return collection


def public_collection(slug: str) -> Collection:
    """A published collection; drafts are not found."""
    if not SLUG_PATTERN.match(slug or ""):
        raise NotFound()
    collection = get_collection(slug)
    if collection.status != "published":
        raise NotFound()
    return collection


def published_materials(collection: Collection, *options) -> list[Material]:
    """The collection's published materials, in its order, in one query (plus what `options`
    load), however many it holds."""
    query = (
        select(Material)
        .join(CollectionItem, CollectionItem.material_id == Material.id)
        .where(CollectionItem.collection_id == collection.id, Material.status == "published")
        .order_by(CollectionItem.position, CollectionItem.material_id)
        .options(*options)
    )
    return list(db.session.scalars(query))


def _published():
    return select(Collection).where(Collection.status == "published")


def list_public_collections(page: int = 1, per_page: int = 20):
    """Published collections, newest first."""
    query = _published().order_by(Collection.created_at.desc(), Collection.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def current_collections(today: date, limit: int = 4) -> list[Collection]:
    """What the home page features: published collections marked featured or running today."""
    running = (Collection.starts_on.is_not(None)) & (Collection.starts_on <= today)
    running &= or_(Collection.ends_on.is_(None), Collection.ends_on >= today)
    query = _published().where(or_(Collection.featured.is_(True), running))
    query = query.order_by(Collection.starts_on.desc(), Collection.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def manageable_collections(actor) -> list[Collection]:
    """The collections this user may edit."""
    query = select(Collection).order_by(Collection.updated_at.desc(), Collection.id.desc())
    if actor.role != "admin":
        query = query.where(Collection.organisation_id == actor.organisation_id)
    return list(db.session.scalars(query))
