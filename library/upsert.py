"""INSERT ... ON CONFLICT for the database in use (SQLite now, PostgreSQL later)."""

from sqlalchemy.dialects import postgresql, sqlite

from library.extensions import db


def insert_for(table):
    """An insert with on_conflict_do_update/do_nothing, in the dialect of the session's database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
