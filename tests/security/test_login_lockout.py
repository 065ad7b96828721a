"""A login refusal tells nothing about the account: unknown, wrong password, locked or disabled
answer the same text, the same status, in about the same time; failures are counted atomically."""

import re
import statistics
import threading
import time

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from support import PASSWORD

from library.accounts import services as accounts
from library.extensions import db
from library.models import RateLimitCount, User

MAX_FAILURES = 3


def lock(client, user) -> None:
    for _ in range(MAX_FAILURES):
        client.post("/login", data={"email": user.email, "password": "sai-mat-khau-123"})
    db.session.refresh(user)
    assert user.locked_until is not None


def refusal(client, email: str, password: str):
    """(status, the page's error text) of one login."""
    answer = client.post("/login", data={"email": email, "password": password})
    page = BeautifulSoup(answer.text, "html.parser")
    errors = " | ".join(e.get_text(" ", strip=True) for e in page.select(".flash, .error"))
    return answer.status_code, errors


def test_unknown_locked_disabled_and_wrong_password_answer_alike(make_app, make_user):
    app = make_app(LOGIN_MAX_FAILURES=MAX_FAILURES)
    with app.app_context():
        users = {role: make_user("editor") for role in ("locked", "disabled", "ordinary")}
        users["disabled"].active = False
        db.session.commit()
        client = app.test_client()
        lock(client, users["locked"])
        answers = {
            "unknown": refusal(client, "khong-co-ai@thuvien.vn", PASSWORD),
            "locked, right password": refusal(client, users["locked"].email, PASSWORD),
            "locked, wrong password": refusal(client, users["locked"].email, "sai-mat-khau-9"),
            "disabled": refusal(client, users["disabled"].email, PASSWORD),
            "wrong password": refusal(client, users["ordinary"].email, "sai-mat-khau-9"),
        }
        db.session.remove()
    assert len(set(answers.values())) == 1, answers
    status, text = answers["unknown"]
    assert status == 401 and "tạm khóa" in text and "không đúng" in text


def test_a_locked_account_answers_in_the_time_of_an_unknown_one(make_app, make_user):
    # A real cost of hashing (the tests' default is one round), so skipping the hash would show.
    app = make_app(LOGIN_MAX_FAILURES=MAX_FAILURES, PASSWORD_HASH_METHOD="pbkdf2:sha256:60000")
    with app.app_context():
        user = make_user("editor")
        client = app.test_client()
        lock(client, user)

        def seconds(email):
            start = time.perf_counter()
            assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code
            return time.perf_counter() - start

        unknown, locked = [], []
        for _ in range(9):  # interleaved, so a busy moment of the machine hits both
            unknown.append(seconds("khong-co-ai@thuvien.vn"))
            locked.append(seconds(user.email))
        db.session.remove()
    ratio = statistics.median(locked) / statistics.median(unknown)
    # Skipping the hash for a locked account would answer in a twentieth of the time; the
    # margin is for a machine busy with other work, whose pauses fall on either side.
    assert 1 / 3 < ratio < 3, (unknown, locked)


def test_failures_sent_at_once_are_all_counted(make_app, make_user):
    app = make_app()
    with app.app_context():
        email, user_id = (user := make_user("editor")).email, user.id
        db.session.remove()
    threads, start = 6, threading.Barrier(6)

    def fail():
        with app.app_context():
            start.wait()
            with pytest.raises(accounts.LoginRefused):
                accounts.authenticate(email, "sai-mat-khau-9", 100, 15)
            db.session.commit()
            db.session.remove()

    workers = [threading.Thread(target=fail) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    with app.app_context():
        assert db.session.get(User, user_id).failed_logins == threads
        db.session.remove()


def test_the_last_failure_allowed_locks_and_resets_the_count(app, make_user):
    user = make_user("editor")
    for _ in range(MAX_FAILURES):
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate(user.email, "sai-mat-khau-9", MAX_FAILURES, 15)
        db.session.commit()
    db.session.refresh(user)
    assert user.locked_until is not None and user.failed_logins == 0
    with pytest.raises(accounts.LoginRefused):
        accounts.authenticate(user.email, PASSWORD, MAX_FAILURES, 15)


def test_rate_limit_counts_keep_no_client_address_or_email(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    with app.app_context():
        user = make_user("editor")
        client = app.test_client()
        codes = [
            client.post(
                "/login",
                data={"email": user.email, "password": "sai-mat-khau-9"},
                environ_base={"REMOTE_ADDR": "203.0.113.7"},
            ).status_code
            for _ in range(4)
        ]
        client.post("/password/forgot", data={"email": user.email})
        keys = list(db.session.scalars(select(RateLimitCount.key)))
        db.session.remove()
    assert codes == [401, 401, 401, 429]
    assert keys and all(re.fullmatch(r"[0-9a-f]{64}", key) for key in keys)
