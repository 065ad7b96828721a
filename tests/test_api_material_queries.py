"""API v1 materials: lists with filters and paging, reading, writing with tokens."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import event
from support import bearer

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.extensions import db
from library.models import Material

NEW = {
    "title": "Quy định về an toàn lao động",
    "kind": "legal_digest",
    "areas": ["politics-law", "life-skills"],
    "license": "CC-BY-4.0",
    "body": "Người lao động được trang bị bảo hộ.",
    "tags": ["an toàn"],
    "status": "published",
}


@pytest.fixture
def org(make_org):
    """One organisation for tests that publish several materials."""
    return make_org(code="so-gddt", name="Sở Giáo dục và Đào tạo")


def test_list_filters_by_area_kind_and_organisation(client, make_material, make_org, org):
    other = make_org(code="ldld-tinh", name="Liên đoàn Lao động tỉnh", type_="union")
    make_material(title="Pháp luật", areas=["politics-law"], org=org)
    make_material(title="Kỹ năng số", areas=["digital-skills"], org=other)
    assert _titles(client, area="digital-skills") == ["Kỹ năng số"]
    assert _titles(client, kind="legal_digest", org="ldld-tinh") == ["Kỹ năng số"]
    assert _titles(client, org="so-gddt") == ["Pháp luật"]
    assert _titles(client, org="khong-co") == []


def test_list_filters_by_updated_since(client, make_material, org):
    old = make_material(title="Cũ", org=org)
    make_material(title="Mới", org=org)
    old.updated_at = datetime(2020, 1, 1, tzinfo=UTC)
    db.session.commit()
    assert _titles(client, updated_since="2021-01-01") == ["Mới"]
    assert _titles(client, updated_since="2020-01-01T08:00:00+07:00") == ["Mới"]
    assert sorted(_titles(client, updated_since="2019-12-31T00:00:00Z")) == ["Cũ", "Mới"]


def test_list_pages_and_counts_only_published(client, make_material, org):
    for n in range(5):
        make_material(title=f"Tài liệu {n}", org=org)
    make_material(title="Nháp", status="draft", org=org)
    body = client.get("/api/v1/materials?per_page=2&page=3").json
    assert (body["total"], body["page"], body["per_page"]) == (5, 3, 2)
    assert len(body["results"]) == 1
    assert client.get("/api/v1/materials?page=99").json["results"] == []


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=abc",
        "page=-1",
        "page=1e3",
        "page=99999999999999999999999",
        "per_page=101",
        "per_page=0",
        "area=nope",
        "kind=pamphlet",
        "updated_since=yesterday",
        "updated_since=2026-02-30",
        "updated_since=0001-01-01T00:00:00%2B05:00",
    ],
)
def test_list_refuses_bad_arguments_with_json_400(client, query):
    response = client.get(f"/api/v1/materials?{query}")
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"
    assert response.json["message"]


def test_detail_of_draft_is_404_and_withdrawn_is_410_with_reason(client, make_material, org):
    draft = make_material(status="draft", org=org)
    withdrawn = make_material(title="Cũ", org=org)
    catalog.withdraw_material(SYSTEM, withdrawn, "Luật đã thay đổi")
    db.session.commit()
    assert client.get(f"/api/v1/materials/{draft.id}").status_code == 404
    response = client.get(f"/api/v1/materials/{withdrawn.id}")
    assert response.status_code == 410
    assert response.json["reason"] == "Luật đã thay đổi"


@pytest.mark.parametrize("number", ["99999999999999999999999999", "2147483648", "9" * 17])
def test_huge_material_id_is_404_not_an_error(client, number):
    response = client.get(f"/api/v1/materials/{number}")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_editor_creates_updates_and_withdraws_with_a_token(client, make_user):
    editor = make_user("editor")
    headers = bearer(editor)
    created = client.post("/api/v1/materials", json=NEW, headers=headers)
    assert created.status_code == 201, created.json
    material = created.json
    assert material["organisation"] == editor.organisation.code
    assert material["status"] == "published"
    assert material["areas"] == ["politics-law", "life-skills"]
    url = f"/api/v1/materials/{material['id']}"
    updated = client.patch(url, json={"title": "An toàn lao động 2026"}, headers=headers)
    assert updated.status_code == 200
    assert updated.json["title"] == "An toàn lao động 2026"
    withdrawn = client.delete(f"{url}?reason=Trùng lặp", headers=headers)
    assert withdrawn.json["status"] == "withdrawn"
    assert client.get(url).status_code == 410


@pytest.mark.parametrize("areas", [["politics-law", "life-skills"], "politics-law;life-skills"])
def test_create_accepts_a_multipart_form(client, make_user, areas):
    headers = bearer(make_user("editor"))
    form = {**NEW, "areas": areas, "tags": "an toàn"}
    response = client.post("/api/v1/materials", data=form, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["areas"] == ["politics-law", "life-skills"]


def test_write_without_token_is_401(client, make_material):
    material = make_material()
    assert client.post("/api/v1/materials", json=NEW).status_code == 401
    response = client.patch(f"/api/v1/materials/{material.id}", json={"title": "x"})
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    bad = {"Authorization": "Bearer oll_not-a-real-token"}
    assert client.delete(f"/api/v1/materials/{material.id}", headers=bad).status_code == 401


def test_revoked_token_is_401(client, make_user):
    editor = make_user("editor")
    headers = bearer(editor)
    assert client.post("/api/v1/materials", json=NEW, headers=headers).status_code == 201
    accounts.revoke_token(editor, editor.tokens[0].id)
    db.session.commit()
    assert client.post("/api/v1/materials", json=NEW, headers=headers).status_code == 401


def test_union_officer_token_cannot_write(client, make_user):
    response = client.post("/api/v1/materials", json=NEW, headers=bearer(make_user("union")))
    assert response.status_code == 403
    assert response.json["error"] == "forbidden"


def test_editor_cannot_change_another_organisations_material(client, make_user, make_material):
    material = make_material()
    headers = bearer(make_user("editor"))
    url = f"/api/v1/materials/{material.id}"
    assert client.patch(url, json={"title": "Sửa trộm"}, headers=headers).status_code == 403
    assert client.delete(url, headers=headers).status_code == 403
    assert db.session.get(Material, material.id).title != "Sửa trộm"


def test_admin_names_the_organisation(client, make_user, make_org):
    org = make_org(code="so-tttt", name="Sở Thông tin và Truyền thông")
    headers = bearer(make_user("admin"))
    response = client.post(
        "/api/v1/materials", json={**NEW, "organisation": org.code}, headers=headers
    )
    assert response.status_code == 201
    assert response.json["organisation"] == "so-tttt"
    unknown = client.post(
        "/api/v1/materials", json={**NEW, "organisation": "khong-co"}, headers=headers
    )
    assert unknown.status_code == 422
    assert "organisation" in unknown.json["fields"]


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        {**NEW, "areas": 5},
        {**NEW, "tags": {"a": {"b": 1}}},
        {**NEW, "superseded_by": 10**30},
        {**NEW, "superseded_by": 2**31},
        {**NEW, "superseded_by": "abc"},
        {**NEW, "title": {"vi": "x"}},
    ],
)
def test_malformed_bodies_are_422(client, make_user, body):
    response = client.post("/api/v1/materials", json=body, headers=bearer(make_user("editor")))
    assert response.status_code == 422
    assert response.json["error"] == "invalid"


def test_validation_errors_name_the_fields(client, make_user):
    headers = bearer(make_user("editor"))
    response = client.post("/api/v1/materials", json={"summary": "Tóm tắt"}, headers=headers)
    assert response.status_code == 422
    assert {"title", "kind", "areas", "license"} <= set(response.json["fields"])


def test_updating_a_withdrawn_material_is_409(client, make_user):
    editor = make_user("editor")
    headers = bearer(editor)
    material_id = client.post("/api/v1/materials", json=NEW, headers=headers).json["id"]
    client.delete(f"/api/v1/materials/{material_id}", headers=headers)
    response = client.patch(
        f"/api/v1/materials/{material_id}", json={"title": "x"}, headers=headers
    )
    assert response.status_code == 409


def test_editor_reads_own_draft_with_token(client, make_user):
    editor = make_user("editor")
    headers = bearer(editor)
    material_id = client.post(
        "/api/v1/materials", json={**NEW, "status": "draft"}, headers=headers
    ).json["id"]
    assert client.get(f"/api/v1/materials/{material_id}").status_code == 404
    assert client.get(f"/api/v1/materials/{material_id}", headers=headers).status_code == 200


def test_unknown_api_path_and_method_answer_json(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json["error"] == "not_found"
    method = client.put("/api/v1/materials")
    assert method.status_code == 405 and "message" in method.json


def _titles(client, **args) -> list[str]:
    response = client.get("/api/v1/materials", query_string=args)
    assert response.status_code == 200, response.json
    return [m["title"] for m in response.json["results"]]


def test_a_full_page_costs_a_few_queries_not_some_per_material(client, make_material, org):
    for n in range(25):
        make_material(title=f"Tài liệu {n}", org=org, tags=["an toàn"])
    db.session.expire_all()
    queries = []

    def count(*args):
        queries.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert len(client.get("/api/v1/materials?per_page=100").json["results"]) == 25
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(queries) < 12
