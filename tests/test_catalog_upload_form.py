"""The upload and edit forms report every problem in one pass, with an error summary linking to
each field, and keep a file that passed its checks for the next submit."""

import io
from datetime import timedelta
from pathlib import Path

from bs4 import BeautifulSoup
from sqlalchemy import func, select
from support import pdf_bytes, png_bytes, stored_files

from library.catalog import kept_files
from library.extensions import db
from library.models import Material, StoredFile
from library.models.base import utcnow

POSTER = {
    "title": "Áp phích an toàn điện",
    "summary": "",
    "kind": "poster",
    "areas": ["life-skills"],
    "license": "CC-BY-4.0",
    "alt_text": "Ổ cắm điện và bàn tay ướt",
    "action": "publish",
}


def post(client, url="/manage/materials/new", **data):
    return client.post(url, data=data, content_type="multipart/form-data")


def page_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def summary(page) -> dict[str, str]:
    """The error summary: where each link goes and what it says."""
    box = page.select_one(".error-summary")
    assert box is not None and box["role"] == "alert"
    return {a["href"]: a.get_text(" ", strip=True) for a in box.select("a")}


def kept_on_disk(app) -> list[Path]:
    root = Path(app.config["UPLOAD_FOLDER"]) / "kept"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_every_problem_shows_at_once_the_file_included(client, login, make_user, app):
    login(make_user("editor"))
    fake = (io.BytesIO(b"<html><script>alert(1)</script></html>"), "ap-phich.png")
    response = post(client, **{**POSTER, "title": "", "areas": [], "file": fake})
    assert response.status_code == 422
    page = page_of(response)
    links = summary(page)
    assert "Cần nhập tiêu đề" in links["#title"]
    assert "lĩnh vực" in links["#areas-0"]
    assert "Loại tệp không được hỗ trợ" in links["#file"] or "Tệp" in links["#file"]
    # Each field in error is marked and says why, read with it.
    for name in ("title", "file"):
        field = page.find(id=name)
        assert field["aria-invalid"] == "true"
        assert f"{name}-error" in field["aria-describedby"].split()
        assert page.find(id=f"{name}-error").get_text(strip=True)
    assert page.find(id="summary").get("aria-invalid") is None
    # A refused file is not kept; nothing is saved.
    assert page.select_one("input[name=kept_file]") is None
    assert kept_on_disk(app) == [] and stored_files(app) == []
    assert count(Material) == 0


def test_a_good_file_is_kept_for_the_next_submit_then_saved_and_the_copy_removed(
    client, login, make_user, app
):
    login(make_user("editor"))
    poster = (io.BytesIO(png_bytes()), "ap-phich-dien.png")
    response = post(client, **{**POSTER, "title": "", "file": poster})
    assert response.status_code == 422
    page = page_of(response)
    assert list(summary(page)) == ["#title"]
    kept = page.select_one("input[name=kept_file]")["value"]
    assert "ap-phich-dien.png" in page.select_one("#kept-file").get_text()
    assert len(kept_on_disk(app)) == 2  # the file and its note
    assert count(Material) == count(StoredFile) == 0
    assert set(stored_files(app)) == set(kept_on_disk(app))

    # The editor fixes the title only: no file chosen again.
    response = post(client, **POSTER, kept_file=kept)
    assert response.status_code == 302, response.text
    material = db.session.scalars(select(Material)).one()
    assert material.file.original_name == "ap-phich-dien.png"
    assert material.status == "published"
    assert kept_on_disk(app) == []


def test_a_new_file_replaces_the_kept_one(client, login, make_user, app):
    login(make_user("editor"))
    first = post(client, **{**POSTER, "title": "", "file": (io.BytesIO(png_bytes()), "cu.png")})
    kept = page_of(first).select_one("input[name=kept_file]")["value"]
    other = (io.BytesIO(png_bytes(color=(0, 90, 200))), "moi.png")
    second = post(client, **{**POSTER, "title": "", "kept_file": kept, "file": other})
    page = page_of(second)
    assert "moi.png" in page.select_one("#kept-file").get_text()
    assert page.select_one("input[name=kept_file]")["value"] != kept
    assert len(kept_on_disk(app)) == 2  # the first one is gone
    response = post(client, **POSTER, kept_file=page.select_one("input[name=kept_file]")["value"])
    assert response.status_code == 302
    assert db.session.scalars(select(Material)).one().file.original_name == "moi.png"


def test_a_kept_file_belongs_to_its_editor_only_and_expires(
    client, login, make_user, app, make_org
):
    org = make_org(code="so-cong-thuong")
    editor, colleague = make_user("editor", org), make_user("editor", org)
    login(editor)
    response = post(client, **{**POSTER, "title": "", "file": (io.BytesIO(png_bytes()), "a.png")})
    kept = page_of(response).select_one("input[name=kept_file]")["value"]

    login(colleague)
    response = post(client, **POSTER, kept_file=kept)
    assert response.status_code == 422
    assert "tải lên một tệp" in summary(page_of(response))["#file"]
    assert count(Material) == 0

    # A day later it is gone, swept by the timer's command.
    assert kept_files.sweep(now=utcnow() + timedelta(hours=kept_files.KEEP_HOURS + 1)) == 1
    assert kept_on_disk(app) == []
    login(editor)
    response = post(client, **POSTER, kept_file=kept)
    assert response.status_code == 422


def test_a_kept_file_that_fits_no_longer_is_reported_with_the_other_problems(
    client, login, make_user, app
):
    login(make_user("editor"))
    leaflet = {**POSTER, "kind": "leaflet", "title": ""}
    response = post(client, **{**leaflet, "file": (io.BytesIO(pdf_bytes(2)), "to-gap.pdf")})
    kept = page_of(response).select_one("input[name=kept_file]")["value"]
    # Now a poster without its description: both said at once, and the PDF is still kept.
    poster = {**POSTER, "kind": "video", "alt_text": "", "kept_file": kept}
    page = page_of(post(client, **poster))
    assert "không phù hợp" in summary(page)["#file"]
    assert page.select_one("input[name=kept_file]")["value"] == kept


def test_the_edit_form_reports_at_once_and_keeps_the_file_too(
    client, login, make_user, make_material, app
):
    editor = make_user("editor")
    material = make_material(
        org=editor.organisation, kind="leaflet", title="Tờ gấp cũ", body="Nội dung cũ"
    )
    login(editor)
    url = f"/manage/materials/{material.id}/edit"
    form = {
        "title": "",
        "kind": "leaflet",
        "areas": ["politics-law"],
        "license": "gov-work",
        "body": "",
        "effective_at": "31/02/2026",
        "action": "",
        "file": (io.BytesIO(pdf_bytes(3)), "to-gap-moi.pdf"),
    }
    response = post(client, url, **form)
    assert response.status_code == 422
    page = page_of(response)
    links = summary(page)
    assert set(links) == {"#title", "#effective_at"}
    assert "Ngày không hợp lệ" in links["#effective_at"]
    kept = page.select_one("input[name=kept_file]")["value"]
    fixed = {**form, "title": "Tờ gấp mới", "effective_at": "", "kept_file": kept}
    fixed.pop("file")
    assert post(client, url, **fixed).status_code == 302
    db.session.expire_all()
    material = db.session.get(Material, material.id)
    assert (material.title, material.file.original_name) == ("Tờ gấp mới", "to-gap-moi.pdf")
    assert kept_on_disk(app) == []
