"""Administrators manage accounts: edit, disable and re-enable, send a reset e-mail; audited."""

import pytest
from bs4 import BeautifulSoup
from support import PASSWORD, bearer

from library.audit import history_of
from library.extensions import db
from library.mail import outbox
from library.models import User


@pytest.fixture
def admin(client, login, make_user):
    user = make_user("admin")
    login(user)
    return user


@pytest.fixture
def editor(make_org, make_user):
    make_org(code="so-b", name="Sở B")
    return make_user("editor", org=make_org(code="so-a", name="Sở A"))


def entries(user) -> list[tuple[str, dict]]:
    db.session.expire_all()
    return [(e.action, e.changes) for e in history_of(user)]


def test_the_add_user_form_preselects_no_role(client, admin):
    page = BeautifulSoup(client.get("/admin/users").text, "html.parser")
    select = page.select_one("select[name=role]")
    chosen = select.select_one("option[selected]")
    assert chosen is None or chosen["value"] == ""
    assert select.select("option")[0]["value"] == ""
    # The administrator's role is offered last, never first.
    assert select.select("option")[-1]["value"] == "admin"


def test_a_user_added_without_choosing_a_role_is_refused_in_vietnamese(client, admin):
    data = {"email": "moi@thuvien.vn", "password": "x" * 12, "organisation": "", "role": ""}
    answer = client.post("/admin/users", data=data)
    assert answer.status_code == 422 and "Cần chọn vai trò" in answer.text
    assert db.session.query(User).filter_by(email="moi@thuvien.vn").first() is None


def test_an_administrator_edits_name_role_and_organisation(client, admin, editor):
    data = {"name": "Trần Thị Duyệt", "role": "reviewer", "organisation": "so-b"}
    answer = client.post(f"/admin/users/{editor.id}", data=data)
    assert answer.status_code == 302
    db.session.refresh(editor)
    assert (editor.name, editor.role, editor.organisation.code) == (
        "Trần Thị Duyệt",
        "reviewer",
        "so-b",
    )
    (action, changes), *_ = entries(editor)
    assert action == "update"
    assert changes == {
        "name": ["", "Trần Thị Duyệt"],
        "role": ["editor", "reviewer"],
        "organisation": ["so-a", "so-b"],
    }
    page = client.get(f"/admin/users/{editor.id}").text
    assert "Đã lưu thay đổi" in page and "editor → reviewer" in page


def test_the_edit_page_opens_with_the_user_as_they_are(client, admin, editor):
    page = BeautifulSoup(client.get(f"/admin/users/{editor.id}").text, "html.parser")
    assert page.select_one("select[name=role] option[selected]")["value"] == "editor"
    assert page.select_one("select[name=organisation] option[selected]")["value"] == "so-a"


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"role": "superuser", "organisation": "so-a"}, "role", "Not a valid choice"),
        ({"role": "", "organisation": "so-a"}, "role", "Cần chọn vai trò"),
        ({"role": "editor", "organisation": ""}, "organisation", "cần thuộc một tổ chức"),
        ({"role": "editor", "organisation": "khong-co"}, "organisation", "Not a valid choice"),
    ],
)
def test_a_bad_edit_is_refused_and_changes_nothing(client, admin, editor, data, field, message):
    answer = client.post(f"/admin/users/{editor.id}", data={"name": "X", **data})
    assert answer.status_code == 422
    db.session.refresh(editor)
    assert (editor.name, editor.role, editor.organisation.code) == ("", "editor", "so-a")
    assert entries(editor) == [("create", entries(editor)[0][1])]


def test_an_administrator_cannot_take_away_their_own_role_or_lock_themselves_out(client, admin):
    data = {"name": "", "role": "editor", "organisation": ""}
    answer = client.post(f"/admin/users/{admin.id}", data=data)
    assert answer.status_code == 422 and "tự đổi vai trò" in answer.text
    client.post(f"/admin/users/{admin.id}/disable")
    db.session.refresh(admin)
    assert admin.active and admin.role == "admin"
    assert client.get("/admin/users").status_code == 200


def test_disabling_stops_sessions_and_api_tokens_at_once_and_enabling_opens_again(
    app, client, admin, editor, make_material
):
    headers = bearer(editor)
    # A draft of the editor's organisation: the API shows it to the editor's token only.
    draft = f"/api/v1/materials/{make_material(org=editor.organisation, status='draft').id}"
    other = app.test_client()
    assert other.post("/login", data={"email": editor.email, "password": PASSWORD}).status_code
    assert other.get("/manage").status_code == 200
    assert app.test_client().get(draft, headers=headers).status_code == 200

    assert client.post(f"/admin/users/{editor.id}/disable").status_code == 302
    assert other.get("/manage").status_code == 302
    assert app.test_client().get(draft, headers=headers).status_code == 404
    login = other.post("/login", data={"email": editor.email, "password": PASSWORD})
    assert login.status_code == 401
    assert "Đã khóa" in client.get("/admin/users").text

    assert client.post(f"/admin/users/{editor.id}/enable").status_code == 302
    assert app.test_client().get(draft, headers=headers).status_code == 200
    login = other.post("/login", data={"email": editor.email, "password": PASSWORD})
    assert login.status_code == 302
    assert [action for action, _ in entries(editor)][:2] == ["enable", "disable"]


def test_an_administrator_sends_a_password_reset_email(app, client, admin, editor):
    outbox().clear()
    answer = client.post(f"/admin/users/{editor.id}/send-reset")
    assert answer.status_code == 302
    (message,) = outbox()
    assert message["To"] == editor.email
    link = message.get_content().split("http://thuvien.test/password/reset#", 1)
    assert len(link) == 2, message.get_content()
    token = link[1].split()[0]
    reset = app.test_client().post(
        "/password/reset",
        data={"token": token, "password": "mat-khau-moi-dai", "confirm": "mat-khau-moi-dai"},
    )
    assert reset.status_code == 302
    actions = [action for action, _ in entries(editor)]
    assert actions[:2] == ["reset_password", "send_password_reset"]
    assert "Đã gửi thư đặt lại mật khẩu" in client.get(f"/admin/users/{editor.id}").text


def test_no_reset_email_is_sent_to_a_disabled_account(client, admin, editor):
    client.post(f"/admin/users/{editor.id}/disable")
    outbox().clear()
    client.post(f"/admin/users/{editor.id}/send-reset")
    assert outbox() == []
    assert "mở lại trước khi gửi thư" in client.get(f"/admin/users/{editor.id}").text


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/admin/users/{id}"),
        ("POST", "/admin/users/{id}"),
        ("POST", "/admin/users/{id}/disable"),
        ("POST", "/admin/users/{id}/enable"),
        ("POST", "/admin/users/{id}/send-reset"),
    ],
)
def test_only_administrators_manage_accounts(client, login, make_user, editor, method, path):
    login(make_user("reviewer", org=editor.organisation))
    data = {"name": "X", "role": "admin", "organisation": ""}
    answer = client.open(path.format(id=editor.id), method=method, data=data)
    assert answer.status_code == 403
    db.session.refresh(editor)
    assert editor.active and editor.role == "editor"


def test_the_account_forms_carry_a_csrf_token_and_refuse_a_post_without_it(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        admin = make_user("admin")
        editor = make_user("editor")
        client = app.test_client()
        page = BeautifulSoup(client.get("/login").text, "html.parser")
        token = page.select_one("input[name=csrf_token]")["value"]
        data = {"email": admin.email, "password": PASSWORD, "csrf_token": token}
        assert client.post("/login", data=data).status_code == 302
        page = BeautifulSoup(client.get(f"/admin/users/{editor.id}").text, "html.parser")
        forms = page.select("main form[method=post]") or page.select("form[method=post]")
        actions = [f.get("action") for f in forms if "/admin/users" in (f.get("action") or "/")]
        assert all(f.select_one("input[name=csrf_token]") for f in forms)
        assert len(actions) >= 2
        for path in ("disable", "send-reset"):
            assert client.post(f"/admin/users/{editor.id}/{path}").status_code == 400
        assert client.post(f"/admin/users/{editor.id}", data={"role": "admin"}).status_code == 400
        db.session.refresh(editor)
        assert editor.active and editor.role == "editor"
        db.session.remove()
        db.engine.dispose()
