"""Publication at a date: a scheduled material stays out of every public place until its time,
then `flask publish-scheduled` (run by a timer) publishes it."""

from datetime import timedelta

from sqlalchemy import update
from support import bearer

from library.catalog import services as catalog
from library.extensions import db
from library.models import Material
from library.models.base import utcnow
from library.tracking.services import local_time

TITLE = "Nghị định mới về lương tối thiểu vùng"


def digest_form(publish_at, **fields) -> dict:
    return {
        "title": TITLE,
        "summary": "Mức lương tối thiểu vùng áp dụng từ ngày có hiệu lực.",
        "kind": "legal_digest",
        "areas": ["politics-law"],
        "license": "gov-work",
        "body": "## Điều 3\nMức lương tối thiểu vùng I là 4.960.000 đồng/tháng.",
        "publish_at": local_time(publish_at).strftime("%Y-%m-%dT%H:%M"),
        "action": "publish",
        **fields,
    }


def schedule(client, login, editor, days=3) -> Material:
    login(editor)
    response = client.post(
        "/manage/materials/new", data=digest_form(utcnow() + timedelta(days=days))
    )
    assert response.status_code == 302, response.text
    material = db.session.scalars(db.select(Material).where(Material.title == TITLE)).one()
    flash = "Đã gửi duyệt" if editor.organisation.requires_review else "Đã hẹn giờ"
    assert flash in client.get(response.location).text
    return material


def public_places(client, material_id: int) -> dict[str, bool]:
    """Whether the material shows in each public place, asked as an anonymous visitor."""
    client.post("/logout")
    search = client.get("/search", query_string={"q": "lương tối thiểu vùng"}).text
    api_search = client.get("/api/v1/search", query_string={"q": "lương tối thiểu vùng"}).json
    api_list = client.get("/api/v1/materials").json
    oai = client.get("/oai", query_string={"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    return {
        "page": client.get(f"/materials/{material_id}").status_code == 200,
        "area": TITLE in client.get("/areas/politics-law").text,
        "search": TITLE in search,
        "api search": any(hit["id"] == material_id for hit in api_search["results"]),
        "api list": any(item["id"] == material_id for item in api_list["results"]),
        "api item": client.get(f"/api/v1/materials/{material_id}").status_code == 200,
        "feed": TITLE in client.get("/feed.atom").text,
        "sitemap": f"/materials/{material_id}" in client.get("/sitemap-1.xml").text,
        "oai": TITLE in oai.text,
    }


def test_a_scheduled_material_is_nowhere_public_until_the_timer_publishes_it(
    client, login, make_user, app
):
    editor = make_user("editor")
    material = schedule(client, login, editor)
    assert material.status == "scheduled"
    assert not any(public_places(client, material.id).values())

    # The timer before the time: nothing to do.
    result = app.test_cli_runner().invoke(args=["publish-scheduled"])
    assert result.exit_code == 0, result.output
    assert "0 tài liệu" in result.output
    assert not any(public_places(client, material.id).values())

    # Its time comes.
    db.session.execute(
        update(Material)
        .where(Material.id == material.id)
        .values(publish_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["publish-scheduled"])
    assert result.exit_code == 0, result.output
    assert f"tài liệu {material.id}: published" in result.output
    db.session.expire_all()
    assert db.session.get(Material, material.id).status == "published"
    assert public_places(client, material.id) == dict.fromkeys(public_places(client, 0), True)

    login(editor)
    history = client.get(f"/manage/materials/{material.id}/history").text
    assert "Xuất bản theo lịch hẹn" in history


def test_the_editor_sees_when_it_will_be_published_and_can_move_the_time(
    client, login, make_user, app
):
    editor = make_user("editor")
    material = schedule(client, login, editor)
    page = client.get(f"/materials/{material.id}").text
    assert "Hẹn giờ xuất bản" in page
    listed = client.get("/manage", query_string={"status": "scheduled"}).text
    assert TITLE in listed

    # Bringing the time into the past publishes at once.
    edit = client.get(f"/manage/materials/{material.id}/edit").text
    assert local_time(material.publish_at).strftime("%Y-%m-%dT%H:%M") in edit
    past = digest_form(utcnow() - timedelta(hours=1), action="")
    response = client.post(f"/manage/materials/{material.id}/edit", data=past)
    assert response.status_code == 302, response.text
    db.session.expire_all()
    assert db.session.get(Material, material.id).status == "published"


def test_where_review_is_required_the_reviewer_approval_schedules_it(
    client, login, make_user, make_org, app
):
    org = make_org(code="so-tu-phap", requires_review=True)
    editor, reviewer = make_user("editor", org), make_user("reviewer", org)
    material = schedule(client, login, editor)
    assert material.status == "in_review"

    login(reviewer)
    assert client.post(f"/manage/materials/{material.id}/approve").status_code == 302
    db.session.expire_all()
    assert db.session.get(Material, material.id).status == "scheduled"
    assert not public_places(client, material.id)["page"]

    # An editor's later edit of the approved text goes back for review.
    login(editor)
    changed = digest_form(utcnow() + timedelta(days=3), action="", title=TITLE + " (sửa)")
    assert client.post(f"/manage/materials/{material.id}/edit", data=changed).status_code == 302
    db.session.expire_all()
    assert db.session.get(Material, material.id).status == "in_review"


def test_a_bad_time_is_refused_in_vietnamese_and_nothing_is_saved(client, login, make_user):
    login(make_user("editor"))
    response = client.post(
        "/manage/materials/new", data={**digest_form(utcnow()), "publish_at": "ngày mai"}
    )
    assert response.status_code == 422
    assert "Thời điểm không hợp lệ" in response.text
    assert db.session.scalar(db.select(db.func.count()).select_from(Material)) == 0


def test_the_api_schedules_too_and_hides_it(client, make_user, app):
    headers = bearer(make_user("editor"))
    when = (utcnow() + timedelta(days=2)).isoformat()
    data = {**digest_form(utcnow()), "publish_at": when, "status": "published"}
    response = client.post("/api/v1/materials", json=data, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["status"] == "scheduled"
    assert client.get(f"/api/v1/materials/{response.json['id']}").status_code == 404
    assert catalog.publish_scheduled(now=utcnow() + timedelta(days=3))[0].id == response.json["id"]
