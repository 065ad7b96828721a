"""Contract: adding, replacing, removing, clearing and rebuilding, also from several processes."""

import multiprocessing
import threading

from library.search.base import SearchQuery

from .search_support import BACKENDS, corpus_docs, doc, ids, search


def test_index_replaces_a_document_with_the_same_id(backend):
    backend.index([doc(1, "Tờ gấp cũ", "nội dung cũ")])
    backend.index([doc(1, "Tờ gấp mới", "nội dung mới")])
    assert backend.doc_count() == 1
    assert ids(backend, "moi") == [1]
    assert ids(backend, "cu") == []


def test_same_id_twice_in_one_call_keeps_the_last(backend):
    backend.index([doc(1, "Bản nháp"), doc(1, "Bản chính thức")])
    assert backend.doc_count() == 1
    assert ids(backend, "chinh thuc") == [1] and ids(backend, "nhap") == []


def test_remove_deletes_and_ignores_unknown_ids(backend):
    backend.index([doc(1, "Một"), doc(2, "Hai")])
    backend.remove([1, 99])
    assert ids(backend) == [2] and backend.doc_count() == 1


def test_facets_forget_replaced_values(backend):
    backend.index([doc(1, "Áp phích", kind="poster")])
    backend.index([doc(1, "Áp phích", kind="video")])
    assert search(backend, "ap phich").facets["kind"] == {"video": 1}


def test_clear_removes_everything(backend):
    backend.index([doc(1, "Một"), doc(2, "Hai")])
    backend.clear()
    assert backend.doc_count() == 0 and ids(backend, "mot") == []


def test_rebuild_replaces_the_content(backend, corpus):
    backend.index([doc(999, "Tài liệu đã xoá khỏi cơ sở dữ liệu")])
    count = backend.rebuild(corpus_docs(corpus[:50]))
    assert count == 50 and backend.doc_count() == 50
    assert 999 not in ids(backend, "tai lieu da xoa khoi co so du lieu")


def test_rebuild_reports_progress_in_increments(backend):
    steps = []
    backend.rebuild((doc(n, f"Tài liệu {n}") for n in range(1, 601)), progress=steps.append)
    assert sum(steps) == 600 and len(steps) >= 2


def test_searches_keep_answering_during_a_rebuild(backend, corpus):
    backend.rebuild(corpus_docs(corpus[:100]))
    expected = search(backend, "lao động").total
    seen, errors, stop = set(), [], threading.Event()

    def keep_searching():
        while not stop.is_set():
            try:
                seen.add(search(backend, "lao động").total)
            except Exception as error:  # the test reports it below
                errors.append(error)

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        backend.rebuild(corpus_docs(corpus[:200]))
    finally:
        stop.set()
        searcher.join()
    assert not errors
    assert seen <= {expected, search(backend, "lao động").total}


def test_changes_made_during_a_rebuild_are_kept(backend, backend_kind, tmp_path):
    other = BACKENDS[backend_kind](tmp_path)  # another process's view of the same index

    def documents():
        yield doc(1, "Tài liệu cũ")
        other.index([doc(2, "Thêm vào trong lúc dựng lại")])
        other.remove([3])
        yield doc(3, "Sẽ bị xoá")

    backend.rebuild(documents())
    other.close()
    assert sorted(ids(backend)) == [1, 2]


def _write_many(kind: str, folder, first: int, count: int) -> None:
    """Child process: index `count` documents one commit at a time."""
    engine = BACKENDS[kind](folder)
    for number in range(first, first + count):
        engine.index([doc(number, f"Tài liệu số {number}")])
    engine.close()


def test_processes_writing_at_once_lose_no_update(backend, backend_kind, tmp_path):
    workers = [
        multiprocessing.Process(target=_write_many, args=(backend_kind, tmp_path, 1 + 20 * n, 20))
        for n in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    results = backend.search(SearchQuery(text="tai lieu", per_page=100))
    assert results.total == 60 and sorted(h.id for h in results.hits) == list(range(1, 61))
