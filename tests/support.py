"""Helpers shared by the tests: real small files and where the test data lives."""

import io
import threading
from contextlib import contextmanager
from pathlib import Path

from flask.testing import FlaskClient
from PIL import Image
from werkzeug.serving import make_server

from library.accounts.services import create_token
from library.catalog import services as catalog
from library.config import default_config
from library.extensions import db

ROOT = Path(__file__).resolve().parent.parent
# Real files the tests read, with their origin and licence (tests/data/README.md).
TEST_DATA = ROOT / "tests" / "data"
FIXTURES = TEST_DATA / "fixtures"
PASSWORD = "mat-khau-thu-nghiem"
# The page images' real widths, for the tests about them (the others draw small ones).
PRODUCT_PAGE_WIDTHS = {
    key: value
    for key, value in default_config("", str(ROOT / "library")).items()
    if key in ("PDF_PAGE_WIDTH", "PDF_FULL_PAGE_WIDTH")
}


@contextmanager
def served(app):
    """The app served on a free loopback port, in a thread, while the block runs: yields its
    base URL."""
    server = make_server("127.0.0.1", 0, _closing(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def _closing(app):
    """Werkzeug's development server skips closing a response when the client hangs up while
    it drains the request (a browser leaving a page while its audio loads), which leaves the
    file open: each response is closed here as soon as it is sent, or when it is dropped."""

    def closing(environ, start_response):
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()

    return closing


def png_bytes(size=(64, 48), color=(200, 30, 30), fmt="PNG", **save) -> bytes:
    """A small real image."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt, **save)
    return buffer.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    """A small real PDF with blank pages."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str):
    """A file as a service receives it."""
    return catalog.Upload(io.BytesIO(data), name)


def stored_files(app) -> list[Path]:
    """Every kept file and derived image under the uploads folder (temporary files excluded)."""
    root = Path(app.config["UPLOAD_FOLDER"])
    return [p for p in root.rglob("*") if p.is_file() and "tmp" not in p.relative_to(root).parts]


def database_dump() -> str:
    """Every row of every table of the app's database, as text (any database engine)."""
    from sqlalchemy import select

    from library.extensions import db

    lines = []
    for table in db.metadata.sorted_tables:
        lines += [f"{table.name}: {tuple(row)!r}" for row in db.session.execute(select(table))]
    return "\n".join(lines)


def video_bytes(colours, seconds: float = 2.0, fps: int = 10, size=(320, 240)) -> bytes:
    """A real small H.264 MP4 made with PyAV: the first colour for its first half second, then
    the second colour (a single colour for the whole video when only one is given)."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as out:
        stream = out.add_stream("libx264" if "libx264" in av.codecs_available else "mpeg4", fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for index in range(round(fps * seconds)):
            colour = colours[0] if index < fps / 2 or len(colours) == 1 else colours[1]
            frame = av.VideoFrame.from_image(Image.new("RGB", size, colour))
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return buffer.getvalue()


def bearer(user) -> dict:
    """Request headers carrying a new API token of `user` (committed)."""
    token = create_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def post_material(client, headers, data):
    """POST /api/v1/materials as a multipart form (a file among the fields)."""
    return client.post(
        "/api/v1/materials", data=data, headers=headers, content_type="multipart/form-data"
    )


def edit_form(material, **fields) -> dict:
    """The edit page's form as it comes filled with a material, with some fields changed."""
    return {
        "title": material.title,
        "summary": material.summary,
        "kind": material.kind,
        "areas": material.area_codes,
        "license": material.license,
        "body": material.body,
        "tags": ", ".join(material.tag_names),
        "action": "",
        **fields,
    }


def worker_env(app) -> dict:
    """The environment that points a `flask` process at this test's library and its queue."""
    import os

    return {
        **os.environ,
        "FLASK_APP": "wsgi",
        "FLASK_SECRET_KEY": "test",
        "FLASK_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "FLASK_UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
        "FLASK_SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
        "FLASK_SEARCH_BACKEND": app.config["SEARCH_BACKEND"],
        "FLASK_JOBS_STORE": app.config["JOBS_STORE"],
        "FLASK_JOBS_STALE_SECONDS": str(app.config["JOBS_STALE_SECONDS"]),
        "FLASK_JOBS_RETRY_DELAY": str(app.config["JOBS_RETRY_DELAY"]),
    }


def start_worker(app):
    """A real `flask jobs work` process on this test's library, in its own process group."""
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "flask", "jobs", "work"],
        cwd=ROOT,
        env=worker_env(app),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_worker(process, sig=None) -> str:
    """Stop a worker (SIGTERM: it finishes nothing more; SIGKILL: killed outright); its output."""
    import os
    import signal

    try:
        os.killpg(process.pid, sig or signal.SIGTERM)
    except ProcessLookupError:
        pass
    output, _ = process.communicate(timeout=60)
    return output.decode(errors="replace")


def job_states(stored_id: int) -> dict[str, str]:
    """Each job of a file and its state, read afresh from the database."""
    from sqlalchemy import select

    from library.models import MediaJob

    db.session.rollback()
    rows = db.session.execute(
        select(MediaJob.kind, MediaJob.status).where(MediaJob.file_id == stored_id)
    )
    return dict(rows.all())


def wait_for_jobs(stored_id: int, process=None, timeout: float = 120, until=("done", "failed")):
    """Wait until every job of a file has ended (or reached a state in `until`)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        states = job_states(stored_id)
        if states and all(state in until for state in states.values()):
            return states
        if process is not None and process.poll() is not None:
            raise AssertionError(f"worker stopped: {stop_worker(process)}")
        if time.monotonic() > deadline:
            output = stop_worker(process) if process is not None else ""
            raise AssertionError(f"jobs not finished in {timeout} s: {states}\n{output}")
        time.sleep(0.2)


def media_file(
    path: Path,
    seconds: float = 2.0,
    size=(640, 360),
    fps: int = 25,
    sound: bool = True,
    picture: bool = True,
    container: str = "mp4",
    rotation: int = 0,
    bitrate: int | None = None,
) -> Path:
    """A real video (moving colour bars, H.264) with a tone (AAC), or a sound-only MP3/M4A
    (picture=False), made with PyAV: what a phone records, in small (`rotation`: turned for
    display, as a phone held upright records; `bitrate`: the picture's, for a light original)."""
    import math

    import av
    import numpy as np

    with av.open(str(path), "w", format=container) as out:
        video = None
        if picture:
            video = out.add_stream("libx264", rate=fps)
            video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
            video.options = {"preset": "ultrafast"}
            if bitrate:
                video.bit_rate = bitrate
            if rotation:  # as a phone held upright records: turned on display
                video.set_display_rotation(rotation)
        audio = None
        if sound:
            codec = "libmp3lame" if container == "mp3" else "aac"
            audio = out.add_stream(codec, rate=44100)
            audio.layout = "stereo"
        bars = np.zeros((size[1], size[0], 3), dtype=np.uint8)
        for x in range(size[0]):
            bars[:, x] = [(x * 7) % 256, (x * 3) % 256, (x * 11) % 256]
        frames = round(seconds * fps)
        for index in range(frames if picture else 0):
            shifted = np.roll(bars, index * 4, axis=1)
            frame = av.VideoFrame.from_ndarray(shifted, format="rgb24")
            frame.pts = index
            out.mux(video.encode(frame))
        if audio is not None:
            samples = 1152 if container == "mp3" else 1024
            total = round(seconds * 44100)
            for start in range(0, total, samples):
                t = np.arange(start, start + samples) / 44100
                tone = (0.3 * np.sin(2 * math.pi * 440 * t)).astype(np.float32)
                layout = np.vstack([tone, tone])
                fmt = "fltp" if audio.codec_context.format.name == "fltp" else "s16p"
                data = layout if fmt == "fltp" else (layout * 32767).astype(np.int16)
                frame = av.AudioFrame.from_ndarray(data, format=fmt, layout="stereo")
                frame.sample_rate, frame.pts = 44100, start
                out.mux(audio.encode(frame))
            out.mux(audio.encode(None))
        if video is not None:
            out.mux(video.encode(None))
    return path


class BufferedClient(FlaskClient):
    """A test client that reads each answer whole (served files are closed at once) and runs
    each request in its own app context, as a server does: its own session, g and teardown."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            return super().open(*args, **kwargs)
