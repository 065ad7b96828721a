"""Forgotten password: same answer for every address, a signed single-use link, by e-mail."""

import re
import time

from bs4 import BeautifulSoup
from support import PASSWORD

from library.accounts import services
from library.extensions import db
from library.mail import outbox

NEW_PASSWORD = "mat-khau-moi-rat-dai"


def link_token(message) -> str:
    body = message.get_content()
    match = re.search(r"https?://\S+/password/reset#(\S+)", body)
    assert match, body
    return match.group(1)


def ask(client, email):
    started = time.perf_counter()
    answer = client.post("/password/forgot", data={"email": email}, buffered=True)
    return answer, time.perf_counter() - started


def reset(client, token, password=NEW_PASSWORD, confirm=None):
    data = {"token": token, "password": password, "confirm": confirm or password}
    return client.post("/password/reset", data=data)


def visible_text(answer) -> str:
    return BeautifulSoup(answer.get_data(as_text=True), "html.parser").main.get_text(" ", True)


def test_the_answer_is_the_same_whether_or_not_the_account_exists(client, make_user, app):
    user = make_user("editor", email="co-tai-khoan@thuvien.vn")
    known, known_time = ask(client, user.email)
    unknown, unknown_time = ask(client, "khong-co@thuvien.vn")
    # The fastest of a few tries of each, so a busy machine's pauses do not count.
    known_time = min([known_time] + [ask(client, user.email)[1] for _ in range(2)])
    unknown_time = min([unknown_time] + [ask(client, "khong-co@thuvien.vn")[1] for _ in range(2)])
    assert known.status_code == unknown.status_code == 200
    assert visible_text(known) == visible_text(unknown)
    assert "Nếu địa chỉ này có tài khoản" in visible_text(known)
    # Both answers are fast; neither waits for the e-mail to be sent.
    assert abs(known_time - unknown_time) < 0.25
    assert [m["To"] for m in outbox()] == [user.email] * 3


def test_the_link_sets_a_new_password_once(client, make_user, app):
    user = make_user("editor", email="quen@thuvien.vn")
    ask(client, user.email)
    (message,) = outbox()
    assert "Đặt lại mật khẩu" in message["Subject"]
    token = link_token(message)
    page = client.get("/password/reset")
    assert page.status_code == 200 and 'id="reset-form"' in page.get_data(as_text=True)
    answer = reset(client, token)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
    assert (
        client.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code
        == 302
    )
    # Used once: the same link no longer works.
    again = reset(client, token, "mot-mat-khau-khac-nua")
    assert again.status_code == 400 and "không hợp lệ" in again.get_data(as_text=True)


def test_a_reset_ends_the_sessions_opened_before(make_app, make_user):
    app = make_app()
    with app.app_context():
        user = make_user("editor", email="phien@thuvien.vn")
        phone, laptop = app.test_client(), app.test_client()
        for client in (phone, laptop):
            login = {"email": user.email, "password": PASSWORD, "remember": "y"}
            assert client.post("/login", data=login).status_code == 302
            assert client.get("/account").status_code == 200
        token = services.reset_token(user, app.config["SECRET_KEY"])
        db.session.commit()
        assert reset(app.test_client(), token).status_code == 302
        for client in (phone, laptop):
            answer = client.get("/account")
            assert answer.status_code == 302 and "/login" in answer.headers["Location"]
        db.session.remove()
        db.engine.dispose()


def tampered(token: str) -> str:
    """The token with one character of its signature changed. Not the last character: its two
    low bits are padding that base64 ignores, so 4 of the 4,096 ways of rewriting the last two
    characters still decode to the same signature, and the "tampered" token was valid about one
    run in a thousand. The first character of the signature carries six real bits."""
    payload, signature = token.rsplit(".", 1)
    first = "B" if signature[0] == "A" else "A"
    return f"{payload}.{first}{signature[1:]}"


def test_bad_expired_and_forged_tokens_are_refused(client, make_user, app):
    user = make_user("editor", email="gia-mao@thuvien.vn")
    key = app.config["SECRET_KEY"]
    good = services.reset_token(user, key)
    forged = services.reset_token(user, "another-secret")
    for token in ("", "abc", forged, tampered(good), "x" * 600):
        answer = reset(client, token)
        assert answer.status_code in (400, 422), token
    assert services.user_for_reset_token(good, key, max_age=-1) is None  # expired
    assert services.user_for_reset_token(good, key, max_age=3600) is not None


def test_the_new_password_follows_the_rules_in_vietnamese(client, make_user, app):
    user = make_user("editor", email="ngan@thuvien.vn")
    token = services.reset_token(user, app.config["SECRET_KEY"])
    short = reset(client, token, "ngan")
    assert short.status_code == 422 and "ít nhất 10 ký tự" in short.get_data(as_text=True)
    other = reset(client, token, NEW_PASSWORD, "khac-hoan-toan-roi")
    assert other.status_code == 422 and "không giống nhau" in other.get_data(as_text=True)
    db.session.refresh(user)
    assert services.user_for_reset_token(token, app.config["SECRET_KEY"], 3600) is not None


def test_reset_forms_need_their_csrf_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        user = make_user("editor", email="csrf-reset@thuvien.vn")
        token = services.reset_token(user, app.config["SECRET_KEY"])
        client = app.test_client()
        assert client.post("/password/forgot", data={"email": user.email}).status_code == 400
        assert reset(client, token).status_code == 400
        assert outbox() == []
        db.session.remove()
        db.engine.dispose()


def test_asking_for_links_is_rate_limited(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, PASSWORD_RESET_RATE_LIMIT="3 per minute")
    with app.app_context():
        user = make_user("editor", email="gioi-han@thuvien.vn")
        client = app.test_client()
        codes = [ask(client, user.email)[0].status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert len(outbox()) == 3
        db.session.remove()
        db.engine.dispose()


def test_the_login_page_links_to_the_reset_form(client):
    page = BeautifulSoup(client.get("/login").data, "html.parser")
    assert page.select_one("a[href='/password/forgot']").get_text() == "Quên mật khẩu?"
