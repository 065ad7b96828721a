"""Faults met while the site serves: disk full or unwritable upload folder, search index
read-only or gone, database locked or gone for a moment. Each time the visitor reads a clear
Vietnamese message (the API a JSON error), nothing is half-saved, and `flask doctor` leaves
the library consistent."""

import io
import shutil
import sqlite3
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from support import PASSWORD, bearer, pdf_bytes, post_material
from whoosh.filedb.filestore import FileStorage

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.accounts.services import create_token
from library.catalog.services import withdraw_material
from library.extensions import db
from library.models import Material, StoredFile
from library.search.backends import get_backend

from .faults_support import CONSISTENT, consistency, library_with_files, published_ids

GOOD = {
    "title": "Tờ gấp phòng cháy chữa cháy",
    "summary": "Những điều cần nhớ khi có cháy",
    "kind": "leaflet",
    "areas": ["life-skills"],
    "license": "CC-BY-4.0",
    "status": "published",
}
BIG_PDF = pdf_bytes(1) + b"%" * 400_000  # a real PDF head, 400 kB: more than the disk


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Material)),
        db.session.scalar(select(func.count()).select_from(StoredFile)),
    )


def token_for(make_user) -> dict:
    return bearer(make_user("editor"))


def page_text(response) -> str:
    return BeautifulSoup(response.data, "html.parser").get_text(" ", strip=True)


@contextmanager
def small_disk(folder: Path, size: str = "256k"):
    """A real full disk: a 256 kB tmpfs mounted on the upload folder (we run as root)."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs here ({done.stderr.strip()}); the test needs root")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@contextmanager
def immutable(*paths: Path):
    """Folders nobody can write into, not even root (chattr +i)."""
    for path in paths:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield
    finally:
        for path in paths:
            subprocess.run(["chattr", "-i", str(path)], check=True)


# Disk full, upload folder unwritable ---------------------------------------------------------


def test_disk_full_during_an_upload(app, client, make_user, login, runner):
    headers = token_for(make_user)
    editor = make_user("editor")
    before = counts()
    with small_disk(Path(app.config["UPLOAD_FOLDER"])) as folder:
        response = post_material(
            client, headers, {**GOOD, "file": (io.BytesIO(BIG_PDF), "lon.pdf")}
        )
        assert response.status_code == 503
        assert response.json["error"] == "storage_unavailable"
        assert "không lưu được tệp" in response.json["message"]
        assert response.headers["Retry-After"]
        login(editor)
        page = client.post(
            "/manage/materials/new",
            data={**GOOD, "action": "publish", "file": (io.BytesIO(BIG_PDF), "lon.pdf")},
            content_type="multipart/form-data",
        )
        assert page.status_code == 422
        assert "không lưu được tệp" in page_text(page)
        assert counts() == before
        assert [p for p in folder.rglob("*") if p.is_file()] == []
        # A small file still fits: the site works on, once space is there.
        small = post_material(
            client, headers, {**GOOD, "file": (io.BytesIO(pdf_bytes()), "nho.pdf")}
        )
        assert small.status_code == 201, small.json
        assert consistency(app) == CONSISTENT
        assert runner.invoke(args=["doctor"]).exit_code == 0


def test_upload_folder_unwritable(app, client, make_user):
    headers = token_for(make_user)
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    with immutable(folder):
        response = post_material(
            client, headers, {**GOOD, "file": (io.BytesIO(pdf_bytes()), "a.pdf")}
        )
    assert response.status_code == 503
    assert response.json["error"] == "storage_unavailable"
    assert counts() == (0, 0)
    assert consistency(app) == CONSISTENT


def test_upload_folder_replaced_by_a_file(app, client, make_user):
    headers = token_for(make_user)
    folder = Path(app.config["UPLOAD_FOLDER"])
    shutil.rmtree(folder, ignore_errors=True)
    folder.write_bytes(b"a mount that went away")
    response = post_material(client, headers, {**GOOD, "file": (io.BytesIO(pdf_bytes()), "a.pdf")})
    assert response.status_code == 503
    assert response.json["error"] == "storage_unavailable"
    assert counts() == (0, 0)


# Search index read-only or gone ----------------------------------------------------------


def test_search_index_read_only_then_repaired(app, client, make_user, make_material, runner):
    library_with_files(make_material, 1)
    headers = token_for(make_user)
    root = Path(app.config["SEARCH_INDEX_DIR"])
    generation = root / get_backend().store.current()
    (generation / "WRITELOCK").touch()  # as Whoosh leaves it after its first write
    with immutable(root, generation):
        # Searching still answers from the index as it is.
        found = client.get("/search?q=bao+hiem")
        assert found.status_code == 200
        assert "Tờ rơi bảo hiểm xã hội số 0" in page_text(found)
        # Saving works: the database is the truth; the index is behind, and says nothing wrong.
        saved = post_material(
            client, headers, {**GOOD, "file": (io.BytesIO(pdf_bytes(3)), "b.pdf")}
        )
        assert saved.status_code == 201, saved.json
        assert "1 missing" in consistency(app)["index"]
        # The write that failed left Whoosh's write lock free: the next one does not wait for it.
        lock = FileStorage(str(generation)).lock("WRITELOCK")
        assert lock.acquire(), "a failed write kept the index locked"
        lock.release()
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "index rebuilt" in result.output
    assert consistency(app) == CONSISTENT
    assert "Tờ gấp phòng cháy" in page_text(client.get("/search?q=phong+chay"))


def test_search_index_taking_no_notes_still_hides_a_withdrawal(app, client, make_material, runner):
    leaflet = library_with_files(make_material, 1)[1]
    root = Path(app.config["SEARCH_INDEX_DIR"])
    (root / "pending").mkdir(exist_ok=True)
    generation = root / get_backend().store.current()
    with immutable(root / "pending", root, generation):
        withdraw_material(SYSTEM, leaflet, "")
        db.session.commit()  # saved: neither a note nor the index could be written
        # Searches cannot tell which hits are out of date, so they check each one.
        api = client.get("/api/v1/search?q=bao+hiem")
        assert api.status_code == 200 and api.json["results"] == []
        assert "Tờ rơi bảo hiểm xã hội số 0" not in page_text(client.get("/search?q=bao+hiem"))
        assert "1 not published" in consistency(app)["index"]
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "index rebuilt" in result.output
    assert consistency(app) == CONSISTENT


def test_search_index_gone(app, client, make_user, make_material, runner):
    library_with_files(make_material, 1)
    get_backend().close()
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    page = client.get("/search?q=bao+hiem")
    assert page.status_code == 503
    assert "Tìm kiếm tạm thời không khả dụng" in page_text(page)
    api = client.get("/api/v1/search?q=bao+hiem")
    assert api.status_code == 503 and api.json["error"] == "search_unavailable"
    assert client.get("/").status_code == 200  # the rest of the site is unaffected
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert consistency(app) == CONSISTENT
    assert client.get("/search?q=bao+hiem").status_code == 200


# Database locked or gone -----------------------------------------------------------------


def test_database_locked_past_the_busy_timeout(make_app):
    # A short busy timeout (30 s by default) so that the test need not wait for it.
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"timeout": 0.3}})
    with app.app_context():
        org = accounts.create_organisation(SYSTEM, "so-ldtbxh", "Sở Lao động", "department")
        editor = accounts.create_user(SYSTEM, "bientap@ldtbxh.vn", PASSWORD, "editor", org.code)
        headers = {"Authorization": f"Bearer {create_token(editor)}"}
        db.session.commit()
        before = counts()
        db.session.remove()
    # Requests outside any app context: each gets its own, as under a server.
    client, login_client = app.test_client(), app.test_client()
    login_client.post("/login", data={"email": "bientap@ldtbxh.vn", "password": PASSWORD})
    holder = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    holder.execute("UPDATE settings SET value = value")
    try:
        response = post_material(
            client, headers, {**GOOD, "file": (io.BytesIO(pdf_bytes()), "a.pdf")}
        )
        assert response.status_code == 503
        assert response.json["error"] == "database_unavailable"
        assert response.headers["Retry-After"] == "30"
        page = login_client.post(
            "/manage/materials/new",
            data={**GOOD, "action": "publish", "file": (io.BytesIO(pdf_bytes(2)), "b.pdf")},
            content_type="multipart/form-data",
        )
        assert page.status_code == 503
        assert "Hệ thống đang bận" in page_text(page)
        assert page.headers["Retry-After"] == "30"
        assert client.get("/").status_code == 200  # reading goes on (WAL)
    finally:
        holder.rollback()
        holder.close()
    with app.app_context():
        assert counts() == before
        assert consistency(app) == CONSISTENT
    again = post_material(client, headers, {**GOOD, "file": (io.BytesIO(pdf_bytes()), "a.pdf")})
    assert again.status_code == 201
    with app.app_context():
        assert counts() == (before[0] + 1, before[1] + 1)
        db.session.remove()
        db.engine.dispose()


def test_database_gone_for_a_moment(app, client, make_material):
    made = [m.id for m in library_with_files(make_material, 1)]
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    db.session.remove()
    db.engine.dispose()
    aside = path.with_name("aside")
    aside.mkdir()
    moved = []
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            moved.append((source, aside / source.name))
            source.rename(aside / source.name)
    path.mkdir()  # the volume is not there: the file cannot be opened (nor created)
    try:
        page = client.get(f"/materials/{made[0]}")
        assert page.status_code == 503
        assert "Hệ thống đang bận" in page_text(page)
        assert page.headers["Retry-After"]
        api = client.get("/api/v1/materials")
        assert api.status_code == 503 and api.json["error"] == "database_unavailable"
    finally:
        path.rmdir()
        for source, target in moved:
            target.rename(source)
    db.engine.dispose()
    assert client.get(f"/materials/{made[0]}").status_code == 200
    assert published_ids() == set(made)
    assert consistency(app) == CONSISTENT
