"""Collections over the API: the published ones, paged, and one with its published materials."""

from flask import jsonify

from library.addresses import public_url
from library.api import bp, params
from library.api.materials_spec import page_of
from library.api.openapi import describe, json_response, ref
from library.api.serializers import material_json
from library.catalog.services import with_details
from library.sharing import collections


def collection_json(collection, materials=None) -> dict:
    """A collection as the API shows it; with its materials when they are given."""
    data = {
        "slug": collection.slug,
        "title": collection.title,
        "summary": collection.summary,
        "organisation": collection.organisation.code,
        "featured": collection.featured,
        "starts_on": collection.starts_on.isoformat() if collection.starts_on else None,
        "ends_on": collection.ends_on.isoformat() if collection.ends_on else None,
        "url": public_url("sharing.collection", slug=collection.slug),
        "updated_at": collection.updated_at.isoformat(),
    }
    if materials is not None:
        data["materials"] = [material_json(m) for m in with_details(materials)]
    return data


@bp.get("/collections")
def list_collections():
    """GET /collections: published collections, newest first, paged."""
    page, per_page = params.paging()
    result = collections.list_public_collections(page, per_page)
    return jsonify(
        {
            "total": result.total,
            "page": page,
            "per_page": per_page,
            "results": [collection_json(c) for c in result.items],
        }
    )


@bp.get("/collections/<slug>")
def get_collection(slug: str):
    """GET /collections/<slug>: a published collection with its published materials in order."""
    found = collections.public_collection(slug)
    return jsonify(collection_json(found, collections.published_materials(found)))


NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
COLLECTION_PROPERTIES = {
    "slug": {"type": "string", "pattern": "^[a-z0-9-]+$"},
    "title": {"type": "string"},
    "summary": {"type": "string"},
    "organisation": {"type": "string", "description": "Mã tổ chức biên soạn."},
    "featured": {"type": "boolean", "description": "Được giới thiệu trên trang chủ."},
    "starts_on": NULLABLE_DATE,
    "ends_on": NULLABLE_DATE,
    "url": {"type": "string", "format": "uri", "description": "Trang của bộ sưu tập."},
    "updated_at": {"type": "string", "format": "date-time"},
}
COLLECTION = {
    "type": "object",
    "required": list(COLLECTION_PROPERTIES),
    "properties": COLLECTION_PROPERTIES,
}
COLLECTION_DETAIL = {
    "type": "object",
    "required": [*COLLECTION_PROPERTIES, "materials"],
    "properties": {
        **COLLECTION_PROPERTIES,
        "materials": {
            "type": "array",
            "items": ref("Material"),
            "description": "Các tài liệu đã xuất bản, theo thứ tự của bộ sưu tập.",
        },
    },
}
COLLECTION_PAGE = page_of("Collection")
TOO_MANY = {"429": {"$ref": "#/components/responses/TooManyRequests"}}

describe(
    {
        "/collections": {
            "get": {
                "operationId": "listCollections",
                "summary": "Các bộ sưu tập đã xuất bản",
                "description": "Bộ sưu tập do sở, ngành tuyển chọn; mới nhất trước.",
                "tags": ["collections"],
                "parameters": [
                    {"$ref": "#/components/parameters/page"},
                    {"$ref": "#/components/parameters/per_page"},
                ],
                "responses": {
                    "200": json_response("Một trang bộ sưu tập.", ref("CollectionPage")),
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    **TOO_MANY,
                },
            }
        },
        "/collections/{slug}": {
            "parameters": [
                {
                    "name": "slug",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "maxLength": 80},
                    "example": "tuan-le-hoc-tap-suot-doi-2026",
                }
            ],
            "get": {
                "operationId": "getCollection",
                "summary": "Một bộ sưu tập và các tài liệu của nó",
                "description": "Bản nháp không hiện (404).",
                "tags": ["collections"],
                "responses": {
                    "200": json_response("Bộ sưu tập.", ref("CollectionDetail")),
                    "404": {"$ref": "#/components/responses/NotFound"},
                    **TOO_MANY,
                },
            },
        },
    },
    {
        "Collection": COLLECTION,
        "CollectionDetail": COLLECTION_DETAIL,
        "CollectionPage": COLLECTION_PAGE,
    },
)
