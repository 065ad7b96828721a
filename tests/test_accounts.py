"""Logins, lockout, CSRF, administrators' pages and API tokens."""

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from support import PASSWORD

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.config import default_config
from library.extensions import db
from library.models import Organisation, User


def test_password_is_stored_hashed(make_user):
    user = make_user("editor")
    assert PASSWORD not in user.password_hash and user.password_hash.startswith(
        ("scrypt", "pbkdf2")
    )


def test_the_library_hashes_passwords_with_scrypt(make_app):
    # The tests hash with one round of PBKDF2 (conftest.py); the product's own default is scrypt.
    default = default_config("instance", "library")["PASSWORD_HASH_METHOD"]
    app = make_app(PASSWORD_HASH_METHOD=default)
    with app.app_context():
        user = accounts.create_user(SYSTEM, "a@thuvien.vn", PASSWORD, "admin", None)
        assert user.password_hash.startswith("scrypt:")
        assert accounts.authenticate(user.email, PASSWORD, 8, 15) is user
        db.session.rollback()


def test_wrong_password_is_refused_in_vietnamese(client, make_user):
    user = make_user("editor")
    response = client.post("/login", data={"email": user.email, "password": "sai-mat-khau"})
    assert response.status_code == 401
    assert "Email hoặc mật khẩu không đúng" in response.text


def test_unknown_email_answers_like_a_wrong_password(client, make_user):
    response = client.post("/login", data={"email": "khong-co@thuvien.vn", "password": "x" * 12})
    assert response.status_code == 401
    assert "Email hoặc mật khẩu không đúng" in response.text


def test_account_locks_after_repeated_failures(client, make_user, app):
    user = make_user("editor")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"email": user.email, "password": "sai-mat-khau"})
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 401 and "tạm khóa" in response.text


def test_login_is_rate_limited(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    with app.app_context():
        client = app.test_client()
        codes = [
            client.post("/login", data={"email": "a@thuvien.vn", "password": "b" * 12}).status_code
            for _ in range(4)
        ]
        assert codes == [401, 401, 401, 429]
        db.session.remove()
        db.engine.dispose()


def test_login_refuses_a_redirect_to_another_site(client, make_user):
    user = make_user("editor")
    response = client.post(
        "/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/manage"


@pytest.mark.parametrize(
    ("role", "page", "heading"),
    [
        ("reviewer", "/manage?status=in_review", "Chờ duyệt"),
        ("union", "/sharing/links", "Liên kết"),
        ("admin", "/metrics/", "Số liệu"),
        ("editor", "/manage", "Quản lý tài liệu"),
    ],
)
def test_each_role_lands_where_its_work_is(client, make_user, role, page, heading):
    user = make_user(role)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == page
    opened = client.get(page)
    assert opened.status_code == 200
    assert heading in BeautifulSoup(opened.text, "html.parser").find("main").get_text()


@pytest.mark.parametrize("role", ["reviewer", "union", "admin"])
def test_a_page_asked_for_before_login_wins_over_the_role_page(client, make_user, role):
    user = make_user(role)
    response = client.post("/login?next=/account", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account"


def test_forms_need_a_csrf_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        user = make_user("editor")
        client = app.test_client()
        assert (
            client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code
            == 400
        )
        page = BeautifulSoup(client.get("/login").data, "html.parser")
        token = page.select_one("input[name=csrf_token]")["value"]
        ok = client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
        assert ok.status_code == 302
        assert client.post("/logout").status_code == 400
        db.session.remove()
        db.engine.dispose()


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    user = make_user("editor")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_admin_creates_an_organisation_and_a_user_from_the_pages(client, login, make_user):
    login(make_user("admin"))
    response = client.post(
        "/admin/organisations",
        data={
            "code": "cty-may-hoa-lu",
            "name": "Công ty TNHH May Hoa Lư",
            "type": "enterprise",
            "workers": "1200",
        },
    )
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.code == "cty-may-hoa-lu"))
    assert org.workers == 1200
    response = client.post(
        "/admin/users",
        data={
            "email": "BienTap@HoaLu.vn",
            "role": "editor",
            "organisation": "cty-may-hoa-lu",
            "password": "mot-mat-khau-dai",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "bientap@hoalu.vn"))
    assert user.organisation_id == org.id


def test_admin_pages_refuse_bad_input_in_vietnamese(client, login, make_user):
    login(make_user("admin"))
    response = client.post(
        "/admin/organisations", data={"code": "Sở GD!", "name": "", "type": "department"}
    )
    assert response.status_code == 422
    response = client.post(
        "/admin/users",
        data={
            "email": "khong-phai-email",
            "role": "editor",
            "organisation": "",
            "password": "ngan",
        },
    )
    assert response.status_code == 422
    assert "Địa chỉ email không hợp lệ" in response.text
    assert "ít nhất 10 ký tự" in response.text


def test_admin_pages_are_for_administrators_only(client, login, make_user):
    assert client.get("/admin/users").status_code == 302
    login(make_user("editor"))
    assert client.get("/admin/users").status_code == 403
    assert (
        client.post(
            "/admin/organisations", data={"code": "x-y", "name": "X", "type": "department"}
        ).status_code
        == 403
    )


def test_token_created_on_the_account_page_works_and_can_be_revoked(client, login, make_user):
    user = make_user("editor")
    login(user)
    page = BeautifulSoup(
        client.post("/account/tokens", data={"name": "hệ thống sở"}).data, "html.parser"
    )
    token = page.select_one("#new-token").get_text()
    headers = {"Authorization": f"Bearer {token}"}
    data = {
        "title": "x",
        "kind": "legal_digest",
        "areas": "life-skills",
        "license": "CC0-1.0",
        "body": "x",
    }
    assert client.post("/api/v1/materials", data=data, headers=headers).status_code == 201
    client.post(f"/account/tokens/{user.tokens[0].id}/revoke")
    assert client.post("/api/v1/materials", data=data, headers=headers).status_code == 401
    assert "đã thu hồi" in client.get("/account").text


def test_an_administrator_sees_every_token_in_use_and_revokes_one(client, login, make_user):
    editor = make_user("editor", email="bientap@so-tttt.vn")
    used = accounts.create_token(editor, "máy chủ báo cáo")
    accounts.create_token(editor, "thử nghiệm")
    db.session.commit()
    assert (
        client.get("/api/v1/areas", headers={"Authorization": f"Bearer {used}"}).status_code == 200
    )
    login(make_user("admin"))
    page = BeautifulSoup(client.get("/admin/users").text, "html.parser")
    rows = [
        [td.get_text(strip=True) for td in tr.select("td")]
        for tr in page.select("table")[1].select("tbody tr")
    ]
    # The one in use first, with its date; the one never used says so.
    assert [row[:2] for row in rows] == [
        ["bientap@so-tttt.vn", "máy chủ báo cáo"],
        ["bientap@so-tttt.vn", "thử nghiệm"],
    ]
    assert rows[0][4] != "chưa dùng" and rows[1][4] == "chưa dùng"
    revoke = page.select("table")[1].select("tbody tr")[0].select_one("form")["action"]
    assert client.post(revoke).status_code == 302
    assert (
        client.get(
            "/api/v1/metrics/summary?year=2026", headers={"Authorization": f"Bearer {used}"}
        ).status_code
        == 401
    )
    assert "máy chủ báo cáo" not in client.get("/admin/users").text
