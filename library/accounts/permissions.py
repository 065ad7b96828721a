"""Who may do what: the one place roles and organisations are checked."""

from library.errors import PermissionDenied

EDITING_ROLES = ("admin", "reviewer", "editor")


class SystemActor:
    """Who acts when the command line changes the library: the machine's administrator."""

    id = None
    role = "admin"
    is_admin = True
    is_authenticated = True
    organisation_id = None
    email = "system"


SYSTEM = SystemActor()


def can_edit(user, material) -> bool:
    """Admins edit everything; editors and reviewers only their organisation's materials."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == "admin":
        return True
    return user.role in EDITING_ROLES and user.organisation_id == material.organisation_id


def can_create_in(user, organisation) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == "admin":
        return True
    return user.role in EDITING_ROLES and user.organisation_id == organisation.id


def can_review(user, material) -> bool:
    """Reviewers approve their own organisation's materials; admins any."""
    if not can_edit(user, material):
        return False
    return user.role in ("admin", "reviewer")


def can_see(user, material) -> bool:
    """Published materials are public; the rest only to those who may edit them."""
    return material.status == "published" or can_edit(user, material)


def shows_withdrawal(material) -> bool:
    """A withdrawn material that was once public explains it was withdrawn (410, with its title);
    one withdrawn before it was ever published stays unknown (404) to those who cannot see it."""
    return material.status == "withdrawn" and material.published_at is not None


def require(allowed: bool) -> None:
    """Raise PermissionDenied unless allowed."""
    if not allowed:
        raise PermissionDenied()
