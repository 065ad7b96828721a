"""Fast bulk indexing for rebuilds: write whole Whoosh segments from memory, in parallel.

Whoosh's own writer pushes every posting through an external sort (pickled to temporary run
files) and, at commit, reads each posting's field length back from disk: measured here, 100,000
documents took 260-280 s with two processes (`procs=2, multisegment=True`) for a smaller schema.
A rebuild writes into an empty directory nobody else uses, so this module keeps each segment's
posting lists in memory (one array of document numbers per term), writes them with Whoosh's own
codec (the files are ordinary Whoosh 2.7.4 segments, read, updated and merged by the normal code
afterwards) and runs one builder per process: the full schema builds in 80-130 s (see
bench/search.py).
"""

import multiprocessing
import queue
import traceback
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from whoosh import index as whoosh_index
from whoosh.codec import default_codec

from library.search.synonyms import Synonyms
from library.search.whoosh_schema import prepare

BATCH = 250  # documents per message to a worker process
SEGMENT_DOCS = 200_000  # documents per segment (bounds a worker's memory to a few hundred MB)
_POLL = 0.5  # seconds between checks that the workers are still alive


class SegmentBuilder:
    """Accumulates documents for one new segment and writes it with the index's codec."""

    def __init__(self, ix):
        """Start an empty segment in index `ix`."""
        self.ix = ix
        self.schema = ix.schema
        self.codec = default_codec()
        self.segment = self.codec.new_segment(ix.storage, ix.indexname)
        self.perdoc = self.codec.per_document_writer(ix.storage, self.segment)
        self.postings: dict[str, dict[bytes, array]] = defaultdict(dict)
        self.lengths: dict[str, array] = defaultdict(lambda: array("I"))
        self.docnum = 0

    def add(self, values: dict) -> None:
        """Add one document given as field values (see whoosh_schema.prepare)."""
        docnum = self.docnum
        self.perdoc.start_doc(docnum)
        for name in sorted(values):
            field = self.schema[name]
            value = values[name]
            length = self._index_field(name, field, value, docnum) if field.indexed else 0
            self.perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                self.perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        self.perdoc.finish_doc()
        self.docnum += 1

    def _index_field(self, name: str, field, value, docnum: int) -> int:
        """Record the postings of one field of a document; return the field's length."""
        terms = self.postings[name]
        length = 0
        for term, freq, _weight, _value in field.index(value):
            docs = terms.get(term)
            if docs is None:
                docs = terms[term] = array("I")
            docs.append(docnum)
            length += freq
        lengths = self.lengths[name]
        lengths.extend([0] * (docnum - len(lengths)))
        lengths.append(length)
        return length

    def finish(self):
        """Write the posting lists and return the finished segment."""
        self.perdoc.close()
        writer = self.codec.field_writer(self.ix.storage, self.segment)
        for name in sorted(self.postings):
            self._write_field(writer, name)
        writer.close()
        self.segment.set_doc_count(self.docnum)
        return self.segment

    def _write_field(self, writer, name: str) -> None:
        """Write every term of one field, in term order."""
        writer.start_field(name, self.schema[name])
        lengths = self.lengths[name]
        add = writer.add
        for term, docs in sorted(self.postings.pop(name).items()):
            writer.start_term(term)
            for doc in docs:
                add(doc, 1.0, b"", lengths[doc])
            writer.finish_term()
        writer.finish_field()


def build(
    ix,
    docs: Iterable[dict],
    synonyms: Synonyms,
    procs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Index `docs` into the empty index `ix` as new segments; return how many were added."""
    if procs > 1:
        segments, count = _build_parallel(ix, docs, synonyms, procs, progress)
    else:
        segments, count = _build_serial(ix, docs, synonyms, progress)
    _commit(ix, segments)
    return count


def _build_serial(ix, docs: Iterable[dict], synonyms, progress) -> tuple[list, int]:
    """Build the segments in this process."""
    segments, count = _Segments(ix, synonyms), 0
    try:
        for batch in _batches(docs):
            segments.add(batch)
            count += len(batch)
            if progress:
                progress(count)
    except BaseException:
        segments.cancel()
        raise
    return segments.finish(), count


class _Segments:
    """Consecutive segments of one process: finishes each as soon as it is full."""

    def __init__(self, ix, synonyms: Synonyms):
        """Nothing built yet."""
        self.ix = ix
        self.synonyms = synonyms
        self.builder: SegmentBuilder | None = None
        self.done: list = []

    def add(self, batch: list[dict]) -> None:
        """Add a batch of library documents."""
        for doc in batch:
            if self.builder is None:
                self.builder = SegmentBuilder(self.ix)
            self.builder.add(prepare(doc, self.synonyms))
            if self.builder.docnum >= SEGMENT_DOCS:
                self.done.append(self.builder.finish())
                self.builder = None

    def cancel(self) -> None:
        """Close the files of the segment in progress (the caller deletes the directory)."""
        if self.builder is not None:
            self.builder.perdoc.close()
            self.builder = None

    def finish(self) -> list:
        """Finish the last segment; return all of them."""
        if self.builder is not None:
            self.done.append(self.builder.finish())
            self.builder = None
        return self.done


def _batches(docs: Iterable[dict]) -> Iterator[list[dict]]:
    """Split an iterable of documents into lists of BATCH."""
    docs = iter(docs)
    while batch := list(islice(docs, BATCH)):
        yield batch


def _commit(ix, segments: list) -> None:
    """Make the new segments the index's content (a new TOC generation)."""
    from whoosh.index import TOC

    lock = ix.lock("WRITELOCK")
    if not lock.acquire():
        raise RuntimeError("a fresh index directory is locked by someone else")
    try:
        TOC(ix.schema, segments, ix.latest_generation() + 1).write(ix.storage, ix.indexname)
    finally:
        lock.release()


def _build_parallel(ix, docs: Iterable[dict], synonyms, procs: int, progress):
    """Feed batches to `procs` worker processes, each building its own segments."""
    context = multiprocessing.get_context()
    jobs, results = context.Queue(procs * 2), context.Queue()
    arguments = (ix.storage.folder, synonyms.to_text(), jobs, results)
    workers = [context.Process(target=_worker, args=arguments, daemon=True) for _ in range(procs)]
    for worker in workers:
        worker.start()
    try:
        count = _feed(docs, jobs, workers, progress)
        for _ in workers:
            _put(jobs, None, workers)
        return _collect(results, workers), count
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()


def _feed(docs, jobs, workers, progress) -> int:
    """Send every batch to the workers; return the number of documents sent."""
    count = 0
    for batch in _batches(docs):
        _put(jobs, batch, workers)
        count += len(batch)
        if progress:
            progress(count)
    return count


def _put(jobs, item, workers) -> None:
    """Queue `item`, failing instead of hanging if the workers have died."""
    while True:
        try:
            jobs.put(item, timeout=_POLL)
            return
        except queue.Full:
            _check_alive(workers)


def _collect(results, workers) -> list:
    """Wait for each worker's segments (or its error)."""
    segments, done = [], 0
    while done < len(workers):
        try:
            status, payload = results.get(timeout=_POLL)
        except queue.Empty:
            _check_alive(workers)
            continue
        if status != "ok":
            raise RuntimeError(f"index build failed in a worker process:\n{payload}")
        segments.extend(payload)
        done += 1
    return segments


def _check_alive(workers) -> None:
    """Raise if a worker exited without reporting."""
    dead = [w for w in workers if w.exitcode not in (None, 0)]
    if dead:
        raise RuntimeError(f"an index build process died (exit code {dead[0].exitcode})")


def _worker(path: str, synonyms: str, jobs, results) -> None:
    """Worker process: build segments from the batches in `jobs` until told to stop."""
    try:
        segments = _Segments(whoosh_index.open_dir(path), Synonyms.from_text(synonyms))
        while (batch := jobs.get()) is not None:
            segments.add(batch)
        results.put(("ok", segments.finish()))
    except BaseException:  # report everything: the parent would otherwise wait in vain
        results.put(("error", traceback.format_exc()))
