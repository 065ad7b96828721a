"""No password, API token, reset link or session cookie ever reaches the log.

The flows run against a real HTTP server (werkzeug's, which logs every request line) so the
request log is read as well as the application's own records, at DEBUG.
"""

import http.cookiejar
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from support import PASSWORD, served

from library.extensions import db
from library.mail import outbox

WRONG = "sai-mat-khau-bi-mat-42"
NEW = "mat-khau-moi-bi-mat-77"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def server(make_app, make_user):
    app = make_app(SERVER_NAME=None)
    with app.app_context():
        user = make_user("editor", email="nhat-ky@thuvien.vn")
        with served(app) as base:
            # E-mailed links take the configured address, never the request's.
            app.config["PUBLIC_BASE_URL"] = base
            yield app, user, base
        db.session.remove()
        db.engine.dispose()


def browser():
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    return opener, jar


def call(opener, url, data=None, headers=None, method=None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with opener.open(request) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_no_secret_is_logged_during_logins_tokens_and_a_reset(server, caplog):
    app, user, base = server
    caplog.set_level(logging.DEBUG)
    logging.getLogger("werkzeug").setLevel(logging.DEBUG)
    opener, jar = browser()
    assert call(opener, base + "/login", {"email": user.email, "password": WRONG})[0] == 401
    assert call(opener, base + "/login", {"email": user.email, "password": PASSWORD})[0] == 302
    status, page = call(opener, base + "/account/tokens", {"name": "may chu"})
    token = re.search(r"oll_[A-Za-z0-9_-]{20,}", page).group(0)
    bearer = {"Authorization": f"Bearer {token}"}
    assert call(opener, base + "/api/v1/materials?per_page=1", headers=bearer)[0] == 200
    wrong_bearer = {"Authorization": "Bearer oll_khong-phai-khoa-that-123456789"}
    assert call(opener, base + "/api/v1/materials", {"title": "x"}, wrong_bearer)[0] == 401
    assert call(opener, base + "/password/forgot", {"email": user.email})[0] == 200
    with app.app_context():
        for _ in range(100):  # sent once the answer has gone out
            if outbox():
                break
            time.sleep(0.05)
        (message,) = outbox()
    link = re.search(r"https?://\S+", message.get_content()).group(0)
    reset_token = link.split("#", 1)[1]
    data = {"token": reset_token, "password": NEW, "confirm": NEW}
    assert call(opener, base + "/password/reset", data)[0] == 302
    assert call(opener, base + "/login", {"email": user.email, "password": NEW})[0] == 302
    cookies = [c.value for c in jar if c.value]
    assert cookies, "the session cookie was expected"

    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records
    )
    assert "POST /password/reset" in logged, "the request log was expected to be captured"
    secrets = {
        "password": PASSWORD,
        "wrong password": WRONG,
        "new password": NEW,
        "API token": token,
        "API token body": token[4:],
        "reset token": reset_token,
        "reset link": link,
        **{f"cookie {n}": value for n, value in enumerate(cookies)},
    }
    leaked = [name for name, secret in secrets.items() if secret in logged]
    assert not leaked, f"logged: {leaked}"
