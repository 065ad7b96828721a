"""The embedded search engine: a Whoosh index queried through bitsets.

Whoosh stores the index (terms, posting lists, stored text, columns) and does the writing,
locking and merging. Queries do not go through Whoosh's query parser or scorer: the clauses of
`query.parse` become bitsets (`whoosh_view`), so the exact total, the facet counts and the
filters are a few big-int operations, and ranking is BM25F computed for every document at once
over those bitsets (`ranking`): where each clause matched (title > tags > summary > body),
normalised by field length, with a bonus when the diacritics typed match too and when adjacent
query words are found together; documents with every word first, current documents before
superseded ones; newest first among equals. Measured
at 100,000 documents this answers in tens of milliseconds where Whoosh's own BM25 top-N search,
which walks every match, took hundreds (see bench/search.py).
"""

import os
import pickle
import struct
import threading
import weakref
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import islice

from whoosh.index import LockError
from whoosh.util.filelock import try_for

from library.search import bitsets, ranking, whoosh_bulk
from library.search.analysis import suggest_key
from library.search.answering import answer
from library.search.base import (
    FACETS,
    BadQuery,
    Hit,
    Progress,
    SearchBackend,
    SearchQuery,
    SearchResults,
    SearchUnavailable,
    area_order,
    document_stamp,
    validate,
)
from library.search.query import Clause
from library.search.snippets import pattern, snippet
from library.search.synonyms import Synonyms, default_synonyms
from library.search.whoosh_schema import (
    CODE_FIELDS,
    MAX_PREFIX,
    TEXT_FIELDS,
    TITLE_START,
    prepare,
)
from library.search.whoosh_store import IndexStore, PendingNotes, unavailable
from library.search.whoosh_view import SegmentCache, View, posting_ids

# The last word, still being typed, also matches words it starts in summaries and bodies
# (titles and tags have every prefix indexed): at least this long, at most this many words.
MIN_BODY_PREFIX = 3
BODY_PREFIX_WORDS = 8
SHORT_WORD = 3  # an unknown word this short is taken as the start of a word
SUGGEST_SCAN = 400  # autocomplete entries examined per segment
# Failures of a file under an open searcher (deleted or truncated behind our back).
_READ_ERRORS = (OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError)


@dataclass
class _Match:
    """A clause evaluated: where it matches (any field), per field (folded, and with the
    diacritics as typed) and as the start of a title or tag word."""

    bits: int
    fields: dict[str, int]
    exact: dict[str, int]
    prefix: int = 0
    mismatch: dict[str, int] | None = None  # typed with diacritics, found with other ones


@dataclass
class _Pair:
    """One side of an adjacent pair of clauses."""

    clause: Clause
    match: _Match

    @property
    def folded(self) -> tuple[str, ...]:
        """The clause's folded words."""
        return self.clause.folded

    @property
    def fields(self) -> dict[str, int]:
        """Where the clause matched, per field."""
        return self.match.fields


class WhooshBackend(SearchBackend):
    """Search over a Whoosh index kept in `index_dir` (see whoosh_store for the layout)."""

    def __init__(
        self,
        index_dir,
        synonyms_text: str | None = None,
        lock_timeout: float = 30,
        procs: int | None = None,
    ):
        """`synonyms_text` in the synonyms.py format (None: the built-in list); `procs`: build
        processes for rebuild (default: up to 2)."""
        self.store = IndexStore(index_dir, lock_timeout)
        self.synonyms = (
            default_synonyms() if synonyms_text is None else Synonyms.from_text(synonyms_text)
        )
        self.procs = procs if procs is not None else min(2, os.cpu_count() or 1)
        self._lock = threading.RLock()  # one searcher per backend; Whoosh files are not
        self._open = _OpenView()  # safe to read from two threads at once
        self._caches: dict[str, SegmentCache] = {}
        self.pending = PendingNotes(self.store.root)
        # Close the searcher's files when the backend is dropped without close().
        weakref.finalize(self, self._open.close)

    def close(self) -> None:
        """Close the open searcher (the next search reopens one)."""
        with self._lock:
            self._open.close()

    # Writing ---------------------------------------------------------------------------------

    def index(self, docs: Iterable[dict]) -> None:
        """Add documents, replacing those with the same id."""
        latest = {int(doc["id"]): doc for doc in docs}  # the last version of an id wins
        if latest:
            values = [prepare(doc, self.synonyms) for doc in latest.values()]
            self._write(lambda writer: _replace(writer, values), "index", list(latest.values()))

    def remove(self, ids: Iterable[int]) -> None:
        """Remove documents by id."""
        keys = sorted({str(int(i)) for i in ids})
        if keys:
            self._write(lambda writer: _delete(writer, keys), "remove", keys)

    def _write(self, apply, operation: str, payload) -> None:
        """Apply a change with a Whoosh writer, under the swap lock; journal it for rebuilds."""
        with self.store.locked():
            ix = self.store.open_or_create(self.synonyms.fingerprint)
            try:
                writer = self._writer(ix)
            except LockError as error:  # someone outside this module holds Whoosh's lock
                raise SearchUnavailable(f"the search index is locked: {error}") from error
            try:
                apply(writer)
                writer.commit()
            except BaseException:
                _abandon(writer)
                raise
            self.store.record(operation, payload)

    def _writer(self, ix):
        """A Whoosh writer holding Whoosh's write lock. The lock is taken here, not by Whoosh:
        a writer that fails while it starts (a folder that cannot be written) would keep the
        lock it took until garbage collection, and every later write would wait the whole
        lock_timeout for it."""
        lock = ix.lock("WRITELOCK")
        if not try_for(lock.acquire, timeout=self.store.lock_timeout, delay=0.1):
            raise LockError("the write lock is held")
        try:
            writer = ix.writer(_lk=False, compound=False)
        except BaseException:
            lock.release()
            raise
        writer.writelock = lock  # released when the writer commits or is cancelled
        return writer

    def note_pending(self, ids: Iterable[int] | None) -> str:
        """Note that these documents are about to change (raises OSError if it cannot)."""
        return self.pending.add(ids)

    def clear_pending(self, note) -> None:
        """Forget a note."""
        if note is not None:
            self.pending.remove(note)

    def pending_ids(self) -> frozenset[int] | None:
        """Ids whose indexed copy may differ from the database (None: cannot be told)."""
        return self.pending.ids()

    def settled_notes(self, margin: float) -> list[str]:
        """Notes whose commit is done or abandoned (see PendingNotes.settled)."""
        return self.pending.settled(margin)

    def clear(self) -> None:
        """Switch to a new, empty generation."""
        with self.store.locked():
            previous = self.store.current()
            self.store.switch(self.store.new_generation(self.synonyms.fingerprint))
            self.store.prune({self.store.current(), previous})

    def rebuild(self, docs: Iterable[dict], progress: Progress | None = None) -> int:
        """Build a new generation from `docs` while searches use the old one, then switch.

        `progress(n)` is called with the number of documents added since its previous call.
        """
        with self.store.locked():
            name = self.store.new_generation(self.synonyms.fingerprint)
            self.store.start_journal(name)
        try:
            ix = self.store.open_generation(name)
            count = whoosh_bulk.build(ix, docs, self.synonyms, self.procs, _increments(progress))
            with self.store.locked():
                self._replay(ix, name)
                previous = self.store.current()
                self.store.switch(name)
                self.store.prune({name, previous})
        except BaseException:
            self.store.discard(name)
            raise
        return count

    def _replay(self, ix, name: str) -> None:
        """Apply the changes made while generation `name` was being built."""
        changes = list(self.store.replay(name))
        if changes:
            writer = self._writer(ix)
            try:
                for operation, payload in changes:
                    if operation == "index":
                        _replace(writer, [prepare(doc, self.synonyms) for doc in payload])
                    else:
                        _delete(writer, payload)
                writer.commit()
            except BaseException:
                _abandon(writer)
                raise

    # Reading ---------------------------------------------------------------------------------

    def doc_count(self) -> int:
        """Number of documents in the index."""
        return self._read(lambda view: view.searcher.doc_count())

    def stamps(self) -> dict[int, str]:
        """Each indexed document's id and change stamp, read afresh from the generation in use."""
        with self.store.open_searcher() as searcher:
            return {
                int(fields["id"]): document_stamp(
                    fields.get("title", ""), fields.get("summary", ""), fields.get("tags", "")
                )
                for fields in searcher.reader().all_stored_fields()
            }

    def built(self) -> bool:
        """True once a generation is in use."""
        return self.store.current() is not None

    def leftovers(self, grace: float) -> list[str]:
        """Journals and generations of rebuilds that stopped without finishing, temporary
        pointer files, older than `grace` seconds."""
        return self.store.leftovers(grace)

    def remove_leftovers(self, names: list[str]) -> None:
        """Delete what `leftovers` named."""
        with self.store.locked():
            self.store.remove(names)

    def check(self) -> str | None:
        """What is wrong with the index, or None (opens it afresh and reads every part)."""
        try:
            with self.store.open_searcher() as searcher:
                _touch(searcher)
        except SearchUnavailable as error:
            return str(error)
        except Exception as error:  # anything unreadable is a damaged index
            return str(unavailable(self.store.root, error))
        if not self._synonyms_indexed():
            return (
                "the search index was built with other synonyms or an older layout: run "
                "`flask search reindex` so that acronyms find their expansions quickly and "
                "adjacent words rank together"
            )
        return None

    def _synonyms_indexed(self) -> bool:
        """True when the generation in use was indexed with this backend's synonyms."""
        name = self.store.current()
        return name is not None and self.store.synonyms(name) == self.synonyms.fingerprint

    def _read(self, operation):
        """Run `operation(view)` on a fresh view, mapping file failures to SearchUnavailable."""
        with self._lock:
            view = self._fresh_view()
            try:
                return operation(view)
            except _READ_ERRORS as error:
                self._open.close()
                raise unavailable(self.store.root, error) from error

    def _fresh_view(self) -> View:
        """The cached view, reopened when the index changed since it was opened."""
        stamp = self.store.stamp()
        view = self._open.view
        if view is not None and view.stamp == stamp and _up_to_date(view):
            return view
        self._open.close()
        searcher = self.store.open_searcher()
        try:
            view = View(searcher, self._caches, stamp, keyed=self._synonyms_indexed())
        except Exception as error:  # reading the segments' deletions or ids failed
            searcher.close()
            raise unavailable(self.store.root, error) from error
        self._forget_old_segments(view)
        self._open.view = view
        return view

    def _forget_old_segments(self, view: View) -> None:
        """Drop the caches of segments that are no longer in the index."""
        current = {reader.segment().segment_id() for reader, _o, _c in view.leaves}
        for segment_id in set(self._caches) - current:
            del self._caches[segment_id]

    # Searching -------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        """Run one search (see the module docstring for the ranking)."""
        query = validate(query)
        return self._read(lambda view: self._search(view, query))

    def _search(self, view: View, query: SearchQuery) -> SearchResults:
        """The query as understood (answering.answer) on this view."""
        return answer(query, self.synonyms, lambda c: _Search(view, c, query, self.synonyms))

    def suggest_entries(self, prefix: str, limit: int = 10) -> list[tuple[int, str]]:
        """Documents with a title word sequence starting like `prefix`, as (id, title)."""
        if not isinstance(prefix, str) or not isinstance(limit, int) or limit < 1:
            raise BadQuery("suggest needs a text prefix and a positive limit")
        key = suggest_key(prefix)
        if not key:
            return []
        return self._read(lambda view: _suggest(view, key, min(limit, 50)))


class _OpenView:
    """Holds the backend's open view, so that a finalizer can close it."""

    def __init__(self):
        """No view yet."""
        self.view: View | None = None

    def close(self) -> None:
        """Close the view's searcher, if any."""
        view, self.view = self.view, None
        if view is not None:
            try:
                view.searcher.close()
            except Exception:  # closing a damaged index can fail too; it is dropped anyway
                pass


class _Search:
    """One query against one view."""

    def __init__(self, view: View, clauses: list[Clause], query: SearchQuery, synonyms: Synonyms):
        """Evaluate every clause and filter."""
        self.view, self.clauses, self.query = view, clauses, query
        self.synonyms = synonyms
        self.matches = [self._clause(clause) for clause in clauses]
        self.matched = self._matched()
        self.filters = self._filters()
        self.hits_bits = bitsets.all_of(self.filters.values(), self.matched)

    def _matched(self) -> int:
        """Documents having any meaningful clause, and every quoted phrase."""
        pairs = list(zip(self.clauses, self.matches, strict=True))
        phrases = [m.bits for c, m in pairs if c.phrase]
        words = [m.bits for c, m in pairs if not c.phrase and not c.function]
        if not words and not phrases:  # only function words ("là gì"): let them match
            words = [m.bits for m in self.matches]
        base = bitsets.any_of(words) if words else self.view.live
        return bitsets.all_of(phrases, base & self.view.live)

    def complete(self) -> bool:
        """True when some document (within the filters) has every meaningful clause."""
        pairs = zip(self.clauses, self.matches, strict=True)
        meaningful = [m.bits for c, m in pairs if not c.function]
        return bool(meaningful) and bool(bitsets.all_of(meaningful, self.hits_bits))

    def results(self, suggestion: str | None = None) -> SearchResults:
        """The SearchResults of the query."""
        query = self.query
        return SearchResults(
            total=self.hits_bits.bit_count(),
            page=query.page,
            per_page=query.per_page,
            hits=self._hits(),
            facets=self._facets() if query.facets else {},
            suggestion=suggestion,
        )

    # Clauses ---------------------------------------------------------------------------------

    def _clause(self, clause: Clause) -> _Match:
        """Where a clause matches: anywhere, per field, exactly, as a prefix."""
        per_field = {name: 0 for name in TEXT_FIELDS}
        bits = 0
        typed = None
        for words, adjacent in self._forms(clause):
            anywhere, fields = self._form(words, adjacent)
            typed = fields if typed is None and words == clause.folded else typed
            bits |= anywhere
            for name in TEXT_FIELDS:
                per_field[name] |= fields[name]
        exact, mismatch = {}, {}
        if clause.accented:
            exact = self._exact(clause, per_field)
            if typed is not None:  # the words typed, found only with other diacritics
                mismatch = {n: typed[n] & ~exact[n] for n in TEXT_FIELDS}
        prefix = 0
        if clause.prefix or self._unknown_short_word(clause, bits):
            prefix = self.view.term("prefix", clause.folded[0][:MAX_PREFIX])
            if clause.prefix and len(clause.folded[0]) >= MIN_BODY_PREFIX:
                prefix |= self._body_prefix(clause.folded[0])
            bits |= prefix
        return _Match(bits, per_field, exact, prefix, mismatch)

    def _forms(self, clause: Clause):
        """(words, adjacent) forms whose matches are the clause's matches.

        A synonym group's phrases are one term (its key) when the index recorded the keys
        with the same synonyms; otherwise each phrase is checked in the stored text.
        """
        keyed = clause.group is not None and self.view.keyed
        if not (keyed and clause.phrase):  # the key covers the phrase itself
            yield clause.folded, clause.phrase
        for form in clause.synonyms:
            if len(form) == 1 or not keyed:
                yield form, len(form) > 1
        if keyed:
            yield (clause.group,), False

    def _form(self, words: tuple[str, ...], adjacent: bool) -> tuple[int, dict[str, int]]:
        """Documents having folded `words` (adjacent or anywhere): overall and per field."""
        view = self.view
        per_word = [{n: view.term(f"{n}_f", w) for n in TEXT_FIELDS} for w in words]
        fields = {n: bitsets.all_of((f[n] for f in per_word), view.live) for n in TEXT_FIELDS}
        if adjacent and len(words) > 1:
            fields = view.phrase(words, fields)
            return bitsets.any_of(fields.values()), fields
        anywhere = bitsets.all_of((bitsets.any_of(f.values()) for f in per_word), view.live)
        return anywhere, fields

    def _exact(self, clause: Clause, per_field: dict[str, int]) -> dict[str, int]:
        """Per field, where the words also match with the diacritics as typed."""
        view = self.view
        return {
            name: bitsets.all_of((view.term(f"{name}_e", w) for w in clause.exact), view.live)
            & per_field[name]
            for name in TEXT_FIELDS
        }

    def _body_prefix(self, start: str) -> int:
        """Documents whose summary or body has a word starting with `start` (the first
        BODY_PREFIX_WORDS such words of each segment, in alphabetical order)."""
        view = self.view
        bits = 0
        for reader, _offset, cache in view.leaves:  # view.term joins the segments
            for field in ("summary_f", "body_f"):
                for word in cache.prefix_words(reader, field, start, BODY_PREFIX_WORDS):
                    bits |= view.term(field, word)
        return bits & view.live

    def _unknown_short_word(self, clause: Clause, bits: int) -> bool:
        """A short fragment no document has as a word (`bh`, `ph`): match it as a prefix."""
        folded = clause.folded
        return not bits and len(folded) == 1 and len(folded[0]) <= SHORT_WORD

    def _filters(self) -> dict[str, int]:
        """Bitset of each filter the query sets, by facet name."""
        filters = {}
        for facet, field in CODE_FIELDS.items():
            value = getattr(self.query, facet)
            if value is not None:
                filters[facet] = self.view.codes(field).get(str(value), 0)
        return filters

    # Results ---------------------------------------------------------------------------------

    def _hits(self) -> list[Hit]:
        """The requested page of hits, with scores and snippets."""
        query = self.query
        start = (query.page - 1) * query.per_page
        if start >= self.hits_bits.bit_count():
            return []
        if query.sort == "relevance":
            keys = self._keys()
            hits = ranking.vector(self.hits_bits, self.view.size) > 0
            ties = [self.view.numbers("published_at"), self.view.numbers("doc_id")]
            docs = ranking.top(keys, hits, ties, start, query.per_page)
        else:
            field = "published_at" if query.sort == "newest" else "views"
            docs = _take(self.view, [(0, self.hits_bits)], start, query.per_page, field)
            keys = None
        regex = pattern(self.clauses)
        scores = [float(keys[doc]) if keys is not None else 0.0 for doc in docs]
        return [self._hit(doc, score, regex) for doc, score in zip(docs, scores, strict=True)]

    def _keys(self):
        """Every document's ranking key (see ranking.Ranker)."""
        view = self.view
        ranker = ranking.Ranker(view.size, view.live.bit_count(), view.norms())
        for clause, match in zip(self.clauses, self.matches, strict=True):
            ranker.add_clause(match, clause.function)
        for before, after in self._pairs():
            pair = view.term("pairs", f"{before.folded[-1]} {after.folded[0]}") & self.hits_bits
            if pair:
                # In a field where both words are, the pair is most likely there too.
                ranker.add_pair({n: pair & before.fields[n] & after.fields[n] for n in TEXT_FIELDS})
        current = view.live & ~view.codes("superseded").get("1", 0)
        return ranker.keys(ranking.vector(current, view.size))

    def _pairs(self):
        """Adjacent clauses of the query, as matches (within a clause, its form or its
        synonyms' key already tells adjacency)."""
        pairs = list(zip(self.clauses, self.matches, strict=True))
        for (first, before), (second, after) in zip(pairs, pairs[1:], strict=False):
            if not first.phrase and not second.phrase:
                yield _Pair(first, before), _Pair(second, after)

    def _hit(self, doc: int, score: int, regex) -> Hit:
        """One Hit from a document number (what it shows beside its score is kept by its
        segment, which never changes, for the same query pattern)."""
        _reader, offset, cache = self.view.leaf_of(doc)
        key = (doc - offset, (regex.pattern, regex.flags) if regex else None)
        return replace(cache.hit(key, lambda: self._shown(doc, regex)), score=float(score))

    def _shown(self, doc: int, regex) -> Hit:
        """A Hit of document `doc` read from the index, without its score."""
        stored = self.view.searcher.stored_fields(doc)
        html = snippet([stored.get("summary", ""), stored.get("body", "")], regex)
        kinds = self._values_of(doc, CODE_FIELDS["kind"])
        return Hit(
            id=int(stored["id"]),
            score=0.0,
            snippet_html=html,
            title=stored.get("title", ""),
            kind=kinds[0] if kinds else None,
            areas=tuple(sorted(self._values_of(doc, CODE_FIELDS["area"]), key=area_order)),
        )

    def _values_of(self, doc: int, field: str) -> list[str]:
        """The values of a code field that document `doc` has (a bit test per value)."""
        return [value for value, bits in self.view.codes(field).items() if bits >> doc & 1]

    def _facets(self) -> dict[str, dict[str, int]]:
        """Counts per value of each facet, each ignoring its own filter (so a user sees what
        choosing another value would give)."""
        facets = {}
        for facet in FACETS:
            others = (bits for name, bits in self.filters.items() if name != facet)
            base = bitsets.all_of(others, self.matched)
            counts = {}
            for value, bits in self.view.codes(CODE_FIELDS[facet]).items():
                count = (base & bits).bit_count()
                if count:
                    counts[value] = count
            facets[facet] = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        return facets

    # Spelling --------------------------------------------------------------------------------

    def docs(self, word: str) -> int:
        """Documents having a folded word (for spelling correction)."""
        _words, counts = self.view.vocabulary(1)
        return counts.get(word, 0)

    def pair_docs(self, first: str, second: str) -> int:
        """Documents having the two folded words next to each other."""
        return self.view.term("pairs", f"{first} {second}").bit_count()


def _take(view: View, groups, start: int, count: int, field: str) -> list[int]:
    """Documents `start`..`start+count` of ranked groups, each group ordered by `field`."""
    docs: list[int] = []
    seen = 0
    for _score, bits in groups:
        size = bits.bit_count()
        if seen + size > start:
            wanted = min(size, start + count - seen)
            docs.extend(view.first(bits, wanted, field)[max(0, start - seen) :])
        seen += size
        if len(docs) >= count:
            break
    return docs[:count]


def _suggest(view: View, key: str, limit: int) -> list[tuple[int, str]]:
    """Autocomplete entries (id, title) for a folded key, until `limit` different titles:
    titles starting with it first, then by views."""
    views = view.column("views")
    members = bitsets.Membership(view.live)
    ranked: list[int] = []
    for entry in (TITLE_START + key, key):
        docs = {d for d in _suggest_docs(view, entry) if d in members}.difference(ranked)
        ranked.extend(sorted(docs, key=lambda doc: (-views[doc], doc)))
    entries, seen = [], set()
    for doc in ranked:
        stored = view.searcher.stored_fields(doc)
        title = stored.get("title", "")
        entries.append((int(stored["id"]), title))
        seen.add(title.lower())
        if len(seen) == limit:
            break
    return entries


def _suggest_docs(view: View, entry: str) -> list[int]:
    """Documents of the first SUGGEST_SCAN autocomplete entries (per segment) starting so."""
    docs = []
    for reader, offset, _cache in view.leaves:
        for term in islice(reader.expand_prefix("suggest", entry), SUGGEST_SCAN):
            docs.extend(doc + offset for doc in posting_ids(reader, "suggest", term))
    return docs


def _abandon(writer) -> None:
    """Give a writer up in whatever state it failed (even halfway through its commit): its
    changes are dropped and Whoosh's write lock is released in any case."""
    try:
        writer.cancel()
    except Exception:
        lock = writer.writelock
        if lock is not None and lock.fd is not None:
            lock.release()


def _replace(writer, values: list[dict]) -> None:
    """Delete the indexed versions of these documents, then add them (one reader for all)."""
    _delete(writer, [v["id"] for v in values])
    for value in values:
        writer.add_document(**value)


def _delete(writer, keys: list[str]) -> None:
    """Delete documents by id key, opening one searcher for the whole batch."""
    with writer.searcher() as searcher:
        for key in keys:
            writer.delete_by_term("id", key, searcher=searcher)


def _up_to_date(view: View) -> bool:
    """True when no commit happened since the view's searcher was opened."""
    try:
        return view.searcher.up_to_date()
    except Exception:  # the generation directory vanished: a newer one replaced it
        return False


def _touch(searcher) -> None:
    """Read a little of every file of every segment (what check() verifies)."""
    for reader, _offset in searcher.reader().leaf_readers():
        count = reader.doc_count_all()
        for doc in {0, count - 1} if count else ():
            reader.stored_fields(doc)
            for column in ("folded", "published_at", "views", "doc_id"):
                reader.column_reader(column)[doc]
        for field in ("id", "title_f", "body_f"):
            for term in reader.lexicon(field):
                list(posting_ids(reader, field, term))
                break


def _increments(progress: Progress | None) -> Progress | None:
    """Turn cumulative counts into increments for `progress`."""
    if progress is None:
        return None
    done = [0]

    def report(count: int) -> None:
        """Pass on the documents added since the last report."""
        progress(count - done[0])
        done[0] = count

    return report
