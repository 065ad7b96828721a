"""An editor watches a file's jobs on the material page without reloading it: the progress
moves, a failure says why, and the page shows what the jobs made once nothing runs."""

import pytest
from browser_support import log_in
from sqlalchemy import select
from support import pdf_bytes, upload

from library import jobs
from library.extensions import db
from library.models import MediaJob

QUEUED = [{"JOBS_IMMEDIATE": False}]


def set_job(stored_id, kind, **values):
    job = db.session.scalar(select(MediaJob).filter_by(file_id=stored_id, kind=kind))
    for name, value in values.items():
        setattr(job, name, value)
    db.session.commit()
    return job


@pytest.mark.parametrize("live_app", QUEUED, indirect=True)
def test_the_material_page_follows_its_jobs_live(live_app, desktop, make_material, make_user):
    app, url = live_app
    with app.app_context():  # (make_material's own app runs jobs at once)
        follows_its_jobs(url, desktop, make_material, make_user)


def follows_its_jobs(url, desktop, make_material, make_user):
    material = make_material(kind="leaflet", body="", upload=upload(pdf_bytes(2), "to-gap.pdf"))
    stored_id = material.file.id
    log_in(desktop, url, make_user("editor", org=material.organisation))
    asked = []
    desktop.on("request", lambda r: asked.append(r.url) if r.url.endswith("/jobs.json") else None)
    desktop.goto(f"{url}/materials/{material.id}")
    pages = desktop.locator('.jobs li[data-kind="pages"]')
    assert pages.inner_text() == "Chờ tạo ảnh trang và bản đọc."
    desktop.evaluate("() => { window.notReloaded = true; }")

    set_job(stored_id, "pages", status="running", progress=40)
    desktop.wait_for_function(
        "() => document.querySelector('.jobs li[data-kind=pages] progress')?.value === 40"
    )
    assert pages.locator(".job-text").inner_text() == "Đang tạo ảnh trang và bản đọc… 40 %"

    set_job(stored_id, "pages", status="failed", reason="disk_full", progress=0)
    desktop.wait_for_function(
        "() => document.querySelector('.jobs li[data-kind=pages]').className === 'job job-failed'"
    )
    assert "Ổ đĩa của máy chủ đã đầy." in pages.inner_text()
    assert pages.locator("progress").count() == 0
    assert desktop.evaluate("() => window.notReloaded") is True

    # The last job ends: the page is loaded again, showing the picture and the failure only.
    jobs.run_job(set_job(stored_id, "pictures").id)
    desktop.wait_for_function("() => window.notReloaded === undefined")
    desktop.wait_for_load_state()
    assert desktop.locator(".jobs li").all_inner_texts() == [
        "Không tạo được ảnh trang và bản đọc. Ổ đĩa của máy chủ đã đầy."
    ]
    polled = len(asked)
    desktop.wait_for_timeout(4000)  # longer than the poll interval: nothing runs, nothing asked
    assert len(asked) == polled


@pytest.mark.parametrize("live_app", QUEUED, indirect=True)
def test_a_page_image_not_drawn_yet_shows_a_picture_saying_so(live_app, phone, make_material):
    app, url = live_app
    with app.app_context():
        material = make_material(kind="leaflet", body="", upload=upload(pdf_bytes(1), "a.pdf"))
        material_id = material.id
    phone.goto(f"{url}/materials/{material_id}")
    image = phone.locator(".pages img").first
    image.scroll_into_view_if_needed()
    phone.wait_for_function("() => document.querySelector('.pages img').complete")
    # The 503 answer is a picture the browser draws (an <img> of an error shows nothing).
    assert phone.evaluate("() => document.querySelector('.pages img').naturalWidth") == 900
