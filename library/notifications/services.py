"""Who is told what when a material waits for review, is approved or is sent back.

The catalogue's state machine and its revisions call the three `material_*` functions inside
the caller's transaction. Each adds Notification rows; their e-mails are written just before
the commit (when every id is known) and sent through the mail module once it succeeds, so a
rolled-back change tells no one.
"""

from flask_babel import force_locale
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from library.accounts.permissions import can_see
from library.extensions import db
from library.mail import send_after_commit
from library.models import AuditEntry, Material, Notification, User
from library.models.base import utcnow
from library.notifications.messages import message_for

PENDING = "notifications_to_mail"
LISTED = 50  # notifications shown on the page, newest first


def material_waiting(actor, material: Material, revision: bool = False) -> None:
    """Tell the organisation's reviewers (its administrators' if it has none) that a material,
    or an edit of one, waits for them."""
    for user in _reviewers(material):
        if user.id != getattr(actor, "id", None):
            _notify(user, material, "waiting", revision, actor)


def material_approved(actor, material: Material, submitter_id, revision: bool = False) -> None:
    """Tell the editor who submitted it that the material (or its edit) was approved."""
    _tell_submitter(actor, material, submitter_id, "approved", revision)


def material_sent_back(
    actor, material: Material, submitter_id, comment: str, revision: bool = False
) -> None:
    """Tell the editor who submitted it that it was sent back, with the reviewer's comment."""
    _tell_submitter(actor, material, submitter_id, "sent_back", revision, comment)


def submitter_of(material: Material) -> int | None:
    """Who last submitted the material for review (or created it already submitted)."""
    query = (
        select(AuditEntry.user_id)
        .where(
            AuditEntry.object_type == "material",
            AuditEntry.object_id == material.id,
            AuditEntry.action.in_(("submit", "create")),
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    found = db.session.scalar(query) if material.id is not None else None
    return found or material.created_by_id


def _reviewers(material: Material) -> list[User]:
    org_id = material.organisation.id if material.organisation else material.organisation_id
    active = select(User).where(User.active.is_(True)).order_by(User.id)
    reviewers = db.session.scalars(
        active.where(User.role == "reviewer", User.organisation_id == org_id)
    ).all()
    return list(reviewers) or list(db.session.scalars(active.where(User.role == "admin")))


def _tell_submitter(actor, material, submitter_id, event_name, revision, comment="") -> None:
    user = db.session.get(User, submitter_id) if submitter_id else None
    if user is None or not user.active or user.id == getattr(actor, "id", None):
        return
    _notify(user, material, event_name, revision, actor, comment)


def _notify(user: User, material: Material, event_name, revision, actor, comment="") -> None:
    note = Notification(
        user=user, material=material, event=event_name, revision=revision, comment=comment
    )
    db.session.add(note)
    db.session().info.setdefault(PENDING, []).append((note, _name(actor)))


def _name(actor) -> str:
    if getattr(actor, "id", None) is None:
        return ""
    return actor.name or actor.email


@event.listens_for(Session, "before_commit")
def _write_mail(session) -> None:
    """Just before the commit: one e-mail per notification, in Vietnamese."""
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    session.flush()
    with force_locale("vi"):
        for note, actor_name in pending:
            send_after_commit(*message_for(note, actor_name))


@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(PENDING, None)


def unread_count(user) -> int:
    """How many notifications the user has not marked as read (the header's count)."""
    query = select(func.count()).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    return db.session.scalar(query) or 0


def list_notifications(user) -> list[Notification]:
    """The user's latest notifications, about materials the user may still see."""
    query = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .limit(LISTED)
    )
    return [n for n in db.session.scalars(query) if can_see(user, n.material)]


def mark_read(user) -> int:
    """Mark every notification of the user as read; how many were unread."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount
