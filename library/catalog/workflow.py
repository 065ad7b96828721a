"""Who may move a material from which state to which: the one state machine of the catalogue.

Pages, API, command line and import change a material's state only through move(). The rules
look at plain facts (the Situation), so they can be read, and tested, as a table.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from library.accounts.permissions import EDITING_ROLES
from library.audit import record_change
from library.errors import InvalidTransition, PermissionDenied
from library.extensions import db
from library.models.base import utcnow
from library.models.materials import STATUSES
from library.notifications import services as notifications

REVIEWING_ROLES = ("admin", "reviewer")
# The audit trail's name of a move, by the state it leads to.
ACTIONS = {"draft": "unpublish", "in_review": "submit", "published": "publish"}
ACTIONS.update(scheduled="schedule", withdrawn="withdraw")
# The states a material reaches when it is let out: at once, or at its publication time.
RELEASED = ("published", "scheduled")

ADMIN_WITHDRAWAL = _l(
    "Tài liệu này do quản trị viên thu hồi: chỉ quản trị viên mới có thể đưa lại lên mạng."
)
NEEDS_REVIEW = _l("Tổ chức này yêu cầu duyệt: chỉ người duyệt mới xuất bản được tài liệu.")
ALREADY_THERE = _l("Tài liệu đã ở trạng thái này.")
PUBLISHED_NOT_RESUBMITTED = _l(
    "Tài liệu đã xuất bản không gửi duyệt lại; bản sửa đổi của nó chờ duyệt riêng."
)
ALREADY_PUBLISHED = _l("Tài liệu đã xuất bản, không hẹn giờ xuất bản lại.")
UNKNOWN_STATE = _l("Trạng thái không hợp lệ.")


@dataclass(frozen=True)
class Situation:
    """What the rules look at: who acts (role, own organisation or not) and the material."""

    role: str | None  # None: an anonymous visitor
    own_organisation: bool
    requires_review: bool
    state: str
    withdrawn_by_admin: bool = False

    @property
    def reviews(self) -> bool:
        return self.role in REVIEWING_ROLES


def check(s: Situation, target: str) -> None:
    """Raise PermissionDenied (no say over the material) or InvalidTransition (a refused move,
    with the reason) unless the actor may move the material to target."""
    if s.role not in EDITING_ROLES or not (s.role == "admin" or s.own_organisation):
        raise PermissionDenied()
    if target not in STATUSES:
        raise InvalidTransition(UNKNOWN_STATE)
    if target == s.state:
        raise InvalidTransition(ALREADY_THERE)
    if s.state == "withdrawn" and s.withdrawn_by_admin and s.role != "admin":
        raise InvalidTransition(ADMIN_WITHDRAWAL)
    if target in RELEASED and s.requires_review and not s.reviews:
        raise InvalidTransition(NEEDS_REVIEW)
    if target == "in_review" and s.state == "published":
        raise InvalidTransition(PUBLISHED_NOT_RESUBMITTED)
    if target == "scheduled" and s.state == "published":
        raise InvalidTransition(ALREADY_PUBLISHED)


def allowed(s: Situation, target: str) -> bool:
    try:
        check(s, target)
    except (PermissionDenied, InvalidTransition):
        return False
    return True


def situation(actor, material) -> Situation:
    """The facts about an actor and a material (one being created included)."""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    organisation = material.organisation
    org_id = organisation.id if organisation is not None else material.organisation_id
    return Situation(
        role=actor.role if authenticated else None,
        own_organisation=authenticated and actor.organisation_id == org_id,
        requires_review=bool(organisation and organisation.requires_review),
        state=material.status or "draft",
        withdrawn_by_admin=bool(material.withdrawn_by_admin),
    )


def resolve(actor, material, wanted: str) -> str:
    """The state a request to publish (or keep as draft) leads to: where the organisation
    requires review and the actor does not review, publishing submits for review; a material
    whose publication time is still to come is scheduled."""
    if wanted != "published" or material.status == "published":
        return wanted
    s = situation(actor, material)
    return "in_review" if s.requires_review and not s.reviews else release(material)


def release(material) -> str:
    """Published now, or scheduled for a publication time still to come."""
    when = material.publish_at
    return "scheduled" if when is not None and when > utcnow() else "published"


def move(actor, material, target: str, action: str | None = None, audit=True, **details) -> None:
    """Move a material to target if the rules allow it, keeping dates and the audit trail."""
    check(situation(actor, material), target)
    before = material.status
    material.status = target
    now = utcnow()
    if target == "published" and material.published_at is None:
        material.published_at = now
    if target == "withdrawn":
        material.withdrawn_at = now
        material.withdrawn_by_admin = bool(getattr(actor, "is_admin", False))
    elif before == "withdrawn":
        material.withdrawn_at = None
        material.withdrawn_by_admin = False
    if audit:
        db.session.flush()
        changes = {"status": [before, target], **details}
        record_change(actor, action or ACTIONS[target], material, changes)
    _tell(actor, material, before, target, details.get("comment", ""))


def _tell(actor, material, before: str, target: str, comment: str) -> None:
    """Reviewers hear of a material that waits for them; its editor of the review's outcome."""
    if target == "in_review":
        notifications.material_waiting(actor, material)
    elif before == "in_review" and target == "published":
        notifications.material_approved(actor, material, notifications.submitter_of(material))
    elif before == "in_review" and target == "draft" and comment:
        submitter = notifications.submitter_of(material)
        notifications.material_sent_back(actor, material, submitter, comment)
