"""Reviewers and editors are told, by e-mail and by a count in the header, about reviews."""

import json

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from support import PASSWORD

from library.extensions import db
from library.mail import outbox
from library.models import Material


def material_form(**fields):
    return {
        "title": "Kỹ năng giao tiếp nơi làm việc",
        "summary": "Cách giao tiếp hiệu quả với đồng nghiệp.",
        "kind": "legal_digest",
        "areas": ["life-skills"],
        "license": "CC-BY-4.0",
        "body": "Lắng nghe trước khi nói.",
        "action": "publish",
        **fields,
    }


@pytest.fixture
def people(make_org, make_user):
    org = make_org(code="so-gddt", name="Sở Giáo dục và Đào tạo", requires_review=True)
    other = make_org(code="so-khac", name="Sở Khác", requires_review=True)
    return {
        "org": org,
        "editor": make_user("editor", org, email="bientap@so-gddt.vn"),
        "reviewer": make_user("reviewer", org, email="duyet@so-gddt.vn"),
        "other_reviewer": make_user("reviewer", other, email="duyet@so-khac.vn"),
        "admin": make_user("admin", email="quantri@thuvien.vn"),
    }


@pytest.fixture
def signed_in(app, client):
    """A browser of its own per person (each answer read whole, as a server closes it)."""

    def open_as(user):
        browser = app.test_client()
        answer = browser.post("/login", data={"email": user.email, "password": PASSWORD})
        assert answer.status_code == 302
        return browser

    return open_as


def header_count(client) -> str | None:
    link = BeautifulSoup(client.get("/manage").text, "html.parser").select_one("a.notify")
    if link is None:
        return None
    count = link.select_one(".count")
    return count.get_text() if count else "0"


def mails_to(email: str) -> list:
    return [m for m in outbox() if m["To"] == email]


def submit(signed_in, people) -> Material:
    editor = signed_in(people["editor"])
    assert editor.post("/manage/materials/new", data=material_form()).status_code == 302
    return db.session.scalar(select(Material))


def test_the_reviewers_of_the_organisation_are_mailed_when_a_material_waits(signed_in, people):
    outbox().clear()
    material = submit(signed_in, people)
    assert material.status == "in_review"
    (mail,) = outbox()
    assert mail["To"] == "duyet@so-gddt.vn"
    assert mail["Subject"] == "Chờ duyệt: Kỹ năng giao tiếp nơi làm việc"
    body = mail.get_content()
    assert "bientap@so-gddt.vn đã gửi tài liệu «Kỹ năng giao tiếp nơi làm việc» để duyệt" in body
    assert f"http://thuvien.test/materials/{material.id}" in body
    reviewer = signed_in(people["reviewer"])
    assert header_count(reviewer) == "1"
    assert header_count(signed_in(people["other_reviewer"])) == "0"


def test_the_editor_is_told_of_the_approval_and_reads_it_on_the_page(signed_in, people):
    material = submit(signed_in, people)
    outbox().clear()
    reviewer = signed_in(people["reviewer"])
    reviewer.post(f"/manage/materials/{material.id}/approve")
    (mail,) = outbox()
    assert mail["To"] == "bientap@so-gddt.vn"
    assert mail["Subject"] == "Đã duyệt: Kỹ năng giao tiếp nơi làm việc"
    assert "đã được xuất bản" in mail.get_content()
    editor = signed_in(people["editor"])
    assert header_count(editor) == "1"
    page = BeautifulSoup(editor.get("/notifications").text, "html.parser")
    (item,) = page.select("li.notification.unread")
    assert "Đã duyệt và xuất bản" in item.get_text()
    assert item.a["href"] == f"/materials/{material.id}"
    assert editor.post("/notifications/read").status_code == 302
    assert header_count(editor) == "0"
    assert not BeautifulSoup(editor.get("/notifications").text, "html.parser").select(".unread")


def test_the_editor_gets_the_reviewers_comment_when_it_is_sent_back(signed_in, people):
    material = submit(signed_in, people)
    outbox().clear()
    reviewer = signed_in(people["reviewer"])
    comment = "Cần thêm nguồn trích dẫn ở cuối bài."
    reviewer.post(f"/manage/materials/{material.id}/send-back", data={"comment": comment})
    (mail,) = outbox()
    assert mail["To"] == "bientap@so-gddt.vn"
    assert mail["Subject"] == "Trả lại: Kỹ năng giao tiếp nơi làm việc"
    body = mail.get_content()
    assert comment in body and f"http://thuvien.test/manage/materials/{material.id}/edit" in body
    page = BeautifulSoup(signed_in(people["editor"]).get("/notifications").text, "html.parser")
    (item,) = page.select("li.notification")
    assert "Bị trả lại" in item.get_text() and comment in item.blockquote.get_text()
    assert item.a["href"] == f"/manage/materials/{material.id}/edit"


def test_a_refused_send_back_tells_no_one(signed_in, people):
    material = submit(signed_in, people)
    outbox().clear()
    reviewer = signed_in(people["reviewer"])
    reviewer.post(f"/manage/materials/{material.id}/send-back", data={"comment": " "})
    assert outbox() == []
    assert header_count(signed_in(people["editor"])) == "0"


def test_an_edit_waiting_for_review_is_told_like_a_material(signed_in, people, make_material):
    material = make_material(org=people["org"])  # published (by the system)
    outbox().clear()
    editor = signed_in(people["editor"])
    edit = material_form(title="Kỹ năng giao tiếp (bản mới)", action="save")
    assert editor.post(f"/manage/materials/{material.id}/edit", data=edit).status_code == 302
    (waiting,) = mails_to("duyet@so-gddt.vn")
    assert "bản sửa đổi" in waiting.get_content()
    editor.post(f"/manage/materials/{material.id}/edit", data=edit | {"summary": "Tóm tắt mới."})
    assert len(mails_to("duyet@so-gddt.vn")) == 1  # the same edit, still waiting: told once
    reviewer = signed_in(people["reviewer"])
    comment = "Giữ tiêu đề cũ."
    reviewer.post(f"/manage/materials/{material.id}/revision/send-back", data={"comment": comment})
    (sent_back,) = mails_to("bientap@so-gddt.vn")
    assert "bản sửa đổi của tài liệu" in sent_back.get_content()
    assert comment in sent_back.get_content()


def test_without_a_reviewer_the_administrators_are_told(signed_in, make_org, make_user):
    org = make_org(code="so-moi", name="Sở Mới", requires_review=True)
    editor = make_user("editor", org, email="bientap@so-moi.vn")
    make_user("admin", email="quantri@thuvien.vn")
    outbox().clear()
    signed_in(editor).post("/manage/materials/new", data=material_form())
    assert [m["To"] for m in outbox()] == ["quantri@thuvien.vn"]


def test_an_editor_moved_to_another_organisation_no_longer_sees_its_drafts_titles(
    signed_in, people, make_org
):
    material = submit(signed_in, people)
    reviewer = signed_in(people["reviewer"])
    reviewer.post(f"/manage/materials/{material.id}/send-back", data={"comment": "Sửa lại."})
    people["editor"].organisation = make_org(code="so-khac")
    db.session.commit()
    page = signed_in(people["editor"]).get("/notifications").text
    assert "Kỹ năng giao tiếp nơi làm việc" not in page


def test_the_notifications_page_needs_a_login(client):
    assert client.get("/notifications").status_code == 302
    assert client.post("/notifications/read").status_code == 302


def test_an_import_by_an_editor_mails_the_reviewer_once_per_material(app, runner, people, tmp_path):
    app.config.update(SERVER_NAME=None, PUBLIC_BASE_URL="https://thuvien.example")
    lines = [
        {
            **material_form(title=f"Tài liệu nhập {n}"),
            "organisation": "so-gddt",
            "status": "published",
        }
        for n in (1, 2)
    ]
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines))
    outbox().clear()
    result = runner.invoke(args=["import-materials", str(manifest), "--as", "bientap@so-gddt.vn"])
    assert "đã nhập 2" in result.output, result.output
    assert [m["To"] for m in outbox()] == ["duyet@so-gddt.vn"] * 2
    assert "https://thuvien.example/materials/" in outbox()[0].get_content()


def test_the_header_count_is_for_those_reviews_concern(signed_in, make_user, make_org):
    assert header_count(signed_in(make_user("admin"))) == "0"
    union = make_org(code="cd-a", name="Công đoàn A", type_="union")
    assert header_count(signed_in(make_user("union", union))) is None
