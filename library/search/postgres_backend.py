"""The PostgreSQL search backend: full-text search in the app's own database.

Tables (created by the backend itself, ignored by the migrations, see migrations/env.py):

* `search_documents` — one row per published material: the texts (for snippets), the facet
  values, and a tsvector made by the Python analysis (postgres_rows.py) with a GIN index, and
  a trigram index on the folded title (autocomplete);
* `search_documents_words` — every folded word indexed, where spelling correction checks which
  syllables near an unknown word the index has;
* `search_documents_log` — the ids written, in order, so that a rebuild can apply the changes
  made while it ran.

A rebuild fills new tables in one transaction while searches read the old ones, then, still in
that transaction, copies the rows written meanwhile from the old table and renames the new
tables into place: searches never see a half-built index, and writers lose nothing.

Matching (the same query understanding as Whoosh, `understanding` and `query.parse`): every
quoted phrase, and any one of the other clauses (function words alone match nothing) in the
folded vector, as one tsquery that the GIN index answers without reading the vectors (searches
run with sequential scans off: a scan would read every row's vector from TOAST). The total and
the facets are counted over the matches' small rows. Ranking: the same BM25F as the Whoosh
backend, computed in Python (postgres_rank.py) over candidates the index finds: the matches
with the query's words in their title or tags, by those clauses' IDF, the shortest titles
first; the matches having every meaningful word, the shortest bodies first; the newest.
"""

import hashlib
import re
import time
from collections.abc import Iterable
from itertools import islice

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from library.search import postgres_rank, ranking
from library.search.analysis import suggest_key
from library.search.answering import answer
from library.search.base import (
    AREAS,
    FACETS,
    BadQuery,
    Hit,
    Progress,
    SearchBackend,
    SearchQuery,
    SearchResults,
    SearchUnavailable,
    area_order,
    validate,
)
from library.search.postgres_rows import (
    COLUMNS,
    clause_query,
    prefix_query,
    prepare,
    quote,
    title_query,
    too_long,
)
from library.search.query import Clause
from library.search.snippets import pattern, snippet
from library.search.synonyms import Synonyms, default_synonyms
from library.search.understanding import RARE_DOCS, near_syllables

DEFAULT_TABLE = "search_documents"
TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")
BATCH = 500
SHORT_WORD = 3  # an unknown word this short is taken as the start of a word
# Relevance ranks, in Python, this many candidates of each kind (title matches, complete
# matches; at least twice the ranks a later page needs).
CANDIDATES = 100
STATS_SECONDS = 300  # the index's size and average field lengths, read again after this long
OLDER_TABLES = "the search tables were made by an older version: run `flask search reindex`"
DDL_LOCK = 0x5EA4C4  # advisory lock around creating and dropping search tables
_FACET_COLUMNS = {"area": "areas", "kind": "kind", "org": "org", "year": "year"}


class PostgresBackend(SearchBackend):
    """Search over tables of a PostgreSQL database reached through an SQLAlchemy engine."""

    def __init__(
        self,
        engine,
        table: str = DEFAULT_TABLE,
        synonyms_text: str | None = None,
        own_engine: bool = False,
    ):
        """`engine`: the app's SQLAlchemy engine (PostgreSQL); `table`: the name of the document
        table (the others are named after it); `own_engine`: close() disposes the engine."""
        if engine.dialect.name != "postgresql":
            raise RuntimeError(
                "SEARCH_BACKEND = 'postgres' needs the app's database to be PostgreSQL "
                f"(SQLALCHEMY_DATABASE_URI is {engine.dialect.name})"
            )
        if not TABLE_NAME.match(table):
            raise ValueError(f"invalid search table name {table!r}")
        self.engine = engine
        self.table = table
        self.words = f"{table}_words"
        self.log = f"{table}_log"
        self.synonyms = (
            default_synonyms() if synonyms_text is None else Synonyms.from_text(synonyms_text)
        )
        self.own_engine = own_engine
        self._stats: tuple[float, int, tuple[float, ...]] | None = (
            None  # (read at, total, averages)
        )
        digest = hashlib.sha256(table.encode()).digest()
        self._rebuild_lock = int.from_bytes(digest[:8], "big", signed=True)

    def close(self) -> None:
        """Dispose of the engine if this backend made it (the app's engine is the app's)."""
        if self.own_engine:
            self.engine.dispose()

    # Tables ------------------------------------------------------------------------------------

    def _create(self, conn, table: str, words: str) -> None:
        """Create a document table and its word table, with their indexes."""
        conn.execute(
            text(
                f"""
                CREATE TABLE {table} (
                    id bigint PRIMARY KEY,
                    title text NOT NULL,
                    summary text NOT NULL,
                    body text NOT NULL,
                    title_key text NOT NULL,
                    areas text[] NOT NULL,
                    kind text,
                    org text,
                    year integer,
                    published_at timestamptz,
                    views bigint NOT NULL,
                    superseded boolean NOT NULL,
                    folded tsvector NOT NULL,
                    stamp text NOT NULL DEFAULT '',
                    lengths integer[] NOT NULL DEFAULT '{{0,0,0,0}}'
                ) WITH (toast_tuple_target = 128)"""
            )
        )
        _narrow_rows(conn, table)
        conn.execute(
            text(
                f'CREATE TABLE {words} (word text COLLATE "C" PRIMARY KEY, '
                "docs integer[] NOT NULL DEFAULT '{0,0,0,0}')"
            )
        )

    def _create_indexes(self, conn, table: str, words: str) -> None:
        """The GIN and trigram indexes (created after a bulk load, which is faster)."""
        conn.execute(text(f"CREATE INDEX ON {table} USING gin (folded)"))
        conn.execute(text(f"CREATE INDEX ON {table} USING gin (title_key gin_trgm_ops)"))
        conn.execute(text(f"CREATE INDEX ON {table} (published_at)"))

    def _prepare_database(self, conn) -> None:
        """The trigram extension, the change log, and the columns added since a table was made
        (idempotent; under the table's lock)."""
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DDL_LOCK})
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {self.log} "
                "(seq bigserial PRIMARY KEY, id bigint NOT NULL)"
            )
        )
        if conn.scalar(text("SELECT to_regclass(:name)"), {"name": self.table}) is not None:
            # Rows indexed before stamps existed read as outdated: `flask doctor` reindexes.
            conn.execute(
                text(
                    f"ALTER TABLE {self.table} "
                    "ADD COLUMN IF NOT EXISTS stamp text NOT NULL DEFAULT '', "
                    "ADD COLUMN IF NOT EXISTS lengths integer[] NOT NULL DEFAULT '{0,0,0,0}'"
                )
            )
        if conn.scalar(text("SELECT to_regclass(:name)"), {"name": self.words}) is not None:
            # Counts made before they existed read as zero until `flask search reindex`.
            conn.execute(
                text(
                    f"ALTER TABLE {self.words} "
                    "ADD COLUMN IF NOT EXISTS docs integer[] NOT NULL DEFAULT '{0,0,0,0}'"
                )
            )

    def _ensure(self) -> None:
        """Create the tables if they are missing (the first write creates the index)."""
        with self.engine.begin() as conn:
            self._prepare_database(conn)
            exists = conn.scalar(text("SELECT to_regclass(:name)"), {"name": self.table})
            if exists is None:
                conn.execute(text(f"DROP TABLE IF EXISTS {self.words}"))
                self._create(conn, self.table, self.words)
                self._create_indexes(conn, self.table, self.words)

    def drop(self) -> None:
        """Remove every table of this index (tests; an administrator leaving PostgreSQL search)."""
        with self.engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DDL_LOCK})
            conn.execute(
                text(
                    f"DROP TABLE IF EXISTS {self.table}, {self.words}, {self.log}, "
                    f"{self.table}_new, {self.words}_new"
                )
            )

    # Writing -----------------------------------------------------------------------------------

    def index(self, docs: Iterable[dict]) -> None:
        """Add documents, replacing those with the same id."""
        latest = {int(doc["id"]): doc for doc in docs}  # the last version of an id wins
        if latest:
            rows = [prepare(latest[key]) for key in sorted(latest)]  # id order: no deadlock
            self._write(lambda conn: self._upsert(conn, rows), list(latest))

    def remove(self, ids: Iterable[int]) -> None:
        """Remove documents by id (unknown ids are ignored)."""
        keys = sorted({int(i) for i in ids})
        if keys:

            def delete(conn) -> None:
                _count_words(conn, self.table, self.words, "id = ANY(:ids)", {"ids": keys}, -1)
                conn.execute(text(f"DELETE FROM {self.table} WHERE id = ANY(:ids)"), {"ids": keys})

            self._write(delete, keys)

    def _write(self, apply, ids: list[int]) -> None:
        """Apply a change and log its ids in one transaction, creating missing tables first."""
        for attempt in (1, 2):
            try:
                with self.engine.begin() as conn:
                    apply(conn)
                    conn.execute(
                        text(f"INSERT INTO {self.log} (id) SELECT unnest(CAST(:ids AS bigint[]))"),
                        {"ids": ids},
                    )
                return
            except ProgrammingError as error:
                if attempt == 2 or not (_missing_table(error) or _missing_column(error)):
                    raise _unavailable(error) from error
                self._ensure()
            except OperationalError as error:
                raise _unavailable(error) from error

    def _upsert(self, conn, rows: list[tuple]) -> None:
        """Insert or replace rows, and count their words (those they replace uncounted)."""
        ids = {"ids": [row[0] for row in rows]}
        _count_words(conn, self.table, self.words, "id = ANY(:ids)", ids, -1)
        names = ", ".join(COLUMNS)
        values = ", ".join(f"CAST(:{c} AS tsvector)" if c == "folded" else f":{c}" for c in COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "id")
        conn.execute(
            text(
                f"INSERT INTO {self.table} ({names}) VALUES ({values}) "
                f"ON CONFLICT (id) DO UPDATE SET {updates}"
            ),
            [dict(zip(COLUMNS, row, strict=True)) for row in rows],
        )
        _count_words(conn, self.table, self.words, "id = ANY(:ids)", ids, 1)

    def clear(self) -> None:
        """Remove every document (an empty index, ready to use)."""
        try:
            with self.engine.begin() as conn:
                self._prepare_database(conn)
                conn.execute(text(f"DROP TABLE IF EXISTS {self.table}, {self.words}"))
                self._create(conn, self.table, self.words)
                self._create_indexes(conn, self.table, self.words)
                conn.execute(text(f"DELETE FROM {self.log}"))
        except DBAPIError as error:
            raise _unavailable(error) from error

    def rebuild(self, docs: Iterable[dict], progress: Progress | None = None) -> int:
        """Fill new tables from `docs` while searches use the current ones, then swap them in.

        `progress(n)` is called with the number of documents added since its previous call.
        """
        new, new_words = f"{self.table}_new", f"{self.words}_new"
        with self.engine.connect() as lock:
            # One rebuild at a time; writes go on meanwhile (see the module docstring).
            lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": self._rebuild_lock})
            try:
                with self.engine.begin() as conn:
                    self._prepare_database(conn)
                start = lock.scalar(text(f"SELECT coalesce(max(seq), 0) FROM {self.log}"))
                lock.commit()
                with self.engine.begin() as conn:
                    conn.execute(text(f"DROP TABLE IF EXISTS {new}, {new_words}"))
                    self._create(conn, new, new_words)
                    count = self._load(conn, new, docs, progress)
                    _count_words(conn, new, new_words, "TRUE", {}, 1)
                    self._create_indexes(conn, new, new_words)
                    conn.execute(text(f"ANALYZE {new}"))  # the planner's figures, at once
                    self._swap(conn, new, new_words, start)
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._rebuild_lock})
                lock.commit()
        return count

    def _load(self, conn, table: str, docs: Iterable[dict], progress: Progress | None) -> int:
        """COPY the documents into `table` in batches; the last version of an id wins."""
        raw = conn.connection.driver_connection
        count = 0
        iterator = iter(docs)
        while batch := list(islice(iterator, BATCH)):
            rows = {int(doc["id"]): prepare(doc) for doc in batch}
            conn.execute(text(f"DELETE FROM {table} WHERE id = ANY(:ids)"), {"ids": list(rows)})
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in rows.values():
                        copy.write_row(row)
            count += len(rows)
            if progress is not None:
                progress(len(batch))
        return conn.scalar(text(f"SELECT count(*) FROM {table}")) if count else 0

    def _swap(self, conn, new: str, new_words: str, start: int) -> None:
        """Apply the writes logged since `start` to the new tables, then rename them in."""
        current = conn.scalar(text("SELECT to_regclass(:name)"), {"name": self.table})
        if current is not None:
            conn.execute(text(f"LOCK TABLE {self.table}, {self.words} IN ACCESS EXCLUSIVE MODE"))
            changed = f"SELECT id FROM {self.log} WHERE seq > :start"
            since = {"start": start}
            _count_words(conn, new, new_words, f"id IN ({changed})", since, -1)
            conn.execute(text(f"DELETE FROM {new} WHERE id IN ({changed})"), since)
            names = ", ".join(COLUMNS)
            conn.execute(
                text(
                    f"INSERT INTO {new} ({names}) SELECT {names} FROM {self.table} "
                    f"WHERE id IN ({changed})"
                ),
                {"start": start},
            )
            _count_words(conn, new, new_words, f"id IN ({changed})", since, 1)
        conn.execute(text(f"DROP TABLE IF EXISTS {self.table}, {self.words}"))
        conn.execute(text(f"ALTER TABLE {new} RENAME TO {self.table}"))
        conn.execute(text(f"ALTER TABLE {new_words} RENAME TO {self.words}"))
        conn.execute(text(f"DELETE FROM {self.log}"))

    # Reading -----------------------------------------------------------------------------------

    def _read(self, operation, autocommit: bool = True):
        """Run `operation(conn)` on a connection, in autocommit mode unless told (no BEGIN nor
        ROLLBACK round trips: each statement sees the tables as they are, and a statement
        waiting for a rebuild's swap reads the new ones); a missing table or an unreachable
        database is SearchUnavailable."""
        try:
            conn = self.engine.connect()
            if autocommit:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            with conn:
                return operation(conn)
        except DBAPIError as error:
            raise _unavailable(error) from error

    def doc_count(self) -> int:
        """Number of documents in the index."""
        return self._read(lambda conn: conn.scalar(text(f"SELECT count(*) FROM {self.table}")))

    def built(self) -> bool:
        """True once the document table exists."""
        return self._read(
            lambda conn: (
                conn.scalar(text("SELECT to_regclass(:name)"), {"name": self.table}) is not None
            )
        )

    def stamps(self) -> dict[int, str]:
        """Each indexed document's id and change stamp."""
        return self._read(
            lambda conn: dict(conn.execute(text(f"SELECT id, stamp FROM {self.table}")).all())
        )

    def leftovers(self, grace: float) -> list[str]:
        """Nothing: a rebuild fills its tables in one transaction, which an interruption rolls
        back."""
        return []

    def remove_leftovers(self, names: list[str]) -> None:
        """Nothing to remove (see `leftovers`)."""

    def check(self) -> str | None:
        """What is wrong with the index, or None when it answers."""
        try:
            older = self._read(
                lambda conn: conn.execute(
                    text(
                        "SELECT (SELECT count(*) FROM "
                        f"(SELECT stamp FROM {self.table} LIMIT 1) d), "
                        f"(SELECT count(*) FROM (SELECT 1 FROM {self.words} LIMIT 1) w), "
                        "(SELECT count(*) FROM information_schema.columns "
                        "WHERE table_name = :t AND column_name = 'lead')"
                    ),
                    {"t": self.table},
                ).one()[2]
            )
        except SearchUnavailable as error:
            return str(error)
        if older:
            # Tables of the lead vector: their rows lack the marked title words prefixes match.
            return OLDER_TABLES
        return None

    def search(self, query: SearchQuery) -> SearchResults:
        """Run one search (see the module docstring for matching and ranking)."""
        query = validate(query)

        def run(conn) -> SearchResults:
            # Matches are found by the GIN indexes, never by a scan of the table: a scan reads
            # every row's whole vector from TOAST to test it (the planner does not count that),
            # where the index gives the ids and the search reads only the matches' small rows.
            with conn.begin():
                conn.execute(text("SET LOCAL enable_seqscan = off"))
                return answer(query, self.synonyms, self._plan(conn, query))

        return self._read(run, autocommit=False)

    def _plan(self, conn, query: SearchQuery):
        """The backend's search of a list of clauses on `conn` (see answering.Plan)."""

        def plan(clauses: list[Clause]):
            """A search of `clauses`, or none when a word is too long for any document."""
            return _Nothing(query) if too_long(clauses) else _Search(self, conn, clauses, query)

        return plan

    def statistics(self, conn) -> tuple[int, tuple[float, ...]]:
        """(documents indexed, average words per field of the documents having the field), read
        again every STATS_SECONDS: ranking's IDF and length norm, which a few edits hardly
        move."""
        now = time.monotonic()
        if self._stats is None or now - self._stats[0] > STATS_SECONDS:
            averages = ", ".join(
                f"coalesce(avg(lengths[{n}]) FILTER (WHERE lengths[{n}] > 0), 1)"
                for n in range(1, 5)
            )
            row = conn.execute(text(f"SELECT count(*), {averages} FROM {self.table}")).one()
            self._stats = (now, int(row[0]), tuple(float(value) for value in row[1:]))
        return self._stats[1], self._stats[2]

    def suggest_entries(self, prefix: str, limit: int = 10) -> list[tuple[int, str]]:
        """(id, title) of titles with a run of words starting like `prefix`: title starts first,
        then by views."""
        if not isinstance(prefix, str) or not isinstance(limit, int) or limit < 1:
            raise BadQuery("suggest needs a text prefix and a positive limit")
        key = suggest_key(prefix)
        if not key:
            return []
        limit = min(limit, 50)
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

        def entries(conn) -> list[tuple[int, str]]:
            rows = conn.execute(
                text(
                    f"SELECT id, title FROM {self.table} WHERE title_key LIKE :anywhere "
                    "ORDER BY title_key LIKE :start DESC, views DESC, id LIMIT :n"
                ),
                {"anywhere": f"% {escaped}%", "start": f" {escaped}%", "n": limit * 4},
            )
            return [(row.id, row.title) for row in rows]

        return self._read(entries)


class _Search:
    """One query on one connection."""

    def __init__(self, backend: PostgresBackend, conn, clauses: list[Clause], query: SearchQuery):
        """Prepare the WHERE clauses of the query's words and filters."""
        self.backend, self.conn, self.query, self.clauses = backend, conn, query, clauses
        self.table = backend.table
        self.prefixes = {i for i, c in enumerate(clauses) if self._unknown_short_word(c)}
        self.params: dict = {}
        self.prefixed = [i for i, c in enumerate(clauses) if c.prefix or i in self.prefixes]
        for number, index in enumerate(self.prefixed):
            self.params[f"p{number}"] = prefix_query(clauses[index])
        numbered = list(enumerate(clauses))
        phrases = [i for i, c in numbered if c.phrase]
        words = [i for i, c in numbered if not c.phrase and not c.function]
        if not words and not phrases:  # only function words ("là gì"): let them match
            words = [i for i, _c in numbered]
        # Quoted phrases must match; of the other words any one will do, function words none.
        parts = [self._all_of(phrases, "phrases")] if phrases else []
        if words:
            parts.append(self._any_of(words, "words"))
        self.match_sql = " AND ".join(parts) if parts else "TRUE"
        found = [self.params[name] for name in ("phrases", "words") if name in self.params]
        self.match_query = " & ".join(f"({query})" for query in found) or None
        # Documents with every meaningful word (ranking.TIER_WORDS puts them first).
        meaningful = [i for i, c in numbered if not c.function]
        self.every_sql = self._all_of(meaningful, "every") if meaningful else None
        self.filters = self._filters()
        self._docs: dict[str, int] = {}  # spelling look-ups, asked more than once
        self._pairs: dict[tuple[str, str], int] = {}

    def _all_of(self, indexes: list[int], name: str) -> str:
        """SQL true where every clause of `indexes` matches, as one tsquery on the folded
        vector (which its GIN index answers alone, see postgres_rows)."""
        self.params[name] = " & ".join(self._clause_query(i) for i in indexes)
        return f"folded @@ CAST(:{name} AS tsquery)"

    def _any_of(self, indexes: list[int], name: str) -> str:
        """SQL true where any clause of `indexes` matches (see _all_of)."""
        self.params[name] = " | ".join(self._clause_query(i) for i in indexes)
        return f"folded @@ CAST(:{name} AS tsquery)"

    def _clause_query(self, index: int) -> str:
        """The tsquery of a clause: its words or, for a prefixed clause, also a title or tag
        word starting like it."""
        clause = self.clauses[index]
        if index not in self.prefixed:
            return clause_query(clause)
        return f"({clause_query(clause)} | {prefix_query(clause)})"

    def _unknown_short_word(self, clause: Clause) -> bool:
        """A short fragment no document has as a word (`bh`, `ph`): match it as a prefix."""
        if clause.prefix or clause.phrase or len(clause.folded) != 1:
            return False
        if len(clause.folded[0]) > SHORT_WORD:
            return False
        return not self._count(clause_query(clause), limit=1)

    def _count(self, tsquery: str, limit: int | None = None) -> int:
        """Documents matching a tsquery (at most `limit` counted)."""
        inner = f"SELECT 1 FROM {self.table} WHERE folded @@ CAST(:q AS tsquery)"
        if limit is not None:
            inner += f" LIMIT {int(limit)}"
        return self.conn.scalar(text(f"SELECT count(*) FROM ({inner}) m"), {"q": tsquery})

    def _filters(self) -> dict[str, str]:
        """SQL condition of each filter the query sets, by facet name."""
        filters = {}
        query = self.query
        if query.area is not None:
            filters["area"] = ":area = ANY(areas)"
            self.params["area"] = query.area
        if query.kind is not None:
            filters["kind"] = "kind = :kind"
            self.params["kind"] = query.kind
        if query.org is not None:
            filters["org"] = "org = :org"
            self.params["org"] = query.org
        if query.year is not None:
            filters["year"] = "year = :year"
            year = str(query.year)
            self.params["year"] = int(year) if len(year) <= 6 else -1
        return filters

    def complete(self) -> bool:
        """True when some document (within the filters) has every meaningful clause."""
        if self.every_sql is None:
            return False
        where = " AND ".join([self.every_sql, *self.filters.values()])
        sql = f"SELECT EXISTS (SELECT 1 FROM {self.table} WHERE {where})"
        return bool(self.conn.scalar(text(sql), self.params))

    def results(self, suggestion: str | None = None) -> SearchResults:
        """The SearchResults of the query: one statement finds the matches once, then counts
        them (total and facets) and ranks the requested page; a second reads the page's texts
        for the snippets."""
        query = self.query
        total, facets, page = self._run()
        if query.sort == "relevance" and page:
            page = self._rerank(page)
        return SearchResults(
            total=total,
            page=query.page,
            per_page=query.per_page,
            hits=self._hits(page),
            facets=facets,
            suggestion=suggestion,
        )

    def _run(self) -> tuple[int, dict[str, dict[str, int]], list[tuple[int, float]]]:
        """(exact total, facet counts if asked, (id, score) of the page in order)."""
        query = self.query
        others = {
            facet: " AND ".join(
                ["TRUE"] + [sql for name, sql in self.filters.items() if name != facet]
            )
            for facet in FACETS
        }
        every = " AND ".join(["TRUE", *self.filters.values()])
        parts = [
            "SELECT CAST('total' AS text), CAST(NULL AS text), count(*), CAST(NULL AS float8) "
            f"FROM m WHERE {every}"
        ]
        if query.facets:
            parts += [
                # The five areas are fixed: one pass counting each costs less than unnest.
                "SELECT 'area', v.area, v.n, NULL FROM (SELECT "
                + ", ".join(
                    f"count(*) FILTER (WHERE '{area}' = ANY(areas)) AS a{number}"
                    for number, area in enumerate(AREAS)
                )
                + f" FROM m WHERE {others['area']}) c CROSS JOIN LATERAL (VALUES "
                + ", ".join(f"('{area}', c.a{number})" for number, area in enumerate(AREAS))
                + ") v(area, n) WHERE v.n > 0",
                f"SELECT 'kind', kind, count(*), NULL FROM m WHERE {others['kind']} "
                "AND kind IS NOT NULL GROUP BY kind",
                f"SELECT 'org', org, count(*), NULL FROM m WHERE {others['org']} "
                "AND org IS NOT NULL GROUP BY org",
                "SELECT 'year', CAST(year AS text), count(*), NULL FROM m "
                f"WHERE {others['year']} AND year IS NOT NULL GROUP BY year",
            ]
        start = (query.page - 1) * query.per_page
        if query.sort == "relevance":
            parts += self._candidates(every)
        else:
            order = {
                "newest": "published_at DESC NULLS LAST, id DESC",
                "popular": "views DESC, published_at DESC NULLS LAST, id DESC",
            }[query.sort]
            parts.append(
                "SELECT 'hit', CAST(id AS text), n, 0.0 FROM (SELECT id, "
                f"row_number() OVER (ORDER BY {order}) AS n FROM m WHERE {every} "
                f"ORDER BY {order} LIMIT :limit OFFSET :offset) h"
            )
        # The matches' facet values: what a search reads of every matching row (their small
        # rows in the heap; the whole vectors, in TOAST, only for the candidates).
        sql = (
            "WITH m AS MATERIALIZED (SELECT id, areas, kind, org, year, published_at, views "
            f"FROM {self.table} WHERE {self.match_sql}) " + " UNION ALL ".join(parts)
        )
        params = dict(self.params)
        if query.sort == "relevance":  # the candidates, ranked in Python (_rerank)
            need = 2 * (start + query.per_page)
            params.update(self._title_weights(), limit=max(CANDIDATES, need), need=need)
        else:
            params.update(limit=query.per_page, offset=start)
        total, counts, page = 0, {facet: {} for facet in FACETS}, []
        for facet, value, count, rank in self.conn.execute(text(sql), params):
            if facet == "total":
                total = count
            elif facet == "hit":
                page.append((count, int(value), float(rank)))
            else:
                counts[facet][value] = count
        facets = (
            {
                facet: dict(sorted(values.items(), key=lambda item: (-item[1], item[0])))
                for facet, values in counts.items()
            }
            if query.facets
            else {}
        )
        ranked = dict.fromkeys(doc for _n, doc, _rank in sorted(page))  # in order, once each
        scores = {doc: rank for _n, doc, rank in page if rank}
        return total, facets, [(doc, scores.get(doc, 0.0)) for doc in ranked]

    def _candidates(self, every: str) -> list[str]:
        """The parts of _run's statement listing the candidates for ranking, in order: the
        documents with the query's words in their title or tags, by the IDF of the clauses
        found there (the index tells which, reading no vector); then those having every word,
        the shortest bodies first (BM25's order among body matches of the same words); then the
        newest matches, in case neither gives a page."""
        filters = "".join(f" AND {sql}" for sql in self.filters.values())
        order = "score DESC, length, published_at DESC NULLS LAST, id DESC"
        scans = " UNION ALL ".join(
            f"SELECT id, lengths[1] AS length, published_at, CAST(:w{index} AS bigint) AS w "
            f"FROM {self.table} WHERE folded @@ CAST(:t{index} AS tsquery){filters}"
            for index in range(len(self.clauses))
        )
        parts = []
        if scans:
            parts.append(
                "SELECT 'hit', CAST(id AS text), n, score FROM (SELECT id, score, "
                f"row_number() OVER (ORDER BY {order}) AS n FROM (SELECT id, sum(w) AS score, "
                "min(length) AS length, max(published_at) AS published_at "
                f"FROM ({scans}) s GROUP BY id) t ORDER BY {order} LIMIT :limit) h"
            )
        if self.every_sql is not None:
            complete = " AND ".join([self.every_sql, *self.filters.values()])
            parts.append(
                "SELECT 'hit', CAST(id AS text), :limit + n, 0.0 FROM (SELECT id, "
                "row_number() OVER (ORDER BY lengths[4], id DESC) AS n "
                f"FROM {self.table} WHERE {complete} ORDER BY lengths[4], id DESC "
                "LIMIT :limit) c"
            )
        newest = "published_at DESC NULLS LAST, id DESC"
        parts.append(
            "SELECT 'hit', CAST(id AS text), 2 * :limit + n, 0.0 FROM (SELECT id, "
            f"row_number() OVER (ORDER BY {newest}) AS n FROM m WHERE {every} "
            f"ORDER BY {newest} LIMIT :need) f"
        )
        return parts

    def _title_weights(self) -> dict:
        """The tsquery of each clause in a title or tag (within the matches) and its weight,
        its IDF among titles and tags (a tenth for a function word)."""
        words = sorted({word for clause in self.clauses for word in clause.folded})
        docs = dict(
            self.conn.execute(
                text(
                    f"SELECT word, docs[1] + docs[2] FROM {self.backend.words} "
                    "WHERE word = ANY(:words)"
                ),
                {"words": words},
            ).all()
        )
        total, _averages = self.backend.statistics(self.conn)
        params = {}
        for index, clause in enumerate(self.clauses):
            prefixed = index in self.prefixed
            found = min(docs.get(word, 0) for word in clause.folded)
            if prefixed:  # a prefix finds more than the word: count it as a common one
                found = max(found, total // 10)
            share = ranking.FUNCTION_SHARE if clause.function else 1.0
            # In thousandths: whole numbers sum alike in any order (parallel workers' too),
            # so the same query always gets the same candidates.
            params[f"w{index}"] = round(1000 * share * ranking.idf(found, max(total, 1)))
            title = title_query(clause, prefixed)
            params[f"t{index}"] = f"{title} & ({self.match_query})" if self.match_query else title
        return params

    def _hits(self, page: list[tuple[int, float]]) -> list[Hit]:
        """Hits with their snippets for (id, score) pairs."""
        if not page:
            return []
        rows = {
            row.id: row
            for row in self.conn.execute(
                text(
                    f"SELECT id, title, kind, areas, summary, body FROM {self.table} "
                    "WHERE id = ANY(:ids)"
                ),
                {"ids": [doc for doc, _rank in page]},
            )
        }
        regex = pattern(self.clauses)
        return [
            Hit(
                id=doc,
                score=rank,
                snippet_html=snippet([rows[doc].summary, rows[doc].body], regex),
                title=rows[doc].title,
                kind=rows[doc].kind,
                areas=tuple(sorted(rows[doc].areas, key=area_order)),
            )
            for doc, rank in page
            if doc in rows
        ]

    def _rerank(self, candidates: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """The requested page of the candidates in the Whoosh backend's BM25F order (see
        postgres_rank.py), as (id, score)."""
        clauses, prefixed = self.clauses, self.prefixed
        params: dict = {"ids": [doc for doc, _score in candidates]}
        params["keep"] = postgres_rank.lexemes(clauses)
        tests = []
        for number in range(len(prefixed)):
            params[f"p{number}"] = self.params[f"p{number}"]
            tests.append(f"t.folded @@ CAST(:p{number} AS tsquery)")
        prefixes = f"ARRAY[{', '.join(tests)}]" if tests else "CAST(ARRAY[] AS boolean[])"
        # One row per candidate, its vector cut to the lexemes ranking reads, as text (which
        # costs less to read than a row per lexeme with its arrays).
        rows = self.conn.execute(
            text(
                f"SELECT t.id, t.published_at, t.superseded, t.lengths, {prefixes} AS prefixes, "
                "CAST(ts_delete(t.folded, tsvector_to_array(ts_delete(t.folded, "
                f"CAST(:keep AS text[])))) AS text) AS vector FROM {self.table} t "
                "WHERE t.id = ANY(:ids)"
            ),
            params,
        )
        found: dict[int, postgres_rank.Candidate] = {}
        for row in rows:
            published = int(row.published_at.timestamp()) if row.published_at else 0
            candidate = found[row.id] = postgres_rank.Candidate(
                row.id, published, row.superseded, tuple(row.lengths), tuple(row.prefixes)
            )
            candidate.add_vector(row.vector)
        words = self.backend.words
        counts = {
            word: tuple(docs)
            for word, docs in self.conn.execute(
                text(f"SELECT word, docs FROM {words} WHERE word = ANY(:keep)"), params
            )
        }
        prefix_counts = [
            self.conn.scalar(
                text(
                    f"SELECT coalesce(max(docs[1] + docs[2]), 0) FROM {words} "
                    "WHERE word >= :start AND word < :end AND strpos(word, ' ') = 0"
                ),
                {"start": clauses[i].folded[0], "end": clauses[i].folded[0] + "\U0010ffff"},
            )
            for i in prefixed
        ]
        total, averages = self.backend.statistics(self.conn)
        ranked = list(found.values())
        query = self.query
        start = (query.page - 1) * query.per_page
        order, keys = postgres_rank.rank(
            ranked,
            clauses,
            prefixed,
            counts,
            prefix_counts,
            total,
            averages,
            start,
            query.per_page,
        )
        return [(ranked[number].id, float(keys[number])) for number in order]

    # Spelling (the look-ups of understanding.correct) ------------------------------------------

    def docs(self, word: str) -> int:
        """Documents having a folded word; for a rare one, the counts of the syllables one
        edit away are read at once too (correction asks for them next)."""
        if word not in self._docs:
            self._docs[word] = self._count(quote(word))
            if self._docs[word] <= RARE_DOCS:
                self._count_words(near_syllables(word) - set(self._docs))
        return self._docs[word]

    def _count_words(self, words: set[str]) -> None:
        """Count, in one statement, the documents of each word (0 for words never indexed)."""
        rows = self.conn.execute(
            text(
                "SELECT word, (SELECT count(*) FROM "
                f"{self.table} WHERE folded @@ CAST(quote_literal(word) AS tsquery)) "
                f"FROM {self.backend.words} WHERE word = ANY(:words)"
            ),
            {"words": sorted(words)},
        )
        self._docs.update(dict.fromkeys(words, 0))
        self._docs.update(dict(rows.all()))

    def pair_docs(self, first: str, second: str) -> int:
        """Documents having the two folded words next to each other."""
        key = (first, second)
        if key not in self._pairs:
            self._pairs[key] = self._count(quote(f"{first} {second}"))  # the pair's lexeme
        return self._pairs[key]


class _Nothing:
    """The search of a query no document can match (see too_long)."""

    clauses: list[Clause] = []

    def __init__(self, query: SearchQuery):
        """Remember what to answer."""
        self.query = query

    def complete(self) -> bool:
        """Nothing matches."""
        return False

    def results(self, suggestion: str | None = None) -> SearchResults:
        """No hits, empty facets."""
        query = self.query
        facets = {facet: {} for facet in FACETS} if query.facets else {}
        return SearchResults(0, query.page, query.per_page, facets=facets)


def _narrow_rows(conn, table: str) -> None:
    """Keep in the row only what a search reads of every match (the facet values, lengths,
    and the autocomplete key and the stamp): the vector and the texts go to TOAST
    (toast_tuple_target), so the matches' rows are small, many to a page."""
    small = ("areas", "kind", "org", "stamp", "lengths", "title_key")
    conn.execute(
        text(
            f"ALTER TABLE {table} "
            + ", ".join(f"ALTER COLUMN {name} SET STORAGE MAIN" for name in small)
        )
    )


def _count_words(conn, table: str, words: str, where: str, params: dict, sign: int) -> None:
    """Add (`sign` 1) or take off (-1) the documents of `table` matching `where` to the counts of
    their words per field (title, tags, summary, body), which ranking's IDF reads; words are
    written in order, so that two writers never wait for each other in a cycle."""
    counts = ", ".join(
        f"{sign} * count(*) FILTER (WHERE '{weight}' = ANY(u.weights))" for weight in "ABCD"
    )
    added = ", ".join(f"{words}.docs[{n}] + excluded.docs[{n}]" for n in range(1, 5))
    conn.execute(
        text(
            f"INSERT INTO {words} (word, docs) SELECT u.lexeme, ARRAY[{counts}] "
            f"FROM {table} t, unnest(t.folded) u WHERE ({where}) AND u.positions IS NOT NULL "
            "GROUP BY u.lexeme ORDER BY 1 "
            f"ON CONFLICT (word) DO UPDATE SET docs = ARRAY[{added}]"
        ),
        params,
    )


def _missing_table(error: DBAPIError) -> bool:
    """True when a statement failed because a table does not exist."""
    return getattr(error.orig, "sqlstate", None) == "42P01"


def _missing_column(error: DBAPIError) -> bool:
    """True when a statement failed because a column does not exist (a table made by an
    older version: `_prepare_database` adds it)."""
    return getattr(error.orig, "sqlstate", None) == "42703"


def _unavailable(error: DBAPIError) -> SearchUnavailable:
    """The SearchUnavailable for a database failure."""
    if _missing_table(error):
        return SearchUnavailable(
            "the search index has not been built in the database: run `flask search reindex`"
        )
    if _missing_column(error):
        return SearchUnavailable(OLDER_TABLES)
    return SearchUnavailable(f"the search database cannot answer: {error.orig}")
