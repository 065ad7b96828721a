"""The login rate limit holds across gunicorn workers: the real server, 3 workers, 40 tries.

Counted in each worker's memory, 3 workers let up to 3 × the limit through (an outside test saw
30 of 40 login tries pass in 5.5 s). With the counts in the library's database (the default
`database://` storage) at most the limit passes, whichever worker answers.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from library.extensions import db

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
WORKERS = 3
LIMIT = 10
TRIES = 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(tmp_path, database_url: str, port: int, **extra) -> dict:
    """The deployment's settings, as environment variables, for a library in tmp_path."""
    return {
        **os.environ,
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_SECRET_KEY": "rate-limit-test",
        "FLASK_UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "FLASK_SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "FLASK_WTF_CSRF_ENABLED": "false",
        "FLASK_LOGIN_RATE_LIMIT": f"{LIMIT} per minute",
        "GUNICORN_WORKERS": str(WORKERS),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        **extra,
    }


def start(env: dict, log: Path) -> subprocess.Popen:
    """gunicorn with the project's own gunicorn.conf.py, its messages in `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=out,
            start_new_session=True,
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_up(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


def try_login(port: int, n: int) -> int:
    """One login try with a wrong password, on a new connection (any worker may take it)."""
    body = urllib.parse.urlencode({"email": f"ai-do-{n}@thuvien.vn", "password": "x" * 12})
    request = urllib.request.Request(f"http://127.0.0.1:{port}/login", data=body.encode())
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code


@pytest.fixture
def library_url(app, database_url):
    """A migrated library on SQLite, released by this process before gunicorn opens it."""
    db.session.remove()
    db.engine.dispose()
    return database_url


def test_forty_login_tries_on_three_workers_pass_the_limit_at_most_once(tmp_path, library_url):
    port, log = free_port(), tmp_path / "gunicorn.log"
    server = start(environment(tmp_path, library_url, port), log)
    try:
        wait_until_up(server, port, log)
        with ThreadPoolExecutor(8) as pool:
            statuses = Counter(pool.map(lambda n: try_login(port, n), range(TRIES)))
    finally:
        stop(server)
    assert sum(statuses.values()) == TRIES
    assert set(statuses) <= {401, 429}, statuses
    assert statuses[401] <= LIMIT, statuses
    assert statuses[429] >= TRIES - LIMIT, statuses


def test_gunicorn_refuses_several_workers_with_limits_in_each_workers_memory(tmp_path, library_url):
    env = environment(tmp_path, library_url, free_port(), FLASK_RATELIMIT_STORAGE_URI="memory://")
    log = tmp_path / "gunicorn.log"
    server = start(env, log)
    try:
        assert server.wait(30) != 0
    finally:
        stop(server)
    assert "memory://" in log.read_text()
