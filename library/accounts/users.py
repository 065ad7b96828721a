"""Administrators manage accounts: edit, disable and enable, send a password-reset e-mail.

Each change is one audit entry. A change of role or organisation, and disabling, end the
user's sessions at once (User.session_token); a disabled user's API tokens are refused too
(services.active_token checks the account).
"""

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from library.accounts.services import organisation_for_role, require_admin, reset_token
from library.addresses import mail_url
from library.audit import record_change
from library.catalog.validation import clean_text
from library.errors import NotFound, ValidationFailed
from library.extensions import db
from library.models import User


def get_user(actor, user_id: int) -> User:
    """The account an administrator opens; NotFound for an unknown id."""
    require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("Không có người dùng này."))
    return user


def update_user(actor, user: User, name: str, role: str, organisation_code: str | None) -> dict:
    """Change a user's name, role and organisation; the changes made, as {field: [old, new]}."""
    require_admin(actor)
    name = clean_text(name)[:255]
    org = _check_role_and_organisation(actor, user, role, organisation_code)
    changes = {}
    for field, old, new in (
        ("name", user.name, name),
        ("role", user.role, role),
        ("organisation", _code(user.organisation), _code(org)),
    ):
        if old != new:
            changes[field] = [old, new]
    if not changes:
        return changes
    user.name, user.role, user.organisation = name, role, org
    if "role" in changes or "organisation" in changes:
        # What the user may do changed: every session opened with the old rights ends.
        user.end_sessions()
    record_change(actor, "update", user, changes)
    return changes


def _check_role_and_organisation(actor, user: User, role: str, organisation_code: str | None):
    """The organisation named, once role and organisation are valid together."""
    errors = {}
    org = organisation_for_role(role, organisation_code, errors)
    if "role" not in errors and user.id == actor.id and role != user.role:
        errors["role"] = _l("Bạn không thể tự đổi vai trò của chính mình.")
    if errors:
        raise ValidationFailed(errors=errors)
    return org


def _code(org) -> str | None:
    return org.code if org is not None else None


def disable_user(actor, user: User) -> None:
    """Stop an account at once: its sessions and API tokens are refused from now on."""
    require_admin(actor)
    if user.id == actor.id:
        raise ValidationFailed(_l("Bạn không thể tự khóa tài khoản của chính mình."))
    if not user.active:
        return
    user.active = False
    user.end_sessions()
    record_change(actor, "disable", user, {"active": [True, False]})


def enable_user(actor, user: User) -> None:
    """Open a disabled account again (its old sessions stay ended; it logs in afresh)."""
    require_admin(actor)
    if user.active:
        return
    user.active = True
    user.failed_logins = 0
    user.locked_until = None
    record_change(actor, "enable", user, {"active": [False, True]})


def send_password_reset(actor, user: User) -> tuple[str, str, str]:
    """Record that an administrator sends a reset link; the message (to, subject, body)."""
    require_admin(actor)
    if not user.active:
        raise ValidationFailed(_l("Tài khoản đang bị khóa: hãy mở lại trước khi gửi thư."))
    record_change(actor, "send_password_reset", user, {})
    return password_reset_message(user)


def password_reset_message(user: User) -> tuple[str, str, str]:
    """The reset e-mail (to, subject, body), its link at the configured public address."""
    config = current_app.config
    link = mail_url("accounts.reset_password") + "#" + reset_token(user, config["SECRET_KEY"])
    minutes = config["PASSWORD_RESET_MAX_AGE"] // 60
    body = _(
        "Xin chào,\n\nCó người (có thể là bạn) đã yêu cầu đặt lại mật khẩu cho tài khoản "
        "%(email)s tại Thư viện học tập mở.\n\nMở liên kết sau trong %(minutes)s phút để đặt "
        "mật khẩu mới (liên kết chỉ dùng được một lần):\n%(link)s\n\nNếu bạn không yêu cầu, "
        "hãy bỏ qua thư này; mật khẩu của bạn không thay đổi.",
        email=user.email,
        minutes=minutes,
        link=link,
    )
    return user.email, _("Đặt lại mật khẩu — Thư viện học tập mở"), body
