"""OpenAPI parts for API paths agreed but served by other features (search, statistics).

Nothing here is in /api/v1/openapi.json until the feature that serves a path registers its
part, next to its routes:

    from library.api import planned
    from library.api.openapi import describe
    describe(planned.SEARCH_PATHS, planned.SEARCH_SCHEMAS)

The document test then checks the routes and the document agree, and the Schemathesis test
checks the answers against these shapes.
"""

from library.api.openapi import json_response, ref
from library.areas import AREA_CODES
from library.models.materials import KINDS

TOO_MANY = {"429": {"$ref": "#/components/responses/TooManyRequests"}}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}


def _query(name: str, description: str, schema: dict, required: bool = False) -> dict:
    """A query parameter."""
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


SEARCH_SCHEMAS = {
    "SearchHit": {
        "type": "object",
        "required": ["id", "title", "url", "kind", "areas", "snippet"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "kind": {"type": "string", "enum": list(KINDS)},
            "areas": {"type": "array", "items": {"type": "string", "enum": list(AREA_CODES)}},
            "snippet": {"type": "string"},
        },
    },
    "SearchResults": {
        "type": "object",
        "required": ["total", "page", "results", "facets", "suggestion", "query_used"],
        "properties": {
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "results": {"type": "array", "items": ref("SearchHit")},
            "facets": {
                "type": "object",
                "required": ["area", "kind", "org", "year"],
                "properties": {name: COUNTS for name in ("area", "kind", "org", "year")},
            },
            "suggestion": {
                "type": ["string", "null"],
                "description": "Gợi ý sửa chính tả (khi tìm đúng như đã gõ, literal=1).",
            },
            "query_used": {
                "type": ["string", "null"],
                "description": "Từ khóa đã sửa mà kết quả này tìm theo (null: tìm đúng như đã gõ).",
            },
        },
    },
}

SEARCH_PATHS = {
    "/search": {
        "get": {
            "operationId": "search",
            "summary": "Tìm tài liệu (gõ không dấu cũng được)",
            "tags": ["search"],
            "parameters": [
                _query("q", "Từ khóa.", {"type": "string", "maxLength": 200}),
                _query(
                    "literal",
                    "1: tìm đúng như đã gõ, không tự sửa lỗi gõ.",
                    {"type": "string", "enum": ["0", "1"]},
                ),
                _query("area", "Mã lĩnh vực.", {"type": "string", "enum": list(AREA_CODES)}),
                _query("kind", "Loại tài liệu.", {"type": "string", "enum": list(KINDS)}),
                _query("org", "Mã tổ chức.", {"type": "string"}),
                _query("year", "Năm xuất bản.", {"type": "integer", "minimum": 2000}),
                _query(
                    "sort",
                    "Thứ tự.",
                    {"type": "string", "enum": ["relevance", "newest", "popular"]},
                ),
                {"$ref": "#/components/parameters/page"},
                {"$ref": "#/components/parameters/per_page"},
            ],
            "responses": {
                "200": json_response("Kết quả và bộ lọc.", ref("SearchResults")),
                "400": {"$ref": "#/components/responses/BadRequest"},
                **TOO_MANY,
            },
        }
    },
    "/suggest": {
        "get": {
            "operationId": "suggest",
            "summary": "Gợi ý khi đang gõ (tối đa 10)",
            "tags": ["search"],
            "parameters": [_query("q", "Phần đã gõ.", {"type": "string", "maxLength": 200})],
            "responses": {
                "200": json_response(
                    "Các gợi ý.", {"type": "array", "maxItems": 10, "items": {"type": "string"}}
                ),
                **TOO_MANY,
            },
        }
    },
}

STATS_PATHS = {
    "/materials/{material_id}/stats": {
        "parameters": [
            {
                "name": "material_id",
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
            }
        ],
        "get": {
            "operationId": "materialStats",
            "summary": "Số lượt xem, tải, phát của một tài liệu",
            "tags": ["metrics"],
            "responses": {
                "200": json_response(
                    "Các con số (robot không được tính vào lượt xem).",
                    {
                        "type": "object",
                        "required": [
                            "views",
                            "downloads",
                            "plays",
                            "unique_visitors",
                            "robot_requests",
                        ],  # fmt: skip
                        "properties": {
                            name: {"type": "integer", "minimum": 0}
                            for name in (
                                "views",
                                "downloads",
                                "plays",
                                "unique_visitors",
                                "robot_requests",
                            )  # fmt: skip
                        },
                    },
                ),
                "404": {"$ref": "#/components/responses/NotFound"},
                **TOO_MANY,
            },
        },
    }
}

AREA_REACH = {
    "type": "object",
    "required": [
        "views",
        "unique_visitors",
        "offline_attendees",
        "reach_pct",
        "target_2025",
        "target_2030",
    ],  # fmt: skip
    "properties": {
        "views": {"type": "integer", "minimum": 0},
        "unique_visitors": {"type": "integer", "minimum": 0},
        "offline_attendees": {"type": "integer", "minimum": 0},
        "reach_pct": {"type": ["number", "null"], "description": "% lực lượng lao động."},
        "target_2025": {"type": "integer"},
        "target_2030": {"type": "integer"},
    },
}

METRICS_PATHS = {
    "/metrics/summary": {
        "get": {
            "operationId": "metricsSummary",
            "summary": "Độ phủ theo lĩnh vực trong một năm, so với chỉ tiêu",
            "tags": ["metrics"],
            "parameters": [
                _query(
                    "year",
                    "Năm báo cáo.",
                    {"type": "integer", "minimum": 2000, "maximum": 2100},
                    True,
                )
            ],
            "security": [{"bearer": []}],
            "responses": {
                "200": json_response(
                    "Theo mã lĩnh vực.",
                    {
                        "type": "object",
                        "properties": {code: ref("AreaReach") for code in AREA_CODES},
                        "additionalProperties": False,
                    },
                ),
                "400": {"$ref": "#/components/responses/BadRequest"},
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "403": {"$ref": "#/components/responses/Forbidden"},
                **TOO_MANY,
            },
        }
    }
}
METRICS_SCHEMAS = {"AreaReach": AREA_REACH}
