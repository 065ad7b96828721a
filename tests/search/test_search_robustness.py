"""Contract: nothing a user types breaks a search; a damaged index says so and is repairable."""

import pytest

from library.search.base import FACETS, BadQuery, SearchQuery, SearchUnavailable

from .search_support import BACKENDS, doc, ids, make_whoosh, search

HOSTILE = [
    "",
    "   ",
    '"',
    '"lao động',
    'lao "động',
    '""""',
    "AND",
    "lao AND động OR NOT",
    "NOT lao",
    "*",
    "lao*",
    "?ao",
    "title:lao body:động",
    "lao~2",
    "(lao) [động] {x}",
    "lao^5 động",
    "\\",
    ".*[(",
    "lao\x00động\x07\x1b[31m",
    "\u200blao\u200b \u202eđộng",
    "\ud800lao",
    "🙂 lao động 🙂",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "a" * 10_000,
    "lao động " * 2_000,
    "ₗₐₒ",
    "ｌａｏ",
]


@pytest.fixture
def filled(backend):
    """A backend with a couple of documents."""
    backend.index([doc(1, "Người lao động"), doc(2, "Hoạt động công đoàn")])
    return backend


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_just_returns_results(filled, text):
    results = search(filled, text)
    assert results.total >= 0 and len(results.hits) <= results.total
    assert set(results.facets) == set(FACETS)  # the API documents every facet, even empty
    filled.suggest(text)


def test_operators_are_plain_text(filled):
    assert ids(filled, "lao AND động") == ids(filled, "lao động")
    assert ids(filled, "title:lao") == ids(filled, "title lao")  # plain words, not a field


@pytest.mark.parametrize(
    "options",
    [
        {"page": 0},
        {"page": -1},
        {"per_page": 0},
        {"per_page": 1000},
        {"sort": "random"},
        {"page": "2"},
        {"year": "20x4"},
        {"area": 3},
    ],
)
def test_bad_parameters_raise_bad_query(filled, options):
    with pytest.raises(BadQuery):
        filled.search(SearchQuery(text="lao", **options))


def test_missing_index_is_unavailable_until_rebuilt(backend_kind, tmp_path):
    engine = BACKENDS[backend_kind](tmp_path / "fresh")
    assert engine.check() is not None
    with pytest.raises(SearchUnavailable):
        engine.search(SearchQuery(text="lao"))
    engine.rebuild([doc(1, "Người lao động")])
    assert engine.check() is None and ids(engine, "lao") == [1]
    engine.close()


def test_first_write_creates_a_missing_index(backend_kind, tmp_path):
    engine = BACKENDS[backend_kind](tmp_path / "fresh")
    engine.index([doc(1, "Người lao động")])
    assert ids(engine, "lao") == [1]
    engine.close()


def _generation(backend):
    """The directory of the Whoosh generation in use."""
    return backend.store.root / backend.store.current()


@pytest.mark.parametrize("damage", ["truncate_toc", "delete_toc", "delete_segment_file"])
def test_damaged_whoosh_index_is_unavailable_and_rebuild_repairs_it(tmp_path, damage):
    filled = make_whoosh(tmp_path)  # Whoosh only: it damages Whoosh's files
    filled.index([doc(1, "Người lao động"), doc(2, "Hoạt động công đoàn")])
    search(filled, "lao")  # a searcher is open on the old files, as in a running server
    folder = _generation(filled)
    if damage == "truncate_toc":
        next(folder.glob("_MAIN_*.toc")).write_bytes(b"\x00\x01")
    elif damage == "delete_toc":
        next(folder.glob("_MAIN_*.toc")).unlink()
    else:
        next(folder.glob("*.trm")).unlink()
    filled.close()  # what a restarted server would do
    assert "damaged" in filled.check()
    with pytest.raises(SearchUnavailable, match="reindex"):
        filled.search(SearchQuery(text="lao"))
    filled.rebuild([doc(1, "Người lao động")])
    assert filled.check() is None and ids(filled, "lao") == [1]
    filled.close()
