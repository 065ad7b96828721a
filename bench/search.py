"""Search benchmark: build indexes of N documents from real Vietnamese text, time a query mix.

    .venv/bin/python bench/search.py                    # 10,000 and 100,000 documents
    .venv/bin/python bench/search.py --sizes 2000 --queries 200
    .venv/bin/python bench/search.py --backend postgres \
        --database-url postgresql+psycopg://user@127.0.0.1:5432/postgres   # PostgreSQL search

For each size it prints the build time (full rebuild, the path `flask search reindex` takes), the
size on disk, the time to reopen the searcher after a commit, and p50/p95 of a fixed mix of
queries (seeded: 1-4 consecutive words of a random corpus text, half typed without diacritics,
half with an area filter, facets on) run twice: cold (first use of every term after opening)
and warm. Queries go straight to the backend (`through_backend`) and through the Flask app
(`through_app`: GET /api/v1/search with the Flask test client). For the app path the N materials
are also inserted as database rows (SQLAlchemy core bulk inserts, ids equal to the document ids)
in a real app on the temporary folder, and the index is built by that app's backend in the
folder the app uses, so both paths search the same index. Both then run the same queries again,
warm and interleaved query by query, and the median of `--rounds` timings of each query gives
p50/p95 per path and the ratio app/straight. Other paths plug in by adding a function to PATHS
that takes (a fresh backend, the app's configuration) and returns a `search(query)` callable.

With `--backend postgres` the app runs on PostgreSQL (a database `bench_search_N` per size, made
afresh on the server of `--database-url`) with SEARCH_BACKEND = "postgres": the same rows, the
index in that database's search tables, its size as PostgreSQL reports it.
"""

import argparse
import itertools
import json
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus import read_corpus  # noqa: E402
from sqlalchemy import bindparam, insert, update  # noqa: E402
from whoosh import query as wq  # noqa: E402
from whoosh import sorting  # noqa: E402

from library.search.analysis import WORD, fold, normalize  # noqa: E402
from library.search.base import AREAS, KINDS, SearchQuery  # noqa: E402
from library.search.query import parse  # noqa: E402
from library.search.whoosh_backend import WhooshBackend  # noqa: E402
from library.search.whoosh_schema import CODE_FIELDS, TEXT_FIELDS  # noqa: E402

ORGS = ("so-vhtt", "so-gddt", "so-ldtbxh", "so-tttt", "ldld-tinh", "cdcs-kcn-1", "cdcs-kcn-2")
TAGS = ("an toàn lao động", "công đoàn", "kỹ năng số", "sức khoẻ", "pháp luật", "học tập")
START = datetime(2015, 1, 1, tzinfo=UTC)
GOALS = {10_000: 50.0, 100_000: 150.0}  # p95 through the app, ms
MAX_RATIO = 1.5  # app / straight, at p50 and p95


def make_docs(texts: list[dict], count: int, seed: int = 1) -> Iterator[dict]:
    """`count` library documents cycling through the texts with varied metadata."""
    rng = random.Random(seed)
    for number in range(count):
        text = texts[number % len(texts)]
        copy = number // len(texts)
        body = text["body"]
        yield {
            "id": number + 1,
            # (titles fit the column: 300 characters, which PostgreSQL enforces)
            "title": (text["title"] if not copy else f"{text['title']} ({copy + 1})")[:300],
            "summary": body[:240],
            "body": body,
            "tags": rng.sample(TAGS, rng.randint(0, 2)),
            "areas": rng.sample(AREAS, rng.choice((1, 1, 2))),
            "kind": rng.choice(KINDS),
            "org": rng.choice(ORGS),
            "published_at": START + timedelta(days=rng.randint(0, 3650)),
            "views": int(rng.paretovariate(1.2) * 10),
            "superseded": rng.random() < 0.05,
        }


def make_queries(texts: list[dict], count: int = 500, seed: int = 7) -> list[SearchQuery]:
    """The fixed query mix (see the module docstring)."""
    rng = random.Random(seed)
    queries = []
    for number in range(count):
        text = rng.choice(texts)
        words = WORD.findall(normalize(rng.choice((text["title"], text["body"]))))
        size = rng.randint(1, 4)
        start = rng.randrange(max(1, len(words) - size + 1))
        phrase = " ".join(words[start : start + size]).lower()
        phrase = fold(phrase) if number % 2 else phrase
        area = rng.choice(AREAS) if number % 4 < 2 else None
        queries.append(SearchQuery(text=phrase, area=area, facets=True))
    return queries


def through_backend(backend: WhooshBackend, config=None) -> Callable[[SearchQuery], object]:
    """Queries straight to the search backend."""
    return backend.search


def through_whoosh_scoring(backend: WhooshBackend, config=None) -> Callable[[SearchQuery], object]:
    """For comparison only: the same words as a Whoosh query on the same index, ranked by
    Whoosh's BM25F top-N collector, facets by `groupedby`, the exact total from the results
    (no synonyms, prefixes or exact-diacritics bonus: the core the backend replaces)."""
    searcher = backend.store.open_searcher()
    facets = {
        name: sorting.FieldFacet(field, allow_overlap=True) for name, field in CODE_FIELDS.items()
    }

    def search(query: SearchQuery):
        """Run one query the Whoosh way."""
        words = [w for clause in parse(query.text) for w in clause.folded]
        either = [wq.Or([wq.Term(f"{f}_f", w) for f in TEXT_FIELDS]) for w in words]
        area = wq.Term("areas", query.area) if query.area else None
        results = searcher.search(
            wq.And(either) if either else wq.Every(), limit=10, filter=area, groupedby=facets
        )
        return _Counted(len(results), [results.groups(name) for name in facets])

    return search


class _Counted:
    """What through_whoosh_scoring returns: the total, and the facets to keep them computed."""

    def __init__(self, total: int, facets: list):
        """Keep the total and facets."""
        self.total, self.facets = total, facets


def through_app(backend: WhooshBackend, config: dict) -> Callable[[SearchQuery], object]:
    """Queries as GET /api/v1/search through the Flask test client of an app created now on
    `config` (a server just started: its own backend, nothing cached). Each request gets its own
    app context and database session, as under a server. `backend` is not used: the app makes
    its own on the same index folder."""
    from library import create_app

    app = create_app(config)
    client = app.test_client(use_cookies=False)

    def search(query: SearchQuery):
        """One request; the JSON is decoded only when the answer is read."""
        response = client.get("/api/v1/search", query_string=api_args(query))
        if response.status_code != 200:
            raise RuntimeError(f"/api/v1/search answered {response.status_code}: {response.text}")
        return _Answer(response)

    search.app = app
    return search


def api_args(query: SearchQuery) -> dict:
    """The request arguments that make the API run exactly `query` (per_page too: the API's
    default is 20, the mix's 10)."""
    args = {"q": query.text, "per_page": query.per_page}
    if query.area:
        args["area"] = query.area
    return args


class _Answer:
    """What through_app returns: the response, read on demand."""

    def __init__(self, response):
        """Keep the response."""
        self.response = response

    @property
    def json(self) -> dict:
        """The decoded answer."""
        return self.response.get_json()

    @property
    def total(self) -> int:
        """The exact total."""
        return self.json["total"]


PATHS: dict[str, Callable] = {
    "backend": through_backend,
    "through_app": through_app,
    "whoosh": through_whoosh_scoring,
}


def app_config(
    folder: Path, count: int, database_url: str | None = None, keep: bool = False
) -> dict:
    """Settings of the app for one size: a SQLite file, uploads and the index in `folder`; or
    a fresh PostgreSQL database for the rows and the index (`database_url` names the server;
    with `keep`, the database of an earlier run is used again when it has its materials)."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / f'library-{count}.db'}",
        "UPLOAD_FOLDER": str(folder / f"uploads-{count}"),
        "SEARCH_INDEX_DIR": str(folder / f"index-{count}"),
        "SEARCH_SYNONYMS": None,  # the built-in list, as the straight backend uses
        "RATELIMIT_ENABLED": False,  # thousands of anonymous requests from one address
    }
    if database_url:
        name = f"bench_search_{count}"
        kept = kept_database(database_url, name, count) if keep else None
        config["SQLALCHEMY_DATABASE_URI"] = kept or fresh_database(database_url, name)
        config["KEPT"] = kept is not None
        config["SEARCH_BACKEND"] = "postgres"
    return config


def clear_size(folder: Path, count: int) -> None:
    """Remove what an earlier run left for this size in `folder` (a --dir used again)."""
    for name in (f"library-{count}.db", f"uploads-{count}", f"index-{count}"):
        path = folder / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def kept_database(server_url: str, name: str, count: int) -> str | None:
    """The URL of database `name` if an earlier run filled it with `count` materials."""
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.exc import SQLAlchemyError

    url = make_url(server_url).set(database=name)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.scalar(text("SELECT count(*) FROM materials"))
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    return url.render_as_string(hide_password=False) if found == count else None


def fresh_database(server_url: str, name: str) -> str:
    """Drop and create database `name` on the server of `server_url`; return its URL."""
    from sqlalchemy import create_engine, make_url, text

    url = make_url(server_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def new_backend(config: dict, procs=None):
    """A backend of the configured kind, with nothing cached (as in a server just started)."""
    if config.get("SEARCH_BACKEND") == "postgres":
        from sqlalchemy import create_engine

        from library.search.postgres_backend import PostgresBackend

        engine = create_engine(config["SQLALCHEMY_DATABASE_URI"])
        return PostgresBackend(engine, own_engine=True)
    return WhooshBackend(config["SEARCH_INDEX_DIR"], procs=procs)


def index_size(backend) -> int:
    """Bytes the index takes: its files, or its PostgreSQL tables with their indexes."""
    if hasattr(backend, "store"):
        return disk_size(backend.store.root / backend.store.current())
    from sqlalchemy import text

    with backend.engine.connect() as conn:
        return conn.scalar(
            text("SELECT pg_total_relation_size(:t) + pg_total_relation_size(:w)"),
            {"t": backend.table, "w": backend.words},
        )


def batched(items, size: int) -> Iterator[list]:
    """Lists of up to `size` items."""
    items = iter(items)
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def fill_database(app, texts: list[dict], count: int, batch: int = 5000) -> float:
    """Create the schema and insert the `count` documents of make_docs as published materials
    (with their organisations, areas and tags; ids equal to the document ids); return seconds."""
    from library.cli import prepare_database
    from library.extensions import db
    from library.models import Material, Organisation, Tag
    from library.models.materials import material_areas, material_tags

    start = time.perf_counter()
    materials = Material.__table__
    orgs = {code: number for number, code in enumerate(ORGS, 1)}
    tags = {name: number for number, name in enumerate(TAGS, 1)}
    with app.app_context():
        prepare_database()
        with db.engine.begin() as conn:
            conn.execute(
                insert(Organisation.__table__),
                [
                    {
                        "id": number,
                        "code": code,
                        "name": code,
                        "type": "department",
                        "workers": None,
                        "requires_review": False,
                        "created_at": START,
                    }
                    for code, number in orgs.items()
                ],
            )
            conn.execute(
                insert(Tag.__table__), [{"id": n, "name": name} for name, n in tags.items()]
            )
            superseded = []
            for docs in batched(make_docs(texts, count), batch):
                conn.execute(insert(materials), [material_row(doc, orgs) for doc in docs])
                conn.execute(
                    insert(material_areas),
                    [{"material_id": d["id"], "area_code": a} for d in docs for a in d["areas"]],
                )
                labels = [
                    {"material_id": d["id"], "tag_id": tags[t]} for d in docs for t in d["tags"]
                ]
                if labels:
                    conn.execute(insert(material_tags), labels)
                superseded += [doc["id"] for doc in docs if doc["superseded"]]
            if superseded:  # any other material will do as the newer version
                conn.execute(
                    update(materials)
                    .where(materials.c.id == bindparam("material"))
                    .values(superseded_by_id=bindparam("newer")),
                    [{"material": i, "newer": i - 1 if i > 1 else 2} for i in superseded],
                )
        db.session.remove()
    return time.perf_counter() - start


def material_row(doc: dict, orgs: dict[str, int]) -> dict:
    """The `materials` row of a document (published; its file-less body is the body)."""
    return {
        "id": doc["id"],
        "title": doc["title"],
        "summary": doc["summary"],
        "kind": doc["kind"],
        "status": "published",
        "license": "gov-work",
        "body": doc["body"],
        "video_url": None,
        "alt_text": "",
        "organisation_id": orgs[doc["org"]],
        "created_by_id": None,
        "file_id": None,
        "legal_basis": "",
        "effective_at": None,
        "superseded_by_id": None,
        "external_id": None,
        "review_comment": "",
        "withdrawal_reason": "",
        "created_at": doc["published_at"],
        "updated_at": doc["published_at"],
        "published_at": doc["published_at"],
        "withdrawn_at": None,
    }


def build(backend: WhooshBackend, texts: list[dict], count: int) -> tuple[float, float]:
    """Rebuild the index with `count` documents; return (seconds, CPU seconds of all processes):
    on a busy machine the first grows with the load, the second does not."""
    start, cpu = time.perf_counter(), cpu_seconds()
    backend.rebuild(make_docs(texts, count))
    return time.perf_counter() - start, cpu_seconds() - cpu


def cpu_seconds() -> float:
    """CPU time used so far by this process and its finished children."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def disk_size(folder: Path) -> int:
    """Bytes used by the files under `folder`."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def time_queries(search: Callable, queries: list[SearchQuery]) -> list[float]:
    """Milliseconds taken by each query."""
    timings = []
    for query in queries:
        start = time.perf_counter()
        search(query)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def reopen_ms(backend: WhooshBackend, texts: list[dict]) -> tuple[float, float]:
    """(ms to commit one updated document, ms of the first search after it; the backend has
    searched before, as a running server has)."""
    backend.search(SearchQuery(text="lao động"))
    doc = next(make_docs(texts, 1, seed=99))
    start = time.perf_counter()
    backend.index([doc])
    committed = time.perf_counter()
    backend.search(SearchQuery(text="lao động"))
    return (committed - start) * 1000, (time.perf_counter() - committed) * 1000


def peak_mb() -> float:
    """Peak resident memory of this process, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(timings: list[float]) -> str:
    """p50 and p95 of a list of milliseconds."""
    cuts = statistics.quantiles(timings, n=100)
    return f"p50 {cuts[49]:6.1f} ms   p95 {cuts[94]:6.1f} ms   max {max(timings):6.1f} ms"


def agreement(straight: Callable, app_search: Callable, queries: list[SearchQuery]) -> int:
    """How many queries the app answers exactly as the engine (total, ranked ids, facets),
    after checking that the API turns each request into the very same SearchQuery."""
    from flask import request

    from library.search import querying

    app = app_search.app
    same = 0
    for query in queries:
        with app.test_request_context("/api/v1/search", query_string=api_args(query)):
            parsed = querying.parse_query(request.args, strict=True, per_page=20)
        if parsed != query:
            raise RuntimeError(f"the API runs {parsed}, not {query}")
        engine, answer = straight(query), app_search(query).json
        same += (
            engine.total == answer["total"]
            and [hit.id for hit in engine.hits] == [row["id"] for row in answer["results"]]
            and json.loads(json.dumps(engine.facets)) == answer["facets"]
        )
    return same


def paired(paths: list[Callable], queries: list[SearchQuery], rounds: int) -> list[list[float]]:
    """Per path, the median over `rounds` of each query's milliseconds; the paths run query by
    query, in turn first, so that both see the same load on a busy machine."""
    timings = [[[] for _ in queries] for _ in paths]
    for turn in range(rounds):
        for number, query in enumerate(queries):
            shift = (number + turn) % len(paths)
            for which in [*range(shift, len(paths)), *range(shift)]:
                start = time.perf_counter()
                paths[which](query)
                timings[which][number].append((time.perf_counter() - start) * 1000)
    return [[statistics.median(each) for each in path] for path in timings]


def compare(straight: Callable, app_search: Callable, queries, count: int, rounds: int) -> None:
    """Print the engine and the app on the same queries, and the ratio app/straight."""
    same = agreement(straight, app_search, queries)
    print(f"  the app answers {same} of {len(queries)} queries exactly as the engine")
    engine, app = paired([straight, app_search], queries, rounds)
    cuts_engine, cuts_app = (statistics.quantiles(t, n=100) for t in (engine, app))
    p50, p95 = cuts_app[49] / cuts_engine[49], cuts_app[94] / cuts_engine[94]
    extra = statistics.median(a - e for a, e in zip(app, engine, strict=True))
    print(f"  warm, interleaved, median of {rounds} runs per query:")
    print(f"    straight     p50 {cuts_engine[49]:6.1f} ms   p95 {cuts_engine[94]:6.1f} ms")
    print(f"    through_app  p50 {cuts_app[49]:6.1f} ms   p95 {cuts_app[94]:6.1f} ms")
    goal = GOALS.get(count)
    verdict = (
        f"; app p95 goal < {goal:.0f} ms: {'met' if cuts_app[94] < goal else 'MISSED'}"
        if goal
        else ""
    )
    print(
        f"    app/straight p50 {p50:.2f}x   p95 {p95:.2f}x   (goal < {MAX_RATIO}x: "
        f"{'met' if max(p50, p95) < MAX_RATIO else 'MISSED'}{verdict}); "
        f"median extra per request {extra:.1f} ms"
    )


def run_size(
    count, texts, queries, folder: Path, paths, procs=None, rounds=3, database_url=None, keep=False
) -> None:
    """Build one size and print its figures."""
    clear_size(folder, count)
    config = app_config(folder, count, database_url, keep)
    kept = config.pop("KEPT", False)
    if "through_app" in paths:  # the rows, then the index built by the app's own backend
        from library import create_app

        app = create_app(config)
        if kept:
            print(f"\n{count:,} materials of an earlier run kept in the database")
        else:
            seconds = fill_database(app, texts, count)
            print(f"\n{count:,} materials inserted in the database in {seconds:.1f} s")
        backend = app.extensions["search"]
        if procs is not None:
            backend.procs = procs
    else:
        backend = new_backend(config, procs)
    seconds, cpu = build(backend, texts, count)
    size = index_size(backend)
    print(
        f"\n{count:,} documents: build {seconds:.1f} s (CPU {cpu:.0f} s in all processes), "
        f"{size / 1e6:.0f} MB on disk"
    )
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  peak memory so far: this process {peak_mb():.0f} MB, a build process {worker:.0f} MB")
    commit, first = reopen_ms(backend, texts)
    print(f"  update one document: commit {commit:.0f} ms, next search (reopen) {first:.0f} ms")
    backend.index([next(make_docs(texts, 1))])  # document 1 as built, as its row has it
    backend.close()
    searches = {}
    for name in paths:
        search = PATHS[name](new_backend(config), config)  # nothing cached yet
        mix = queries[: max(50, len(queries) // 5)] if name == "whoosh" else queries
        # (the whoosh path takes minutes at 100,000 documents: a fifth of the mix tells enough)
        print(f"  {name:11} cold: {percentiles(time_queries(search, mix))}")
        print(f"  {name:11} warm: {percentiles(time_queries(search, mix))}")
        found = sum(1 for query in mix if search(query).total)
        print(f"  ({found} of {len(mix)} queries find something)")
        searches[name] = search
    if "backend" in searches and "through_app" in searches:
        compare(searches["backend"], searches["through_app"], queries, count, rounds)


def main(argv=None) -> None:
    """Parse the arguments and run every size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated doc counts")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--paths", default="backend,through_app", help=f"any of {', '.join(PATHS)}")
    parser.add_argument("--procs", type=int, help="build processes (default: up to 2)")
    parser.add_argument("--rounds", type=int, default=3, help="timings per query, app vs engine")
    parser.add_argument("--dir", help="where to build (default: a temporary directory)")
    parser.add_argument("--backend", choices=("whoosh", "postgres"), default="whoosh")
    parser.add_argument("--database-url", help="PostgreSQL server (for --backend postgres)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="PostgreSQL: use the materials an earlier --keep run left in bench_search_N "
        "(the index is rebuilt; the 100,000 rows take long to insert)",
    )
    args = parser.parse_args(argv)
    if args.backend == "postgres" and not args.database_url:
        parser.error("--backend postgres needs --database-url")
    if args.backend == "postgres" and "whoosh" in args.paths.split(","):
        parser.error("the whoosh path compares with Whoosh's own scoring: Whoosh backend only")
    texts = read_corpus()
    queries = make_queries(texts, args.queries)
    folder = Path(args.dir or tempfile.mkdtemp(prefix="search-bench-"))
    try:
        for count in (int(s) for s in args.sizes.split(",")):
            run_size(
                count,
                texts,
                queries,
                folder,
                args.paths.split(","),
                args.procs,
                args.rounds,
                args.database_url if args.backend == "postgres" else None,
                args.keep,
            )
    finally:
        if not args.dir:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
