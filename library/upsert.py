"""INSERT ... ON CONFLICT for the database in use (SQLite now, PostgreSQL later)."""

from sqlalchemy.dialects import postgresql, sqlite

from library.extensions import db


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def insert_for(table, dialect: str | None = None):
    """An insert with on_conflict_do_update/do_nothing, in the dialect of the session's database."""
    if (dialect or dialect_name()) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
