"""`flask backup` takes a consistent snapshot while the site writes; `flask restore` brings it
back into an empty library on another machine, with every row, every file and search."""

import json
import sqlite3
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from support import PASSWORD

from library import create_app
from library.extensions import db
from library.models import User
from library.search.backends import get_backend
from library.tracking.services import record_event

from .faults_support import CONSISTENT, consistency, files_of, library_with_files, rows_of


def test_backup_while_writing_then_restore_on_a_fresh_machine(
    app, runner, make_material, make_user, tmp_path
):
    made = library_with_files(make_material, 2)
    make_user("editor")
    make_user("admin")
    yesterday = date.today() - timedelta(days=1)
    from datetime import datetime

    for n, material in enumerate(made):
        at = datetime(yesterday.year, yesterday.month, yesterday.day, 2, n)
        record_event(material.id, "view", f"c{n:030d}", "Mozilla/5.0 (Linux; Android 10)", now=at)
    db.session.commit()
    assert runner.invoke(args=["metrics", "rollup"]).exit_code == 0
    live = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))

    # A writer keeps adding events (its own connection, as another worker would) meanwhile.
    stop, written = threading.Event(), []
    first_id = made[0].id

    def writer():
        connection = sqlite3.connect(live, timeout=30)
        n = 0
        while not stop.is_set():
            n += 1
            connection.execute(
                "INSERT INTO events (at, day, hour, material_id, event, channel, visitor, "
                "streak_ms) VALUES (?, ?, 9, ?, 'view', 'direct', ?, ?)",
                ("2026-11-01 02:00:00", "2026-11-01", first_id, f"w{n:08d}", n),
            )
            connection.commit()
            written.append(n)
        connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while len(written) < 50 and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(written) >= 50, "the writer did not write"
        snapshot = tmp_path / "snapshot"
        result = runner.invoke(args=["backup", str(snapshot)])
        during = len(written)
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert during > 50  # the writer really was writing
    manifest = json.loads((snapshot / "manifest.json").read_text())
    assert manifest["migration_revision"]
    assert manifest["counts"]["materials"] == len(made)
    assert manifest["counts"]["files"] == 4
    # The snapshot is one moment: the writer's rows in it are a prefix 1..k without a gap.
    saved = rows_of(snapshot / "library.db")
    ours = sorted(r[-1] for r in saved["events"] if str(r[8]).startswith("w"))
    assert ours == list(range(1, len(ours) + 1)) and len(ours) >= 50
    # Every row of the snapshot is in the live database as it was.
    now = rows_of(live)
    for table, table_rows in saved.items():
        assert set(table_rows) <= set(now[table]), table

    # A fresh machine: empty folders.
    fresh = tmp_path / "fresh"
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "other",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{fresh / 'library.db'}",
            "UPLOAD_FOLDER": str(fresh / "uploads"),
            "SEARCH_INDEX_DIR": str(fresh / "index"),
            "SERVER_NAME": "thuvien.test",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with other.app_context():  # the command runs in the app of the fresh machine
        restored = other.test_cli_runner().invoke(args=["restore", str(snapshot)])
        db.session.remove()
        db.engine.dispose()
    assert restored.exit_code == 0, restored.output
    restored_rows = rows_of(fresh / "library.db")
    # Page images are drawn files, not kept in a backup: the restore queues each PDF's page
    # job again for the worker to draw them (thumbnails it remakes itself).
    jobs_restored, jobs_saved = restored_rows.pop("media_jobs"), dict(saved).pop("media_jobs")
    assert restored_rows == {t: r for t, r in saved.items() if t != "media_jobs"}
    assert [j[:3] for j in jobs_restored] == [j[:3] for j in jobs_saved]
    assert {j[3] for j in jobs_restored if j[2] == "pages"} == {"queued"}
    assert [j for j in jobs_restored if j[2] != "pages"] == [
        j for j in jobs_saved if j[2] != "pages"
    ]
    assert files_of(fresh / "uploads") == files_of(Path(app.config["UPLOAD_FOLDER"]))
    with other.app_context():
        assert consistency(other) == CONSISTENT
        assert get_backend().doc_count() == len(made)
        client = other.test_client()
        page = client.get("/search?q=bao+hiem+xa+hoi")
        assert page.status_code == 200 and "Tờ rơi bảo hiểm xã hội số 1" in page.text
        # Thumbnails were remade, and accounts work with their passwords.
        assert list((fresh / "uploads" / "derived").rglob("list.webp"))
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        login = client.post("/login", data={"email": admin.email, "password": PASSWORD})
        assert login.status_code == 302
        db.session.remove()
        db.engine.dispose()

    # Restoring over a library that has content is refused.
    with other.app_context():
        again = other.test_cli_runner().invoke(args=["restore", str(snapshot)])
    assert again.exit_code != 0
    assert "not empty" in again.output
    # A snapshot with an altered file is refused before anything is written.
    key = manifest["files"][0]["key"]
    (snapshot / "files" / key).write_bytes(b"altered")
    third = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "third",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'third' / 'library.db'}",
            "UPLOAD_FOLDER": str(tmp_path / "third" / "uploads"),
            "SEARCH_INDEX_DIR": str(tmp_path / "third" / "index"),
        }
    )
    with third.app_context():
        refused = third.test_cli_runner().invoke(args=["restore", str(snapshot)])
    assert refused.exit_code != 0 and "altered" in refused.output
    assert not (tmp_path / "third" / "library.db").exists()


def test_backup_into_a_non_empty_folder_is_refused(app, runner, tmp_path):
    folder = tmp_path / "full"
    folder.mkdir()
    (folder / "x").write_text("x")
    result = runner.invoke(args=["backup", str(folder)])
    assert result.exit_code != 0 and "not empty" in result.output
