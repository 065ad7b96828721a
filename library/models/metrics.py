"""Daily rollups, yearly distinct visitors per area, offline sessions and settings."""

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from library.extensions import db
from library.models.accounts import Organisation, User
from library.models.base import UTCDateTime, utcnow
from library.models.materials import Area, Material


class DailyMetric(db.Model):
    """Counts of one day, per material, credited organisation, channel and event."""

    __tablename__ = "daily_metrics"
    __table_args__ = (UniqueConstraint("day", "material_id", "credited_org", "channel", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    material_id: Mapped[int] = mapped_column(index=True)
    owner_org: Mapped[int] = mapped_column(index=True)
    # 0 when no organisation was credited (a NULL would defeat the unique constraint).
    credited_org: Mapped[int] = mapped_column(default=0)
    channel: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(16))
    total: Mapped[int]
    # COUNTER "unique": distinct visitor-hours (a session is visitor + date + hour).
    uniques: Mapped[int]


class MonthlyMetric(db.Model):
    """One month per material, channel and event: what a year's dashboard reads (12 not 365)."""

    __tablename__ = "monthly_metrics"
    __table_args__ = (UniqueConstraint("month", "material_id", "channel", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, index=True)  # its first day
    material_id: Mapped[int] = mapped_column(index=True)
    owner_org: Mapped[int] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(16))
    total: Mapped[int]


class MonthlyCredit(db.Model):
    """One month per credited organisation (share links), owner organisation and event."""

    __tablename__ = "monthly_credits"
    __table_args__ = (UniqueConstraint("month", "credited_org", "owner_org", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, index=True)
    credited_org: Mapped[int]
    owner_org: Mapped[int]
    event: Mapped[str] = mapped_column(String(16))
    total: Mapped[int]


class RolledDay(db.Model):
    """A day whose events are in the rollups; raw events of it may be pruned."""

    __tablename__ = "rolled_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    events: Mapped[int] = mapped_column(default=0)
    # Once its raw events are pruned a day can no longer be rolled up again.
    pruned: Mapped[bool] = mapped_column(default=False)


class YearVisitor(db.Model):
    """A visitor key reached in a year, with the areas it reached as bits (see area_bit).

    Scope 0 is the province; otherwise the organisation credited by a share link. One row per
    visitor rather than per visitor and area keeps the daily rollup fast with years of events.
    """

    __tablename__ = "year_visitors"
    # SQLite: the key is the table (no separate index); other databases ignore the option.
    __table_args__ = {"sqlite_with_rowid": False}

    year: Mapped[int] = mapped_column(primary_key=True)
    scope_org: Mapped[int] = mapped_column(primary_key=True)
    visitor: Mapped[str] = mapped_column(String(40), primary_key=True)
    areas: Mapped[int] = mapped_column(default=0)


class Setting(db.Model):
    """A small named value the administrator sets (the registered workforce)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


offline_session_areas = Table(
    "offline_session_areas",
    db.metadata,
    Column("session_id", ForeignKey("offline_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("area_code", ForeignKey("areas.code"), primary_key=True),
)

offline_session_materials = Table(
    "offline_session_materials",
    db.metadata,
    Column("session_id", ForeignKey("offline_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("material_id", ForeignKey("materials.id", ondelete="CASCADE"), primary_key=True),
)


class OfflineSession(db.Model):
    """A talk or training held at an enterprise, logged by a union officer."""

    __tablename__ = "offline_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    attendees: Mapped[int]
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    areas: Mapped[list[Area]] = relationship(
        secondary=offline_session_areas, order_by=Area.position
    )
    materials: Mapped[list[Material]] = relationship(secondary=offline_session_materials)
