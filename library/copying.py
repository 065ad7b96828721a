"""Copying a whole library from one database to another (an SQLite library onto PostgreSQL).

Every table of the models is copied in foreign-key order, in batches, inside one transaction
of the target: a failed copy leaves the target as empty as it was. The target is migrated first
if it has no tables, and refused if any table has a row. Sequences are moved past the copied
ids, and the rows of each table are counted on both sides at the end.
"""

from collections.abc import Callable
from dataclasses import dataclass

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import Engine, create_engine, func, inspect, select, text, update
from sqlalchemy.engine import make_url

from library.extensions import db

BATCH = 2000


class CopyRefused(Exception):
    """The copy cannot start; the message says why (nothing was written)."""


@dataclass
class TableCount:
    table: str
    source: int
    target: int

    @property
    def matches(self) -> bool:
        return self.source == self.target


def safe_url(url: str) -> str:
    """A database URL fit to print: without its password."""
    return make_url(url).render_as_string(hide_password=True)


def _engine(url: str) -> Engine:
    options = {"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {}
    return create_engine(url, **options)


def _head() -> str:
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def _revision(connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _counts(connection) -> dict[str, int]:
    return {
        table.name: connection.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def _migrate(connection) -> None:
    """Bring an empty target to the newest schema with the app's own migrations."""
    config = current_app.extensions["migrate"].migrate.get_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def plan(source_url: str, target_url: str) -> dict[str, int]:
    """Check both databases; return the rows to copy per table, or raise CopyRefused."""
    if make_url(source_url) == make_url(target_url):
        raise CopyRefused("Nguồn và đích là cùng một cơ sở dữ liệu.")
    head = _head()
    source = _engine(source_url)
    try:
        with source.connect() as conn:
            revision = _revision(conn)
            if revision != head:
                raise CopyRefused(
                    f"Cơ sở dữ liệu nguồn ở phiên bản {revision}, cần {head}: "
                    "chạy `flask db upgrade` cho nguồn trước."
                )
            return _counts(conn)
    finally:
        source.dispose()


def copy_library(
    source_url: str, target_url: str, progress: Callable[[int], None] | None = None
) -> list[TableCount]:
    """Copy every row of the source into the empty target; return the counts of both sides."""
    plan(source_url, target_url)
    head = _head()
    source, target = _engine(source_url), _engine(target_url)
    try:
        with source.connect() as src, target.begin() as dst:
            tables = set(inspect(dst).get_table_names())
            if not tables:
                _migrate(dst)
            elif _revision(dst) != head:
                raise CopyRefused(
                    "Cơ sở dữ liệu đích đã có bảng nhưng không ở phiên bản mới nhất "
                    f"({_revision(dst)}, cần {head})."
                )
            filled = [name for name, n in _counts(dst).items() if n]
            if filled:
                raise CopyRefused(
                    "Cơ sở dữ liệu đích không trống (có dữ liệu trong: " + ", ".join(filled) + ")."
                )
            for table in db.metadata.sorted_tables:
                _copy_table(src, dst, table, progress)
            if dst.dialect.name == "postgresql":
                _reset_sequences(dst)
        with source.connect() as src, target.connect() as dst:
            before, after = _counts(src), _counts(dst)
        return [TableCount(name, before[name], after[name]) for name in before]
    finally:
        source.dispose()
        target.dispose()


def _self_references(table) -> list:
    """Columns pointing at the same table (a material's successor): filled in a second step."""
    return [fk.parent for fk in table.foreign_keys if fk.column.table is table]


def _copy_table(src, dst, table, progress) -> None:
    deferred = _self_references(table)
    later = []
    key = list(table.primary_key.columns)
    rows = src.execution_options(yield_per=BATCH).execute(select(table).order_by(*key))
    for batch in rows.partitions(BATCH):
        values = [dict(row._mapping) for row in batch]
        for row in values:
            links = {c.name: row[c.name] for c in deferred if row[c.name] is not None}
            if links:
                # Columns updated on change (updated_at) keep their copied value.
                kept = {c.name: row[c.name] for c in table.columns if c.onupdate is not None}
                later.append(({c.name: row[c.name] for c in key}, {**links, **kept}))
                row.update(dict.fromkeys(links))
        dst.execute(table.insert(), values)
        if progress:
            progress(len(values))
    for ids, links in later:
        where = [table.c[name] == value for name, value in ids.items()]
        dst.execute(update(table).where(*where).values(**links))


def _reset_sequences(dst) -> None:
    """Set each id sequence past the largest copied id, so new rows get new ids."""
    for table in db.metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        dst.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, :column), "
                f'COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false)'
            ),
            {"table": table.name, "column": column.name},
        )
