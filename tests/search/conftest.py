"""Fixtures for the search contract tests (helpers in search_support.py)."""

import gzip
import json
from itertools import islice

import pytest

from .search_support import BACKENDS, CORPUS, SAMPLE_SIZE, made_postgres


@pytest.fixture(params=sorted(BACKENDS))
def backend_kind(request) -> str:
    """The name of each backend under test (a key of BACKENDS)."""
    return request.param


@pytest.fixture
def backend(backend_kind, tmp_path):
    """An empty, ready backend of each kind."""
    engine = BACKENDS[backend_kind](tmp_path)
    engine.clear()
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def corpus() -> list[dict]:
    """The first records of the real Vietnamese corpus ({id, title, body, source, license})."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in islice(handle, SAMPLE_SIZE)]


@pytest.fixture(autouse=True)
def _drop_postgres_tables():
    """Drop the tables of the PostgreSQL backends a test made (each test starts clean)."""
    yield
    while made_postgres:
        engine = made_postgres.pop()
        engine.drop()
        engine.close()
