"""The JSON API for materials: create, read, update, withdraw, with JSON errors."""

import io

import pytest
from support import bearer, pdf_bytes

from library.accounts.services import revoke_token
from library.extensions import db


@pytest.fixture
def editor(make_user):
    return make_user("editor")


FIELDS = {
    "title": "Sổ tay an toàn vệ sinh lao động",
    "summary": "Những quy định cơ bản.",
    "kind": "book",
    "areas": ["politics-law", "vocational-skills"],
    "license": "gov-work",
    "tags": "ATVSLĐ",
    "status": "published",
}


def test_create_with_a_file_returns_201_and_the_public_url(client, editor):
    data = {**FIELDS, "file": (io.BytesIO(pdf_bytes(2)), "so-tay.pdf")}
    response = client.post("/api/v1/materials", data=data, headers=bearer(editor))
    assert response.status_code == 201
    body = response.json
    assert body["url"] == f"http://thuvien.test/materials/{body['id']}"
    assert body["areas"] == ["politics-law", "vocational-skills"]
    assert body["file"]["page_count"] == 2 and body["file"]["mime_type"] == "application/pdf"
    assert client.get(body["url"]).status_code == 200


def test_create_with_a_video_link(client, editor):
    data = {**FIELDS, "kind": "video", "video_url": "https://youtu.be/dQw4w9WgXcQ"}
    response = client.post("/api/v1/materials", data=data, headers=bearer(editor))
    assert response.status_code == 201
    assert response.json["video_url"] == "https://youtu.be/dQw4w9WgXcQ"


def test_video_link_from_another_site_is_refused(client, editor):
    data = {**FIELDS, "kind": "video", "video_url": "https://evil.example/v.mp4"}
    response = client.post("/api/v1/materials", data=data, headers=bearer(editor))
    assert response.status_code == 422 and "video_url" in response.json["fields"]


def test_without_a_token_the_api_answers_401_json(client):
    response = client.post("/api/v1/materials", data=FIELDS)
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"


def test_a_revoked_token_is_refused(client, editor):
    headers = bearer(editor)
    revoke_token(editor, editor.tokens[0].id)
    db.session.commit()
    response = client.post("/api/v1/materials", data={**FIELDS, "body": "x"}, headers=headers)
    assert response.status_code == 401


def test_patch_updates_given_fields_only_json_or_form(client, editor):
    headers = bearer(editor)
    created = client.post(
        "/api/v1/materials",
        data={**FIELDS, "kind": "legal_digest", "body": "Nội dung"},
        headers=headers,
    ).json
    response = client.patch(
        f"/api/v1/materials/{created['id']}",
        json={"title": "Tên mới", "tags": ["an toàn", "lao động"]},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json["title"] == "Tên mới"
    assert response.json["tags"] == ["an toàn", "lao động"]
    assert response.json["areas"] == FIELDS["areas"]
    form = client.patch(
        f"/api/v1/materials/{created['id']}", data={"summary": "Tóm tắt mới"}, headers=headers
    )
    assert form.json["summary"] == "Tóm tắt mới" and form.json["title"] == "Tên mới"


def test_patch_by_another_organisations_editor_is_403(client, editor, make_user):
    created = client.post(
        "/api/v1/materials",
        data={**FIELDS, "kind": "legal_digest", "body": "x"},
        headers=bearer(editor),
    ).json
    other = make_user("editor")
    response = client.patch(
        f"/api/v1/materials/{created['id']}", json={"title": "Chiếm"}, headers=bearer(other)
    )
    assert response.status_code == 403 and response.json["error"] == "forbidden"


def test_delete_withdraws_and_the_page_then_answers_410(client, editor):
    headers = bearer(editor)
    created = client.post(
        "/api/v1/materials", data={**FIELDS, "kind": "legal_digest", "body": "x"}, headers=headers
    ).json
    response = client.delete(f"/api/v1/materials/{created['id']}", headers=headers)
    assert response.status_code == 200 and response.json["status"] == "withdrawn"
    assert client.get(f"/api/v1/materials/{created['id']}").status_code == 410
    assert client.get(f"/materials/{created['id']}").status_code == 410
    listed = client.get("/api/v1/materials").json
    assert listed["total"] == 0


def test_draft_is_hidden_from_anonymous_api_readers(client, editor):
    headers = bearer(editor)
    created = client.post(
        "/api/v1/materials",
        data={**FIELDS, "status": "draft", "kind": "legal_digest", "body": "x"},
        headers=headers,
    ).json
    assert client.get(f"/api/v1/materials/{created['id']}").status_code == 404
    assert client.get(f"/api/v1/materials/{created['id']}", headers=headers).status_code == 200


def test_malformed_json_is_a_json_error(client, editor):
    headers = bearer(editor)
    created = client.post(
        "/api/v1/materials", data={**FIELDS, "kind": "legal_digest", "body": "x"}, headers=headers
    ).json
    response = client.patch(
        f"/api/v1/materials/{created['id']}",
        data="{not json",
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json["error"] == "invalid"


def test_request_too_large_is_413_json(make_app, make_user):
    app = make_app(MAX_CONTENT_LENGTH=2000)
    with app.app_context():
        headers = bearer(make_user("editor"))
        response = app.test_client().post(
            "/api/v1/materials",
            headers=headers,
            data={**FIELDS, "file": (io.BytesIO(b"%PDF" + b"0" * 5000), "a.pdf")},
        )
        assert response.status_code == 413 and response.json["error"]
        db.session.remove()
        db.engine.dispose()


def test_list_filters_by_area_and_kind_and_pages(client, make_material):
    for i in range(3):
        make_material(title=f"Pháp luật {i}")
    make_material(title="Kỹ năng sống", areas=["life-skills"])
    page = client.get("/api/v1/materials?area=politics-law&per_page=2").json
    assert page["total"] == 3 and len(page["results"]) == 2
    assert client.get("/api/v1/materials?area=cooking").status_code == 400
    assert client.get("/api/v1/materials?per_page=1000000").status_code == 400


def test_areas_lists_codes_names_targets_and_counts(client, make_material):
    make_material()
    areas = client.get("/api/v1/areas").json
    assert [a["code"] for a in areas] == [
        "politics-law",
        "vocational-skills",
        "life-skills",
        "digital-skills",
        "learning-model",
    ]
    assert areas[0]["target_2025"] == 70 and areas[0]["materials"] == 1


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json["error"]
