"""Every form and session-changing request needs its CSRF token; logging out is a POST."""

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select, text

from library.extensions import db

from .test_permission_matrix import MATRIX, app_routes

# Not protected by a CSRF token, and why: the API authenticates by bearer token only (a cookie
# is no credential there, see test_permission_matrix), OAI-PMH only reads, the play beacon
# checks the request's origin and writes nothing but a counted event.
EXEMPT_PREFIXES = ("/api/", "/oai", "/track/play/")
CSRF_MESSAGE = "Phiên làm việc đã hết hạn"


def page_writes(app):
    routes = [(m, r) for m, r in app_routes(app) if m != "GET"]
    return sorted(
        (r for r in routes if not r[1].startswith(EXEMPT_PREFIXES)), key=lambda r: (r[1], r[0])
    )


def fingerprint():
    """Row counts of every table and every material's state: any change shows."""
    db.session.expire_all()
    counts = {
        t.name: db.session.scalar(select(func.count()).select_from(t))
        for t in db.metadata.sorted_tables
    }
    rows = db.session.execute(
        text("SELECT id, status, title, updated_at, review_comment FROM materials ORDER BY id")
    ).all()
    return counts, [tuple(r) for r in rows]


def test_the_write_routes_are_all_known(app):
    assert page_writes(app), "no write route found"
    # Collections, share links and a union's enterprises are page forms like the others.
    writes = {r for _m, r in page_writes(app)}
    for rule in (
        "/manage/collections/new",
        "/manage/collections/<slug>/edit",
        "/manage/collections/<slug>/items/<id:material_id>/<any(up, down):direction>",
        "/sharing/links",
        "/sharing/links/<id:link_id>/revoke",
        "/admin/organisations/<id:org_id>/enterprises",
    ):
        assert rule in writes, rule
    for method, rule in page_writes(app):
        assert (method, rule) in MATRIX


@pytest.mark.parametrize("actor", ["admin", "editor_a", "reviewer_a", "union"])
def test_every_page_write_without_a_token_is_refused_and_changes_nothing(world, actor):
    app = world.app
    app.config["WTF_CSRF_ENABLED"] = True
    client = world.clients[actor]
    tried = 0
    for method, rule in page_writes(app):
        route = MATRIX[(method, rule)]
        url = route.url(world)
        before = fingerprint()
        data = route.data(world) if route.data else {}
        answer = client.open(url, method=method, data=data)
        assert answer.status_code == 400, (rule, answer.status_code)
        assert CSRF_MESSAGE in answer.get_data(as_text=True), rule
        assert fingerprint() == before, f"{rule} changed something without a CSRF token"
        # A token from another session is refused as well.
        answer = client.open(url, method=method, data={**data, "csrf_token": "IjEyMyI.bad.token"})
        assert answer.status_code == 400, rule
        tried += 2
    assert tried >= 2 * 23


def test_logout_is_a_post_and_needs_its_token(world):
    world.app.config["WTF_CSRF_ENABLED"] = True
    client = world.clients["editor_a"]
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200  # still logged in
    page = BeautifulSoup(client.get("/account").data, "html.parser")
    form = page.select_one("form[action='/logout']")
    assert form is not None and form["method"].lower() == "post"
    token = form.select_one("input[name=csrf_token]")["value"]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/account").status_code == 302


def test_login_is_rate_limited_and_accounts_lock(make_app, make_user):
    """Ten tries a minute per address; eight wrong passwords lock the account for a while."""
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="5 per minute", LOGIN_MAX_FAILURES=3)
    with app.app_context():
        user = make_user("editor", email="khoa@thuvien.vn")
        client = app.test_client()
        wrong = {"email": user.email, "password": "sai-mat-khau-123"}
        answers = [client.post("/login", data=wrong).status_code for _ in range(3)]
        assert answers == [401, 401, 401]
        from support import PASSWORD

        locked = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert locked.status_code == 401 and "tạm khóa" in locked.get_data(as_text=True)
        client.post("/login", data=wrong)
        limited = client.post("/login", data=wrong)
        assert limited.status_code == 429
        assert "thao tác quá nhanh" in limited.get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()
