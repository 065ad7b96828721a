"""What the PostgreSQL backend keeps in its rows and vectors (the contract tests cover what
it answers)."""

import pytest
from sqlalchemy import text

from library.search.postgres_rank import Candidate

from .search_support import BACKENDS, doc, ids


@pytest.fixture
def postgres(tmp_path):
    """An empty PostgreSQL backend (skipped without tests/with_postgres.sh)."""
    if "postgres" not in BACKENDS:
        pytest.skip("needs PostgreSQL: run under tests/with_postgres.sh")
    backend = BACKENDS["postgres"](tmp_path)
    backend.clear()
    yield backend
    backend.close()


def test_the_last_word_typed_matches_the_start_of_a_title_or_tag_word(postgres):
    postgres.index(
        [
            doc(1, "Phòng chống tham nhũng"),
            doc(2, "Báo cáo năm", tags=["phòng cháy"]),
            doc(3, "Báo cáo quý"),
        ]
    )
    assert sorted(ids(postgres, "phon")) == [1, 2]  # the marked title and tag words
    assert ids(postgres, "tham nh") == [1]


def test_tables_of_the_lead_vector_ask_for_a_reindex(postgres):
    postgres.index([doc(1, "Luật lao động")])
    with postgres.engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE {postgres.table} ADD COLUMN lead tsvector"))
    assert "reindex" in postgres.check()
    postgres.rebuild([doc(1, "Luật lao động")])
    assert postgres.check() is None


def test_a_candidates_vector_is_read_from_its_text():
    candidate = Candidate(1, 0, False, (1, 0, 0, 9), ())
    candidate.add_vector("'lao':1A,5,9C 'lao dong':6 'it''s':3B '=lão':2")
    assert candidate.fields("lao") == {"title", "body", "summary"}
    assert candidate.positions("lao", "body") == {5}
    assert candidate.fields("lao dong") == {"body"}
    assert candidate.fields("it's") == {"tags"}
    assert candidate.fields("=lão") == {"body"}
    assert candidate.fields("missing") == set()
