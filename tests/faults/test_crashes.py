"""A process killed (SIGKILL) in the middle of an upload, a reindex and a rollup: nothing is
half-saved, searches keep answering, and `flask doctor` (or the next run) leaves everything
consistent. Each crash is a real process killed from outside, never a mock."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support import pdf_bytes

from library.accounts.services import create_token
from library.extensions import db
from library.models import DailyMetric, Material, RolledDay, StoredFile
from library.search.backends import get_backend
from library.search.indexing import reindex

from .faults_support import CONSISTENT, consistency, library_with_files

ROOT = Path(__file__).resolve().parents[2]


def cli_env(app) -> dict:
    """The environment that points `flask` at this test's library."""
    return {
        **os.environ,
        "FLASK_APP": "wsgi",
        "FLASK_SECRET_KEY": "test",
        "FLASK_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "FLASK_UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
        "FLASK_SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
    }


def start(app, *args) -> subprocess.Popen:
    """A real `flask` process in its own process group (its helpers die with it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=cli_env(app),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def kill(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL


def wait_for(condition, timeout: float = 60, step: float = 0.002):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the process never reached the point where it is killed")
        time.sleep(step)


def killed_itself(app, script: str, *args: str, saying: str) -> None:
    """Run a Python `script` on this test's library that kills itself (SIGKILL) after
    printing `saying`."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=cli_env(app),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert saying in done.stdout


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def run_doctor(app) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "doctor", "--grace-minutes", "0"],
        cwd=ROOT,
        env=cli_env(app),
        capture_output=True,
        text=True,
        timeout=300,
    )


def settle():
    """Forget what this process cached: another process changed the files and the database."""
    db.session.remove()
    get_backend().close()


def add_published(app, count: int) -> None:
    """Many published text materials, written straight into the database (quickly)."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    org = db.session.scalar(select(Material.organisation_id).limit(1))
    now = datetime(2026, 3, 1, 8, 0).isoformat(sep=" ")
    with sqlite3.connect(path) as connection:
        first = connection.execute("SELECT coalesce(max(id), 0) + 1 FROM materials").fetchone()[0]
        connection.executemany(
            "INSERT INTO materials (id, title, summary, kind, status, license, body, alt_text, "
            "organisation_id, legal_basis, review_comment, withdrawal_reason, created_at, "
            "updated_at, published_at) VALUES (?, ?, ?, 'legal_digest', 'published', 'gov-work', "
            "?, '', ?, '', '', '', ?, ?, ?)",
            [
                (
                    i,
                    f"Quy định an toàn số {i}",
                    "Tóm tắt quy định về an toàn vệ sinh lao động",
                    "Người lao động được trang bị bảo hộ. " * 20,
                    org,
                    now,
                    now,
                    now,
                )
                for i in range(first, first + count)
            ],
        )
        connection.executemany(
            "INSERT INTO material_areas (material_id, area_code) VALUES (?, 'life-skills')",
            [(i,) for i in range(first, first + count)],
        )
    connection.close()


# Upload -------------------------------------------------------------------------------------


def test_killed_between_keeping_the_file_and_committing(app, make_material, make_org):
    """The worst moment of an upload: the file is in place and its rows flushed, the commit
    has not happened. A real process kills itself there (SIGKILL: no clean-up runs)."""
    library_with_files(make_material, 1)
    make_org()
    before = consistency(app)
    assert before == CONSISTENT
    script = textwrap.dedent(
        """
        import io, os, signal, sys
        from wsgi import app
        from library.accounts.permissions import SYSTEM
        from library.catalog import services
        from library.extensions import db
        from library.models import Organisation
        with app.app_context():
            org = db.session.query(Organisation).filter_by(code="so-ldtbxh").one()
            raw = {"title": "Tờ rơi dở dang", "kind": "leaflet", "areas": ["life-skills"],
                   "license": "CC-BY-4.0", "status": "published"}
            data = open(sys.argv[1], "rb").read()
            services.create_material(SYSTEM, org, raw, services.Upload(io.BytesIO(data), "a.pdf"))
            db.session.flush()
            print("kept", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    pdf = Path(app.config["UPLOAD_FOLDER"]).parent / "dang-tai.pdf"
    pdf.write_bytes(pdf_bytes(2))
    killed_itself(app, script, str(pdf), saying="kept")
    settle()
    after = consistency(app)
    assert len(after["orphan_files"]) == 1  # the file of a material that was never saved
    assert db.session.scalar(select(func.count()).where(Material.title == "Tờ rơi dở dang")) == 0
    doctor = run_doctor(app)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "moved to quarantine/" in doctor.stdout
    settle()
    assert consistency(app) == CONSISTENT


def test_killed_between_withdrawing_and_updating_the_index(app, client, make_material):
    """A withdrawal commits, then the process dies before the index hears of it: searches
    must not show the withdrawn material meanwhile, and the doctor brings the index back."""
    leaflet = library_with_files(make_material, 1)[1]
    script = textwrap.dedent(
        """
        import os, signal, sys
        from wsgi import app
        from library.accounts.permissions import SYSTEM
        from library.catalog import services
        from library.extensions import db
        from library.models import Material
        def die(ids):
            print("committed", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        with app.app_context():
            app.extensions["search"].remove = die  # the moment after the commit
            services.withdraw_material(SYSTEM, db.session.get(Material, int(sys.argv[1])), "")
            db.session.commit()
        """
    )
    killed_itself(app, script, str(leaflet.id), saying="committed")
    settle()
    assert "1 not published" in consistency(app)["index"]  # the index still has it...
    api = client.get("/api/v1/search?q=bao+hiem")
    assert api.status_code == 200 and api.json["results"] == []  # ...but nobody sees it
    doctor = run_doctor(app)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "index rebuilt" in doctor.stdout
    settle()
    assert consistency(app) == CONSISTENT
    assert get_backend().pending_ids() == frozenset()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_server_killed_while_an_upload_is_being_received(app, make_user, make_material):
    library_with_files(make_material, 1)
    token = create_token(make_user("editor"))
    db.session.commit()
    counts = (
        db.session.scalar(select(func.count()).select_from(Material)),
        db.session.scalar(select(func.count()).select_from(StoredFile)),
    )
    port = _free_port()
    server = start(app, "run", "--port", str(port), "--no-reload")
    wait_for(lambda: _listening(port), timeout=60, step=0.05)
    boundary = "ranh-gioi"
    head = (
        "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in {
                "title": "Tờ rơi bị cắt ngang",
                "kind": "leaflet",
                "areas": "life-skills",
                "license": "CC-BY-4.0",
                "status": "published",
            }.items()
        )
        + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    body = pdf_bytes(1) + b"%" * 4_000_000
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(
            (
                f"POST /api/v1/materials HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {token}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Content-Length: {len(head) + len(body) + 100}\r\n\r\n"
            ).encode()
            + head
            + body[:2_000_000]
        )
        time.sleep(0.3)  # the server is reading the body
        kill(server)
    settle()
    assert (
        db.session.scalar(select(func.count()).select_from(Material)),
        db.session.scalar(select(func.count()).select_from(StoredFile)),
    ) == counts
    doctor = run_doctor(app)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    settle()
    assert consistency(app) == CONSISTENT


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


# Reindex ------------------------------------------------------------------------------------


def test_reindex_killed_halfway(app, client, make_material):
    library_with_files(make_material, 1)
    add_published(app, 3000)
    reindex()
    root = Path(app.config["SEARCH_INDEX_DIR"])
    generation = get_backend().store.current()
    process = start(app, "search", "reindex")
    wait_for(lambda: any(root.glob("journal-*")) or process.poll() is not None)
    time.sleep(0.2)  # well inside the build of a new generation
    assert process.poll() is None, "the rebuild finished before it could be killed"
    kill(process)
    settle()
    # The generation in use is untouched: searches answer as before.
    assert get_backend().store.current() == generation
    page = client.get("/search?q=quy+dinh+an+toan")
    assert page.status_code == 200
    assert len(list(root.glob("journal-*"))) == 1  # left by the killed rebuild
    # A change made now reaches the index in use.
    made = make_material(title="Quy định mới sau sự cố")
    assert consistency(app)["index"] is None
    doctor = run_doctor(app)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "left by an interrupted rebuild" in doctor.stdout
    settle()
    assert list(root.glob("journal-*")) == []
    assert {p.name for p in root.glob("gen-*")} == {get_backend().store.current()}
    assert consistency(app) == CONSISTENT
    assert made.id in get_backend().stamps()


# Rollup -------------------------------------------------------------------------------------


def test_rollup_killed_halfway_then_run_again(app, make_material):
    made = library_with_files(make_material, 1)
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    days = [date.today() - timedelta(days=d) for d in range(40, 0, -1)]
    rows = []
    for n, day in enumerate(days):
        at = datetime(day.year, day.month, day.day, 3, 0)
        for i in range(6000):
            rows.append(
                (
                    (at + timedelta(seconds=i)).isoformat(sep=" "),
                    day.isoformat(),
                    10,
                    made[i % len(made)].id,
                    "view" if i % 5 else "download",
                    "direct",
                    f"c{n:03d}{i:06d}",
                    int(at.timestamp() * 1000) + i * 1000,
                )
            )
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO events (at, day, hour, material_id, event, channel, visitor, streak_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    connection.close()
    # Killed once its transaction has written (the write-ahead log, emptied first, grows) and
    # long before it commits (after 40 days of work), however fast the machine.
    settle()
    with sqlite3.connect(path) as connection:
        busy, _pages, _done = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    connection.close()
    wal = Path(f"{path}-wal")
    assert busy == 0 and _size(wal) == 0
    process = start(app, "metrics", "rollup")
    wait_for(lambda: _size(wal) > 64 * 1024 or process.poll() is not None)
    assert process.poll() is None, "the rollup finished before it could be killed"
    kill(process)
    settle()
    # Nothing half-saved: the rollup is one transaction.
    assert db.session.scalar(select(func.count()).select_from(RolledDay)) == 0
    assert db.session.scalar(select(func.count()).select_from(DailyMetric)) == 0
    done = subprocess.run(
        [sys.executable, "-m", "flask", "metrics", "rollup"],
        cwd=ROOT,
        env=cli_env(app),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    settle()
    assert db.session.scalar(select(func.sum(DailyMetric.total))) == len(rows)
    assert db.session.scalar(select(func.count()).select_from(RolledDay)) == len(days)
    assert run_doctor(app).returncode == 0
