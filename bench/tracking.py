"""Tracking benchmark: recording rate over HTTP, page latency with and without tracking,
rollup time for N synthetic events, and the dashboard's time for one year on the rollups.

    .venv/bin/python bench/tracking.py [--events 10000000] [--requests 2000] [--threads 8]
"""

import argparse
import http.client
import io
import logging
import multiprocessing
import random
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from library import create_app  # noqa: E402
from library.tracking.visitors import new_cookie  # noqa: E402

CHROME = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
AREAS = ["politics-law", "vocational-skills", "life-skills", "digital-skills", "learning-model"]
CHANNELS = ["direct", "facebook", "zalo", "qr", "search", "other"]
YEAR = 2025
# A tiny MP3 (ID3 header and a silent frame), for the play beacons.
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 413
AUDIO: list[int] = []


def config(folder: Path, **extra) -> dict:
    return {
        "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'library.db'}",
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "SEARCH_INDEX_DIR": str(folder / "index"),
        "RATELIMIT_ENABLED": False,
        # Every request comes from loopback, far faster than people: no pace limits here.
        "TRACKING_VISITOR_LIMITS": "",
        "TRACKING_NETWORK_LIMITS": "",
        **extra,
    }


def prepare(folder: Path, materials: int) -> list[int]:
    """A fresh database with one department, enterprises and some published materials."""
    from library.accounts import services as accounts
    from library.accounts.permissions import SYSTEM
    from library.catalog import services as catalog
    from library.cli import prepare_database
    from library.extensions import db

    app = create_app(config(folder))
    with app.test_request_context():
        prepare_database()
        org = accounts.create_organisation(SYSTEM, "so-ldtbxh", "Sở Lao động", "department")
        for n in range(10):
            accounts.create_organisation(SYSTEM, f"cty-{n}", f"Công ty {n}", "enterprise", 2000)
        ids = []
        for n in range(materials):
            raw = {
                "title": f"Tài liệu số {n}: an toàn lao động và hợp đồng lao động",
                "summary": "Quyền và nghĩa vụ của người lao động.",
                "kind": "legal_digest",
                "areas": [AREAS[n % 5]] + ([AREAS[(n + 1) % 5]] if n % 3 == 0 else []),
                "license": "gov-work",
                "body": "## Điều 1\n" + "Người lao động có quyền làm việc. " * 40,
                "status": "published",
            }
            ids.append(catalog.create_material(SYSTEM, org, raw).id)
        for n in range(5):
            raw = {
                "title": f"Chương trình phát thanh {n}",
                "kind": "audio",
                "areas": ["life-skills"],
                "license": "gov-work",
                "status": "published",
            }
            sound = catalog.Upload(io.BytesIO(MP3 * (20 + n)), f"phat-thanh-{n}.mp3")
            AUDIO.append(catalog.create_material(SYSTEM, org, raw, sound).id)
        db.session.commit()
        db.engine.dispose()
    return ids


def serve(folder: str, port: int, tracking: str) -> None:
    """The app in its own process, threaded, as a small production server would run it."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    modes = {"off": (False, True), "deferred": (True, True), "in-request": (True, False)}
    enabled, defer = modes[tracking]
    app = create_app(config(Path(folder), TRACKING_ENABLED=enabled, TRACKING_DEFER=defer))
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


def start_server(folder: Path, port: int, tracking: str):
    process = multiprocessing.get_context("fork").Process(
        target=serve, args=(str(folder), port, tracking), daemon=True
    )
    process.start()
    for _ in range(100):
        try:
            get(port, "/", None)
            return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def get(port: int, path: str, cookie: str | None) -> float:
    """One GET on a fresh connection; its latency in seconds."""
    headers = {"User-Agent": CHROME}
    if cookie:
        headers["Cookie"] = f"vid={cookie}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - start
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: {response.status}")
    return elapsed


def yesterday_cookie() -> str:
    """A visitor cookie given yesterday: each one is a distinct, already known visitor."""
    return new_cookie("bench", datetime.now(UTC).date() - timedelta(days=2))


def wait_for(folder: Path, expected: int) -> int:
    """The event count once the last deferred writes have landed (or after 10 s)."""
    for _ in range(200):
        count = count_events(folder)
        if count >= expected:
            return count
        time.sleep(0.05)
    return count_events(folder)


def count_events(folder: Path) -> int:
    with sqlite3.connect(folder / "library.db") as conn:
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]


def bench_recording(folder: Path, ids: list[int], requests: int, threads: int) -> None:
    server = start_server(folder, 5811, tracking="deferred")
    before = count_events(folder)
    paths = [f"/materials/{random.choice(ids)}" for _ in range(requests)]
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda p: get(5811, p, yesterday_cookie()), paths))
    recorded = wait_for(folder, before + requests) - before
    elapsed = time.perf_counter() - start
    server.terminate()
    server.join()
    print(f"recording: {requests} page views by {threads} client threads in {elapsed:.2f} s")
    print(f"  events recorded: {recorded} of {requests} (exact: {recorded == requests})")
    print(f"  events/s recorded through HTTP: {recorded / elapsed:.0f}")


def bench_latency(folder: Path, ids: list[int], rounds: int) -> None:
    """Sequential requests, rotating servers, so all see the same machine state."""
    ports = {"off": 5812, "deferred": 5813, "in-request": 5814}
    servers = [start_server(folder, port, mode) for mode, port in ports.items()]
    timings = {mode: [] for mode in ports}
    for _ in range(rounds):
        path = f"/materials/{random.choice(ids)}"
        for mode, port in ports.items():
            timings[mode].append(get(port, path, yesterday_cookie()))
    for server in servers:
        server.terminate()
        server.join()
    off = statistics.median(timings["off"])
    print(f"page latency, median of {rounds} sequential requests:")
    print(f"  without tracking: {off * 1000:.2f} ms")
    for mode in ("deferred", "in-request"):
        on = statistics.median(timings[mode])
        print(f"  tracking written {mode}: {on * 1000:.2f} ms, ratio {on / off:.3f} (goal < 1.10)")


def bench_beacons(folder: Path, ids: list[int], requests: int, threads: int) -> None:
    """The play beacon: recording with no page to render, the rate of the writes themselves."""
    server = start_server(folder, 5815, tracking="in-request")
    before = count_events(folder)
    start = time.perf_counter()

    def beacon(material_id):
        conn = http.client.HTTPConnection("127.0.0.1", 5815, timeout=30)
        headers = {
            "User-Agent": CHROME,
            "Cookie": f"vid={yesterday_cookie()}",
            "Sec-Fetch-Site": "same-origin",
        }
        conn.request("POST", f"/track/play/{material_id}", headers=headers)
        status = conn.getresponse().status
        conn.close()
        return status

    with ThreadPoolExecutor(threads) as pool:
        statuses = list(pool.map(beacon, [random.choice(AUDIO) for _ in range(requests)]))
    elapsed = time.perf_counter() - start
    recorded = count_events(folder) - before
    server.terminate()
    server.join()
    print(
        f"play beacons: {requests} by {threads} threads, {statuses.count(204)} answered 204, "
        f"{recorded} recorded, {recorded / elapsed:.0f} events/s"
    )


def synthetic_day(rng, day: date, count: int, ids: list[int], visitors: list[str]) -> list:
    """One day's events in time order, as the site records them."""
    kinds = ["view"] * 7 + ["download"] * 2 + ["play"]
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=7)
    base_ms = int(midnight.timestamp() * 1000)
    rows = []
    for ms in sorted(base_ms + rng.randrange(86_400_000) for _ in range(count)):
        local = datetime.fromtimestamp(ms / 1000, UTC) + timedelta(hours=7)
        utc = datetime.fromtimestamp(ms / 1000, UTC)
        rows.append(
            (
                utc.strftime("%Y-%m-%d %H:%M:%S.%f"),
                day.isoformat(),
                local.hour,
                rng.choice(ids),
                rng.choice(kinds),
                rng.choice(CHANNELS),
                rng.choice([None] * 9 + [2 + rng.randrange(10)]),
                rng.choice(visitors),
                ms,
            )
        )
    return rows


def synthetic_events(folder: Path, ids: list[int], total: int) -> None:
    """Bulk-insert `total` events over one year; indexes are rebuilt once at the end."""
    rng = random.Random(1268)
    visitors = [("c" if i % 4 else "h") + secrets.token_hex(15) for i in range(200_000)]
    sql = (
        "INSERT OR IGNORE INTO events (at, day, hour, material_id, event, channel, "
        "organisation_id, visitor, streak_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    with sqlite3.connect(folder / "library.db") as conn:
        conn.execute("PRAGMA synchronous=OFF")
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name='events' "
            "AND sql IS NOT NULL"
        ).fetchall()
        for name, _sql in indexes:
            conn.execute(f"DROP INDEX {name}")
        first = date(YEAR, 1, 1)
        for n in range(365):
            count = total // 365 + (1 if n < total % 365 else 0)
            conn.executemany(
                sql, synthetic_day(rng, first + timedelta(days=n), count, ids, visitors)
            )
            if n % 30 == 29:
                conn.commit()
                print(f"\r  inserted {n + 1} days", end="", file=sys.stderr, flush=True)
        conn.commit()
        for _name, create in indexes:
            conn.execute(create)
        conn.commit()
        print(file=sys.stderr)


def bench_rollup(folder: Path, ids: list[int], total: int) -> None:
    from library.extensions import db
    from library.metrics.rollup import rollup_pending

    started = time.perf_counter()
    synthetic_events(folder, ids, total)
    print(
        f"synthetic events: {count_events(folder):,} inserted in "
        f"{time.perf_counter() - started:.1f} s (setup, not timed below)"
    )
    app = create_app(config(folder))
    with app.app_context():
        start = time.perf_counter()
        days, _total = rollup_pending(date(YEAR + 1, 1, 1))  # what `flask metrics rollup` runs
        db.session.commit()
        elapsed = time.perf_counter() - start
        print(
            f"rollup: {days} days, {count_events(folder):,} events in {elapsed:.1f} s "
            f"(goal < 120 s for 10,000,000)"
        )
        bench_dashboard(app)
        db.session.remove()
        db.engine.dispose()


def bench_dashboard(app) -> None:
    from library.metrics import reach, services

    timings = {"dashboard": [], "reach": []}
    for _ in range(7):
        start = time.perf_counter()
        services.dashboard(services.EVERYTHING, YEAR)
        timings["dashboard"].append(time.perf_counter() - start)
        start = time.perf_counter()
        reach.reach_by_area(YEAR)
        timings["reach"].append(time.perf_counter() - start)
    for name, values in timings.items():
        print(
            f"{name} for one year on the rollups: median {statistics.median(values) * 1000:.0f} ms "
            "(goal < 300 ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--materials", type=int, default=500)
    parser.add_argument("--skip-http", action="store_true", help="Only the rollup and dashboard.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ids = prepare(folder, args.materials)
        if not args.skip_http:
            bench_recording(folder, ids, args.requests, args.threads)
            bench_beacons(folder, ids, args.requests, args.threads)
            bench_latency(folder, ids, args.rounds)
        bench_rollup(folder, ids, args.events)


if __name__ == "__main__":
    main()
