"""Recording the audit trail."""

from sqlalchemy import select

from library.extensions import db
from library.models import AuditEntry


def record_change(actor, action: str, obj, changes: dict | None = None) -> AuditEntry:
    """Add one audit entry for an object (flushed with the caller's transaction)."""
    entry = AuditEntry(
        user_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=obj.id,
        changes=_plain(changes or {}),
    )
    db.session.add(entry)
    return entry


def history_of(obj) -> list[AuditEntry]:
    """Every audit entry of an object, newest first."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.object_type == type(obj).__name__.lower(), AuditEntry.object_id == obj.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    return list(db.session.scalars(query))


def _plain(value):
    """Make a value JSON-safe (dates become ISO strings)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
