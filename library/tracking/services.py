"""Recording events under the COUNTER rules: robots apart, double clicks folded into one."""

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import case

from library.extensions import db
from library.models import AgentSighting, Event, RobotHit, VisitorStreak
from library.models.base import utcnow
from library.models.events import CHANNELS, EVENTS
from library.tracking import rates
from library.tracking.robots import agent_family, agent_hash, looks_like_browser, robot_pattern
from library.upsert import dialect_name, insert_for

# Days and hours are those of the province, whose yearly report runs on local dates.
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
WINDOW_MS = 30_000
COUNTED, REPEAT, ROBOT = "counted", "repeat", "robot"


def _connection():
    """The session's connection: Core statements skip the ORM's per-call work on every view."""
    return db.session.connection()


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def local_time(moment: datetime) -> datetime:
    """A UTC moment on the province's clock."""
    return moment.astimezone(LOCAL_TZ)


def record_event(
    material_id: int,
    event: str,
    visitor: str,
    user_agent: str,
    channel: str = "direct",
    organisation_id: int | None = None,
    now: datetime | None = None,
    network: str | None = None,
) -> str:
    """Record one successful request; returns counted, repeat (within 30 s) or robot.

    A request from the web names its hashed network: its visitor and network are then held to
    a person's pace (TRACKING_VISITOR_LIMITS, TRACKING_NETWORK_LIMITS).
    """
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    now = now or utcnow()
    robot = robot_reason(visitor, user_agent, now, network)
    if robot:
        _count_robot(material_id, event, robot, now)
        return ROBOT
    if not looks_like_browser(user_agent):
        _note_agent(user_agent, now)
    started = _extend_streak(visitor, material_id, event, to_ms(now))
    _save_event(
        material_id,
        event,
        visitor,
        channel if channel in CHANNELS else "other",
        organisation_id,
        now,
        started,
    )
    return COUNTED if started == to_ms(now) else REPEAT


def robot_reason(
    visitor: str, user_agent: str, now: datetime, network: str | None = None
) -> str | None:
    """Why a request is a robot's: the list pattern its user agent matches, or the pace it went
    past (repeats within 30 s too: a person does not reload ten times a minute); else None."""
    pattern = robot_pattern(user_agent or "")
    if pattern or network is None:
        return pattern
    offset_ms = int(local_time(now).utcoffset().total_seconds() * 1000)
    kind = rates.too_fast(visitor, network, to_ms(now), offset_ms)
    return rates.ROBOT_LABELS[kind] if kind else None


def _extend_streak(visitor: str, material_id: int, event: str, now_ms: int) -> int:
    """Slide the visitor's 30-second window; return the start of the streak this click is in."""
    params = {
        "visitor": visitor,
        "material_id": material_id,
        "event": event,
        "started_ms": now_ms,
        "last_ms": now_ms,
    }
    return _connection().execute(_streak_upsert(dialect_name()), params).scalar_one()


@lru_cache(maxsize=4)
def _streak_upsert(dialect: str):
    """Built once: statement building would cost more than the database's work on every view."""
    table = VisitorStreak.__table__
    stmt = insert_for(table, dialect)
    new = stmt.excluded
    # Both expressions read the row as it was: the database serialises concurrent clicks.
    return stmt.on_conflict_do_update(
        index_elements=[table.c.visitor, table.c.material_id, table.c.event],
        set_={
            "started_ms": case(
                (new.last_ms - table.c.last_ms > WINDOW_MS, new.started_ms),
                else_=table.c.started_ms,
            ),
            "last_ms": case((new.last_ms > table.c.last_ms, new.last_ms), else_=table.c.last_ms),
        },
    ).returning(table.c.started_ms)


def _save_event(material_id, event, visitor, channel, organisation_id, now, started) -> None:
    """One row per streak; a later click of the same streak moves its time (COUNTER keeps it)."""
    local = local_time(now)
    params = {
        "at": now,
        "day": local.date(),
        "hour": local.hour,
        "material_id": material_id,
        "event": event,
        "channel": channel,
        "organisation_id": organisation_id,
        "visitor": visitor,
        "streak_ms": started,
    }
    _connection().execute(_event_upsert(dialect_name()), params)


@lru_cache(maxsize=4)
def _event_upsert(dialect: str):
    table = Event.__table__
    stmt = insert_for(table, dialect)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.visitor, table.c.material_id, table.c.event, table.c.streak_ms],
        set_={"at": stmt.excluded.at, "day": stmt.excluded.day, "hour": stmt.excluded.hour},
        where=table.c.at < stmt.excluded.at,
    )


def _count_robot(material_id: int, event: str, pattern: str, now: datetime) -> None:
    table = RobotHit.__table__
    stmt = insert_for(table).values(
        day=local_time(now).date(), material_id=material_id, event=event, agent=pattern, hits=1
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.day, table.c.material_id, table.c.event, table.c.agent],
        set_={"hits": table.c.hits + 1},
    )
    db.session.execute(stmt)
    db.session.flush()


def _note_agent(user_agent: str, now: datetime) -> None:
    """Count a user agent that is in neither list, by family name and hash only."""
    table = AgentSighting.__table__
    stmt = insert_for(table).values(
        agent_hash=agent_hash(user_agent),
        family=agent_family(user_agent),
        hits=1,
        first_seen_at=now,
        last_seen_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.agent_hash],
        set_={"hits": table.c.hits + 1, "last_seen_at": stmt.excluded.last_seen_at},
    )
    db.session.execute(stmt)
