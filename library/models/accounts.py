"""Organisations, users and their API tokens."""

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from library.extensions import db
from library.models.base import UTCDateTime, utcnow

ORGANISATION_TYPES = ("department", "union", "enterprise")
ROLES = ("admin", "reviewer", "editor", "union")


def new_session_token() -> str:
    """A fresh random value for User.session_token."""
    return secrets.token_hex(16)


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(20))
    workers: Mapped[int | None]
    requires_review: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list["User"]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.code}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session and remember-me cookie: a new value (logout, password or role
    # change, disabling) makes every cookie issued before worthless, on the server's side.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")
    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        """The id kept in the session and remember cookie: the user's id and session token."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Refuse, from now on, every session and remember-me cookie issued before."""
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    # Only a hash is kept: a leaked database does not leak usable tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


class RateLimitCount(db.Model):
    """One rate limit's count in its current window, shared by every worker and host (the
    `database://` storage of library/ratelimits.py)."""

    __tablename__ = "rate_limit_counts"

    # A keyed hash of the limiter's key, which holds a client address or an e-mail.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)
    # Seconds since the epoch, as the `limits` package counts its windows.
    expires_at: Mapped[float] = mapped_column(Float, index=True)
