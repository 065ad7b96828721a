"""Editors work on their organisation's materials; reviewers approve; everything is audited."""

from bs4 import BeautifulSoup
from sqlalchemy import select

from library.audit import history_of
from library.extensions import db
from library.models import Material


def material_form(**fields):
    return {
        "title": "Kỹ năng giao tiếp nơi làm việc",
        "summary": "Cách giao tiếp hiệu quả với đồng nghiệp.",
        "kind": "legal_digest",
        "areas": ["life-skills"],
        "license": "CC-BY-4.0",
        "body": "Lắng nghe trước khi nói.",
        "tags": "giao tiếp, kỹ năng mềm",
        "action": "publish",
        **fields,
    }


def test_editor_uploads_and_publishes_a_material(client, login, make_user):
    editor = make_user("editor")
    login(editor)
    response = client.post("/manage/materials/new", data=material_form())
    assert response.status_code == 302
    material = db.session.scalar(select(Material))
    assert material.status == "published" and material.organisation_id == editor.organisation_id
    assert material.tag_names == ["giao tiếp", "kỹ năng mềm"]
    page = client.get(response.headers["Location"])
    assert "Kỹ năng giao tiếp nơi làm việc" in page.text


def test_editor_keeps_a_draft_that_the_public_cannot_see(client, login, make_user, app):
    login(make_user("editor"))
    client.post("/manage/materials/new", data=material_form(action="draft"))
    material = db.session.scalar(select(Material))
    assert material.status == "draft"
    anonymous = app.test_client()
    assert anonymous.get(f"/materials/{material.id}").status_code == 404


def test_editor_edits_and_the_change_is_in_the_audit_trail(client, login, make_user):
    editor = make_user("editor")
    login(editor)
    client.post("/manage/materials/new", data=material_form())
    material = db.session.scalar(select(Material))
    response = client.post(
        f"/manage/materials/{material.id}/edit",
        data=material_form(title="Giao tiếp hiệu quả", action=""),
    )
    assert response.status_code == 302
    db.session.refresh(material)
    assert material.title == "Giao tiếp hiệu quả"
    entries = history_of(material)
    assert [e.action for e in entries] == ["update", "create"]
    assert entries[1].changes["status"] == "published"
    assert entries[0].changes["title"] == ["Kỹ năng giao tiếp nơi làm việc", "Giao tiếp hiệu quả"]
    assert entries[0].user_id == editor.id
    history = client.get(f"/manage/materials/{material.id}/history")
    assert editor.email in history.text and "Sửa" in history.text


def test_editor_cannot_touch_another_organisations_material(
    client, login, make_user, make_material
):
    material = make_material(title="Của sở khác")
    login(make_user("editor"))
    assert client.get(f"/manage/materials/{material.id}/edit").status_code == 403
    assert client.post(f"/manage/materials/{material.id}/withdraw").status_code == 403
    db.session.refresh(material)
    assert material.status == "published"
    response = client.post(f"/manage/materials/{material.id}/edit", data=material_form())
    assert response.status_code == 403
    db.session.refresh(material)
    assert material.title == "Của sở khác"


def test_editor_list_shows_only_its_organisation(client, login, make_user, make_material):
    make_material(title="Của sở khác")
    editor = make_user("editor")
    login(editor)
    client.post("/manage/materials/new", data=material_form(title="Của sở mình"))
    page = client.get("/manage").text
    assert "Của sở mình" in page and "Của sở khác" not in page


def test_admin_acts_on_every_organisation(client, login, make_user, make_material):
    material = make_material(title="Của một sở")
    login(make_user("admin"))
    response = client.post(f"/manage/materials/{material.id}/withdraw", data={"reason": "Trùng"})
    assert response.status_code == 302
    db.session.refresh(material)
    assert material.status == "withdrawn" and material.withdrawal_reason == "Trùng"


def test_union_officer_cannot_upload(client, login, make_user):
    login(make_user("union"))
    assert client.get("/manage/materials/new").status_code == 403
    assert client.post("/manage/materials/new", data=material_form()).status_code == 403
    assert db.session.scalar(select(Material)) is None


def test_review_required_editor_submits_reviewer_approves(client, app, login, make_org, make_user):
    org = make_org(
        code="ldld-tinh", name="Liên đoàn Lao động tỉnh", type_="union", requires_review=True
    )
    editor, reviewer = make_user("editor", org), make_user("reviewer", org)
    login(editor)
    client.post("/manage/materials/new", data=material_form())
    material = db.session.scalar(select(Material))
    assert material.status == "in_review"
    assert app.test_client().get(f"/materials/{material.id}").status_code == 404
    assert client.post(f"/manage/materials/{material.id}/approve").status_code == 403
    db.session.refresh(material)
    assert material.status == "in_review"  # an editor cannot approve its own work
    client.post("/logout")
    login(reviewer)
    client.post(f"/manage/materials/{material.id}/approve")
    db.session.refresh(material)
    assert material.status == "published"
    entries = history_of(material)
    assert [e.action for e in entries] == ["approve", "create"]
    assert entries[0].user_id == reviewer.id and entries[1].changes["status"] == "in_review"


def test_reviewer_sends_back_with_a_comment_the_editor_sees(client, login, make_org, make_user):
    org = make_org(code="so-gddt", name="Sở Giáo dục và Đào tạo", requires_review=True)
    editor, reviewer = make_user("editor", org), make_user("reviewer", org)
    login(editor)
    client.post("/manage/materials/new", data=material_form())
    material = db.session.scalar(select(Material))
    client.post("/logout")
    login(reviewer)
    client.post(f"/manage/materials/{material.id}/send-back", data={"comment": "Thiếu nguồn"})
    db.session.refresh(material)
    assert material.status == "draft" and material.review_comment == "Thiếu nguồn"
    client.post("/logout")
    login(editor)
    page = BeautifulSoup(client.get(f"/materials/{material.id}").data, "html.parser")
    assert "Thiếu nguồn" in page.select_one(".flash.error").get_text()


def test_send_back_without_a_comment_is_refused(client, login, make_org, make_user):
    org = make_org(code="so-gddt", name="Sở Giáo dục và Đào tạo", requires_review=True)
    login(make_user("editor", org))
    client.post("/manage/materials/new", data=material_form())
    material = db.session.scalar(select(Material))
    client.post("/logout")
    login(make_user("reviewer", org))
    response = client.post(
        f"/manage/materials/{material.id}/send-back", data={"comment": " "}, follow_redirects=True
    )
    db.session.refresh(material)
    assert material.status == "in_review"
    assert "Thông tin chưa hợp lệ" in response.text


def test_edit_page_keeps_what_was_typed_when_refused(client, login, make_user):
    login(make_user("editor"))
    response = client.post(
        "/manage/materials/new", data=material_form(title="Tiêu đề giữ lại", areas=[])
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.data, "html.parser")
    assert page.select_one("#title")["value"] == "Tiêu đề giữ lại"
    assert "ít nhất một lĩnh vực" in page.select_one("fieldset.has-error").get_text()


def test_withdrawn_material_leaves_the_lists(client, app, login, make_user, make_material):
    admin = make_user("admin")
    material = make_material(title="Sẽ thu hồi")
    login(admin)
    client.post(f"/manage/materials/{material.id}/withdraw", data={"reason": "Hết hiệu lực"})
    visitor = app.test_client()
    assert "Sẽ thu hồi" not in visitor.get("/").text
    assert visitor.get(f"/materials/{material.id}").status_code == 410
    assert "Đã thu hồi" in client.get(f"/materials/{material.id}").text  # its editors still see it
