"""Administrators edit an organisation after creating it; the change is audited and acts."""

import pytest
from bs4 import BeautifulSoup

from library.accounts.permissions import SYSTEM
from library.audit import history_of
from library.extensions import db
from library.sharing import services as sharing


@pytest.fixture
def admin(client, login, make_user):
    user = make_user("admin")
    login(user)
    return user


@pytest.fixture
def department(make_org):
    return make_org(code="so-a", name="Sở A")


def form_of(org, **changes) -> dict:
    data = {"name": org.name, "type": org.type, "workers": org.workers or ""}
    if org.requires_review:
        data["requires_review"] = "y"
    return {**data, **changes}


def test_the_list_links_each_organisation_to_its_page(client, admin, department):
    page = BeautifulSoup(client.get("/admin/organisations").text, "html.parser")
    link = page.find("a", string="Sở A")
    assert link["href"] == f"/admin/organisations/{department.id}"
    form = BeautifulSoup(client.get(link["href"]).text, "html.parser")
    assert form.select_one("input[name=name]")["value"] == "Sở A"
    assert form.select_one("select[name=type] option[selected]")["value"] == "department"


def test_an_administrator_edits_name_type_workforce_and_review(client, admin, department):
    data = form_of(department, name="Công ty May A", type="enterprise", workers="1.200")
    assert client.post(f"/admin/organisations/{department.id}", data=data).status_code == 422
    data = {**data, "workers": "1200", "requires_review": "y"}
    answer = client.post(f"/admin/organisations/{department.id}", data=data)
    assert answer.status_code == 302
    db.session.refresh(department)
    assert (department.name, department.type, department.workers) == (
        "Công ty May A",
        "enterprise",
        1200,
    )
    assert department.requires_review
    entry = history_of(department)[0]
    assert (entry.action, entry.user_id) == ("update", admin.id)
    assert entry.changes == {
        "name": ["Sở A", "Công ty May A"],
        "type": ["department", "enterprise"],
        "workers": [None, 1200],
        "requires_review": [False, True],
    }
    page = client.get(f"/admin/organisations/{department.id}").text
    assert "Đã lưu thay đổi của Công ty May A" in page and "department → enterprise" in page


def test_switching_review_on_makes_the_editors_publishing_wait_for_a_reviewer(
    client, admin, department, make_user, login, make_material
):
    data = form_of(department, requires_review="y")
    client.post(f"/admin/organisations/{department.id}", data=data)
    draft = make_material(org=department, status="draft")
    login(make_user("editor", org=department))
    assert client.post(f"/manage/materials/{draft.id}/publish").status_code == 302
    db.session.refresh(draft)
    assert draft.status == "in_review"


def test_saving_without_a_change_writes_no_audit_entry(client, admin, department):
    before = len(history_of(department))
    answer = client.post(f"/admin/organisations/{department.id}", data=form_of(department))
    assert answer.status_code == 302
    assert "Không có gì thay đổi" in client.get(answer.headers["Location"]).text
    assert len(history_of(department)) == before


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"name": "  "}, "Cần nhập tên"),
        ({"workers": "-5"}, "Cần một số nguyên từ 0 đến 10.000.000"),
        ({"workers": "nhiều"}, "Cần một số nguyên từ 0 đến 10.000.000"),
        ({"type": "ministry"}, "Loại tổ chức không hợp lệ"),
    ],
)
def test_a_bad_edit_is_refused_and_changes_nothing(client, admin, department, changes, message):
    before = len(history_of(department))
    answer = client.post(
        f"/admin/organisations/{department.id}", data=form_of(department, **changes)
    )
    assert answer.status_code == 422
    assert message in answer.text
    db.session.refresh(department)
    assert (department.name, department.type, department.workers) == ("Sở A", "department", None)
    assert len(history_of(department)) == before


def test_a_union_serving_enterprises_keeps_its_type_until_they_are_detached(
    client, admin, make_org
):
    union = make_org(code="cd-a", name="Công đoàn A", type_="union")
    make_org(code="cty-a", name="Công ty A", type_="enterprise", workers=300)
    sharing.set_served_enterprises(SYSTEM, union, ["cty-a"])
    db.session.commit()
    answer = client.post(f"/admin/organisations/{union.id}", data=form_of(union, type="department"))
    assert answer.status_code == 422 and "bỏ các liên kết" in answer.text
    db.session.refresh(union)
    assert union.type == "union"


def test_an_unknown_organisation_is_a_404(client, admin):
    assert client.get("/admin/organisations/99999").status_code == 404
