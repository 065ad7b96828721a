"""Where review is required, an edit of a published material waits for review while the approved
version stays public; approving applies it, sending it back keeps the public version."""

import pytest
from bs4 import BeautifulSoup
from support import bearer, edit_form, pdf_bytes, upload

from library.audit import history_of
from library.catalog import revisions
from library.catalog import services as catalog
from library.errors import InvalidTransition, ValidationFailed
from library.extensions import db
from library.models import Material, PendingRevision

APPROVED = "Sổ tay an toàn lao động"
PROPOSED = "Sổ tay an toàn lao động (bản sửa)"


@pytest.fixture
def org(make_org):
    return make_org(code="ldld", name="Liên đoàn Lao động", requires_review=True)


@pytest.fixture
def editor(make_user, org):
    return make_user("editor", org)


@pytest.fixture
def reviewer(make_user, org):
    return make_user("reviewer", org)


@pytest.fixture
def published(make_material, org):
    """A material of the organisation, published by its reviewer's approval."""
    return make_material(org=org, title=APPROVED, tags=["an toàn"])


def public_title(app, material_id) -> str:
    page = app.test_client().get(f"/materials/{material_id}")
    return BeautifulSoup(page.data, "html.parser").h1.get_text(strip=True)


def test_an_editors_edit_waits_and_the_approved_version_stays_public(
    app, client, login, editor, published
):
    login(editor)
    answer = client.post(
        f"/manage/materials/{published.id}/edit",
        data=edit_form(published, title=PROPOSED),
        follow_redirects=True,
    )
    assert "Phiên bản đã duyệt vẫn hiển thị" in answer.text
    assert public_title(app, published.id) == APPROVED
    db.session.expire_all()
    revision = db.session.get(Material, published.id).pending_revision
    assert revision.status == "waiting" and revision.changes["title"] == [APPROVED, PROPOSED]
    assert "Bản sửa đổi chờ duyệt" in client.get(f"/materials/{published.id}").text
    assert "có bản sửa đổi chờ duyệt" in client.get("/manage?status=revision").text


def test_approving_applies_the_revision(app, client, login, editor, reviewer, published):
    catalog.update_material(editor, published, {"title": PROPOSED, "tags": ["an toàn", "mới"]})
    db.session.commit()
    login(reviewer)
    page = client.get(f"/materials/{published.id}").text
    assert "Duyệt bản sửa đổi" in page and PROPOSED in page
    answer = client.post(f"/manage/materials/{published.id}/revision/approve")
    assert answer.status_code == 302
    assert public_title(app, published.id) == PROPOSED
    db.session.expire_all()
    material = db.session.get(Material, published.id)
    assert material.pending_revision is None and material.tag_names == ["an toàn", "mới"]
    assert [e.action for e in history_of(material)][:2] == ["approve_revision", "propose"]


def test_sending_back_keeps_the_public_version_and_shows_the_comment(
    app, client, login, editor, reviewer, published
):
    catalog.update_material(editor, published, {"title": PROPOSED})
    db.session.commit()
    login(reviewer)
    client.post(
        f"/manage/materials/{published.id}/revision/send-back", data={"comment": "Giữ tên cũ"}
    )
    assert public_title(app, published.id) == APPROVED
    client.post("/logout")
    login(editor)
    page = BeautifulSoup(client.get(f"/materials/{published.id}").data, "html.parser")
    assert "Giữ tên cũ" in page.select_one(".revision .flash.error").get_text()
    # The edit form goes on from the edit sent back, not from the public version.
    form = BeautifulSoup(client.get(f"/manage/materials/{published.id}/edit").data, "html.parser")
    assert form.select_one("input[name=title]")["value"] == PROPOSED


def test_a_sent_back_revision_cannot_be_approved(editor, reviewer, published):
    catalog.update_material(editor, published, {"title": PROPOSED})
    revisions.send_back_revision(reviewer, published, "Chưa đạt")
    with pytest.raises(InvalidTransition):
        revisions.approve_revision(reviewer, published)
    catalog.update_material(editor, published, {"summary": "Tóm tắt mới"})
    assert published.pending_revision.status == "waiting"
    assert set(published.pending_revision.changes) == {"title", "summary"}


def test_an_editor_cannot_approve_its_own_revision(client, login, editor, published):
    catalog.update_material(editor, published, {"title": PROPOSED})
    db.session.commit()
    login(editor)
    assert client.post(f"/manage/materials/{published.id}/revision/approve").status_code == 403
    db.session.expire_all()
    assert db.session.get(Material, published.id).title == APPROVED


def test_a_reviewers_own_edit_applies_at_once(reviewer, published):
    catalog.update_material(reviewer, published, {"title": PROPOSED})
    assert published.title == PROPOSED and published.pending_revision is None


def test_a_bad_revision_is_refused_and_nothing_is_kept(editor, published):
    with pytest.raises(ValidationFailed):
        catalog.update_material(editor, published, {"kind": "poster"})
    db.session.rollback()
    assert db.session.query(PendingRevision).count() == 0
    assert db.session.get(Material, published.id).kind == "legal_digest"


def test_an_edit_changing_nothing_keeps_no_revision(editor, published):
    catalog.update_material(editor, published, {"title": APPROVED})
    assert published.pending_revision is None


def test_a_revision_with_a_new_file_applies_it_on_approval(make_material, org, editor, reviewer):
    leaflet = make_material(
        org=org, title="Tờ gấp", kind="leaflet", body="", upload=upload(pdf_bytes(1), "a.pdf")
    )
    old_file = leaflet.file_id
    catalog.update_material(editor, leaflet, {}, upload(pdf_bytes(3), "b.pdf"))
    db.session.commit()
    assert leaflet.file_id == old_file and leaflet.pending_revision.file.page_count == 3
    revisions.approve_revision(reviewer, leaflet)
    db.session.commit()
    assert leaflet.file.page_count == 3


def test_api_edit_answers_202_and_the_public_still_reads_the_approved_version(
    client, editor, published
):
    answer = client.patch(
        f"/api/v1/materials/{published.id}", json={"title": PROPOSED}, headers=bearer(editor)
    )
    assert answer.status_code == 202
    assert answer.json["title"] == APPROVED
    proposed = answer.json["pending_revision"]["changes"]["title"]
    assert proposed == {"public": APPROVED, "proposed": PROPOSED}
    assert client.get(f"/api/v1/materials/{published.id}").json["title"] == APPROVED
    assert "pending_revision" not in client.get(f"/api/v1/materials/{published.id}").json


def test_in_an_organisation_without_review_an_edit_applies_at_once(
    make_org, make_user, make_material
):
    org = make_org(code="so-a", name="Sở A")
    material = make_material(org=org)
    catalog.update_material(make_user("editor", org), material, {"title": PROPOSED})
    assert material.title == PROPOSED and material.pending_revision is None


def test_saving_as_draft_takes_it_offline_and_applies_the_edit(app, editor, published):
    catalog.update_material(editor, published, {"title": PROPOSED, "status": "draft"})
    db.session.commit()
    assert published.status == "draft" and published.title == PROPOSED
    assert published.pending_revision is None
    assert app.test_client().get(f"/materials/{published.id}").status_code == 404
    catalog.publish_material(editor, published)
    assert published.status == "in_review"  # published again only through review


def test_a_revision_of_a_material_taken_offline_no_longer_applies(editor, reviewer, published):
    catalog.update_material(editor, published, {"title": PROPOSED})
    catalog.change_status(editor, published, "draft")
    with pytest.raises(InvalidTransition):
        revisions.approve_revision(reviewer, published)
    assert published.title == APPROVED
