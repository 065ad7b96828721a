"""Helpers for the search contract tests: the backends under test and document factories.

A backend is listed in BACKENDS with a factory taking the test's folder; the `backend` fixture
(conftest.py) runs each contract test once per backend. The PostgreSQL backend is listed when
LIBRARY_TEST_DATABASE_URL names a PostgreSQL server: its tables live in a database of their own
(one per test process) and are named after the test's folder, so two backends made for the same
folder share an index, like two processes sharing a Whoosh folder; they are dropped after
each test.
"""

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from support import TEST_DATA

from library.search.base import SearchQuery
from library.search.whoosh_backend import WhooshBackend

# The first 400 records of the Vietnamese corpus, shipped with the tests (origin and licence in
# tests/data/README.md): real legal text, 12 of them with bodies in decomposed Unicode (NFD).
CORPUS = TEST_DATA / "vi_corpus_sample.jsonl.gz"
SAMPLE_SIZE = 400


def make_whoosh(folder: Path) -> WhooshBackend:
    """A Whoosh backend in `folder`, building in-process (fast for small test indexes)."""
    return WhooshBackend(folder / "index", procs=1, lock_timeout=10)


BACKENDS = {"whoosh": make_whoosh}
DATABASE_URL = os.environ.get("LIBRARY_TEST_DATABASE_URL", "")
_search_url: list = []  # the URL of the search test database, once made
made_postgres: list = []  # PostgreSQL backends made by the running test (dropped after it)


def search_database_url():
    """A database of this test process for the search tables, created on first use (the
    configured database itself if the server refuses to create one)."""
    if not _search_url:
        url = make_url(DATABASE_URL)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        name = f"{url.database}_search_{worker}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                if not conn.scalar(
                    text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
                ):
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            _search_url.append(url.set(database=name))
        except DBAPIError:
            _search_url.append(url)
        finally:
            admin.dispose()
    return _search_url[0]


def make_postgres(folder: Path):
    """A PostgreSQL backend whose tables are named after `folder`."""
    from library.search.postgres_backend import PostgresBackend

    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:16]
    engine = create_engine(search_database_url(), pool_size=2)
    backend = PostgresBackend(engine, table=f"st_{digest}", own_engine=True)
    made_postgres.append(backend)
    return backend


if DATABASE_URL.startswith("postgresql"):
    BACKENDS["postgres"] = make_postgres


def doc(id: int, title: str, body: str = "", **fields) -> dict:
    """A library document with sensible defaults for what a test does not care about."""
    values = {
        "id": id,
        "title": title,
        "summary": "",
        "body": body,
        "tags": [],
        "areas": ["politics-law"],
        "kind": "leaflet",
        "org": "ldld-tinh",
        "published_at": datetime(2024, 1, 1, tzinfo=UTC),
        "views": 0,
        "superseded": False,
    }
    values.update(fields)
    return values


def ids(backend, text: str = "", **options) -> list[int]:
    """Ids of the hits of a query, in order (first page of 100)."""
    return [hit.id for hit in search(backend, text, **options).hits]


def search(backend, text: str = "", **options):
    """Run a query with up to 100 hits a page unless told otherwise."""
    options.setdefault("per_page", 100)
    return backend.search(SearchQuery(text=text, **options))


def corpus_docs(records: list[dict]) -> list[dict]:
    """Library documents made from corpus records (ids from 1)."""
    return [doc(n, r["title"], r["body"]) for n, r in enumerate(records, 1)]
