"""Helpers for the search contract tests: the backends under test and document factories.

A backend is listed in BACKENDS with a factory taking the test's folder; the `backend` fixture
(conftest.py) runs each contract test once per backend. A PostgreSQL factory is added here,
skipping itself (pytest.skip) when no database is configured.
"""

from datetime import UTC, datetime
from pathlib import Path

from library.search.base import SearchQuery
from library.search.whoosh_backend import WhooshBackend

CORPUS = Path(__file__).resolve().parents[2].parent / "shared/data/vi_corpus.jsonl.gz"
SAMPLE_SIZE = 400  # the first 400 records hold 10 of the corpus's NFD bodies


def make_whoosh(folder: Path) -> WhooshBackend:
    """A Whoosh backend in `folder`, building in-process (fast for small test indexes)."""
    return WhooshBackend(folder / "index", procs=1, lock_timeout=10)


BACKENDS = {"whoosh": make_whoosh}


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
