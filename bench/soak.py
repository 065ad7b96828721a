"""Soak: the load mix (bench/load.py) for --minutes against gunicorn on the embedded default
(SQLite + Whoosh), with `flask search reindex` and `flask metrics rollup` run in the middle.
Prints requests, errors (goal: zero 5xx), each worker's RSS at start and end, whether the
counts are exact, and how the two commands ended.

    .venv/bin/python bench/soak.py [--minutes 10] [--workers 4] [--clients 8] [--json FILE]
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402


def past_events(library: load.Library, days: int = 14, per_day: int = 2000) -> int:
    """Raw events on finished days, so that the rollup in the middle has real work."""
    path = library.database_url.removeprefix("sqlite:///")
    rows = []
    for d in range(days, 0, -1):
        day = date.today() - timedelta(days=d)
        base = datetime(day.year, day.month, day.day, 2, 0)
        for i in range(per_day):
            at = base + timedelta(seconds=i * 7)
            rows.append(
                (
                    at.isoformat(sep=" "),
                    day.isoformat(),
                    at.hour,
                    library.material_ids[i % len(library.material_ids)],
                    "view",
                    "direct",
                    f"s{d:03d}{i:07d}",
                    int(at.timestamp() * 1000),
                )
            )
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO events (at, day, hour, material_id, event, channel, visitor, streak_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    connection.close()
    return len(rows)


def command(library: load.Library, *args) -> dict:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=load.ROOT,
        env={**os.environ, **library.env},
        capture_output=True,
        text=True,
    )
    return {
        "command": "flask " + " ".join(args),
        "exit_code": done.returncode,
        "seconds": round(time.monotonic() - started, 1),
        "output": done.stdout.strip().splitlines()[-1:] or done.stderr.strip().splitlines()[-1:],
    }


def soak(minutes: float, workers: int, clients: int, materials: int) -> dict:
    seconds = minutes * 60
    with tempfile.TemporaryDirectory(prefix="soak-") as folder:
        library = load.build_library(Path(folder), None, materials)
        seeded = past_events(library)
        server = load.Server(library, workers)
        try:
            # Warm each worker a little so that its start RSS is that of a working process.
            for _ in range(workers * 5):
                load.get(server.port, "/search?q=lao+dong")
            rss_start = server.rss_mb()
            tally = load.Tally()
            commands: list[dict] = []

            def middle():
                time.sleep(seconds / 2)
                commands.append(command(library, "search", "reindex"))
                commands.append(command(library, "metrics", "rollup"))

            helper = threading.Thread(target=middle)
            helper.start()
            started = time.monotonic()
            load.run_mix(server.port, library, seconds, clients, tally)
            elapsed = time.monotonic() - started
            helper.join()
            rss_end = server.rss_mb()
            result = load.summary(tally, elapsed, library, None, baseline=(seeded, 0))
        finally:
            server.stop()
    result.update(
        minutes=minutes,
        workers=workers,
        clients=clients,
        rss_start_mb=rss_start,
        rss_end_mb=rss_end,
        commands=commands,
        seeded_past_events=seeded,
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--materials", type=int, default=300)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    result = soak(args.minutes, args.workers, args.clients, args.materials)
    load.print_summary(result)
    for pid, start in result["rss_start_mb"].items():
        print(f"worker {pid}: RSS {start} MB at start, {result['rss_end_mb'].get(pid)} MB at end")
    for ran in result["commands"]:
        print(f"{ran['command']}: exit {ran['exit_code']} in {ran['seconds']} s {ran['output']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
    ok = (
        result["server_errors"] == 0
        and result["counts_exact"]
        and all(c["exit_code"] == 0 for c in result["commands"])
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
