"""Organisations, users, logins and API tokens."""

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from functools import cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from library.audit import record_change
from library.catalog.validation import clean_text, whole_number
from library.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from library.extensions import db
from library.models import ApiToken, Organisation, User
from library.models.accounts import ORGANISATION_TYPES, ROLES
from library.models.base import utcnow

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
MIN_PASSWORD = 10
TOKEN_PREFIX = "oll_"


class LoginRefused(DomainError):
    status = 401
    code = "login_refused"


def organisation_code(code: str | None) -> str:
    """An organisation code as it is stored: codes are lower-case, so `SVHTT` names `svhtt`."""
    return (code or "").strip().lower()


def find_organisation(code: str | None) -> Organisation | None:
    """The organisation with this code, whatever the case it was typed in."""
    code = organisation_code(code)
    if not code:
        return None
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def create_organisation(
    actor, code: str, name: str, type_: str, workers=None, requires_review: bool = False
) -> Organisation:
    """Create an organisation; only an administrator (or the command line) may."""
    require_admin(actor)
    errors = {}
    code = organisation_code(code)
    name = clean_text(name)
    if not CODE_PATTERN.match(code):
        errors["code"] = _l("Mã chỉ gồm chữ thường không dấu, số và dấu gạch ngang (2–63 ký tự).")
    elif find_organisation(code):
        errors["code"] = _l("Mã này đã được dùng.")
    if not name or len(name) > 255:
        errors["name"] = _l("Cần nhập tên (tối đa 255 ký tự).")
    if type_ not in ORGANISATION_TYPES:
        errors["type"] = _l("Loại tổ chức không hợp lệ.")
    workers = whole_number(workers, errors, "workers")
    if errors:
        raise ValidationFailed(errors=errors)
    org = Organisation(
        code=code, name=name, type=type_, workers=workers, requires_review=bool(requires_review)
    )
    db.session.add(org)
    db.session.flush()
    record_change(actor, "create", org, {"code": code, "name": name, "type": type_})
    return org


def create_user(
    actor, email: str, password: str, role: str, organisation_code: str | None, name: str = ""
) -> User:
    """Create a user of an organisation with a hashed password."""
    require_admin(actor)
    errors = {}
    email = _email(email, errors)
    org = organisation_for_role(role, organisation_code, errors)
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = _l("Mật khẩu cần ít nhất %(n)s ký tự.", n=MIN_PASSWORD)
    if errors:
        raise ValidationFailed(errors=errors)
    user = User(
        email=email,
        name=clean_text(name)[:255],
        role=role,
        organisation=org,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    record_change(
        actor, "create", user, {"email": email, "role": role, "organisation": org and org.code}
    )
    return user


def organisation_for_role(role: str, organisation_code: str | None, errors: dict):
    """The organisation named for a user of this role (None for an administrator of none);
    what is wrong with the role or the organisation goes into `errors`."""
    if not role:
        errors["role"] = _l("Cần chọn vai trò.")
    elif role not in ROLES:
        errors["role"] = _l("Vai trò không hợp lệ.")
    org = None
    if organisation_code:
        org = find_organisation(organisation_code)
        if org is None:
            errors["organisation"] = _l("Không có tổ chức với mã này.")
    elif role != "admin":
        errors["organisation"] = _l("Người dùng này cần thuộc một tổ chức.")
    return org


def _email(value: str, errors: dict) -> str:
    try:
        email = validate_email((value or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        errors["email"] = _l("Địa chỉ email không hợp lệ.")
        return ""
    if db.session.scalar(select(User).where(func.lower(User.email) == email)):
        errors["email"] = _l("Email này đã có tài khoản.")
    return email


def require_admin(actor) -> None:
    if getattr(actor, "role", None) != "admin":
        raise PermissionDenied()


def authenticate(email: str, password: str, max_failures: int, lockout_minutes: int) -> User:
    """Return the user for good credentials; count failures and lock the account after many.

    Every refusal is the same answer, in the same time (one password hash checked): an unknown
    address, a wrong password, a locked or a disabled account cannot be told apart.
    """
    refused = LoginRefused(REFUSED)
    user = db.session.scalar(
        select(User).where(func.lower(User.email) == (email or "").strip().lower())
    )
    hashed = user.password_hash if user is not None else None
    # Hash anyway so a missing account answers as slowly as a wrong password.
    dummy = _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])
    matches = check_password_hash(hashed or dummy, password or "") and hashed is not None
    if user is None:
        raise refused
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        raise refused
    if not user.active or not matches:
        _count_failure(user.id, now, max_failures, lockout_minutes)
        raise refused
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


REFUSED = _l(
    "Email hoặc mật khẩu không đúng, hoặc tài khoản đang tạm khóa sau nhiều lần đăng nhập sai. "
    "Vui lòng kiểm tra lại hoặc thử lại sau ít phút."
)


def _count_failure(user_id: int, now: datetime, max_failures: int, lockout_minutes: int) -> None:
    """One more failed login, counted in the database itself (n = n + 1), so failures sent at
    once to several workers are all counted; the last one allowed locks the account."""
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(failed_logins=User.failed_logins + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(User)
        .where(User.id == user_id, User.failed_logins >= max_failures)
        .values(locked_until=now + timedelta(minutes=lockout_minutes), failed_logins=0)
        .execution_options(synchronize_session=False)
    )


def hash_password(password: str) -> str:
    """A password's hash by the configured method (werkzeug's scrypt unless a test says)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    """A hash to check a missing account's password against, as costly as a real one."""
    return generate_password_hash("not a real password", method=method)


def create_token(user: User, name: str = "") -> str:
    """Make an API token for a user; the token itself is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(user=user, name=clean_text(name)[:100], token_hash=_hash(token), prefix=token[:12])
    )
    db.session.flush()
    return token


# A token's last use is written at most this often: a burst of reads is one write.
TOKEN_USE_STEP = timedelta(minutes=1)


def active_token(token: str) -> ApiToken | None:
    """The unrevoked token of an active user that a bearer token names, or None."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    return row


def token_use_due(row: ApiToken, now: datetime) -> bool:
    """Whether this use must be written: never used, or last written a minute ago or more."""
    return row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_STEP


def record_token_use(token_id: int, now: datetime) -> bool:
    """Write a token's last use in its own short transaction, apart from the session (so a
    read commits nothing else of its request); whether it wrote. The condition keeps it to
    once a minute even when several requests race."""
    statement = (
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - TOKEN_USE_STEP),
        )
        .values(last_used_at=now)
    )
    with db.engine.begin() as connection:
        return connection.execute(statement).rowcount > 0


def revoke_token(actor: User, token_id: int) -> None:
    row = db.session.get(ApiToken, token_id)
    if row is None or (row.user_id != actor.id and actor.role != "admin"):
        raise NotFound()
    row.revoked_at = row.revoked_at or utcnow()


def find_user(email: str) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").lower()))
    if user is None:
        raise NotFound(_l("Không có người dùng với email này."))
    return user


def list_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.email)))


def list_active_tokens(actor) -> list[ApiToken]:
    """Every user's tokens not revoked (administrators only): the most recently used first,
    never-used ones last, so a forgotten token stands out."""
    if getattr(actor, "role", None) != "admin":
        raise PermissionDenied()
    query = (
        select(ApiToken)
        .where(ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.last_used_at.desc().nulls_last(), ApiToken.created_at.desc())
    )
    return list(db.session.scalars(query))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Password reset: a signed, time-limited token bound to the current password hash, so it stops
# working as soon as the password changes (it is single-use) or after PASSWORD_RESET_MAX_AGE.
RESET_SALT = "password-reset"


def password_fingerprint(user: User) -> str:
    """A short digest of the password hash: changes whenever the password does."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=RESET_SALT)


def find_active_user(email: str) -> User | None:
    """The active account with this e-mail, or None (without saying which)."""
    user = db.session.scalar(
        select(User).where(func.lower(User.email) == (email or "").strip().lower()[:255])
    )
    return user if user is not None and user.active else None


def reset_token(user: User, secret_key: str) -> str:
    return _reset_serializer(secret_key).dumps({"u": user.id, "p": password_fingerprint(user)})


def user_for_reset_token(token: str, secret_key: str, max_age: int) -> User | None:
    """The user a reset token was made for, if it is genuine, fresh and not used yet."""
    if not token or len(token) > 500:
        return None
    try:
        data = _reset_serializer(secret_key).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.active:
        return None
    if not secrets.compare_digest(str(data.get("p", "")), password_fingerprint(user)):
        return None
    return user


def check_new_password(password: str, confirm: str) -> None:
    """The password rules of the whole site, with a Vietnamese message for each problem."""
    errors = {}
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = _l("Mật khẩu cần ít nhất %(n)s ký tự.", n=MIN_PASSWORD)
    elif password != confirm:
        errors["confirm"] = _l("Hai mật khẩu không giống nhau.")
    if errors:
        raise ValidationFailed(errors=errors)


def set_password(user: User, password: str, confirm: str) -> None:
    """Change a password after a reset: old sessions and reset links stop working."""
    check_new_password(password, confirm)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.end_sessions()
    record_change(user, "reset_password", user, {})
