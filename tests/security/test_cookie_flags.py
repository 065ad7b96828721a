"""The session and remember-me cookies get Secure whenever the site is reached over https."""

import pytest
from support import PASSWORD

from library.extensions import db

PROXY = "10.0.0.5"  # the reverse proxy: every request reaches the app from it
LOGIN_COOKIES = ("session", "remember_token")


def login_cookies(app, user, base_url="http://thuvien.test", headers=None) -> dict:
    """The Set-Cookie lines of a login with 'remember me', by cookie name."""
    client = app.test_client()
    with app.app_context():
        answer = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "remember": "y"},
            base_url=base_url,
            headers=headers or {},
            environ_base={"REMOTE_ADDR": PROXY},
        )
        db.session.remove()
    assert answer.status_code == 302, answer.text
    lines = answer.headers.getlist("Set-Cookie")
    return {line.split("=", 1)[0]: line for line in lines}


def secure(line: str) -> bool:
    return "secure" in [part.strip().lower() for part in line.split(";")[1:]]


@pytest.fixture
def editor(app, make_user):
    return make_user("editor")


@pytest.mark.parametrize(
    "settings, base_url, headers",
    [
        ({"PROXY_FIX": 1}, "http://thuvien.test", {"X-Forwarded-Proto": "https"}),
        ({}, "https://thuvien.test", {}),
        ({"PUBLIC_BASE_URL": "https://thuvien.test"}, "http://thuvien.test", {}),
    ],
    ids=["behind a TLS proxy", "TLS to the app itself", "https public address"],
)
def test_login_cookies_are_secure_over_https(make_app, editor, settings, base_url, headers):
    app = make_app(**settings)
    cookies = login_cookies(app, editor, base_url, headers)
    for name in LOGIN_COOKIES:
        assert secure(cookies[name]), cookies[name]
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name]


@pytest.mark.parametrize(
    "settings, headers",
    [({}, {}), ({}, {"X-Forwarded-Proto": "https"})],
    ids=["plain http", "a forwarded scheme from an untrusted client"],
)
def test_login_cookies_over_plain_http_are_not_secure(make_app, editor, settings, headers):
    # Over plain http a Secure cookie would never come back: the login would not hold.
    app = make_app(**settings)
    cookies = login_cookies(app, editor, headers=headers)
    for name in LOGIN_COOKIES:
        assert not secure(cookies[name]), cookies[name]


def test_the_secure_flag_is_added_once(make_app, editor):
    app = make_app(PUBLIC_BASE_URL="https://thuvien.test")
    cookies = login_cookies(app, editor, "https://thuvien.test")
    for name in LOGIN_COOKIES:
        assert cookies[name].lower().count("secure") == 1, cookies[name]
