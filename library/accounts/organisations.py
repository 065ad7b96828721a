"""Administrators edit an organisation after creating it: name, type, workforce, review.

The code stays: it names the organisation in the API, the import files and the share links.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from library.accounts.services import require_admin
from library.audit import record_change
from library.catalog.validation import clean_text, whole_number
from library.errors import NotFound, ValidationFailed
from library.extensions import db
from library.models import Organisation, union_enterprises
from library.models.accounts import ORGANISATION_TYPES

EDITABLE = ("name", "type", "workers", "requires_review")


def get_organisation(actor, org_id: int) -> Organisation:
    """The organisation an administrator opens; NotFound for an unknown id."""
    require_admin(actor)
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound(_l("Không có tổ chức này."))
    return org


def update_organisation(
    actor, org: Organisation, name: str, type_: str, workers, requires_review: bool
) -> dict:
    """Change an organisation; the changes made, as {field: [old, new]} (one audit entry)."""
    require_admin(actor)
    wanted = _checked(org, name, type_, workers, requires_review)
    changes = {f: [getattr(org, f), wanted[f]] for f in EDITABLE if getattr(org, f) != wanted[f]}
    for field, (_old, new) in changes.items():
        setattr(org, field, new)
    if changes:
        record_change(actor, "update", org, changes)
    return changes


def _checked(org: Organisation, name: str, type_: str, workers, requires_review: bool) -> dict:
    """The new values, once each is valid; ValidationFailed names every field that is not."""
    errors = {}
    name = clean_text(name)
    if not name or len(name) > 255:
        errors["name"] = _l("Cần nhập tên (tối đa 255 ký tự).")
    if type_ not in ORGANISATION_TYPES:
        errors["type"] = _l("Loại tổ chức không hợp lệ.")
    elif type_ != org.type and _has_union_links(org):
        errors["type"] = _l(
            "Tổ chức đang được gắn công đoàn – doanh nghiệp: hãy bỏ các liên kết đó trước khi "
            "đổi loại."
        )
    workers = whole_number(workers, errors, "workers")
    if errors:
        raise ValidationFailed(errors=errors)
    return {
        "name": name,
        "type": type_,
        "workers": workers,
        "requires_review": bool(requires_review),
    }


def _has_union_links(org: Organisation) -> bool:
    """Whether a union serves this enterprise, or this union serves enterprises."""
    query = select(union_enterprises.c.union_id).where(
        or_(union_enterprises.c.union_id == org.id, union_enterprises.c.enterprise_id == org.id)
    )
    return db.session.execute(query.limit(1)).first() is not None
