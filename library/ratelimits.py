"""A `limits` storage on the library's own database, so a rate limit holds across workers.

`RATELIMIT_STORAGE_URI = "database://"` (the default) keeps each limit's count in the table
rate_limit_counts of the app's database (SQLite or PostgreSQL): every gunicorn worker, on one
host or several, counts in the same row. One statement (INSERT … ON CONFLICT DO UPDATE …
RETURNING) adds a hit and reads the new count, in its own short transaction, so two workers
counting at once never lose a hit. Fixed windows only (Flask-Limiter's default strategy).
"""

import hashlib
import hmac
import random
import time

from flask import current_app
from limits.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.exc import SQLAlchemyError

from library.extensions import db
from library.models import RateLimitCount
from library.upsert import insert_for

TABLE = RateLimitCount.__table__
# About one hit in this many also deletes the rows whose window has passed.
CLEAN_EVERY = 200


class DatabaseStorage(Storage):
    """Counts of fixed-window rate limits in the app's database (scheme `database://`)."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` hits to the key's window (a new window if the last one passed)."""
        now = time.time()
        passed = TABLE.c.expires_at <= now
        statement = insert_for(TABLE, db.engine.dialect.name).values(
            key=_hashed(key), hits=amount, expires_at=now + expiry
        )
        statement = statement.on_conflict_do_update(
            index_elements=[TABLE.c.key],
            set_={
                "hits": case((passed, amount), else_=TABLE.c.hits + amount),
                "expires_at": case((passed, now + expiry), else_=TABLE.c.expires_at),
            },
        ).returning(TABLE.c.hits)
        with db.engine.begin() as connection:
            hits = connection.execute(statement).scalar_one()
            if random.randrange(CLEAN_EVERY) == 0:
                connection.execute(delete(TABLE).where(TABLE.c.expires_at <= now))
        return hits

    def get(self, key: str) -> int:
        row = self._row(key)
        return row.hits if row is not None else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row.expires_at if row is not None else time.time()

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(delete(TABLE)).rowcount

    def clear(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(delete(TABLE).where(TABLE.c.key == _hashed(key)))

    def _row(self, key: str):
        """The key's row while its window lasts, else None."""
        query = select(TABLE.c.hits, TABLE.c.expires_at).where(
            TABLE.c.key == _hashed(key), TABLE.c.expires_at > time.time()
        )
        with db.engine.connect() as connection:
            return connection.execute(query).first()


def _hashed(key: str) -> str:
    """The key as stored: keyed with the secret, since it holds a client address or e-mail."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()
