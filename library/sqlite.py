"""SQLite settings for a site that writes on page views."""

from sqlalchemy import event

from library.extensions import db


def register(app) -> None:
    """Write-ahead log: readers never wait for the tracking writes, and a commit costs no fsync."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return

    @event.listens_for(engine, "connect")
    def pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode stays consistent after a crash; it may lose the last commits only
        # on a power failure, an acceptable risk for page-view counts.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
