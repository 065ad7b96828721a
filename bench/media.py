"""Media benchmark: light renditions and background jobs, on a fresh embedded library.

    .venv/bin/python bench/media.py [--rounds 3] [--seconds 60]

Prints medians of:
- the time to make the 360p rendition of a 60 s 720p video (made here with PyAV: moving colour
  bars and a tone, H.264/AAC at about 3 Mbit/s), as a ratio of the video's duration (goal
  <= 1.0x on a 2-core machine), and the rendition's bytes against the original's;
- for a PDF of 20 pages (the first 20 of a real circular, tests/data/fixtures): the time the
  upload takes to answer (goal < 1 s: the work is queued) and the time from the upload to
  "ready" (every job done) with a real `flask jobs work` worker already running.
"""

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
CIRCULAR = ROOT / "tests/data/fixtures/thong-tu-09-2020-tt-bldtbxh-lao-dong-chua-thanh-nien.pdf"


def make_video(path: Path, seconds: float) -> Path:
    from support import media_file

    return media_file(path, seconds=seconds, size=(1280, 720), fps=25)


def rendition_round(source: Path, folder: Path, seconds: float) -> tuple[float, float]:
    from library.catalog import renditions

    start = time.perf_counter()
    made = renditions.make(source, folder / "rendition-360p.mp4", renditions.LIGHT)
    elapsed = time.perf_counter() - start
    return elapsed / seconds, made.size / source.stat().st_size


def twenty_pages() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(str(CIRCULAR)).pages[:20]:
        writer.add_page(page)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_round(folder: Path, pdf: bytes) -> tuple[float, float]:
    """(seconds for the upload to answer, seconds from the upload to every job done)."""
    from library import create_app
    from library.accounts import services as accounts
    from library.accounts.permissions import SYSTEM
    from library.cli import prepare_database
    from library.extensions import db
    from library.models import MediaJob

    config = {
        "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'library.db'}",
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "SEARCH_INDEX_DIR": str(folder / "index"),
        "TRACKING_ENABLED": False,
        "SERVER_NAME": "thuvien.bench",
    }
    app = create_app(config)
    with app.app_context():
        prepare_database()
        org = accounts.create_organisation(SYSTEM, "so-bench", "Sở thử", "department", None, False)
        user = accounts.create_user(
            SYSTEM, "bench@thuvien.vn", "mat-khau-bench-dai", "editor", org.code
        )
        token = accounts.create_token(user)
        db.session.commit()
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        **{f"FLASK_{k}": str(v) for k, v in config.items() if k != "TRACKING_ENABLED"},
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "jobs", "work"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        time.sleep(3)  # the worker is up and waiting, as on a running site
        client = app.test_client()
        data = {
            "title": "Thông tư 09/2020 (20 trang)",
            "kind": "legal_digest",
            "areas": "politics-law",
            "license": "gov-work",
            "file": (io.BytesIO(pdf), "thong-tu.pdf"),
        }
        start = time.perf_counter()
        answer = client.post(
            "/api/v1/materials",
            data=data,
            headers={"Authorization": f"Bearer {token}"},
            content_type="multipart/form-data",
        )
        answered = time.perf_counter() - start
        assert answer.status_code == 201, answer.text
        with app.app_context():
            while True:
                states = set(db.session.scalars(db.select(MediaJob.status)).all())
                db.session.rollback()
                if states and states <= {"done", "failed"}:
                    break
                if time.perf_counter() - start > 600:
                    raise SystemExit("the PDF's jobs did not finish in 10 minutes")
                time.sleep(0.05)
            assert states == {"done"}, states
        ready = time.perf_counter() - start
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=60)
    return answered, ready


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-media-") as tmp:
        folder = Path(tmp)
        source = make_video(folder / "source-720p.mp4", args.seconds)
        size = source.stat().st_size
        print(f"video: {args.seconds:.0f} s, 1280x720, {size / 1e6:.1f} MB")
        ratios, sizes = [], []
        for round_ in range(args.rounds):
            ratio, share = rendition_round(source, folder, args.seconds)
            ratios.append(ratio)
            sizes.append(share)
            print(
                f"  round {round_ + 1}: 360p in {ratio:.2f}x the duration, {share:.1%} of the bytes"
            )
        print(
            f"360p rendition: median {statistics.median(ratios):.2f}x the video's duration "
            f"(goal <= 1.0x), {statistics.median(sizes):.1%} of the original's bytes"
        )
        pdf = twenty_pages()
        answers, readies = [], []
        for round_ in range(args.rounds):
            answered, ready = pdf_round(folder / f"library-{round_}", pdf)
            answers.append(answered)
            readies.append(ready)
            print(
                f"  round {round_ + 1}: upload answered in {answered:.2f} s, ready in {ready:.1f} s"
            )
        print(
            f"20-page PDF: upload answered in median {statistics.median(answers):.2f} s "
            f"(goal < 1 s), ready {statistics.median(readies):.1f} s after the upload"
        )


if __name__ == "__main__":
    main()
