"""One action on several materials at once, through the same services as one at a time.

All or nothing: every material is changed by its own service call, in one transaction; if the
rules refuse any of them, nothing is kept and each refusal is reported with its material.
Services flush; the caller commits.
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from library.accounts.permissions import EDITING_ROLES, can_edit, require
from library.catalog import services
from library.catalog.validation import as_list, clean_fields, clean_text
from library.errors import DomainError, PermissionDenied, ValidationFailed
from library.extensions import db
from library.models import Material

MAX_MATERIALS = 100
ACTIONS = ("areas", "add_tags", "remove_tags", "supersede", "withdraw", "submit")


@dataclass
class Outcome:
    """What one action did to one material: its changes, or why it was refused."""

    material: Material
    changes: dict = field(default_factory=dict)  # name: (before, after)
    refused: str = ""
    waits_for_review: bool = False  # the change is a revision waiting for a reviewer


def apply(actor, material_ids: list, action: str, value: str | list = "") -> list[Outcome]:
    """Do `action` on each material; raise ValidationFailed (nothing done) with the outcomes
    as its `outcomes` if any is refused. A material the actor may not edit is a 403."""
    require(getattr(actor, "role", None) in EDITING_ROLES)
    materials = _chosen(actor, material_ids)
    change = _change(action, value)
    outcomes = [_one(actor, material, change) for material in materials]
    if any(o.refused for o in outcomes):
        refusal = ValidationFailed(
            _l("Chưa thay đổi tài liệu nào: một số tài liệu không thực hiện được thao tác này.")
        )
        refusal.outcomes = outcomes  # for the page, never for a JSON answer
        raise refusal
    return outcomes


def _chosen(actor, material_ids: list) -> list[Material]:
    ids = list(dict.fromkeys(_id(v) for v in material_ids))
    if not ids:
        raise ValidationFailed(_l("Chưa chọn tài liệu nào."))
    if len(ids) > MAX_MATERIALS:
        raise ValidationFailed(_l("Mỗi lần chọn tối đa %(n)s tài liệu.", n=MAX_MATERIALS))
    materials = [db.session.get(Material, i) for i in ids]
    # Refused as a whole, like one at a time: neither the page nor the reply names them.
    require(all(m is not None and can_edit(actor, m) for m in materials))
    return materials


def _id(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_l("Mã tài liệu không hợp lệ.")) from None
    if not 1 <= number <= 2**31 - 1:
        raise ValidationFailed(_l("Mã tài liệu không hợp lệ."))
    return number


def _change(action: str, value):
    """The function that changes one material for this action (value checked once, first)."""
    if action == "areas":
        areas = as_list(value)
        clean_fields({"areas": areas})  # the same message for no area or a bad one
        return lambda actor, m: _edit(actor, m, {"areas": areas})
    if action in ("add_tags", "remove_tags"):
        tags = [t.lower() for t in as_list(value)]
        if not tags:
            raise ValidationFailed(errors={action: _l("Cần nhập ít nhất một thẻ.")})
        if action == "add_tags":
            return lambda actor, m: _edit(actor, m, {"tags": [*m.tag_names, *tags]})
        return lambda actor, m: _edit(actor, m, {"tags": [t for t in m.tag_names if t not in tags]})
    if action == "supersede":
        successor = clean_fields({"superseded_by": value})["superseded_by"]
        if successor is None:
            raise ValidationFailed(errors={"superseded_by": _l("Cần nhập mã tài liệu thay thế.")})
        return lambda actor, m: _edit(actor, m, {"superseded_by": successor})
    if action == "withdraw":
        reason = clean_text(value)
        if not reason:
            raise ValidationFailed(errors={"reason": _l("Cần ghi rõ lý do thu hồi.")})
        return lambda actor, m: services.withdraw_material(actor, m, reason)
    if action == "submit":
        return services.publish_material
    raise ValidationFailed(_l("Thao tác không hợp lệ."))


def _edit(actor, material: Material, raw: dict) -> None:
    services.update_material(actor, material, raw)


TRACKED = ("status", "area_codes", "tag_names", "superseded_by_id")


def _one(actor, material: Material, change) -> Outcome:
    before = _state(material)
    revision_before = _revision_fields(material)
    try:
        # No savepoint per material (pysqlite would commit on releasing one): a refusal undoes
        # the whole transaction anyway, and what a refused call left half-done is never kept.
        change(actor, material)
    except PermissionDenied:
        raise
    except DomainError as err:
        return Outcome(material, refused=_reason(err))
    after = _state(material)
    outcome = Outcome(
        material, {k: (before[k], after[k]) for k in TRACKED if before[k] != after[k]}
    )
    revised = _revision_fields(material)
    if revised != revision_before and revised is not None:
        outcome.waits_for_review = True
        outcome.changes.update(_revision_changes(material))
    return outcome


def _state(material: Material) -> dict:
    return {name: getattr(material, name) for name in TRACKED}


def _revision_fields(material: Material):
    revision = material.pending_revision
    if revision is None or revision.status != "waiting":
        return None
    return dict(revision.fields)


# A revision's field names, as the outcome names them.
REVISION_NAMES = {"areas": "area_codes", "tags": "tag_names", "superseded_by": "superseded_by_id"}


def _revision_changes(material: Material) -> dict:
    changes = material.pending_revision.changes or {}
    return {REVISION_NAMES[k]: tuple(v) for k, v in changes.items() if k in REVISION_NAMES}


def _reason(err: DomainError) -> str:
    return "; ".join(str(v) for v in err.errors.values()) or err.message
