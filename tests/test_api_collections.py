"""Collections over the JSON API."""

from library.accounts.permissions import SYSTEM
from library.extensions import db
from library.sharing import collections


def _collection(org, materials, slug, status="published"):
    raw = {"slug": slug, "title": slug.title(), "status": status}
    found = collections.create_collection(
        SYSTEM, org, {**raw, "materials": [m.id for m in materials]}
    )
    db.session.commit()
    return found


def test_the_list_is_paged_like_the_materials_list(client, make_org, make_material):
    org = make_org()
    material = make_material()
    for n in range(3):
        _collection(org, [material], f"bo-{n}")
    _collection(org, [material], "nhap", status="draft")
    body = client.get("/api/v1/collections?per_page=2&page=2").json
    assert (body["total"], body["page"], body["per_page"]) == (3, 2, 2)
    assert [c["slug"] for c in body["results"]] == ["bo-0"]
    assert client.get("/api/v1/collections?per_page=0").status_code == 400


def test_one_collection_has_its_published_materials_in_order(client, make_org, make_material):
    org = make_org()
    first, second = make_material(title="Một"), make_material(title="Hai")
    draft = make_material(title="Nháp", status="draft")
    _collection(org, [second, draft, first], "tuan-le")
    body = client.get("/api/v1/collections/tuan-le").json
    assert [m["title"] for m in body["materials"]] == ["Hai", "Một"]
    assert body["url"] == "http://thuvien.test/collections/tuan-le"


def test_drafts_and_unknown_slugs_answer_a_json_404(client, make_org, make_material):
    _collection(make_org(), [make_material()], "nhap", status="draft")
    for slug in ("nhap", "khong-co", "x" * 300):
        response = client.get(f"/api/v1/collections/{slug}")
        assert response.status_code == 404
        assert response.json["error"] == "not_found"


def test_the_openapi_document_describes_collections(client):
    document = client.get("/api/v1/openapi.json").json
    assert {"/collections", "/collections/{slug}"} <= set(document["paths"])
    assert "CollectionDetail" in document["components"]["schemas"]
