"""The databases the tests run on, made fast to give each test its own.

Pass 1 (nothing set): a SQLite file per test, copied from one migrated file.
Pass 2 (LIBRARY_TEST_DATABASE_URL set to a PostgreSQL server URL, see with_postgres.sh): a
database per test, created from one migrated template database of this pytest process (each
xdist worker has its own template, so no copy ever waits for another worker's connection).
"""

import os
import secrets
import shutil
from pathlib import Path

from sqlalchemy.engine import make_url

SERVER_URL = os.environ.get("LIBRARY_TEST_DATABASE_URL", "")
SEARCH_BACKEND = os.environ.get("LIBRARY_TEST_SEARCH_BACKEND", "whoosh")


def dialect() -> str:
    """The database the suite runs on: sqlite or postgresql."""
    return make_url(SERVER_URL).get_backend_name() if SERVER_URL else "sqlite"


class SqliteFiles:
    """A copied database file per test."""

    def __init__(self, folder: Path):
        self.template = folder / "library.db"

    def template_url(self) -> str:
        return f"sqlite:///{self.template}"

    def for_test(self, folder: Path) -> str:
        db_file = folder / "library.db"
        if not db_file.exists():
            shutil.copy(self.template, db_file)
        return f"sqlite:///{db_file}"

    def empty(self, folder: Path, name: str = "empty") -> str:
        return f"sqlite:///{folder / (name + '.db')}"

    def release(self, url: str) -> None:
        """Files go with the test's temporary folder."""

    def close(self) -> None:
        pass


class PostgresServer:
    """Databases created and dropped on one PostgreSQL server."""

    def __init__(self, url: str):
        self.url = make_url(url)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.prefix = f"lib_{secrets.token_hex(3)}_{worker}"
        self.count = 0
        self.template = f"{self.prefix}_template"
        self._conn = None

    def _admin(self):
        """One autocommit connection to the server's maintenance database, for DDL."""
        import psycopg

        if self._conn is None or self._conn.closed:
            u = self.url
            self._conn = psycopg.connect(
                host=u.host,
                port=u.port,
                user=u.username,
                password=u.password,
                dbname=u.database or "postgres",
                autocommit=True,
            )
        return self._conn

    def _url(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None = None) -> None:
        conn = self._admin()
        if template is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            return
        # FILE_COPY (PostgreSQL 15+) copies the few files of a small database faster than WAL.
        strategy = " STRATEGY FILE_COPY" if conn.info.server_version >= 150000 else ""
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')

    def template_url(self) -> str:
        self._create(self.template)
        return self._url(self.template)

    def for_test(self, folder: Path) -> str:
        self.count += 1
        name = f"{self.prefix}_{self.count}"
        self._create(name, self.template)
        return self._url(name)

    def empty(self, folder: Path, name: str = "empty") -> str:
        self.count += 1
        name = f"{self.prefix}_{self.count}_{name}"
        self._create(name)
        return self._url(name)

    def release(self, url: str) -> None:
        """Drop a test's database, closing whatever connection a test left open."""
        name = make_url(url).database
        self._admin().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self.release(self._url(self.template))
        self._conn.close()


def databases_for(folder: Path):
    """The database factory of this run."""
    return PostgresServer(SERVER_URL) if SERVER_URL else SqliteFiles(folder)
