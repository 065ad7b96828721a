"""Bulk actions on the editor's materials list: the same services and rules as one at a time,
all or nothing, and a page saying what changed."""

from bs4 import BeautifulSoup

from library.audit import history_of
from library.extensions import db
from library.models import Material


def bulk(client, materials, action, **values):
    data = {"material": [str(m.id) for m in materials], "action": action, **values}
    return client.post("/manage/bulk", data=data)


def rows(response) -> dict[str, str]:
    """The result page's table: each material's title and what it says happened to it."""
    page = BeautifulSoup(response.data, "html.parser")
    return {
        tr.select_one("a").get_text(strip=True): tr.select("td")[1].get_text(" ", strip=True)
        for tr in page.select("tbody tr")
    }


def reload(*materials):
    db.session.expire_all()
    return [db.session.get(Material, m.id) for m in materials]


def test_the_list_offers_a_checkbox_per_material_and_the_actions(
    client, login, make_user, make_material
):
    editor = make_user("editor")
    material = make_material(org=editor.organisation, title="Tờ gấp chọn được")
    login(editor)
    page = BeautifulSoup(client.get("/manage").data, "html.parser")
    form = page.select_one("form#bulk")
    assert form["action"] == "/manage/bulk"
    assert form.select_one("input[name=csrf_token]")
    box = form.select_one(f"input[type=checkbox][name=material][value='{material.id}']")
    assert page.find(id=box["aria-labelledby"]).get_text() == "Tờ gấp chọn được"
    options = {o["value"] for o in form.select("select[name=action] option")}
    assert options == {"areas", "add_tags", "remove_tags", "supersede", "withdraw", "submit"}


def test_areas_and_tags_change_on_every_chosen_material_and_the_page_says_so(
    client, login, make_user, make_material
):
    editor = make_user("editor")
    first = make_material(org=editor.organisation, title="Tài liệu một", tags="lương")
    second = make_material(org=editor.organisation, title="Tài liệu hai")
    untouched = make_material(org=editor.organisation, title="Tài liệu ba")
    login(editor)

    response = bulk(client, [first, second], "areas", areas=["life-skills", "digital-skills"])
    assert response.status_code == 200
    said = rows(response)
    assert (
        "Chính trị, pháp luật → Kỹ năng sống, Ứng dụng CNTT, công nghệ số" in said["Tài liệu một"]
    )
    first, second, untouched = reload(first, second, untouched)
    assert set(first.area_codes) == set(second.area_codes) == {"life-skills", "digital-skills"}
    assert untouched.area_codes == ["politics-law"]

    response = bulk(client, [first, second], "add_tags", tags="Bảo hiểm, lương")
    said = rows(response)
    assert "Thẻ: lương → lương, bảo hiểm" in said["Tài liệu một"]
    assert "(không có) →" in said["Tài liệu hai"]
    first, second = reload(first, second)
    assert set(first.tag_names) == {"lương", "bảo hiểm"}
    assert set(second.tag_names) == {"lương", "bảo hiểm"}

    bulk(client, [first, second], "remove_tags", tags="lương")
    first, second = reload(first, second)
    assert first.tag_names == second.tag_names == ["bảo hiểm"]
    # Each change is in the material's own audit trail, as one at a time.
    assert [e.action for e in history_of(first)][:1] == ["update"]


def test_withdraw_needs_a_reason_and_then_withdraws_each_with_it(
    client, login, make_user, make_material
):
    editor = make_user("editor")
    a = make_material(org=editor.organisation, title="Cũ một")
    b = make_material(org=editor.organisation, title="Cũ hai")
    login(editor)
    response = bulk(client, [a, b], "withdraw", reason="  ")
    assert response.status_code == 422
    assert "Cần ghi rõ lý do thu hồi." in response.text
    assert [m.status for m in reload(a, b)] == ["published", "published"]

    response = bulk(client, [a, b], "withdraw", reason="Luật đã thay đổi")
    assert response.status_code == 200
    assert "Đã xuất bản → Đã thu hồi" in rows(response)["Cũ một"]
    a, b = reload(a, b)
    assert (a.status, a.withdrawal_reason) == ("withdrawn", "Luật đã thay đổi")
    assert b.status == "withdrawn"
    assert client.get(f"/materials/{a.id}").status_code == 200  # its editor still sees it


def test_one_refusal_changes_nothing_and_names_the_material_and_why(
    client, login, make_user, make_material
):
    editor = make_user("editor")
    newer = make_material(org=editor.organisation, title="Nghị định mới")
    old = make_material(org=editor.organisation, title="Nghị định cũ")
    gone = make_material(org=editor.organisation, title="Đã thu hồi rồi")
    login(editor)
    bulk(client, [gone], "withdraw", reason="Hết hiệu lực")

    response = bulk(client, [old, gone], "supersede", superseded_by=str(newer.id))
    assert response.status_code == 422
    said = rows(response)
    assert "Chưa thay đổi tài liệu nào" in response.text
    assert "Tài liệu đã thu hồi không thể sửa." in said["Đã thu hồi rồi"]
    assert "chưa thay đổi" in said["Nghị định cũ"]
    assert reload(old)[0].superseded_by_id is None

    response = bulk(client, [old], "supersede", superseded_by=str(newer.id))
    assert response.status_code == 200
    assert f"Được thay thế bởi: (không có) → mã {newer.id}" in rows(response)["Nghị định cũ"]
    assert reload(old)[0].superseded_by_id == newer.id
    # A material cannot replace itself: the same rule as the edit form.
    response = bulk(client, [newer], "supersede", superseded_by=str(newer.id))
    assert "Tài liệu thay thế không tồn tại." in rows(response)["Nghị định mới"]


def test_submit_follows_the_review_rules_and_an_edit_waits_as_a_revision(
    client, login, make_user, make_org, make_material
):
    org = make_org(code="so-xay-dung", requires_review=True)
    editor = make_user("editor", org)
    drafts = [make_material(org=org, title=f"Bản nháp {n}", status="draft") for n in (1, 2)]
    public = make_material(org=org, title="Đã duyệt")
    login(editor)

    response = bulk(client, drafts, "submit")
    assert response.status_code == 200
    assert "Bản nháp → Chờ duyệt" in rows(response)["Bản nháp 1"]
    assert [m.status for m in reload(*drafts)] == ["in_review", "in_review"]

    # Already in review: the state machine refuses to submit again, nothing moves.
    response = bulk(client, [*drafts, public], "submit")
    assert response.status_code == 422
    assert "Tài liệu đã ở trạng thái này." in rows(response)["Bản nháp 1"]

    response = bulk(client, [public], "add_tags", tags="xây dựng")
    assert "Bản sửa đổi chờ duyệt" in rows(response)["Đã duyệt"]
    public = reload(public)[0]
    assert public.tag_names == []  # the public version stays until a reviewer approves
    assert public.pending_revision.fields["tags"] == ["xây dựng"]


def test_another_organisations_material_or_a_union_officer_is_refused_with_403(
    client, login, make_user, make_material
):
    editor, other = make_user("editor"), make_user("editor")
    own = make_material(org=editor.organisation, title="Của mình")
    theirs = make_material(org=other.organisation, title="Của tổ chức khác")
    login(editor)
    response = bulk(client, [own, theirs], "withdraw", reason="Thử")
    assert response.status_code == 403
    assert "Của tổ chức khác" not in response.text
    assert [m.status for m in reload(own, theirs)] == ["published", "published"]

    login(make_user("union"))
    assert bulk(client, [own], "withdraw", reason="Thử").status_code == 403
    assert bulk(client, [], "submit").status_code == 403


def test_bad_input_is_a_message_never_a_500(client, login, make_user, make_material):
    editor = make_user("editor")
    material = make_material(org=editor.organisation)
    login(editor)
    for data in (
        {"action": "submit"},
        {"material": "abc", "action": "submit"},
        {"material": "99999999999", "action": "submit"},
        {"material": str(material.id), "action": "delete-everything"},
        {"material": str(material.id), "action": "areas", "areas": "not-an-area"},
        {"material": str(material.id), "action": "supersede", "superseded_by": "x"},
    ):
        response = client.post("/manage/bulk", data=data)
        assert response.status_code == 422, data
        assert "flash error" in response.text
