"""The reference lists other systems need: learning areas and organisations."""

from flask import jsonify

from library.accounts.services import list_organisations
from library.api import bp
from library.api.openapi import describe, json_response, ref
from library.api.serializers import area_json, organisation_json
from library.areas import AREA_CODES, all_areas
from library.catalog.services import count_by_area, count_by_organisation
from library.models.accounts import ORGANISATION_TYPES


@bp.get("/areas")
def areas():
    """GET /areas: the five learning areas with targets and counts."""
    counts = count_by_area()
    return jsonify([area_json(a, counts.get(a.code, 0)) for a in all_areas()])


@bp.get("/organisations")
def organisations():
    """GET /organisations: public fields of every organisation."""
    counts = count_by_organisation()
    return jsonify([organisation_json(o, counts.get(o.id, 0)) for o in list_organisations()])


AREA = {
    "type": "object",
    "required": ["code", "name", "name_en", "target_2025", "target_2030", "materials"],
    "properties": {
        "code": {"type": "string", "enum": list(AREA_CODES)},
        "name": {"type": "string", "description": "Tên tiếng Việt."},
        "name_en": {"type": "string"},
        "target_2025": {"type": "integer", "description": "Chỉ tiêu 2025, % người lao động."},
        "target_2030": {"type": "integer", "description": "Chỉ tiêu 2030, % người lao động."},
        "materials": {"type": "integer", "minimum": 0, "description": "Số tài liệu đã xuất bản."},
    },
}
ORGANISATION = {
    "type": "object",
    "required": ["code", "name", "type", "materials"],
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "type": {"type": "string", "enum": list(ORGANISATION_TYPES)},
        "materials": {"type": "integer", "minimum": 0, "description": "Số tài liệu đã xuất bản."},
    },
}
TOO_MANY = {"429": {"$ref": "#/components/responses/TooManyRequests"}}

describe(
    {
        "/areas": {
            "get": {
                "operationId": "listAreas",
                "summary": "Năm lĩnh vực học tập và chỉ tiêu",
                "tags": ["reference"],
                "responses": {
                    "200": json_response("Các lĩnh vực.", {"type": "array", "items": ref("Area")}),
                    **TOO_MANY,
                },
            }
        },
        "/organisations": {
            "get": {
                "operationId": "listOrganisations",
                "summary": "Các tổ chức đăng tài liệu (chỉ thông tin công khai)",
                "tags": ["reference"],
                "responses": {
                    "200": json_response(
                        "Các tổ chức.", {"type": "array", "items": ref("Organisation")}
                    ),
                    **TOO_MANY,
                },
            }
        },
    },
    {"Area": AREA, "Organisation": ORGANISATION},
)
