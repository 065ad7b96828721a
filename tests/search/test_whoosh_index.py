"""Whoosh backend specifics: the bulk builder, posting reads, generations and reopening."""

import pytest
from whoosh import index as whoosh_index

from library.search.whoosh_backend import WhooshBackend
from library.search.whoosh_view import posting_ids

from .search_support import corpus_docs, doc, ids, make_whoosh, search

QUERIES = ["lao động", "giao duc nghe nghiep", "người", "BHXH", '"co so"', "trung t", ""]


def results_of(backend) -> list:
    """(total, first ids, facets) of a fixed set of queries."""
    return [
        (r.total, [h.id for h in r.hits], r.facets)
        for r in (search(backend, q, per_page=20) for q in QUERIES)
    ]


@pytest.fixture
def whoosh(tmp_path):
    """A Whoosh backend in this test's folder."""
    engine = make_whoosh(tmp_path)
    yield engine
    engine.close()


def test_bulk_build_equals_document_by_document(whoosh, corpus, tmp_path):
    whoosh.rebuild(corpus_docs(corpus[:120]))
    incremental = WhooshBackend(tmp_path / "other", procs=1)
    for start in range(0, 120, 40):
        incremental.index(corpus_docs(corpus[:120])[start : start + 40])
    assert results_of(whoosh) == results_of(incremental)
    incremental.close()


def test_parallel_build_equals_serial(whoosh, corpus, tmp_path):
    whoosh.rebuild(corpus_docs(corpus[:300]))
    parallel = WhooshBackend(tmp_path / "parallel", procs=2)
    assert parallel.rebuild(corpus_docs(corpus[:300])) == 300
    assert results_of(whoosh) == results_of(parallel)
    parallel.close()


def test_fast_posting_reads_equal_whoosh_matchers(whoosh, corpus):
    whoosh.rebuild(corpus_docs(corpus[:300]))
    whoosh.remove([5, 6])
    with whoosh.store.open_searcher() as searcher:
        for reader, _offset in searcher.reader().leaf_readers():
            for term in ("lao", "nguoi", "dieu", "zzz"):
                expected = (
                    list(reader.postings("body_f", term).all_ids())
                    if (("body_f", term) in reader)
                    else []
                )
                fast = set(posting_ids(reader, "body_f", term))
                alive = {d for d in fast if not reader.is_deleted(d)}
                assert sorted(alive) == expected


def test_bulk_built_segments_merge_with_whoosh_writer(whoosh, corpus):
    whoosh.rebuild(corpus_docs(corpus[:100]))
    whoosh.index([doc(1000, "Tài liệu mới về lao động")])
    before = results_of(whoosh)
    ix = whoosh.store.open()
    writer = ix.writer()
    writer.commit(optimize=True)  # rewrites every segment through Whoosh's own merge
    assert (
        len(whoosh_index.open_dir(str(ix.storage.folder)).searcher().reader().leaf_readers()) >= 1
    )
    assert results_of(whoosh) == before


def test_search_sees_a_commit_made_by_another_backend(whoosh, tmp_path):
    whoosh.index([doc(1, "Một")])
    assert ids(whoosh, "mot") == [1]
    other = make_whoosh(tmp_path)
    other.index([doc(2, "Một nữa")])
    assert sorted(ids(whoosh, "mot")) == [1, 2]
    other.close()


def test_rebuild_keeps_only_the_previous_generation(whoosh):
    for round_ in range(4):
        whoosh.rebuild([doc(1, f"Lần {round_}")])
    generations = sorted(p.name for p in whoosh.store.root.glob("gen-*"))
    assert len(generations) == 2 and whoosh.store.current() in generations


def test_failed_rebuild_leaves_the_index_as_it_was(whoosh):
    whoosh.rebuild([doc(1, "Người lao động")])

    def broken():
        yield doc(2, "Tài liệu tốt")
        yield {"title": "Thiếu mã số"}

    with pytest.raises(KeyError):
        whoosh.rebuild(broken())
    assert ids(whoosh, "") == [1]
    assert len(list(whoosh.store.root.glob("gen-*"))) == 1
    assert not list(whoosh.store.root.glob("journal-*"))


def test_failed_parallel_rebuild_reports_the_worker_error(tmp_path):
    engine = WhooshBackend(tmp_path / "index", procs=2)
    engine.rebuild([doc(1, "Người lao động")])
    with pytest.raises(RuntimeError, match="KeyError"):
        engine.rebuild([doc(2, "Tốt"), {"title": "Thiếu mã số"}])
    assert ids(engine, "") == [1]
    engine.close()


def test_custom_synonyms_apply(tmp_path):
    engine = WhooshBackend(tmp_path / "index", synonyms_text="ĐVCĐ = đoàn viên công đoàn", procs=1)
    engine.rebuild([doc(1, "Quyền của đoàn viên công đoàn"), doc(2, "BHXH là gì")])
    assert ids(engine, "dvcd") == [1]
    assert ids(engine, "bảo hiểm xã hội") == []  # not in this list
    engine.close()


def test_index_built_with_other_synonyms_still_matches_and_asks_for_a_rebuild(tmp_path):
    before = WhooshBackend(tmp_path / "index", synonyms_text="", procs=1)
    before.rebuild([doc(1, "Sổ bảo hiểm xã hội"), doc(2, "Hợp đồng lao động")])
    before.close()
    after = WhooshBackend(tmp_path / "index", procs=1)  # the built-in synonyms
    assert "synonyms" in after.check()
    assert ids(after, "BHXH") == [1] and ids(after, "HĐLĐ") == [2]
    after.rebuild([doc(1, "Sổ bảo hiểm xã hội"), doc(2, "Hợp đồng lao động")])
    assert after.check() is None and ids(after, "BHXH") == [1]
    after.close()


def test_pending_notes_are_seen_by_every_process_until_cleared(whoosh, tmp_path):
    whoosh.index([doc(1, "Tờ gấp")])
    other = WhooshBackend(whoosh.store.root)  # another worker on the same folder
    assert other.pending_ids() == frozenset()
    first, second = whoosh.note_pending([3, 1]), whoosh.note_pending([7])
    assert other.pending_ids() == {1, 3, 7}
    whoosh.clear_pending(first)
    assert other.pending_ids() == {7}
    whoosh.clear_pending(second)
    assert other.pending_ids() == frozenset()


def test_a_note_for_many_ids_makes_every_hit_doubtful(whoosh):
    note = whoosh.note_pending(range(1, 1000))
    assert whoosh.pending_ids() is None
    whoosh.clear_pending(note)
    assert whoosh.pending_ids() == frozenset()


def test_a_stray_file_among_the_notes_makes_every_hit_doubtful(whoosh):
    whoosh.note_pending([1])
    (whoosh.store.root / "pending" / "something-else").write_text("?")
    assert whoosh.pending_ids() is None


def test_notes_of_ended_processes_and_old_notes_are_settled(whoosh):
    import subprocess
    import sys
    import time

    ours = whoosh.note_pending([1])
    assert whoosh.settled_notes(margin=60) == []  # this process may still be committing it
    ended = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from library.search.whoosh_backend import "
            "WhooshBackend; print(WhooshBackend(sys.argv[1]).note_pending([2]))",
            str(whoosh.store.root),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert whoosh.pending_ids() == {1, 2}
    assert whoosh.settled_notes(margin=60) == [ended]
    time.sleep(0.01)
    assert sorted(whoosh.settled_notes(margin=0.001)) == sorted([ours, ended])
    for note in whoosh.settled_notes(margin=0.001):
        whoosh.clear_pending(note)
    assert whoosh.pending_ids() == frozenset()
    whoosh.clear_pending(ours)  # already gone: no error
