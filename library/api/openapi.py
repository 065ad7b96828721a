"""The OpenAPI 3.1 document of API v1, assembled from the parts each feature declares.

A feature that serves paths under /api/v1 calls `describe()` next to its routes; the document
served at /api/v1/openapi.json is the shared base plus every declared part. A test checks that
the document and the app's routes name the same paths, so a route never goes undocumented.
"""

from copy import deepcopy

API_PREFIX = "/api/v1"
PARTS: list[dict] = []


def error_response(description: str) -> dict:
    """A response whose body is the API's one error shape."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def json_response(description: str, schema: dict) -> dict:
    """A JSON response with the given schema."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def ref(name: str) -> dict:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


BASE = {
    "openapi": "3.1.0",
    "info": {
        "title": "Thư viện học tập mở — API v1",
        "version": "1.0.0",
        "description": (
            "API JSON của Thư viện học tập mở (Chương trình 1268): đọc danh mục tài liệu, lĩnh "
            "vực, tổ chức; các hệ thống của sở, ngành đăng và cập nhật tài liệu bằng khóa API "
            "(Authorization: Bearer ...) tạo ở trang Tài khoản. Lỗi luôn có dạng "
            '{"error": "...", "message": "..."}. Đọc không cần khóa nhưng có giới hạn tần suất.'
        ),
        "license": {"name": "CC-BY-4.0 (metadata)", "identifier": "CC-BY-4.0"},
    },
    "servers": [{"url": API_PREFIX}],
    "paths": {},
    "components": {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "Khóa API của một người dùng, bắt đầu bằng oll_.",
            }
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "message"],
                "properties": {
                    "error": {"type": "string", "description": "Mã lỗi ổn định cho máy đọc."},
                    "message": {"type": "string", "description": "Lời giải thích cho người."},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "Lỗi theo từng trường đã gửi.",
                    },
                },
            }
        },
        "parameters": {
            "page": {
                "name": "page",
                "in": "query",
                "description": "Trang, từ 1.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1},
            },
            "per_page": {
                "name": "per_page",
                "in": "query",
                "description": "Số kết quả mỗi trang, tối đa 100.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            },
        },
        "responses": {
            "BadRequest": error_response("Tham số không hợp lệ."),
            "Unauthorized": error_response("Thiếu khóa API, khóa sai hoặc đã thu hồi."),
            "Forbidden": error_response("Vai trò hoặc tổ chức của khóa không được phép."),
            "NotFound": error_response("Không tìm thấy."),
            "Invalid": error_response("Dữ liệu gửi lên chưa hợp lệ; xem fields."),
            "TooManyRequests": error_response("Vượt giới hạn tần suất đọc không cần khóa."),
        },
    },
}


def describe(paths: dict, schemas: dict | None = None) -> None:
    """Add a feature's paths (relative to /api/v1) and component schemas to the document."""
    PARTS.append({"paths": paths, "schemas": schemas or {}})


def build_document() -> dict:
    """The whole document: the base and every declared part, each path declared once."""
    document = deepcopy(BASE)
    for part in PARTS:
        for path, item in part["paths"].items():
            if path in document["paths"]:
                raise ValueError(f"API path declared twice: {path}")
            document["paths"][path] = deepcopy(item)
        document["components"]["schemas"].update(deepcopy(part["schemas"]))
    # Any request carrying a NUL character is refused before it reaches an operation.
    for _, _, operation in operations(document):
        operation.setdefault("responses", {}).setdefault(
            "400", {"$ref": "#/components/responses/BadRequest"}
        )
    return document


def operations(document: dict):
    """Every (path, method, operation) of a document, in order."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation
