"""Mixed load against gunicorn on loopback: 70% search, 20% material pages (counted views),
5% downloads, 5% share links. Prints requests/s, p50/p95/p99, errors, the same server's
throughput on a trivial route (its ceiling), and checks that the views and downloads counted
in the database equal those sent.

    .venv/bin/python bench/load.py [--workers 4] [--seconds 30] [--clients 8]
                                   [--database-url URL] [--materials 200] [--json FILE]

Every counted request carries a new visitor cookie, so the 30-second double-click rule folds
nothing and the counts must match exactly. Share links (`/s/<code>`) come from the sharing
module when it is there; without it their 5% go to material pages, as the output says.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote_plus, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from library import create_app  # noqa: E402
from library.tracking.visitors import new_cookie  # noqa: E402

CHROME = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
QUERIES = [
    "hợp đồng lao động",
    "hop dong lao dong",
    "bảo hiểm xã hội",
    "BHXH",
    "an toàn lao động",
    "atvsld",
    "kỹ năng số",
    "ky nang",
    "phòng cháy",
    '"người lao động"',
    "tiền lương",
    "công đoàn",
]
AREAS = ["politics-law", "vocational-skills", "life-skills", "digital-skills", "learning-model"]
MIX = (("search", 70), ("view", 20), ("download", 5), ("share", 5))


@dataclass
class Library:
    folder: Path
    env: dict
    database_url: str
    material_ids: list[int]
    file_urls: list[tuple[int, str]]  # (material id, url)
    share_urls: list[tuple[int, str]]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)
    kind_latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    views: int = 0
    downloads: int = 0
    failures: int = 0  # connection errors
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
            self.kind_latencies.setdefault(kind, []).append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 200 and kind in ("view", "share"):
                self.views += 1
            elif status == 200 and kind == "download":
                self.downloads += 1

    @property
    def errors(self) -> int:
        return self.failures + sum(n for s, n in self.statuses.items() if s >= 400)

    @property
    def server_errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if s >= 500)


def share_links(app, material_ids: list[int]) -> list[tuple[int, str]]:
    """Share links of some materials, or [] when this build has no sharing module."""
    try:
        from library.sharing import services as sharing  # noqa: F401
    except ImportError:
        return []
    from library.extensions import db
    from library.models import Material, Organisation, User

    links = []
    with app.app_context():
        enterprise = Organisation(code="bench-enterprise", name="Doanh nghiệp", type="enterprise")
        # Never logs in: it only owns the links.
        admin = User(email="bench-admin@thuvien.vn", role="admin", password_hash="!")
        db.session.add_all([enterprise, admin])
        db.session.flush()
        for material_id in material_ids[:20]:
            material = db.session.get(Material, material_id)
            link = sharing.create_link(
                admin, enterprise=enterprise, material=material, channel="zalo"
            )
            links.append((material_id, f"/s/{link.code}"))
        db.session.commit()
    return links


def environment(folder: Path, database_url: str | None, search_backend: str = "whoosh") -> dict:
    url = database_url or f"sqlite:///{folder / 'library.db'}"
    return {
        "FLASK_SEARCH_BACKEND": search_backend,
        "FLASK_SECRET_KEY": "bench-load",
        "FLASK_SQLALCHEMY_DATABASE_URI": url,
        "FLASK_UPLOAD_FOLDER": str(folder / "uploads"),
        "FLASK_SEARCH_INDEX_DIR": str(folder / "index"),
        "FLASK_RATELIMIT_ENABLED": "false",
        # Every request comes from loopback, far faster than people: no pace limits here.
        "FLASK_TRACKING_VISITOR_LIMITS": "",
        "FLASK_TRACKING_NETWORK_LIMITS": "",
        "FLASK_APP": "wsgi",
    }


def build_library(
    folder: Path, database_url: str | None, materials: int, search_backend: str = "whoosh"
) -> Library:
    """A library with text digests and a few PDF leaflets, published and indexed."""
    import io

    from pypdf import PdfWriter

    from library.accounts import services as accounts
    from library.accounts.permissions import SYSTEM
    from library.catalog import services as catalog
    from library.cli import prepare_database
    from library.extensions import db
    from library.search import indexing

    env = environment(folder, database_url, search_backend)
    app = create_app(
        {
            "SEARCH_BACKEND": search_backend,
            "SECRET_KEY": env["FLASK_SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": env["FLASK_SQLALCHEMY_DATABASE_URI"],
            "UPLOAD_FOLDER": env["FLASK_UPLOAD_FOLDER"],
            "SEARCH_INDEX_DIR": env["FLASK_SEARCH_INDEX_DIR"],
        }
    )
    rng = random.Random(7)
    ids, files = [], []
    with app.test_request_context():
        prepare_database()
        org = accounts.create_organisation(SYSTEM, "so-ldtbxh", "Sở Lao động", "department")
        db.session.commit()
        session = db.session()
        indexing.defer_indexing(session)
        for n in range(materials):
            words = rng.sample(QUERIES, 3)
            raw = {
                "title": f"{words[0].strip(chr(34)).capitalize()} — tài liệu {n}",
                "summary": f"Tìm hiểu về {words[1]} và {words[2]}.",
                "kind": "legal_digest",
                "areas": [rng.choice(AREAS)],
                "license": "gov-work",
                "body": f"Nội dung về {' '.join(words)}. " * 10,
                "status": "published",
            }
            upload = None
            if n % 20 == 0:
                writer = PdfWriter()
                for _ in range(1 + n % 3):
                    writer.add_blank_page(width=595, height=842 + n)
                buffer = io.BytesIO()
                writer.write(buffer)
                buffer.seek(0)
                raw.update(kind="leaflet", body="")
                upload = catalog.Upload(buffer, f"to-roi-{n}.pdf")
            material = catalog.create_material(SYSTEM, org, raw, upload)
            db.session.commit()
            ids.append(material.id)
            if material.file is not None:
                files.append((material.id, f"/files/{material.file_id}/to-roi.pdf"))
        indexing.flush_deferred(session)
        indexing.reindex()
        shares = share_links(app, ids)
        db.session.remove()
        db.engine.dispose()
    return Library(folder, env, env["FLASK_SQLALCHEMY_DATABASE_URI"], ids, files, shares)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving wsgi:app with several sync workers."""

    def __init__(self, library: Library, workers: int):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                # Not the deployment's gunicorn.conf.py: its worker recycling (max_requests) would
                # end the very workers whose memory the soak follows, and its access log is noise.
                "--config",
                os.devnull,
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--timeout",
                "120",
                "wsgi:app",
            ],
            cwd=ROOT,
            env={**os.environ, **library.env},
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(self.port, "/robots.txt")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not start")

    def worker_pids(self) -> list[int]:
        import psutil

        return sorted(p.pid for p in psutil.Process(self.process.pid).children())

    def rss_mb(self) -> dict[int, float]:
        import psutil

        found = {}
        for pid in self.worker_pids():
            try:
                found[pid] = round(psutil.Process(pid).memory_info().rss / 2**20, 1)
            except psutil.NoSuchProcess:
                pass
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def get(port: int, path: str, headers: dict | None = None, follow=False) -> tuple[int, bytes]:
    """One GET; with follow, a redirect (a share link's) is followed once, as a browser does."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"User-Agent": CHROME, **(headers or {})})
        response = connection.getresponse()
        body = response.read()
        location = response.getheader("Location")
    finally:
        connection.close()
    if follow and response.status in (301, 302, 303) and location:
        target = urlsplit(location)
        return get(port, target.path + (f"?{target.query}" if target.query else ""), headers)
    return response.status, body


def new_visitor() -> dict:
    """A first-time visitor: its own cookie, so no double-click folding across requests."""
    issued = date.today() - timedelta(days=2)  # a cookie kept from an earlier visit
    return {"Cookie": f"vid={new_cookie('bench-load', issued)}"}


def request_for(kind: str, library: Library, rng: random.Random) -> tuple[str, str, dict]:
    """(kind as counted, path, headers) for one request of the mix."""
    if kind == "search":
        query = quote_plus(rng.choice(QUERIES))
        return "search", f"/search?q={query}&page={rng.choice((1, 1, 1, 2))}", {}
    if kind == "download" and library.file_urls:
        return "download", rng.choice(library.file_urls)[1], new_visitor()
    if kind == "share" and library.share_urls:
        return "share", rng.choice(library.share_urls)[1], new_visitor()
    return "view", f"/materials/{rng.choice(library.material_ids)}", new_visitor()


def run_mix(port: int, library: Library, seconds: float, clients: int, tally: Tally) -> None:
    """Send the mix from `clients` threads for `seconds`."""
    kinds, weights = zip(*MIX, strict=True)
    deadline = time.monotonic() + seconds

    def client(seed: int):
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            kind, path, headers = request_for(rng.choices(kinds, weights)[0], library, rng)
            started = time.perf_counter()
            try:
                status, _ = get(port, path, headers, follow=kind == "share")
            except (OSError, http.client.HTTPException):
                with tally.lock:
                    tally.failures += 1
                continue
            tally.add(kind, status, time.perf_counter() - started)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def ceiling(port: int, seconds: float, clients: int) -> float:
    """Requests/s on a trivial route (robots.txt): what the server does with no work."""
    count = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        while time.monotonic() < deadline:
            get(port, "/robots.txt")
            with lock:
                count[0] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count[0] / (time.monotonic() - started)


def counted(database_url: str) -> tuple[int, int]:
    """(views, downloads) recorded as events."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = dict(
                connection.execute(text("SELECT event, count(*) FROM events GROUP BY event")).all()
            )
    finally:
        engine.dispose()
    return rows.get("view", 0), rows.get("download", 0)


def wait_for_counts(
    database_url: str, views: int, downloads: int, baseline=(0, 0), timeout: float = 60
):
    """The writes happen after each answer is sent: wait for them to land. `baseline`: the
    events there were before the load."""
    deadline = time.monotonic() + timeout
    while True:
        found = tuple(n - b for n, b in zip(counted(database_url), baseline, strict=True))
        if found == (views, downloads) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def summary(
    tally: Tally, seconds: float, library: Library, top: float | None, baseline=(0, 0)
) -> dict:
    total = len(tally.latencies)
    rps = total / seconds if seconds else 0
    views, downloads = wait_for_counts(library.database_url, tally.views, tally.downloads, baseline)
    return {
        "requests": total,
        "seconds": round(seconds, 1),
        "requests_per_second": round(rps, 1),
        "p50_ms": round(percentile(tally.latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(tally.latencies, 95) * 1000, 1),
        "p99_ms": round(percentile(tally.latencies, 99) * 1000, 1),
        "median_ms": round(statistics.median(tally.latencies) * 1000, 1) if total else 0,
        "by_kind": tally.by_kind,
        "p50_ms_by_kind": {
            kind: round(statistics.median(found) * 1000, 1)
            for kind, found in sorted(tally.kind_latencies.items())
        },
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "errors": tally.errors,
        "server_errors": tally.server_errors,
        "connection_failures": tally.failures,
        "trivial_route_rps": round(top, 1) if top else None,
        "ratio_to_ceiling": round(rps / top, 2) if top else None,
        "views_sent": tally.views,
        "views_counted": views,
        "downloads_sent": tally.downloads,
        "downloads_counted": downloads,
        "counts_exact": (views, downloads) == (tally.views, tally.downloads),
        "share_links": len(library.share_urls),
    }


def print_summary(result: dict, out=sys.stdout) -> None:
    print(
        f"{result['requests']} requests in {result['seconds']} s: "
        f"{result['requests_per_second']} req/s; p50 {result['p50_ms']} ms, "
        f"p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms",
        file=out,
    )
    print(f"by kind: {result['by_kind']}; statuses: {result['statuses']}", file=out)
    print(f"p50 by kind (ms): {result['p50_ms_by_kind']}", file=out)
    print(
        f"errors: {result['errors']} (5xx: {result['server_errors']}, "
        f"connection failures: {result['connection_failures']})",
        file=out,
    )
    if result["trivial_route_rps"]:
        print(
            f"trivial route (robots.txt): {result['trivial_route_rps']} req/s; the mix runs at "
            f"{result['ratio_to_ceiling']}x the server's ceiling",
            file=out,
        )
    if not result["share_links"]:
        print(
            "share links: no sharing module in this build: their 5% went to material pages",
            file=out,
        )
    print(
        f"views sent {result['views_sent']}, counted {result['views_counted']}; downloads sent "
        f"{result['downloads_sent']}, counted {result['downloads_counted']}: "
        + ("exact" if result["counts_exact"] else "MISMATCH"),
        file=out,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp folder")
    parser.add_argument(
        "--search-backend",
        choices=("whoosh", "postgres"),
        default="whoosh",
        help="postgres needs --database-url on PostgreSQL",
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--materials", type=int, default=200)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="load-") as folder:
        library = build_library(
            Path(folder), args.database_url, args.materials, args.search_backend
        )
        server = Server(library, args.workers)
        try:
            top = ceiling(server.port, min(10, args.seconds / 3), args.clients)
            tally = Tally()
            started = time.monotonic()
            run_mix(server.port, library, args.seconds, args.clients, tally)
            result = summary(tally, time.monotonic() - started, library, top)
        finally:
            server.stop()
    result["workers"] = args.workers
    print_summary(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0 if result["server_errors"] == 0 and result["counts_exact"] else 1


if __name__ == "__main__":
    sys.exit(main())
