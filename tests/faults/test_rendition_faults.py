"""Faults while making renditions: a video that cannot be decoded, a worker killed halfway, a
disk that fills during a rendition. Each time the original stays playable, the job is retried or
fails with its reason, no half-written rendition is ever served, and `flask doctor` knows every
rendition file."""

import signal
import time

from sqlalchemy import func, select
from support import (
    PASSWORD,
    BufferedClient,
    job_states,
    media_file,
    start_worker,
    stop_worker,
    upload,
    video_bytes,
    wait_for_jobs,
)

from library import doctor, jobs
from library.extensions import db
from library.models import MediaJob, Rendition
from library.storage import get_storage

from .test_faults_web import small_disk


def video(make_material, data: bytes):
    return make_material(kind="video", body="", upload=upload(data, "huong-dan.mp4"))


def folder_of(stored):
    return get_storage().derived_path(stored.sha256, "")


def renditions_on_disk(stored) -> list[str]:
    folder = folder_of(stored)
    return sorted(p.name for p in folder.glob("rendition-*")) if folder.is_dir() else []


def job_of(stored, kind="video") -> MediaJob:
    db.session.expire_all()
    return db.session.scalar(
        select(MediaJob).where(MediaJob.file_id == stored.id, MediaJob.kind == kind)
    )


def original_plays(client, material) -> bool:
    url = f"/files/{material.file.id}/tai-lieu-{material.id}.mp4"
    with client.get(url, headers={"Range": "bytes=0-99"}) as answer:
        return answer.status_code == 206


def light_served(client, material) -> int:
    with client.get(f"/files/{material.file.id}/renditions/360p.mp4") as answer:
        return answer.status_code


def test_a_video_that_cannot_be_decoded_fails_with_its_reason_and_still_plays(
    app, client, make_material, make_user
):
    real = video_bytes([(0, 90, 200)], seconds=1.0)
    # An MP4's first box, then noise: accepted as MP4 on upload, undecodable by FFmpeg.
    damaged = real[:32] + bytes((n * 7919) % 251 for n in range(40_000))
    material = video(make_material, damaged)
    job = job_of(material.file)
    assert (job.status, job.reason, job.attempts) == ("failed", "undecodable", 1)  # not retried
    assert renditions_on_disk(material.file) == []
    assert original_plays(client, material)
    editor = make_user("editor", org=material.organisation)
    client.post("/login", data={"email": editor.email, "password": PASSWORD})
    page = client.get(f"/materials/{material.id}").text
    assert "Không tạo được bản video nhẹ; bản gốc vẫn xem được." in page
    assert "Tệp không giải mã được" in page
    assert f'src="/files/{material.file.id}/tai-lieu-{material.id}.mp4"' in page


def test_a_disk_full_during_a_rendition_is_retried_and_serves_no_half_file(
    make_app, make_material, tmp_path
):
    app = make_app(JOBS_IMMEDIATE=False)
    app.test_client_class = BufferedClient
    with app.app_context():
        source = media_file(tmp_path / "source.mp4", seconds=3, size=(1280, 720))
        material = video(make_material, source.read_bytes())
        client = app.test_client()
        with small_disk(folder_of(material.file), size="64k"):
            assert jobs.run_job(job_of(material.file).id) == "queued"  # to be tried again
            job = job_of(material.file)
            assert (job.reason, job.attempts) == ("disk_full", 1)
            assert renditions_on_disk(material.file) == []  # nothing half-written left
            assert light_served(client, material) == 404
            assert original_plays(client, material)
        assert db.session.scalar(select(func.count()).select_from(Rendition)) == 0
        # Space is back: the next try makes it.
        assert jobs.run_job(job.id) == "done"
        assert renditions_on_disk(material.file) == ["rendition-360p.mp4"]
        assert light_served(client, material) == 200


def test_a_worker_killed_halfway_leaves_nothing_served_and_the_next_one_finishes(
    make_app, make_material, tmp_path
):
    # Staleness as on a real site (5 minutes): the next worker must not wait for it.
    app = make_app(JOBS_IMMEDIATE=False)
    app.test_client_class = BufferedClient
    with app.app_context():
        source = media_file(tmp_path / "long.mp4", seconds=12, size=(1280, 720))
        material = video(make_material, source.read_bytes())
        stored = material.file
        client = app.test_client()
        worker = start_worker(app)
        try:
            deadline = time.monotonic() + 120
            while not (job_of(stored).status == "running" and job_of(stored).progress > 0):
                assert time.monotonic() < deadline, stop_worker(worker)
                time.sleep(0.1)
        finally:
            stop_worker(worker, signal.SIGKILL)
        # Killed mid-rendition: the half-made file is only ever a temporary one, never served.
        assert job_of(stored).status == "running"
        assert "rendition-360p.mp4" not in renditions_on_disk(stored)
        assert light_served(client, material) == 404
        assert original_plays(client, material)

        worker = start_worker(app)  # sees at its start that the job's process is gone
        try:
            started = time.monotonic()
            assert wait_for_jobs(stored.id, worker)["video"] == "done"
            assert time.monotonic() - started < 120
        finally:
            stop_worker(worker)
        assert job_of(stored).attempts == 2
        assert light_served(client, material) == 200
        # What the killed worker left (its temporary file) is the doctor's to remove.
        report = doctor.run(repair=True, grace=0)
        assert report.ok, [f.message for f in report.problems]
        assert renditions_on_disk(stored) == ["rendition-360p.mp4"]
        assert report.checked["renditions"] == 1


def test_the_doctor_knows_every_rendition_file(app, make_material, tmp_path):
    source = media_file(tmp_path / "source.mp4", seconds=2, size=(960, 540))
    material = video(make_material, source.read_bytes())
    stored = material.file
    assert doctor.run(repair=False, grace=0).ok
    folder = folder_of(stored)
    # A rendition lost from the disk: forgotten and made again by its job.
    (folder / "rendition-360p.mp4").unlink()
    report = doctor.run(repair=True, grace=0)
    assert any(
        "rendition-360p.mp4" in f.message and "missing" in f.message for f in report.repaired
    )
    assert job_states(stored.id)["video"] == "done"
    assert renditions_on_disk(stored) == ["rendition-360p.mp4"]
    # A rendition file no row records (a worker died before saving it): deleted.
    (folder / "rendition-720p.mp4").write_bytes(b"\x00" * 100)
    report = doctor.run(repair=True, grace=0)
    assert any("rendition of no row" in f.message for f in report.repaired)
    assert renditions_on_disk(stored) == ["rendition-360p.mp4"]
    assert doctor.run(repair=False, grace=0).ok
