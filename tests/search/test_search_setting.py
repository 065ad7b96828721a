"""Choosing the search backend with the SEARCH_BACKEND setting."""

import pytest
from sqlalchemy import create_engine

from library.search.postgres_backend import PostgresBackend


def test_postgres_search_refuses_a_database_that_is_not_postgresql():
    with pytest.raises(RuntimeError, match="PostgreSQL"):
        PostgresBackend(create_engine("sqlite://"))


def test_unknown_search_backend_is_refused_at_start(make_app):
    with pytest.raises(RuntimeError, match="SEARCH_BACKEND"):
        make_app(SEARCH_BACKEND="solr")
