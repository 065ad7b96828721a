"""An open Whoosh searcher seen as bitsets: terms, facet values, sort orders, phrases.

Segments never change once written (a deletion only marks documents), so what is derived from a
segment (a term's bitset, a column, a phrase check) is cached per segment and survives the
reopening that every commit requires; a `View` only adds the per-searcher parts (the live
documents, the document-number offset of each segment, the joins of per-segment values).
"""

import sys
from array import array
from collections import OrderedDict
from itertools import accumulate, islice

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.columns import NumericColumn
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from library.search import bitsets, ranking
from library.search.whoosh_schema import TEXT_FIELDS, folded_fields

SEGMENT_CACHE_SIZE = 4096  # bitsets kept per segment (at 50,000 documents: 6 KB each at most)
SMALL_GROUP = 2048  # up to this many documents, sort them all; beyond, go bucket by bucket
# Sort columns cut into value ranges (monotonic), so the first documents of a large set by
# descending value come from its top buckets: published_at by ~24-day spans, views by powers of 2.
BUCKETS = {"published_at": lambda value: value >> 21, "views": int.bit_length}
VOCABULARY_FIELDS = ("title_f", "body_f")  # where spelling corrections come from
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


class SegmentCache:
    """What has been derived from one segment so far."""

    def __init__(self, size: int = SEGMENT_CACHE_SIZE):
        """An empty cache holding at most `size` bitsets."""
        self.size = size
        self.bitsets: OrderedDict = OrderedDict()
        self.columns: dict[str, list] = {}
        self.codes: dict[str, dict[str, int]] = {}
        self.buckets_of: dict[str, dict[int, int]] = {}
        self.words: dict[str, int] | None = None
        self.prefixes: OrderedDict = OrderedDict()
        self.hits: OrderedDict = OrderedDict()

    def term(self, reader, field: str, term: str) -> int:
        """Bitset of the segment's documents having `term` in `field` (deleted ones included)."""
        key = (field, term)
        bits = self.bitsets.get(key)
        if bits is None:
            bits = bitsets.from_ids(posting_ids(reader, field, term), reader.doc_count_all())
            self.remember(key, bits)
        else:
            self.bitsets.move_to_end(key)
        return bits

    def remember(self, key, bits: int) -> None:
        """Store a bitset, forgetting the least recently used beyond `size`."""
        self.bitsets[key] = bits
        if len(self.bitsets) > self.size:
            self.bitsets.popitem(last=False)

    def prefix_words(self, reader, field: str, start: str, limit: int) -> list[str]:
        """The first `limit` words of `field` starting with `start`, in alphabetical order."""
        key = (field, start, limit)
        words = self.prefixes.get(key)
        if words is None:
            found = islice(reader.expand_prefix(field, start), limit)
            words = [t.decode("utf-8") if isinstance(t, bytes) else t for t in found]
            self.prefixes[key] = words
            if len(self.prefixes) > self.size:
                self.prefixes.popitem(last=False)
        return words

    def hit(self, key, make):
        """What `make()` derives from one document of the segment (its stored fields and a
        snippet of them), kept under `key` (the document and the query's pattern)."""
        found = self.hits.get(key)
        if found is None:
            found = self.hits[key] = make()
            if len(self.hits) > self.size:
                self.hits.popitem(last=False)
        else:
            self.hits.move_to_end(key)
        return found

    def column(self, reader, field: str) -> list:
        """Every document's value of a (numeric) column field."""
        if field not in self.columns:
            self.columns[field] = numbers(reader.column_reader(field, translate=False))
        return self.columns[field]

    def lengths(self, reader, field: str) -> np.ndarray:
        """Every document's length of a field (its number of distinct terms, as Whoosh keeps
        it: one byte, approximate above a hundred)."""
        key = ("lengths", field)
        if key not in self.columns:
            column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
            count = reader.doc_count_all()
            raw = numbers(column) if column is not None else [0] * count
            self.columns[key] = _LENGTH_OF_BYTE[np.array(raw, dtype=np.uint8)]
        return self.columns[key]

    def vocabulary(self, reader) -> dict[str, int]:
        """Folded title and body words of the segment, with their document frequencies."""
        if self.words is None:
            words: dict[str, int] = {}
            for field in VOCABULARY_FIELDS:
                for term, info in reader.iter_field(field):
                    word = term.decode("utf-8")
                    words[word] = max(words.get(word, 0), info.doc_frequency())
            self.words = words
        return self.words

    def buckets(self, reader, field: str) -> dict[int, int]:
        """Bitset of the documents in each value bucket of a column (see BUCKETS)."""
        if field not in self.buckets_of:
            members: dict[int, list[int]] = {}
            bucket_of = BUCKETS[field]
            for doc, value in enumerate(self.column(reader, field)):
                members.setdefault(bucket_of(value), []).append(doc)
            size = reader.doc_count_all()
            self.buckets_of[field] = {b: bitsets.from_ids(d, size) for b, d in members.items()}
        return self.buckets_of[field]

    def code_values(self, reader, field: str) -> dict[str, int]:
        """Bitset of each value of a code field (area, kind, organisation, year...)."""
        if field not in self.codes:
            size = reader.doc_count_all()
            self.codes[field] = {
                term.decode("utf-8"): bitsets.from_ids(posting_ids(reader, field, term), size)
                for term in reader.lexicon(field)
            }
        return self.codes[field]


def numbers(column) -> list[int]:
    """All values of a numeric column, read as one array (Whoosh 2.7.4 stores them big-endian,
    fixed size, without the trailing defaults) instead of one file read per document."""
    if not isinstance(column, NumericColumn.Reader):
        return list(column)
    values = array(column._typecode)
    values.frombytes(column._dbfile.get(column._basepos, column._count * column._fixedlen))
    if sys.byteorder == "little":
        values.byteswap()
    return values.tolist() + [column._default] * (column._doccount - column._count)


def posting_ids(reader, field: str, term: str | bytes):
    """Document numbers of a posting list, deleted documents included.

    Reads Whoosh 2.7.4's posting blocks directly (their ids are delta-coded tuples): three times
    faster than stepping the matcher one posting at a time.
    """
    tbytes = term if isinstance(term, bytes) else term.encode("utf-8")
    try:
        matcher = reader.postings(field, tbytes)
    except TermNotFound:
        return ()
    matcher = getattr(matcher, "child", matcher)  # deletions are applied later, as a bitset
    if not isinstance(matcher, W3LeafMatcher):
        return list(matcher.all_ids())
    return _block_ids(matcher)


def _block_ids(matcher):
    """Yield the ids of every block of a W3 posting list."""
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        yield from accumulate(matcher._data[0])
        matcher._next_block()


class View:
    """One open searcher, with the document-set operations the backend needs."""

    def __init__(self, searcher, caches: dict[str, SegmentCache], stamp, keyed: bool):
        """Wrap `searcher`; `caches` maps segment ids to their caches (shared across views);
        `keyed`: the index holds the keys of the backend's synonym groups."""
        self.searcher = searcher
        self.stamp = stamp
        self.keyed = keyed
        self.size = searcher.doc_count_all()
        self.leaves = []
        for reader, offset in searcher.reader().leaf_readers():
            if reader.segment() is None:  # the reader of an empty index has no segment
                continue
            cache = caches.setdefault(reader.segment().segment_id(), SegmentCache())
            self.leaves.append((reader, offset, cache))
        self.live = self._live()
        self._cached: dict = {}  # per-view joins of per-segment data

    def _live(self) -> int:
        """Bitset of the documents not deleted."""
        live = 0
        for reader, offset, _cache in self.leaves:
            count = reader.doc_count_all()
            local = (1 << count) - 1
            if reader.has_deletions():
                local &= ~bitsets.from_ids(reader.segment().deleted_docs(), count)
            live |= local << offset
        return live

    def leaf_of(self, doc: int):
        """(reader, offset, cache) of the segment holding global document number `doc`."""
        found = self.leaves[0]
        for leaf in self.leaves:
            if leaf[1] > doc:
                break
            found = leaf
        return found

    def term(self, field: str, term: str) -> int:
        """Bitset of all documents with `term` in `field`."""
        return self._combine(lambda reader, cache: cache.term(reader, field, term))

    def _combine(self, per_segment) -> int:
        """Join per-segment bitsets into one over the whole index."""
        bits = 0
        for reader, offset, cache in self.leaves:
            bits |= per_segment(reader, cache) << offset
        return bits

    def codes(self, field: str) -> dict[str, int]:
        """Bitset of each value of a code field over the whole index."""
        key = ("codes", field)
        if key not in self._cached:
            values: dict[str, int] = {}
            for reader, offset, cache in self.leaves:
                for value, bits in cache.code_values(reader, field).items():
                    values[value] = values.get(value, 0) | bits << offset
            self._cached[key] = values
        return self._cached[key]

    def column(self, field: str) -> list:
        """Every document's value of a column field, by global document number."""
        key = ("column", field)
        if key not in self._cached:
            values: list = []
            for reader, _offset, cache in self.leaves:
                values.extend(cache.column(reader, field))
            self._cached[key] = values
        return self._cached[key]

    def norms(self) -> dict[str, np.ndarray]:
        """Per text field (its folded terms), the inverse BM25 length norm of every document."""
        key = ("norms",)
        if key not in self._cached:
            fields = {name: (f"{name}_f", b) for name, (_w, b) in ranking.FIELDS.items()}
            norms = {}
            for name, (field, b) in fields.items():
                parts = [cache.lengths(reader, field) for reader, _o, cache in self.leaves]
                lengths = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
                norms[name] = ranking.inverse_norm(lengths, b)
            self._cached[key] = norms
        return self._cached[key]

    def numbers(self, field: str) -> np.ndarray:
        """A numeric column over the whole index, as a numpy vector."""
        key = ("numbers", field)
        if key not in self._cached:
            self._cached[key] = np.array(self.column(field), dtype=np.int64)
        return self._cached[key]

    def first(self, bits: int, count: int, field: str) -> list[int]:
        """The first `count` documents of `bits` by descending `field`, then publication date,
        then document id (so the order never depends on how segments are laid out)."""
        if bits.bit_count() <= SMALL_GROUP:
            docs = bitsets.to_ids(bits)
        else:
            docs = []
            for _bucket, members in self.buckets(field):
                part = bits & members
                if part:
                    docs.extend(bitsets.to_ids(part))
                    if len(docs) >= count:
                        break
        keys = [self.column(name) for name in (field, "published_at", "doc_id")]
        docs.sort(key=lambda doc: tuple(column[doc] for column in keys), reverse=True)
        return docs[:count]

    def buckets(self, field: str) -> list[tuple[int, int]]:
        """(bucket, bitset) pairs of a sort column over the whole index, highest first."""
        key = ("buckets", field)
        if key not in self._cached:
            merged: dict[int, int] = {}
            for reader, offset, cache in self.leaves:
                for bucket, bits in cache.buckets(reader, field).items():
                    merged[bucket] = merged.get(bucket, 0) | bits << offset
            self._cached[key] = sorted(merged.items(), reverse=True)
        return self._cached[key]

    def vocabulary(self, min_docs: int) -> tuple[list[str], dict[str, int]]:
        """Words (sorted) found in at least `min_docs` documents, and every word's count."""
        key = ("vocabulary", min_docs)
        if key not in self._cached:
            counts: dict[str, int] = {}
            for reader, _offset, cache in self.leaves:
                for word, count in cache.vocabulary(reader).items():
                    counts[word] = counts.get(word, 0) + count
            frequent = sorted(w for w, c in counts.items() if c >= min_docs and w.isalpha())
            self._cached[key] = frequent, counts
        return self._cached[key]

    def phrase(self, words: tuple[str, ...], candidates: dict[str, int]) -> dict[str, int]:
        """Per text field, the documents among its `candidates` (those having all the words in
        that field) where the folded `words` are adjacent, in order."""
        found = {name: 0 for name in TEXT_FIELDS}
        for reader, offset, cache in self.leaves:
            size = reader.doc_count_all()
            local = {name: bits >> offset & ((1 << size) - 1) for name, bits in candidates.items()}
            column = self._folded_column(reader)
            for name, bits in _segment_phrase(column, size, cache, words, local).items():
                found[name] |= bits << offset
        return found

    def _folded_column(self, reader):
        """The folded-text column reader of one segment (opened once per view)."""
        key = ("folded", id(reader))
        if key not in self._cached:
            self._cached[key] = reader.column_reader("folded", translate=False)
        return self._cached[key]


def _segment_phrase(column, size: int, cache: SegmentCache, words, candidates: dict[str, int]):
    """Phrase matches in one segment, checked in the folded text (cached: the candidates are
    always the documents having all the words, so the words are the key)."""
    key = ("phrase", words)
    if key in cache.bitsets:
        return cache.bitsets[key]
    needle = f" {' '.join(words)} "
    members = {name: bitsets.Membership(bits) for name, bits in candidates.items()}
    ids: dict[str, list[int]] = {name: [] for name in TEXT_FIELDS}
    for doc in bitsets.to_ids(bitsets.any_of(candidates.values())):
        texts = folded_fields(column[doc])
        for name in TEXT_FIELDS:
            if doc in members[name] and needle in texts[name]:
                ids[name].append(doc)
    found = {name: bitsets.from_ids(docs, size) for name, docs in ids.items()}
    cache.remember(key, found)
    return found
