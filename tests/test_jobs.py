"""Background jobs run by a real worker process (`flask jobs work`) on the library's queue:
pictures, page images and the reading view of an uploaded PDF made after the upload answered;
jobs queued with no worker running, or left running by a killed one, done when one starts; a
failed job's reason shown to the editor. On PostgreSQL (the suite's second pass) the queue is
the app's own database, as with several hosts."""

import socket
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import inspect, select, update
from support import (
    FIXTURES,
    PASSWORD,
    BufferedClient,
    job_states,
    png_bytes,
    start_worker,
    stop_worker,
    upload,
    wait_for_jobs,
)

from library import jobs
from library.catalog import media, processing
from library.extensions import db
from library.models import MediaJob
from library.models.base import utcnow
from library.storage import get_storage

LEAFLET = FIXTURES / "thong-tu-09-2020-tt-bldtbxh-lao-dong-chua-thanh-nien.pdf"


def queued_app(make_app, **extra):
    """An app whose jobs wait for a worker, as on a real site."""
    app = make_app(JOBS_IMMEDIATE=False, JOBS_STALE_SECONDS=2, **extra)
    app.test_client_class = BufferedClient
    return app


def pdf_material(make_material):
    return make_material(
        kind="leaflet",
        body="",
        upload=upload(LEAFLET.read_bytes(), "tuoi-nghi-huu.pdf"),
    )


def pdf_material_job(make_material) -> MediaJob:
    """The pictures job of a poster: one more job to hold."""
    poster = make_material(
        kind="poster", body="", alt_text="Áp phích", upload=upload(png_bytes(), "ap-phich.png")
    )
    return poster.file.jobs[0]


def derived(stored, name):
    return get_storage().derived_path(stored.sha256, name)


def found(client, words: str) -> list[int]:
    answer = client.get("/api/v1/search", query_string={"q": words})
    return [item["id"] for item in answer.json["results"]]


def test_the_worker_makes_a_pdf_ready_after_its_upload(make_app, make_material, make_user):
    app = queued_app(make_app)
    with app.app_context():
        material = pdf_material(make_material)
        stored = material.file
        # The upload answered with the work still to do: nothing drawn yet.
        assert job_states(stored.id) == {"pictures": "queued", "pages": "queued"}
        assert not derived(stored, media.LIST_THUMB).exists()
        assert stored.reading is None
        editor = make_user("editor", org=material.organisation)
        client = app.test_client()
        client.post("/login", data={"email": editor.email, "password": PASSWORD})
        page = client.get(f"/materials/{material.id}").text
        assert "Chờ tạo ảnh trang và bản đọc." in page
        assert "Chờ tạo ảnh trang" not in app.test_client().get(f"/materials/{material.id}").text

        # Its text is read by the job too: not searchable yet.
        assert found(client, "chưa thành niên") == []

        worker = start_worker(app)
        try:
            assert wait_for_jobs(stored.id, worker) == {"pictures": "done", "pages": "done"}
        finally:
            stop_worker(worker)
        db.session.refresh(stored)
        assert found(client, "chưa thành niên") == [material.id]
        assert derived(stored, media.LIST_THUMB).is_file()
        assert derived(stored, processing.page_image_name(1)).is_file()
        assert stored.reading["status"] == "ok"
        page = client.get(f"/materials/{material.id}").text
        assert "Chờ tạo" not in page and "Đang tạo" not in page
        assert 'class="reading"' in page
        if db.engine.dialect.name == "postgresql":
            # Several hosts share the queue: it is kept in the app's PostgreSQL database.
            assert "huey_task" in inspect(db.engine).get_table_names()


def test_jobs_queued_with_no_worker_or_left_by_a_killed_one_are_done_when_one_starts(
    make_app, make_material
):
    app = queued_app(make_app)
    with app.app_context():
        first = pdf_material(make_material)
        second = make_material(
            kind="poster",
            body="",
            alt_text="Áp phích",
            upload=upload(LEAFLET.read_bytes()[:0] or png_bytes(), "ap-phich.png"),
        )
        # The poster's job was taken by a worker that was killed: running, its message gone.
        huey = app.extensions["huey"]
        huey.flush()
        db.session.execute(
            update(MediaJob)
            .where(MediaJob.file_id == second.file.id)
            .values(status="running", attempts=1, updated_at=utcnow() - timedelta(minutes=5))
        )
        db.session.commit()
        assert job_states(first.file.id) == {"pictures": "queued", "pages": "queued"}

        worker = start_worker(app)  # its start sends again what no live worker holds
        try:
            assert wait_for_jobs(first.file.id, worker) == {"pictures": "done", "pages": "done"}
            assert wait_for_jobs(second.file.id, worker) == {"pictures": "done"}
        finally:
            stop_worker(worker)
        job = db.session.scalar(select(MediaJob).where(MediaJob.file_id == second.file.id))
        assert job.attempts == 2
        assert derived(second.file, media.MEDIUM_IMAGE).is_file()


def test_a_worker_starting_takes_back_at_once_only_the_jobs_of_dead_workers_of_its_host(
    app, make_material
):
    host = socket.gethostname()
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        material = pdf_material(make_material)
        holders = [f"{host}:{ended.pid}", f"{host}:{alive.pid}", "another-host:1"]
        jobs_of = sorted(material.file.jobs, key=lambda j: j.kind) + [
            pdf_material_job(make_material)
        ]
        recent = utcnow() - timedelta(seconds=5)
        for job, holder in zip(jobs_of, holders, strict=True):
            job.status, job.attempts, job.worker, job.updated_at = "running", 1, holder, recent
        db.session.commit()
        assert jobs.requeue_orphaned() == 1
        stale = utcnow() - timedelta(seconds=app.config["JOBS_STALE_SECONDS"])
        assert [job.updated_at < stale for job in jobs_of] == [True, False, False]
    finally:
        alive.kill()
        alive.wait()


def test_a_job_whose_file_is_gone_fails_and_says_why(make_app, make_material, make_user):
    app = queued_app(make_app)
    with app.app_context():
        material = pdf_material(make_material)
        storage = get_storage()
        storage.path(storage.key_for(material.file.sha256, "pdf")).unlink()
        for job in material.file.jobs:
            assert jobs.run_job(job.id) == "failed"
        db.session.expire_all()
        assert {j.reason for j in material.file.jobs} == {"missing_file"}
        editor = make_user("editor", org=material.organisation)
        client = app.test_client()
        client.post("/login", data={"email": editor.email, "password": PASSWORD})
        page = client.get(f"/materials/{material.id}").text
        assert "Không tạo được ảnh trang và bản đọc. Không tìm thấy tệp gốc trên máy chủ." in page
        # A job ended is not done twice by a second message.
        assert jobs.run_job(material.file.jobs[0].id) is None


def poster(make_material):
    return make_material(
        kind="poster", body="", alt_text="Áp phích", upload=upload(png_bytes(), "ap-phich.png")
    )


def test_an_unexpected_error_is_retried_then_marked_failed(app, make_material, monkeypatch):
    calls = []

    def broken(job, stored, report):
        calls.append(job.attempts)
        report(50)
        raise RuntimeError("the drawing library crashed")

    monkeypatch.setitem(jobs.RUNNERS, processing.PICTURES, broken)
    material = make_material(
        kind="poster",
        body="",
        alt_text="Áp phích",
        upload=upload(png_bytes(), "ap-phich.png"),
    )
    job = material.file.jobs[0]
    db.session.refresh(job)
    assert calls == [1, 2, 3]  # JOBS_MAX_ATTEMPTS tries, one after the other
    assert (job.status, job.reason) == ("failed", "error")
    assert "the drawing library crashed" in job.detail


def test_flask_jobs_status_and_retry(app, make_material, runner, monkeypatch):
    monkeypatch.setitem(
        jobs.RUNNERS, processing.PICTURES, lambda *a: (_ for _ in ()).throw(OSError(28, "full"))
    )
    material = make_material(
        kind="poster",
        body="",
        alt_text="Áp phích",
        upload=upload(png_bytes(), "ap-phich.png"),
    )
    result = runner.invoke(args=["jobs", "status"])
    assert "failed: 1" in result.output and "full" in result.output
    monkeypatch.undo()
    result = runner.invoke(args=["jobs", "retry"])
    assert "jobs queued again: 1" in result.output
    assert job_states(material.file.id) == {"pictures": "done"}


def job_status(client, material_id):
    return client.get(f"/manage/materials/{material_id}/jobs.json")


def test_a_materials_job_status_is_json_for_its_editors(make_app, make_material, make_user):
    app = queued_app(make_app)
    with app.app_context():
        material = pdf_material(make_material)
        client = app.test_client()
        editor = make_user("editor", org=material.organisation)
        client.post("/login", data={"email": editor.email, "password": PASSWORD})
        answer = job_status(client, material.id)
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
        assert answer.json["running"] is True
        assert [(j["kind"], j["status"]) for j in answer.json["jobs"]] == [
            ("pictures", "queued"),
            ("pages", "queued"),
        ]
        assert answer.json["jobs"][1]["message"] == "Chờ tạo ảnh trang và bản đọc."

        pages = db.session.scalar(
            select(MediaJob).filter_by(file_id=material.file.id, kind="pages")
        )
        pages.status, pages.progress = "running", 40
        db.session.commit()
        running = job_status(client, material.id).json["jobs"][1]
        assert running["progress"] == 40
        assert running["message"] == "Đang tạo ảnh trang và bản đọc… 40 %"

        pages.status, pages.reason = "failed", "disk_full"
        db.session.commit()
        for job in jobs.waiting_jobs(material.file):
            if job.status == "queued":
                jobs.run_job(job.id)
        answer = job_status(client, material.id).json
        assert answer["running"] is False
        assert answer["jobs"][0]["status"] == "done" and answer["jobs"][0]["progress"] == 100
        assert answer["jobs"][1]["reason"] == "Ổ đĩa của máy chủ đã đầy."
        assert answer["jobs"][1]["message"].startswith("Không tạo được ảnh trang và bản đọc.")


def test_a_materials_job_status_refuses_others_in_json(make_app, make_material, make_user):
    app = queued_app(make_app)
    with app.app_context():
        material = pdf_material(make_material)
        client = app.test_client()
        anonymous = job_status(client, material.id)
        assert anonymous.status_code == 401 and anonymous.json["error"] == "unauthorized"
        for user in (make_user("editor"), make_user("union", org=material.organisation)):
            client.post("/login", data={"email": user.email, "password": PASSWORD})
            refused = job_status(client, material.id)
            assert refused.status_code == 403, user.role
            assert refused.json == {"error": "forbidden", "message": refused.json["message"]}
            assert "jobs" not in refused.json
            client.post("/logout")
        admin = make_user("admin")
        client.post("/login", data={"email": admin.email, "password": PASSWORD})
        assert job_status(client, material.id).status_code == 200
        missing = job_status(client, material.id + 1000)
        assert missing.status_code == 404 and missing.json["error"] == "not_found"
        assert client.post(f"/manage/materials/{material.id}/jobs.json").status_code == 405
