"""Who may call the API: tokens made and revoked on the account page; limits on anonymous reads."""

import logging
import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from databases import dialect
from sqlalchemy import create_engine, select, update

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.api.auth import bearer_user
from library.extensions import db, limiter
from library.models import ApiToken, Organisation
from library.models.base import utcnow
from library.tracking import services

NEW = {
    "title": "Kỹ năng giao tiếp nơi làm việc",
    "kind": "book",
    "areas": ["life-skills"],
    "license": "CC-BY-SA-4.0",
    "body": "Lắng nghe trước khi nói.",
}


def test_token_made_on_the_account_page_is_listed_works_and_stops_when_revoked(
    client, login, make_user
):
    editor = make_user("editor")
    login(editor)
    page = client.post("/account/tokens", data={"name": "Hệ thống của Sở"})
    token = re.search(r'id="new-token">(oll_[^<]+)<', page.text).group(1)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/materials", json=NEW, headers=headers).status_code == 201
    listing = client.get("/account").text
    assert "Hệ thống của Sở" in listing and token[:12] in listing and token not in listing
    row = db.session.query(ApiToken).one()
    client.post(f"/account/tokens/{row.id}/revoke")
    assert "đã thu hồi" in client.get("/account").text
    refused = client.post("/api/v1/materials", json=NEW, headers=headers)
    assert refused.status_code == 401
    assert refused.json["error"] == "unauthorized"


def test_a_user_cannot_revoke_someone_elses_token(client, login, make_user):
    owner, other = make_user("editor"), make_user("editor")
    login(owner)
    client.post("/account/tokens", data={"name": "của tôi"})
    row = db.session.query(ApiToken).one()
    client.post("/logout")
    login(other)
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 404
    db.session.refresh(row)
    assert row.revoked_at is None


@pytest.fixture
def limited_client(make_app):
    """An app with rate limiting on and a tiny anonymous limit.

    The limiter is one object shared by every app built in a process, and the last app built
    decides whether it is on: tests using this fixture build no other app.
    """
    app = make_app(RATELIMIT_ENABLED=True, API_ANON_RATE_LIMIT="3 per minute")
    with app.app_context():
        limiter.reset()
        yield app.test_client()
        limiter.reset()
        db.session.remove()
        db.engine.dispose()


def test_anonymous_reads_are_limited_with_a_json_429(limited_client):
    statuses = [limited_client.get("/api/v1/areas").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = limited_client.get("/api/v1/materials")
    assert response.status_code == 429
    assert response.json["error"] == "too_many_requests"
    assert response.json["message"]
    assert "Retry-After" in response.headers


def test_reads_with_a_valid_token_are_not_limited(limited_client):
    # Made in the limited app itself: the factory fixtures would build a second app.
    org = accounts.create_organisation(
        SYSTEM, "so-tttt", "Sở Thông tin và Truyền thông", "department"
    )
    user = accounts.create_user(
        SYSTEM, "dongbo@so-tttt.example.vn", "mat-khau-dai-du", "editor", org.code
    )
    token = accounts.create_token(user, "đồng bộ")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    statuses = {limited_client.get("/api/v1/areas", headers=headers).status_code for _ in range(6)}
    assert statuses == {200}
    fake = {"Authorization": "Bearer oll_made-up"}
    statuses = [limited_client.get("/api/v1/areas", headers=fake).status_code for _ in range(4)]
    assert statuses[-1] == 429


def _token_for(make_user, name="đọc dữ liệu"):
    user = make_user("editor")
    token = accounts.create_token(user, name)
    db.session.commit()
    return user, token, {"Authorization": f"Bearer {token}"}


def _last_used(user):
    db.session.expire_all()
    return db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == user.id))


def _shown_last_use(client, login, user) -> str:
    login(user)
    row = BeautifulSoup(client.get("/account").text, "html.parser").select_one("tbody tr")
    client.post("/logout")
    return row.select("td")[3].get_text(strip=True)


def test_a_read_with_a_token_shows_on_the_account_page_as_its_last_use(client, login, make_user):
    user, _, headers = _token_for(make_user)
    assert _shown_last_use(client, login, user) == ""
    assert client.get("/api/v1/materials", headers=headers).status_code == 200
    assert _last_used(user) is not None
    today = services.local_time(utcnow()).strftime("%d/%m/%Y")
    assert _shown_last_use(client, login, user) == today


def test_reads_within_a_minute_write_the_last_use_once(client, make_user):
    user, _, headers = _token_for(make_user)
    assert client.get("/api/v1/materials", headers=headers).status_code == 200
    first = _last_used(user)
    assert client.get("/api/v1/areas", headers=headers).status_code == 200
    assert client.get("/api/v1/materials", headers=headers).status_code == 200
    assert _last_used(user) == first
    # A minute on, the next read moves it.
    earlier = first - timedelta(minutes=2)
    db.session.execute(update(ApiToken).values(last_used_at=earlier))
    db.session.commit()
    assert client.get("/api/v1/materials", headers=headers).status_code == 200
    assert _last_used(user) > first


def _reader_with_token() -> tuple[Organisation, str]:
    """A department's editor and a token of theirs, committed (in an app context)."""
    org = accounts.create_organisation(SYSTEM, "so-tttt", "Sở TT&TT", "department")
    user = accounts.create_user(
        SYSTEM, "doc@so-tttt.example.vn", "mat-khau-dai-du", "editor", org.code
    )
    token = accounts.create_token(user, "đọc")
    db.session.commit()
    return org, token


def test_recording_the_last_use_commits_nothing_else_of_the_request(make_app):
    """The last use is written in its own transaction: whatever else the request changed and
    did not commit is not saved with it."""
    app = make_app()

    @app.get("/probe")
    def probe():
        bearer_user()
        db.session.get(Organisation, org_id).name = "Đổi mà không lưu"
        return "ok"

    with app.app_context():
        org, token = _reader_with_token()
        org_id = org.id
        db.session.remove()
        with app.test_client() as client:
            assert client.get("/probe", headers={"Authorization": f"Bearer {token}"}).text == "ok"
        db.session.remove()
        assert db.session.get(Organisation, org_id).name == "Sở TT&TT"
        assert db.session.scalar(select(ApiToken.last_used_at)) is not None
        db.session.remove()


def test_a_revoked_token_is_refused_and_its_last_use_stays(client, make_user):
    user, _, headers = _token_for(make_user)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    accounts.revoke_token(user, row.id)
    db.session.commit()
    answer = client.post("/api/v1/materials", json=NEW, headers=headers)
    assert answer.status_code == 401
    assert client.get("/api/v1/metrics/summary?year=2026", headers=headers).status_code == 401
    assert _last_used(user) is None


def test_a_locked_database_loses_the_last_use_but_not_the_read(make_app, caplog):
    """Another writer holds the token's row; the read still answers, the lost write is logged."""
    short_wait = (
        {"connect_args": {"options": "-c lock_timeout=200"}}
        if dialect() == "postgresql"
        else {"connect_args": {"timeout": 0.2}}
    )
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS=short_wait)
    with app.app_context():
        org, token = _reader_with_token()
        other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], **short_wait)
        try:
            with other.connect() as writer:
                writer.execute(update(ApiToken).values(name=ApiToken.name))  # holds the lock
                client = app.test_client()
                with caplog.at_level(logging.WARNING):
                    answer = client.get(
                        "/api/v1/areas", headers={"Authorization": f"Bearer {token}"}
                    )
                writer.rollback()
        finally:
            other.dispose()
        assert answer.status_code == 200
        assert "last use of token" in caplog.text and "not recorded" in caplog.text
        db.session.expire_all()
        assert db.session.scalar(select(ApiToken.last_used_at)) is None
        db.session.remove()


def test_outside_tests_the_last_use_is_written_once_the_answer_is_closed(make_app):
    app = make_app(TESTING=False)
    with app.app_context():
        org, token = _reader_with_token()
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.get("/api/v1/areas", headers=headers, buffered=False)
    assert answer.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is None  # not yet: still open
        db.session.remove()
    answer.close()
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is not None
        db.session.remove()
