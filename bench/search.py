"""Search benchmark: build indexes of N documents from real Vietnamese text, time a query mix.

    .venv/bin/python bench/search.py                    # 10,000 and 100,000 documents
    .venv/bin/python bench/search.py --sizes 2000 --queries 200

For each size it prints the build time (full rebuild, the path `flask search reindex` takes), the
size on disk, the time to reopen the searcher after a commit, and p50/p95 of a fixed mix of
queries (seeded: 1-4 consecutive words of a random corpus text, half typed without diacritics,
half with an area filter, facets on) run twice: cold (first use of every term after opening)
and warm. Queries go straight to the backend (`through_backend`); a path through the Flask app
plugs in by adding a function to PATHS that returns a `search(query)` callable.
"""

import argparse
import gzip
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

from whoosh import query as wq  # noqa: E402
from whoosh import sorting  # noqa: E402

from library.search.analysis import WORD, fold, normalize  # noqa: E402
from library.search.base import AREAS, KINDS, SearchQuery  # noqa: E402
from library.search.query import parse  # noqa: E402
from library.search.whoosh_backend import WhooshBackend  # noqa: E402
from library.search.whoosh_schema import CODE_FIELDS, TEXT_FIELDS  # noqa: E402

CORPUS = ROOT.parent / "shared/data/vi_corpus.jsonl.gz"
ORGS = ("so-vhtt", "so-gddt", "so-ldtbxh", "so-tttt", "ldld-tinh", "cdcs-kcn-1", "cdcs-kcn-2")
TAGS = ("an toàn lao động", "công đoàn", "kỹ năng số", "sức khoẻ", "pháp luật", "học tập")
START = datetime(2015, 1, 1, tzinfo=UTC)


def load_texts(path: Path = CORPUS) -> list[dict]:
    """The corpus records ({id, title, body, ...})."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def make_docs(texts: list[dict], count: int, seed: int = 1) -> Iterator[dict]:
    """`count` library documents cycling through the texts with varied metadata."""
    rng = random.Random(seed)
    for number in range(count):
        text = texts[number % len(texts)]
        copy = number // len(texts)
        body = text["body"]
        yield {
            "id": number + 1,
            "title": text["title"] if not copy else f"{text['title']} ({copy + 1})",
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


def through_backend(backend: WhooshBackend) -> Callable[[SearchQuery], object]:
    """Queries straight to the search backend."""
    return backend.search


def through_whoosh_scoring(backend: WhooshBackend) -> Callable[[SearchQuery], object]:
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


PATHS: dict[str, Callable] = {"backend": through_backend, "whoosh": through_whoosh_scoring}


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


def run_size(count, texts, queries, folder: Path, paths, procs=None) -> None:
    """Build one size and print its figures."""
    backend = WhooshBackend(folder / f"index-{count}", procs=procs)
    seconds, cpu = build(backend, texts, count)
    size = disk_size(backend.store.root / backend.store.current())
    print(
        f"\n{count:,} documents: build {seconds:.1f} s (CPU {cpu:.0f} s in all processes), "
        f"{size / 1e6:.0f} MB on disk"
    )
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  peak memory so far: this process {peak_mb():.0f} MB, a build process {worker:.0f} MB")
    commit, first = reopen_ms(backend, texts)
    print(f"  update one document: commit {commit:.0f} ms, next search (reopen) {first:.0f} ms")
    for name in paths:
        search = PATHS[name](WhooshBackend(backend.store.root))  # nothing cached yet
        if name == "whoosh":  # minutes at 100,000 documents: a fifth of the mix tells enough
            queries = queries[: max(50, len(queries) // 5)]
        print(f"  {name:8} cold: {percentiles(time_queries(search, queries))}")
        print(f"  {name:8} warm: {percentiles(time_queries(search, queries))}")
        found = sum(1 for query in queries if search(query).total)
        print(f"  ({found} of {len(queries)} queries find something)")


def main(argv=None) -> None:
    """Parse the arguments and run every size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated doc counts")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--paths", default="backend", help=f"any of {', '.join(PATHS)}")
    parser.add_argument("--procs", type=int, help="build processes (default: up to 2)")
    parser.add_argument("--dir", help="where to build (default: a temporary directory)")
    args = parser.parse_args(argv)
    texts = load_texts()
    queries = make_queries(texts, args.queries)
    folder = Path(args.dir or tempfile.mkdtemp(prefix="search-bench-"))
    try:
        for count in (int(s) for s in args.sizes.split(",")):
            run_size(count, texts, queries, folder, args.paths.split(","), args.procs)
    finally:
        if not args.dir:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
