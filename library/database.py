"""Connection settings that keep SQLite safe with several processes; a lock across processes."""

import zlib

from sqlalchemy import event, false, func, select, update
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL lets readers and one writer work at once; foreign keys keep rows consistent."""
    module = type(dbapi_connection).__module__
    if not module.startswith(("sqlite3", "pysqlite")):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def hold_lock(session, name: str) -> None:
    """Let one process at a time past this point, until the session's transaction ends.

    PostgreSQL: a transaction-level advisory lock named by `name` (held by every app host's
    processes alike). SQLite has a single writer: a write that changes nothing takes the
    database's write lock now, and other processes wait for it (their busy timeout).
    Call it before reading what the locked work depends on. Taking it twice is harmless.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(name.encode("utf-8"))
        session.execute(select(func.pg_advisory_xact_lock(key)))
    else:
        from library.models import Setting

        session.execute(update(Setting).where(false()).values(value=Setting.value))
