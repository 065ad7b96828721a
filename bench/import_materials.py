"""Bulk import benchmark: N text materials from the real Vietnamese corpus through
`flask import-materials`, on a fresh embedded library (SQLite, local files).

    .venv/bin/python bench/import_materials.py [--count 10000] [--rounds 3]

Prints the median wall time and materials per second. Goal: 10,000 in under a minute.
"""

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import read_corpus

ROOT = Path(__file__).resolve().parent.parent
AREAS = ["politics-law", "vocational-skills", "life-skills", "digital-skills", "learning-model"]


def write_manifest(path: Path, count: int) -> None:
    """count legal-digest lines made from corpus documents (cycled if count is larger)."""
    docs = read_corpus()
    with open(path, "w", encoding="utf-8") as out:
        for i, doc in zip(range(count), itertools.cycle(docs), strict=False):
            line = {
                "external_id": f"bench-{i}",
                "organisation": "so-ldtbxh",
                "title": doc["title"][:290] or f"Tài liệu {i}",
                "summary": doc["body"][:300],
                "kind": "legal_digest",
                "areas": [AREAS[i % 5]],
                "license": "gov-work",
                "tags": ["pháp luật"],
                "body": doc["body"][:20_000],
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


def flask(folder: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "FLASK_SECRET_KEY": "bench",
        "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'library.db'}",
        "FLASK_UPLOAD_FOLDER": str(folder / "uploads"),
        "FLASK_SEARCH_INDEX_DIR": str(folder / "index"),
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )


def one_round(manifest: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        flask(folder, "init-db")
        flask(
            folder,
            "create-org",
            "so-ldtbxh",
            "Sở Lao động - Thương binh và Xã hội",
            "--type",
            "department",
        )
        start = time.perf_counter()
        result = flask(folder, "import-materials", str(manifest))
        elapsed = time.perf_counter() - start
        print("   ", result.stdout.strip().splitlines()[-1], f"({elapsed:.1f} s)")
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        manifest = Path(tmp) / "manifest.jsonl"
        write_manifest(manifest, args.count)
        times = [one_round(manifest) for _ in range(args.rounds)]
    median = statistics.median(times)
    print(
        f"import of {args.count} text materials: median {median:.1f} s over {args.rounds} "
        f"rounds, {args.count / median:.0f} materials/s (goal: 10,000 in < 60 s)"
    )


if __name__ == "__main__":
    main()
