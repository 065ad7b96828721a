"""Plausible human rates: a visitor or a network faster than people are is a robot.

COUNTER asks for robots to be counted apart from people whatever user agent they claim. A
person opens a few materials a minute; a script sending no cookie, a new one or a new user
agent with every request shows up as one network far faster than that. Every counted request
adds one to each window of its visitor and of its network; past a limit, it is a robot's.

The windows live in the database (rate_windows), so every worker process and host shares them.
"""

import logging
from datetime import datetime
from functools import lru_cache

from flask import current_app
from limits import parse_many
from sqlalchemy import case, delete, select, tuple_

from library.extensions import db
from library.models import RateWindow
from library.models.base import utcnow
from library.upsert import dialect_name, insert_for

log = logging.getLogger(__name__)

VISITOR, NETWORK = "visitor", "network"
# How the robot counts name what was too fast (beside the robot list's patterns).
ROBOT_LABELS = {
    VISITOR: "nhanh hơn người: một khách truy cập",
    NETWORK: "nhanh hơn người: một mạng",
}
PRUNE_EVERY_MS = 60_000
PRUNE_BATCH = 5_000
_last_prune_ms: int | None = None


@lru_cache(maxsize=16)
def parse_limits(text: str) -> tuple[tuple[int, int], ...]:
    """(hits, seconds) of each window of a setting such as "10 per minute; 60 per hour".

    The strictest limit of a window length wins if a setting names one twice.
    """
    if not text.strip():
        return ()
    strictest: dict[int, int] = {}
    for item in parse_many(text):
        seconds = item.get_expiry()
        strictest[seconds] = min(item.amount, strictest.get(seconds, item.amount))
    return tuple(sorted((hits, seconds) for seconds, hits in strictest.items()))


def window_end(now_ms: int, seconds: int, offset_ms: int) -> int:
    """The end of the window holding this moment; windows line up with local midnight."""
    size = seconds * 1000
    return ((now_ms + offset_ms) // size + 1) * size - offset_ms


def too_fast(visitor: str, network: str, now_ms: int, offset_ms: int) -> str | None:
    """Count one request in every window of the visitor and the network; which is over its
    limit (VISITOR or NETWORK), or None while both go at a person's pace."""
    config = current_app.config
    limits = {
        f"{VISITOR}:{visitor}": (VISITOR, parse_limits(config["TRACKING_VISITOR_LIMITS"] or "")),
        f"{NETWORK}:{network}": (NETWORK, parse_limits(config["TRACKING_NETWORK_LIMITS"] or "")),
    }
    # Always the same order (visitor's windows, then the network's): concurrent requests of one
    # network lock its rows in the same order, so they queue and never deadlock.
    windows = [(key, hits, seconds) for key, (_, rule) in limits.items() for hits, seconds in rule]
    if not windows:
        return None
    rows = [
        {
            "key": key,
            "seconds": seconds,
            "ends_ms": window_end(now_ms, seconds, offset_ms),
            "hits": 1,
        }
        for key, _hits, seconds in windows
    ]
    # One statement for every window ("insertmanyvalues"): a single round trip.
    result = db.session.connection().execute(_window_upsert(dialect_name()), rows)
    counted = {(k, s): h for k, s, h in result}
    for key, hits, seconds in windows:
        if counted[(key, seconds)] > hits:
            return limits[key][0]
    return None


@lru_cache(maxsize=4)
def _window_upsert(dialect: str):
    """Built once: add one to each window, or start it again once it has ended."""
    table = RateWindow.__table__
    stmt = insert_for(table, dialect)
    new = stmt.excluded
    ended = new.ends_ms > table.c.ends_ms
    # Both expressions read the row as it was: the database serialises concurrent requests.
    return stmt.on_conflict_do_update(
        index_elements=[table.c.key, table.c.seconds],
        set_={
            "hits": case((ended, 1), else_=table.c.hits + 1),
            "ends_ms": case((ended, new.ends_ms), else_=table.c.ends_ms),
        },
    ).returning(table.c.key, table.c.seconds, table.c.hits, sort_by_parameter_order=True)


def prune_ended(now: datetime | None = None) -> int:
    """Delete windows that have ended, at most once a minute per process; how many went.

    Run in a transaction of its own once the count is committed. Rows another request holds
    are skipped (PostgreSQL's SKIP LOCKED), so pruning never waits and never deadlocks.
    """
    global _last_prune_ms
    now_ms = int((now or utcnow()).timestamp() * 1000)
    if _last_prune_ms is not None and 0 <= now_ms - _last_prune_ms < PRUNE_EVERY_MS:
        return 0
    _last_prune_ms = now_ms
    ended = (
        select(RateWindow.key, RateWindow.seconds)
        .where(RateWindow.ends_ms <= now_ms)
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    try:
        result = db.session.execute(
            delete(RateWindow).where(tuple_(RateWindow.key, RateWindow.seconds).in_(ended))
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.warning("tracking: ended rate windows not pruned", exc_info=True)
        return 0
    return result.rowcount
