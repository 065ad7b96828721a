"""Search relevance benchmark: the queries workers type, judged by hand, over the shared corpus.

    .venv/bin/python bench/relevance.py                         # the product (Whoosh) and BM25
    .venv/bin/python bench/relevance.py --limit 3000 --per-query
    tests/with_postgres.sh .venv/bin/python bench/relevance.py --backends whoosh,postgres
    .venv/bin/python bench/relevance.py --json > relevance.json

The judged set (`bench/relevance_queries.jsonl`, one query a line) holds queries written the way
workers type them on a phone, each labelled with its kind (`question`, `everyday`, `abbrev`,
`telex`, `typo`, `folding`, `title`), whether it carries diacritics, and its graded judgements:
the corpus ids of the documents that answer it (2) and of related ones (1), found by reading the
corpus (bench/relevance_explore.py), not from any engine's answers. `bench/relevance_heldout.jsonl`
(`--queries`) holds 50 more worker-style queries judged the same way, kept apart from the set the
synonym list was chosen with, to check that what helps one set helps questions it has not seen.

The systems search the same documents, the corpus `vi_corpus.jsonl.gz` (13,278 records):

* `whoosh`: the product's Whoosh backend (`WhooshBackend.rebuild`, then `search`, as the app
  does for `flask search reindex` and `/api/v1/search`), with the built-in synonyms;
* `postgres`: the product's PostgreSQL backend on a database `bench_relevance` of the server of
  `--database-url` (default: LIBRARY_TEST_DATABASE_URL, which tests/with_postgres.sh sets);
* `bm25`: the baseline, Whoosh 2.7.4 BM25F over title and body, the OR of the query's words,
  both folded the same way (NFC, lowercase, accent_map, đ→d).

For each system: MRR@10 (the first document judged 2 within the top 10), nDCG@10 (grades 2 and
1, gain 2^g - 1), Recall@10 (judged-2 documents in the top 10, out of at most 10) and the share of
queries with no result at all, overall, by diacritics and by kind; then the goals. With
`--limit N` the index holds every judged document and the first others of the corpus up to N.
Built indexes are kept in `--dir` (default /tmp/relevance-bench) under a key of the documents
and of the code of library/search, so a re-run with the same code and documents only searches.
"""

import argparse
import gzip
import hashlib
import json
import math
import os
import shutil
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from whoosh.analysis import Filter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS_NAME = "shared/data/vi_corpus.jsonl.gz"
CORPUS = ROOT.parent / CORPUS_NAME
QUERIES = Path(__file__).with_name("relevance_queries.jsonl")
KINDS = ("question", "everyday", "abbrev", "telex", "typo", "folding", "title")
WORKER_KINDS = KINDS[:-1]
TOP = 10
WORKER_GAIN = 1.5  # worker-style MRR@10 at least this times the baseline's
TITLE_MRR = 0.95
START = datetime(2016, 1, 1, tzinfo=UTC)
DOCS_VERSION = "docs-1"  # change when library_docs changes what it gives the product


# The corpus and the judged queries ---------------------------------------------------------------


def find_corpus(given: str | None) -> Path | None:
    """The corpus file: `--corpus`, else ../shared/data beside the project (or beside the folder
    of worktrees the project is in)."""
    if given:
        return Path(given) if Path(given).exists() else None
    for path in (CORPUS, ROOT.parents[1] / CORPUS_NAME):
        if path.exists():
            return path
    return None


def load_corpus(path: Path) -> list[dict]:
    """The records ({id, title, body, source, license}) in corpus order."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def load_queries(path: Path) -> list[dict]:
    """The judged queries; each must have a kind, a diacritics flag and a document judged 2."""
    queries = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            query = json.loads(line)
            if query.get("kind") not in KINDS or not isinstance(query.get("diacritics"), bool):
                raise SystemExit(f"{path}:{number}: kind or diacritics missing or unknown")
            if 2 not in query["relevant"].values():
                raise SystemExit(f"{path}:{number}: no document judged 2 (answers it)")
            queries.append(query)
    return queries


def select(records: list[dict], queries: list[dict], limit: int | None) -> list[dict]:
    """The records to index: all, or every judged one plus the first others up to `limit`."""
    if not limit or limit >= len(records):
        return records
    judged = {doc for query in queries for doc in query["relevant"]}
    chosen = [r for r in records if r["id"] in judged]
    for record in records:
        if len(chosen) >= limit:
            break
        if record["id"] not in judged:
            chosen.append(record)
    return chosen


def library_docs(records: list[dict]) -> list[dict]:
    """The records as the product's search documents (ids 1..N in corpus order): a legal article
    as a legal digest of the politics-law area, a Wikipedia article as a book; the first 240
    characters of the body as summary, as bench/search.py does; publication dates spread over
    ten years, so that no order of the corpus decides ties."""
    docs = []
    for number, record in enumerate(records, 1):
        legal = record["id"].startswith("phapdien")
        docs.append(
            {
                "id": number,
                "title": record["title"][:300],
                "summary": record["body"][:240],
                "body": record["body"],
                "tags": [],
                "areas": ["politics-law" if legal else "life-skills"],
                "kind": "legal_digest" if legal else "book",
                "org": "so-ldtbxh" if legal else "so-vhtt",
                "published_at": START + timedelta(days=(number * 7919) % 3650),
                "views": 0,
                "superseded": False,
            }
        )
    return docs


def build_key(records: list[dict], *parts: str) -> str:
    """A short key of the documents and of `parts` (code that decides what an index holds)."""
    digest = hashlib.sha256()
    for record in records:
        digest.update(record["id"].encode())
    for part in parts:
        digest.update(part.encode())
    return digest.hexdigest()[:16]


def forget_builds(folder: Path, prefix: str, count: int) -> None:
    """Remove the earlier builds of `prefix` of as many documents (other code, other judged
    documents): each takes tens of MB, and a changed search would leave one per change. A build
    never finished (no `built` mark) goes too."""
    for old in folder.glob(f"{prefix}*"):
        mark = old / "built"
        if not mark.exists() or mark.read_text().strip() == str(count):
            shutil.rmtree(old, ignore_errors=True)


def search_code() -> str:
    """The source and data of library/search (the built-in synonyms are a text file): an index
    built by other code or with other synonyms is rebuilt."""
    folder = ROOT / "library" / "search"
    paths = sorted([*folder.glob("*.py"), *folder.glob("*.txt")])
    return "".join(path.read_text(encoding="utf-8") for path in paths)


# The systems: each returns `search(text) -> list of corpus ids, best first (at most TOP)` --------


def product_whoosh(records: list[dict], folder: Path, log: Callable) -> Callable:
    """The product's Whoosh backend on an index of `records` in `folder` (built once per key)."""
    from library.search.base import SearchQuery
    from library.search.whoosh_backend import WhooshBackend

    key = build_key(records, DOCS_VERSION, search_code())
    where = folder / f"whoosh-{key}"
    if not (where / "built").exists():
        forget_builds(folder, "whoosh-", len(records))
        log(f"building the product's Whoosh index of {len(records):,} documents in {where} ...")
        start = time.perf_counter()
        backend = WhooshBackend(where / "index")
        backend.rebuild(library_docs(records))
        backend.close()
        (where / "built").write_text(str(len(records)))
        log(f"  built in {time.perf_counter() - start:.0f} s")
    backend = WhooshBackend(where / "index")
    return hits_of(backend, records, SearchQuery)


def product_postgres(records: list[dict], database_url: str, log: Callable) -> Callable:
    """The product's PostgreSQL backend on a database `bench_relevance` of the server of
    `database_url`, filled once per key (the key is kept in a table of that database)."""
    from sqlalchemy import create_engine, make_url, text

    from library.search.base import SearchQuery
    from library.search.postgres_backend import PostgresBackend

    key = build_key(records, DOCS_VERSION, search_code())
    url = make_url(database_url).set(database="bench_relevance")
    if stored_key(database_url) != key:
        log(f"filling the product's PostgreSQL search tables with {len(records):,} documents ...")
        start = time.perf_counter()
        admin = create_engine(make_url(database_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "bench_relevance" WITH (FORCE)'))
            conn.execute(text('CREATE DATABASE "bench_relevance"'))
        admin.dispose()
        backend = PostgresBackend(create_engine(url), own_engine=True)
        backend.rebuild(library_docs(records))
        backend.close()
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE bench_relevance_key (key text)"))
            conn.execute(text("INSERT INTO bench_relevance_key VALUES (:k)"), {"k": key})
        engine.dispose()
        log(f"  filled in {time.perf_counter() - start:.0f} s")
    backend = PostgresBackend(create_engine(url), own_engine=True)
    return hits_of(backend, records, SearchQuery)


def stored_key(database_url: str) -> str | None:
    """The key of what database `bench_relevance` holds, if it exists and was completed."""
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(make_url(database_url).set(database="bench_relevance"))
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT key FROM bench_relevance_key"))
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def hits_of(backend, records: list[dict], query_class) -> Callable:
    """`search(text)` over a product backend: the corpus ids of its first page of TOP hits."""
    ids = [record["id"] for record in records]

    def search(text: str) -> list[str]:
        """One query, the way the search page asks (relevance order, first page)."""
        results = backend.search(query_class(text=text, per_page=TOP, facets=False))
        return [ids[hit.id - 1] for hit in results.hits]

    return search


def baseline_analyzer():
    """NFC, words, lowercase, accents off (Whoosh's accent_map, plus đ→d, which Unicode does not
    decompose)."""
    from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer
    from whoosh.support.charset import accent_map

    folding = dict(accent_map)
    folding.update({ord("đ"): "d", ord("Đ"): "d"})
    return RegexTokenizer(r"\w+") | NFCFilter() | LowercaseFilter() | CharsetFilter(folding)


class NFCFilter(Filter):
    """Compose each token's characters (263 legal records are decomposed, NFD). (At module
    level: Whoosh pickles the analyzer into the index.)"""

    def __call__(self, tokens):
        """The tokens, composed."""
        for token in tokens:
            token.text = unicodedata.normalize("NFC", token.text)
            yield token


def baseline_bm25(records: list[dict], folder: Path, log: Callable) -> Callable:
    """Whoosh 2.7.4 BM25F over title and body, OR of the folded words of the query."""
    from whoosh import index
    from whoosh import query as wq
    from whoosh.fields import ID, TEXT, Schema

    analyzer = baseline_analyzer()
    where = folder / f"bm25-{build_key(records, 'bm25-1')}"
    if not (where / "built").exists():
        forget_builds(folder, "bm25-", len(records))
        where.mkdir(parents=True)
        log(f"building the BM25 baseline of {len(records):,} documents in {where} ...")
        start = time.perf_counter()
        schema = Schema(
            id=ID(stored=True, unique=True),
            title=TEXT(analyzer=analyzer),
            body=TEXT(analyzer=analyzer),
        )
        writer = index.create_in(where, schema).writer(limitmb=256)
        for record in records:
            writer.add_document(id=record["id"], title=record["title"], body=record["body"])
        writer.commit()
        (where / "built").write_text(str(len(records)))
        log(f"  built in {time.perf_counter() - start:.0f} s")
    searcher = index.open_dir(where).searcher()

    def search(text: str) -> list[str]:
        """The OR of every folded word in either field, BM25F ranked."""
        words = sorted({token.text for token in analyzer(unicodedata.normalize("NFC", text))})
        if not words:
            return []
        either = wq.Or([wq.Term(field, w) for w in words for field in ("title", "body")])
        return [hit["id"] for hit in searcher.search(either, limit=TOP)]

    return search


# Measures ---------------------------------------------------------------------------------------


def judge(ranked: list[str], relevant: dict[str, int]) -> dict:
    """The measures of one ranked list against one query's graded judgements."""
    answers = {doc for doc, grade in relevant.items() if grade >= 2}
    first = next((n for n, doc in enumerate(ranked[:TOP], 1) if doc in answers), None)
    dcg = sum(
        (2 ** relevant.get(doc, 0) - 1) / math.log2(n + 1) for n, doc in enumerate(ranked[:TOP], 1)
    )
    ideal = sorted(relevant.values(), reverse=True)[:TOP]
    best = sum((2**grade - 1) / math.log2(n + 1) for n, grade in enumerate(ideal, 1))
    found = len(answers & set(ranked[:TOP]))
    return {
        "rank": first,
        "rr": 1 / first if first else 0.0,
        "ndcg": dcg / best if best else 0.0,
        "recall": found / min(len(answers), TOP),
        "empty": not ranked,
    }


def summary(rows: list[dict]) -> dict:
    """Mean measures of a group of queries."""
    if not rows:
        return {"queries": 0}
    return {
        "queries": len(rows),
        "mrr": statistics.fmean(r["rr"] for r in rows),
        "ndcg": statistics.fmean(r["ndcg"] for r in rows),
        "recall": statistics.fmean(r["recall"] for r in rows),
        "no_result": statistics.fmean(r["empty"] for r in rows),
    }


def groups(queries: list[dict]) -> dict[str, list[int]]:
    """Query positions per group: all, worker-style, title-like, diacritics yes/no, each kind."""
    named = {
        "all": list(range(len(queries))),
        "worker-style": [n for n, q in enumerate(queries) if q["kind"] != "title"],
        "worker, with diacritics": [
            n for n, q in enumerate(queries) if q["kind"] != "title" and q["diacritics"]
        ],
        "worker, without diacritics": [
            n for n, q in enumerate(queries) if q["kind"] != "title" and not q["diacritics"]
        ],
        "with diacritics": [n for n, q in enumerate(queries) if q["diacritics"]],
        "without diacritics": [n for n, q in enumerate(queries) if not q["diacritics"]],
    }
    for kind in KINDS:
        named[f"kind {kind}"] = [n for n, q in enumerate(queries) if q["kind"] == kind]
    return named


def run_system(search: Callable, queries: list[dict]) -> tuple[list[dict], list[float]]:
    """Each query's measures and ranked ids, and the milliseconds each took."""
    rows, timings = [], []
    for query in queries:
        start = time.perf_counter()
        ranked = search(query["query"])
        timings.append((time.perf_counter() - start) * 1000)
        rows.append({**judge(ranked, query["relevant"]), "ranked": ranked[:TOP]})
    return rows, timings


def goals(report: dict, baseline: str = "bm25") -> list[tuple[str, str, bool]]:
    """(system, goal, met) for each product system (a goal whose queries were left out by
    --kinds is not judged)."""
    results = []
    base = report[baseline]["groups"]
    for system, figures in report.items():
        if system == baseline:
            continue
        mine = figures["groups"]
        if mine["worker-style"]["queries"]:
            wanted = WORKER_GAIN * base["worker-style"]["mrr"]
            got = mine["worker-style"]["mrr"]
            goal = f"worker-style MRR@10 {got:.3f} >= {WORKER_GAIN} x baseline ({wanted:.3f})"
            results.append((system, goal, got >= wanted))
        if mine["kind title"]["queries"]:
            got = mine["kind title"]["mrr"]
            results.append(
                (system, f"title-like MRR@10 {got:.3f} >= {TITLE_MRR}", got >= TITLE_MRR)
            )
        worse = [
            kind
            for kind in KINDS
            if mine[f"kind {kind}"]["queries"]
            and mine[f"kind {kind}"]["mrr"] < base[f"kind {kind}"]["mrr"]
        ]
        below = f" (below: {', '.join(worse)})" if worse else ""
        results.append((system, "no kind below the baseline's MRR@10" + below, not worse))
    return results


def print_table(report: dict) -> None:
    """The figures of every system, group by group."""
    systems = list(report)
    names = list(next(iter(report.values()))["groups"])
    header = f"{'group':28} {'n':>4}  " + "  ".join(
        f"{s + ' MRR':>12} {'nDCG':>6} {'R@10':>6} {'none':>5}" for s in systems
    )
    print(header)
    print("-" * len(header))
    for name in names:
        cells = []
        for system in systems:
            g = report[system]["groups"][name]
            cells.append(
                f"{g['mrr']:12.3f} {g['ndcg']:6.3f} {g['recall']:6.3f} {g['no_result']:5.0%}"
                if g["queries"]
                else f"{'-':>12} {'-':>6} {'-':>6} {'-':>5}"
            )
        count = report[systems[0]]["groups"][name]["queries"]
        print(f"{name:28} {count:4}  " + "  ".join(cells))
    print()
    for system in systems:
        cuts = report[system]["latency_ms"]
        print(f"{system:9} latency p50 {cuts['p50']:7.1f} ms   p95 {cuts['p95']:7.1f} ms")


def print_misses(report: dict, queries: list[dict], titles: dict[str, str]) -> None:
    """Per query: the rank of its first answer in each system, and each system's first hit."""
    for number, query in enumerate(queries):
        ranks = "  ".join(f"{s}:{report[s]['queries'][number]['rank'] or '-':>2}" for s in report)
        print(f"[{query['kind']:8}] {ranks}  {query['query']}")
        for system in report:
            ranked = report[system]["queries"][number]["ranked"]
            top = titles.get(ranked[0], "")[:90] if ranked else "(no result)"
            print(f"             {system:9} 1st: {top}")


def measure(systems: dict[str, Callable], queries: list[dict]) -> dict:
    """Every system on every query: measures per query, per group, and latency."""
    report = {}
    named = groups(queries)
    for system, search in systems.items():
        rows, timings = run_system(search, queries)
        cuts = statistics.quantiles(timings, n=100) if len(timings) > 1 else timings * 99
        report[system] = {
            "groups": {
                name: summary([rows[n] for n in members]) for name, members in named.items()
            },
            "latency_ms": {"p50": cuts[49], "p95": cuts[94]},
            "queries": [
                {"query": q["query"], "kind": q["kind"], **row}
                for q, row in zip(queries, rows, strict=True)
            ],
        }
    return report


def main(argv=None) -> None:
    """Parse the arguments, build or reuse the indexes, measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", "--backend", default="whoosh", help="whoosh, postgres")
    parser.add_argument("--limit", type=int, help="documents to index (default: the corpus)")
    parser.add_argument("--queries", default=str(QUERIES), help="judged queries (JSON lines)")
    parser.add_argument("--corpus", help=f"the corpus (default: ../{CORPUS_NAME})")
    parser.add_argument("--dir", default="/tmp/relevance-bench", help="where indexes are kept")
    parser.add_argument("--database-url", default=os.environ.get("LIBRARY_TEST_DATABASE_URL"))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--per-query", action="store_true", help="print every query's ranks")
    parser.add_argument("--kinds", help=f"only these kinds, comma-separated ({', '.join(KINDS)})")
    args = parser.parse_args(argv)
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    unknown = set(backends) - {"whoosh", "postgres"}
    if unknown:
        parser.error(f"unknown backend {', '.join(sorted(unknown))} (whoosh, postgres)")
    if "postgres" in backends and not args.database_url:
        parser.error(
            "--backend postgres needs --database-url or LIBRARY_TEST_DATABASE_URL "
            "(run it under tests/with_postgres.sh)"
        )
    corpus = find_corpus(args.corpus)
    if corpus is None:
        raise SystemExit(
            f"the corpus is missing: put vi_corpus.jsonl.gz at {CORPUS} (../{CORPUS_NAME} beside "
            "the project; see the data README) or give --corpus PATH"
        )
    log = (lambda line: print(line, file=sys.stderr)) if args.json else print
    queries = load_queries(Path(args.queries))
    if args.kinds:
        wanted = set(args.kinds.split(","))
        if wanted - set(KINDS):
            parser.error(f"unknown kind {', '.join(sorted(wanted - set(KINDS)))}")
        queries = [query for query in queries if query["kind"] in wanted]
    records = select(load_corpus(corpus), queries, args.limit)
    known = {record["id"] for record in records}
    missing = {doc for query in queries for doc in query["relevant"]} - known
    if missing:
        raise SystemExit(f"judged documents not in the corpus: {', '.join(sorted(missing)[:5])}")
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    systems = {}
    if "whoosh" in backends:
        systems["whoosh"] = product_whoosh(records, folder, log)
    if "postgres" in backends:
        systems["postgres"] = product_postgres(records, args.database_url, log)
    systems["bm25"] = baseline_bm25(records, folder, log)
    report = measure(systems, queries)
    met = goals(report)
    if args.json:
        out = {
            "documents": len(records),
            "queries": len(queries),
            "systems": report,
            "goals": [{"system": s, "goal": g, "met": ok} for s, g, ok in met],
        }
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return
    worker = len(groups(queries)["worker-style"])
    print(
        f"\n{len(records):,} documents, {len(queries)} judged queries "
        f"({worker} worker-style, {len(queries) - worker} title-like), top {TOP}\n"
    )
    if args.per_query:
        print_misses(report, queries, {r["id"]: r["title"] for r in records})
        print()
    print_table(report)
    print()
    for system, goal, ok in met:
        print(f"{system:9} {'met   ' if ok else 'MISSED'}  {goal}")


if __name__ == "__main__":
    main()
