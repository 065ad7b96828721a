"""Counted usage events, the streaks that fold double clicks, robot hits and agents to review."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from library.extensions import db
from library.models.base import UTCDateTime

EVENTS = ("view", "download", "play", "share_visit")
CHANNELS = ("direct", "facebook", "zalo", "qr", "search", "other")


class Event(db.Model):
    """One counted action of one visitor on one material (COUNTER rules already applied)."""

    __tablename__ = "events"
    __table_args__ = (
        # One row per streak: a repeat within 30 seconds updates the row instead of adding one.
        # Time first: new rows land at the end of the index, so inserts stay fast for years.
        UniqueConstraint("streak_ms", "visitor", "material_id", "event"),
        Index("ix_events_material_day", "material_id", "day", "event"),
    )

    # 64-bit on PostgreSQL: a national campaign can count billions of events over the years.
    # SQLite's INTEGER PRIMARY KEY is already 64-bit (and must stay INTEGER to be the rowid).
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Local (Viet Nam) day and hour, kept so rollups and unique counts need no SQL date functions.
    day: Mapped[date] = mapped_column(Date, index=True)
    hour: Mapped[int]
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16), default="direct")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # "c" + keyed hash of the cookie id, or "h" + keyed hash of IP and user agent (daily key).
    visitor: Mapped[str] = mapped_column(String(40))
    streak_ms: Mapped[int] = mapped_column(BigInteger)


class VisitorStreak(db.Model):
    """The last time a visitor did an action on a material: the sliding 30-second window."""

    __tablename__ = "visitor_streaks"

    visitor: Mapped[str] = mapped_column(String(40), primary_key=True)
    material_id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(16), primary_key=True)
    started_ms: Mapped[int] = mapped_column(BigInteger)
    last_ms: Mapped[int] = mapped_column(BigInteger, index=True)


class RobotHit(db.Model):
    """Requests by robots and link-preview crawlers: not counted as use, but kept visible."""

    __tablename__ = "robot_hits"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    material_id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(16), primary_key=True)
    # The pattern of the list that matched (never the user agent itself).
    agent: Mapped[str] = mapped_column(String(120), primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)


class AgentSighting(db.Model):
    """A user agent in neither list, for the administrator to judge: a family name, not the UA."""

    __tablename__ = "agent_sightings"

    agent_hash: Mapped[str] = mapped_column(String(32), primary_key=True)
    family: Mapped[str] = mapped_column(String(80))
    hits: Mapped[int] = mapped_column(default=0)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RateWindow(db.Model):
    """How many counted requests a visitor or a network made in one current time window.

    Kept in the database so every worker process and host sees the same count; a window that
    has ended is worthless and is deleted.
    """

    __tablename__ = "rate_windows"

    # "visitor:" + the visitor key, or "network:" + the keyed hash of the network (no address).
    key: Mapped[str] = mapped_column(String(48), primary_key=True)
    seconds: Mapped[int] = mapped_column(primary_key=True)
    ends_ms: Mapped[int] = mapped_column(BigInteger, index=True)
    hits: Mapped[int] = mapped_column(default=0)
