"""Logging out, a new password, a new role or organisation, and disabling end every session.

The session cookie and the remember-me cookie of a login are kept, the event happens, then each
cookie is sent again from another client, as a thief who copied it would: the site must treat
it as a stranger (the login page for pages, 401 JSON for the API).
"""

import pytest
from support import PASSWORD

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.extensions import db


@pytest.fixture(autouse=True)
def each_request_in_its_own_context(client):
    """The `client` fixture makes every test client run each request in its own app context,
    as a server does (the user of one request is never the next one's)."""


@pytest.fixture
def editor(make_org, make_user):
    return make_user("editor", org=make_org(code="so-a", name="Sở A"))


@pytest.fixture
def admin_client(app, make_user):
    admin = make_user("admin")
    client = app.test_client()
    answer = client.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert answer.status_code == 302
    return client


def log_in(app, user) -> tuple:
    """A client logged in with 'remember me', and its two cookies as a thief would copy them."""
    client = app.test_client()
    answer = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    assert answer.status_code == 302, answer.text
    cookies = {
        name: f"{name}={client.get_cookie(name, domain='thuvien.test').value}"
        for name in ("session", "remember_token")
    }
    return client, cookies


def replay(app, cookie: str, path: str = "/manage", method: str = "GET"):
    """The request of another browser carrying only the copied cookie."""
    client = app.test_client(use_cookies=False)
    with app.app_context():
        answer = client.open(path, method=method, headers={"Cookie": cookie}, buffered=True)
        db.session.remove()
    return answer


def assert_refused(app, cookies: dict) -> None:
    for name, cookie in cookies.items():
        page = replay(app, cookie)
        assert page.status_code == 302, name
        assert page.headers["Location"].startswith("/login"), name
        api = replay(app, cookie, "/api/v1/materials", "POST")
        assert api.status_code == 401 and api.json["error"] == "unauthorized", name


def logout(app, client, editor, admin_client):
    assert client.post("/logout").status_code == 302


def new_password(app, client, editor, admin_client):
    token = accounts.reset_token(editor, app.config["SECRET_KEY"])
    other = app.test_client()
    new = "mat-khau-moi-rat-dai"
    data = {"token": token, "password": new, "confirm": new}
    assert other.post("/password/reset", data=data).status_code == 302


def new_role(app, client, editor, admin_client):
    data = {"name": editor.name, "role": "reviewer", "organisation": "so-a"}
    assert admin_client.post(f"/admin/users/{editor.id}", data=data).status_code == 302


def new_organisation(app, client, editor, admin_client):
    accounts.create_organisation(SYSTEM, "so-b", "Sở B", "department")
    db.session.commit()
    data = {"name": editor.name, "role": "editor", "organisation": "so-b"}
    assert admin_client.post(f"/admin/users/{editor.id}", data=data).status_code == 302


def disabled(app, client, editor, admin_client):
    assert admin_client.post(f"/admin/users/{editor.id}/disable").status_code == 302


EVENTS = [logout, new_password, new_role, new_organisation, disabled]


@pytest.mark.parametrize("event", EVENTS, ids=[e.__name__ for e in EVENTS])
def test_copied_cookies_stop_working_after_the_event(app, editor, admin_client, event):
    client, cookies = log_in(app, editor)
    # Both cookies open the editor's pages from another browser before the event.
    for name, cookie in cookies.items():
        assert replay(app, cookie).status_code == 200, name
    event(app, client, editor, admin_client)
    assert_refused(app, cookies)
    # The browser that was logged in is a stranger too.
    answer = client.get("/manage")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_logging_out_ends_the_sessions_on_every_device(app, editor):
    phone, phone_cookies = log_in(app, editor)
    desk, _ = log_in(app, editor)
    assert desk.post("/logout").status_code == 302
    assert_refused(app, phone_cookies)


def test_an_edit_that_changes_no_rights_keeps_the_sessions(app, editor, admin_client):
    client, cookies = log_in(app, editor)
    data = {"name": "Nguyễn Văn Biên", "role": "editor", "organisation": "so-a"}
    assert admin_client.post(f"/admin/users/{editor.id}", data=data).status_code == 302
    for name, cookie in cookies.items():
        assert replay(app, cookie).status_code == 200, name


def test_logging_in_again_after_the_event_works(app, editor, admin_client):
    client, _ = log_in(app, editor)
    client.post("/logout")
    again, cookies = log_in(app, editor)
    assert again.get("/manage").status_code == 200
    assert replay(app, cookies["remember_token"]).status_code == 200
