"""Who may call the API: tokens made and revoked on the account page; limits on anonymous reads."""

import re

import pytest

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.extensions import db, limiter
from library.models import ApiToken

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
