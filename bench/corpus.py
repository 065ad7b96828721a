"""The Vietnamese corpus the benchmarks read: ../shared/data/vi_corpus.jsonl.gz beside the project.

It is not shipped with the project (7.7 MB; the tests use a 400-record slice of it in tests/data):
a benchmark run without it stops with a message that says where to put it.
"""

import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "vi_corpus.jsonl.gz"
# A checkout in a folder of worktrees (…/wt/name) finds it two levels up, as bench/relevance.py.
CORPUS_ABOVE = ROOT.parents[1] / "shared" / "data" / "vi_corpus.jsonl.gz"


def read_corpus(path: Path = CORPUS) -> list[dict]:
    """The corpus records ({id, title, body, source, license}); exits 2 when the file is absent."""
    if path == CORPUS and not path.is_file() and CORPUS_ABOVE.is_file():
        path = CORPUS_ABOVE
    if not path.is_file():
        sys.exit(
            f"bench: the corpus {path} is missing. Put vi_corpus.jsonl.gz (the project's "
            f"Vietnamese corpus, 13,278 records; see tests/data/README.md) at that path, "
            f"in a folder shared/data beside the project folder, and run again."
        )
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]
