"""Look through the corpus to judge the relevance queries (not a search of the product).

    .venv/bin/python bench/relevance_explore.py grep 'nghi om' 'luong'     # all patterns, folded
    .venv/bin/python bench/relevance_explore.py title 'thai san'           # in titles only
    .venv/bin/python bench/relevance_explore.py bm25 'nghi om huong bao nhieu'
    .venv/bin/python bench/relevance_explore.py show phapdien-2000200000...
    .venv/bin/python bench/relevance_explore.py compile bench/relevance_queries.txt \
        > bench/relevance_queries.jsonl

Patterns are regular expressions matched on the folded text (lowercase, no diacritics, đ→d),
so `thai san` finds thai sản, thái sản... A hit prints its corpus id, title and the start of its
body; `show` prints a whole document. Judging is done by reading what these find.

`compile` turns the judged set as written by hand (relevance_queries.txt: a line `kind: query`,
then indented lines `grade ref ref...`, a ref being an article's code as its title starts,
`20.2.LQ.98`, a corpus id, or `w:Title` of a Wikipedia article, alone on its line) into the
JSON lines bench/relevance.py reads. Whether a query has diacritics is read from its text.
"""

import argparse
import json
import math
import pickle
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from relevance import find_corpus, load_corpus  # noqa: E402  (bench/relevance.py)

from library.search.analysis import fold  # noqa: E402

CACHE = Path("/tmp/relbench-explore.pickle")


def corpus() -> list[dict]:
    """The records with their folded title and body (cached in /tmp between runs)."""
    if CACHE.exists():
        return pickle.loads(CACHE.read_bytes())
    path = find_corpus(None)
    if path is None:
        raise SystemExit("the corpus is missing: see bench/relevance.py")
    docs = load_corpus(path)
    for doc in docs:
        doc["ft"], doc["fb"] = fold(doc["title"]), fold(doc["body"])
        doc["topic"] = topic(doc["source"])
    CACHE.write_bytes(pickle.dumps(docs))
    return docs


def topic(source: str) -> str:
    """The heading (đề mục) of a legal record, or 'wiki'."""
    found = re.match(r"Bộ pháp điển, Đề mục ([\d.]+)", source)
    return found.group(1) if found else "wiki"


def line(doc: dict, width: int = 160) -> str:
    """One hit as one line."""
    body = doc["body"][:width].replace("\n", " ")
    return f"{doc['id']}  [{doc['topic']}] {doc['title'][:110]}\n      {body}"


def bm25(docs: list[dict], text: str, k1: float = 1.2, b: float = 0.75) -> list[tuple]:
    """Plain BM25 over folded title + body words, OR of the query's words."""
    words = re.findall(r"\w+", fold(text))
    tf = [Counter(re.findall(r"\w+", d["ft"] + " " + d["fb"])) for d in docs]
    lengths = [sum(c.values()) for c in tf]
    mean = sum(lengths) / len(lengths)
    scores = []
    for doc, counts, length in zip(docs, tf, lengths, strict=True):
        score = 0.0
        for word in set(words):
            df = sum(1 for c in tf if word in c) if word not in _DF else _DF[word]
            _DF[word] = df
            f = counts.get(word, 0)
            if f:
                idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
                score += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * length / mean))
        if score:
            scores.append((score, doc))
    return sorted(scores, key=lambda pair: -pair[0])


_DF: dict[str, int] = {}


def code(doc: dict) -> str:
    """An article's code (`20.2.LQ.98`), or `w:` and the title of a Wikipedia article."""
    if doc["topic"] == "wiki":
        return "w:" + doc["title"].lower()
    found = re.match(r"Điều ([\w.]+?)\.?(?: |$)", doc["title"])
    return found.group(1) if found else doc["id"]


def compile_queries(path: str) -> None:
    """Print the judged set of `path` as JSON lines (see the module docstring)."""
    docs = corpus()
    by_code: dict[str, list[dict]] = {}
    for doc in docs:
        by_code.setdefault(code(doc), []).append(doc)
        by_code.setdefault(doc["id"], []).append(doc)
    queries, problems = [], []
    for number, raw in enumerate(open(path, encoding="utf-8"), 1):
        text = raw.rstrip()
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        if not raw[0].isspace():
            kind, query = text.split(":", 1)
            queries.append({"query": query.strip(), "kind": kind.strip(), "relevant": {}})
            continue
        grade, rest = text.split(None, 1)
        refs = [rest] if rest.startswith("w:") else rest.split()
        for ref in refs:
            found = by_code.get(ref.lower() if ref.startswith("w:") else ref, [])
            if len(found) != 1:
                problems.append(f"{path}:{number}: {ref} matches {len(found)} documents")
                continue
            queries[-1]["relevant"][found[0]["id"]] = int(grade)
    if problems:
        raise SystemExit("\n".join(problems))
    titles = {doc["id"]: doc["title"] for doc in docs}
    for query in queries:
        query["diacritics"] = any(c.isalpha() and not c.isascii() for c in query["query"])
        query["judged"] = [
            f"{grade} {titles[doc][:100]}" for doc, grade in query["relevant"].items()
        ]
        print(json.dumps(query, ensure_ascii=False))


def main(argv=None) -> None:
    """Run one look-up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("how", choices=("grep", "title", "bm25", "show", "compile"))
    parser.add_argument("terms", nargs="+")
    parser.add_argument("-n", type=int, default=25, help="hits to print")
    parser.add_argument("--legal", action="store_true", help="legal records only")
    args = parser.parse_args(argv)
    if args.how == "compile":
        compile_queries(args.terms[0])
        return
    docs = corpus()
    if args.legal:
        docs = [d for d in docs if d["topic"] != "wiki"]
    if args.how == "show":
        for doc in docs:
            if doc["id"] in args.terms:
                print(doc["id"], doc["source"][:300], "\n", doc["title"], "\n", doc["body"][:4000])
        return
    if args.how == "bm25":
        hits = [doc for _score, doc in bm25(docs, " ".join(args.terms))]
    else:
        patterns = [re.compile(fold(term)) for term in args.terms]
        field = "ft" if args.how == "title" else None
        hits = [
            d
            for d in docs
            if all(p.search(d[field] if field else d["ft"] + "\n" + d["fb"]) for p in patterns)
        ]
    print(f"{len(hits)} hits")
    for doc in hits[: args.n]:
        print(line(doc))


if __name__ == "__main__":
    main()
