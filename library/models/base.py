"""Column helpers shared by every model family."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, TypeDecorator

# The largest row id: ids are INTEGER columns, 32-bit on PostgreSQL. A larger number in a URL, a
# form or a file names no row, and must be answered as such before it reaches the database
# (PostgreSQL refuses to compare it with an INTEGER column).
MAX_ID = 2**31 - 1


def row_id(value) -> int | None:
    """A whole number that can be a row id (digits, 1 to MAX_ID), else None."""
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value
