"""The search backend interface: what every engine (Whoosh now, PostgreSQL later) implements.

Documents are plain dicts (see `DOCUMENT_KEYS`); queries and results are the dataclasses below.
Backends raise only `SearchUnavailable` (the index cannot answer: missing, damaged, being
replaced without a fallback) and `BadQuery` (the query's parameters are invalid); free text is
never an error.
"""

import hashlib
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from library.search.analysis import clean

AREAS = ("politics-law", "vocational-skills", "life-skills", "digital-skills", "learning-model")
KINDS = ("leaflet", "poster", "video", "legal_digest", "book", "audio")
SORTS = ("relevance", "newest", "popular")
FACETS = ("area", "kind", "org", "year")
# The texts of a material that search reads, in order of weight (every backend and ranking).
TEXT_FIELDS = ("title", "tags", "summary", "body")
DOCUMENT_KEYS = (
    "id",
    "title",
    "summary",
    "body",
    "tags",
    "areas",
    "kind",
    "org",
    "published_at",
    "views",
    "superseded",
)
MAX_PER_PAGE = 100
MAX_PAGE = 1000


class SearchError(Exception):
    """Base class of the errors a search backend raises."""


class SearchUnavailable(SearchError):
    """The index is missing or damaged; rebuilding it (flask search reindex) repairs it."""


class BadQuery(SearchError):
    """The query's parameters (page, sort, filters) are not acceptable."""


@dataclass(frozen=True)
class SearchQuery:
    """One search: free text, optional filters, sort order and page."""

    text: str = ""
    area: str | None = None
    kind: str | None = None
    org: str | None = None
    year: int | str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    facets: bool = True
    literal: bool = False  # search the words as typed: no input-method repair, no correction


@dataclass(frozen=True)
class Hit:
    """One matching document: its id, its score, an HTML-safe snippet with <mark> tags, and
    what a result list shows of it as indexed (title, kind, areas in the fixed area order)."""

    id: int
    score: float
    snippet_html: str
    title: str = ""
    kind: str | None = None
    areas: tuple[str, ...] = ()


@dataclass
class SearchResults:
    """One page of hits, the exact total (documents having any meaningful word of the query,
    and every quoted phrase), facet counts, and either the corrected query the hits are for
    (`query_used`) or, for a literal search, a spelling suggestion."""

    total: int
    page: int
    per_page: int
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    query_used: str | None = None  # the corrected query these results are for, if not as typed

    @property
    def pages(self) -> int:
        """Number of pages needed for `total` hits."""
        return max(1, -(-self.total // self.per_page))


Progress = Callable[[int], None]


class SearchBackend(ABC):
    """What every search engine behind the library implements."""

    @abstractmethod
    def index(self, docs: Iterable[dict]) -> None:
        """Add documents, replacing any indexed document with the same id."""

    @abstractmethod
    def remove(self, ids: Iterable[int]) -> None:
        """Remove the documents with these ids (unknown ids are ignored)."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResults:
        """Run one search."""

    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        """Titles completing what the user is typing, most useful first."""
        return distinct_titles(self.suggest_entries(prefix, limit), limit)

    @abstractmethod
    def suggest_entries(self, prefix: str, limit: int = 10) -> list[tuple[int, str]]:
        """(id, title) of the documents whose titles complete what the user is typing, most
        useful first, until `limit` different titles (so a caller can drop some ids)."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every document."""

    @abstractmethod
    def rebuild(self, docs: Iterable[dict], progress: Progress | None = None) -> int:
        """Index `docs` aside and swap them in atomically; return the number indexed.

        `progress(n)`, if given, is called now and then with the number of documents indexed
        since its previous call (click's ProgressBar.update takes exactly that).
        """

    @abstractmethod
    def check(self) -> str | None:
        """Describe what is wrong with the index, or return None when it is usable."""

    @abstractmethod
    def doc_count(self) -> int:
        """Number of documents in the index."""

    @abstractmethod
    def built(self) -> bool:
        """True once an index exists (a library that never published anything has none, which
        is not a fault)."""

    @abstractmethod
    def stamps(self) -> dict[int, str]:
        """Each indexed document's id and change stamp (see `document_stamp`), for checking
        that the index holds exactly the published materials as they are now."""

    def document_stamp(self, doc: dict) -> str:
        """The stamp the index holds for `doc` once indexed (see `stamp_of`)."""
        return stamp_of(doc)

    @abstractmethod
    def leftovers(self, grace: float) -> list[str]:
        """What interrupted rebuilds left behind, untouched for `grace` seconds (younger ones
        may belong to a rebuild still running), by name."""

    @abstractmethod
    def remove_leftovers(self, names: list[str]) -> None:
        """Delete leftovers named by `leftovers`."""

    # Changes on their way from the database to the index. A material's change is noted
    # before its commit and the note cleared once the index has it; a note left behind (the
    # index write failed, or the process died between the two) tells searches which hits to
    # check against the database. A backend that keeps no notes answers None: check them all.

    def note_pending(self, ids: Iterable[int] | None):
        """Note, before a commit, that these documents (None: any) are about to change; return
        the note (None when this backend keeps no notes)."""
        return None

    def clear_pending(self, note) -> None:  # noqa: B027 - optional, as note_pending
        """Forget a note once its changes are in the index (or were rolled back)."""

    def pending_ids(self) -> frozenset[int] | None:
        """Ids whose indexed copy may differ from the database, or None when that cannot be
        told (then every hit is to be checked)."""
        return None

    def settled_notes(self, margin: float) -> list:
        """The notes whose changes an index built from the database from now on will hold
        (their commit is done or abandoned; `margin`: seconds beyond which any note is), to
        clear once such an index is in place."""
        return []

    def close(self) -> None:  # noqa: B027 - optional: a backend holding nothing keeps this no-op
        """Release open files or connections (a later call reopens them)."""


def distinct_titles(entries: Iterable[tuple[int, str]], limit: int) -> list[str]:
    """The first `limit` titles of (id, title) entries, each once whatever its case."""
    titles, seen = [], set()
    for _id, title in entries:
        if title and title.lower() not in seen:
            seen.add(title.lower())
            titles.append(title)
            if len(titles) == limit:
                break
    return titles


def area_order(code: str) -> tuple[int, str]:
    """Sort key putting area codes in their fixed order (an unknown code last)."""
    return (AREAS.index(code), code) if code in AREAS else (len(AREAS), code)


def stamp_of(doc: dict) -> str:
    """The change stamp of a library document as every backend indexes it: its title as the
    material has it, its summary and tags cleaned (see analysis.clean)."""
    title = unicodedata.normalize("NFC", str(doc.get("title") or ""))
    summary = clean(str(doc.get("summary") or ""))
    tags = "\n".join(clean(str(tag)) for tag in doc.get("tags") or ())
    return document_stamp(title, summary, tags)


def document_stamp(title: str, summary: str, tags: str) -> str:
    """A short fingerprint of what a document shows (title, summary, tags as indexed): it
    changes when a material is edited, so a stale copy in the index can be told apart."""
    text = "\x1f".join((title or "", summary or "", tags or ""))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def validate(query: SearchQuery) -> SearchQuery:
    """Return `query` if its parameters are acceptable, else raise BadQuery."""
    if not isinstance(query.text, str):
        raise BadQuery("text must be a string")
    if query.sort not in SORTS:
        raise BadQuery(f"sort must be one of {', '.join(SORTS)}")
    if not _is_int(query.page) or not 1 <= query.page <= MAX_PAGE:
        raise BadQuery(f"page must be a whole number from 1 to {MAX_PAGE}")
    if not _is_int(query.per_page) or not 1 <= query.per_page <= MAX_PER_PAGE:
        raise BadQuery(f"per_page must be a whole number from 1 to {MAX_PER_PAGE}")
    if query.year is not None and not str(query.year).isdigit():
        raise BadQuery("year must be a number")
    for name in ("area", "kind", "org"):
        value = getattr(query, name)
        if value is not None and not isinstance(value, str):
            raise BadQuery(f"{name} must be a string")
    return query


def _is_int(value) -> bool:
    """True for ints that are not bools."""
    return isinstance(value, int) and not isinstance(value, bool)
