"""The OpenAPI part for materials: their shapes and the five operations on them."""

from library.api.openapi import describe, error_response, json_response, ref
from library.areas import AREA_CODES
from library.models.base import MAX_ID
from library.models.materials import KINDS, LICENSES, STATUSES

NULLABLE_STRING = {"type": ["string", "null"]}

FILE = {
    "type": "object",
    "required": ["url", "mime_type", "size", "sha256", "page_count", "width", "height"],
    "properties": {
        "url": {"type": "string", "format": "uri"},
        "mime_type": {"type": "string"},
        "size": {"type": "integer", "minimum": 0},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "page_count": {"type": ["integer", "null"]},
        "width": {"type": ["integer", "null"]},
        "height": {"type": ["integer", "null"]},
    },
}

CAPTIONS = {
    "type": "object",
    "description": "Phụ đề WebVTT của video hoặc âm thanh; transcript là lời thoại dạng văn bản.",
    "required": ["url", "size", "sha256", "transcript"],
    "properties": {
        "url": {"type": "string", "format": "uri"},
        "size": {"type": "integer", "minimum": 0},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "transcript": {"type": "string"},
    },
}

MATERIAL = {
    "type": "object",
    "required": [
        "id",
        "title",
        "summary",
        "kind",
        "areas",
        "license",
        "tags",
        "status",
        "organisation",
        "url",
        "video_url",
        "body",
        "legal_basis",
        "effective_at",
        "superseded_by",
        "external_id",
        "created_at",
        "updated_at",
        "published_at",
        "publish_at",
        "file",
        "captions",
    ],  # fmt: skip
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "kind": {"type": "string", "enum": list(KINDS)},
        "areas": {"type": "array", "items": {"type": "string", "enum": list(AREA_CODES)}},
        "license": {"type": "string", "enum": list(LICENSES)},
        "tags": {"type": "array", "items": {"type": "string"}},
        "status": {"type": "string", "enum": list(STATUSES)},
        "organisation": {"type": "string", "description": "Mã tổ chức sở hữu."},
        "url": {"type": "string", "format": "uri", "description": "Trang của tài liệu."},
        "video_url": NULLABLE_STRING,
        "body": NULLABLE_STRING,
        "legal_basis": NULLABLE_STRING,
        "effective_at": {"type": ["string", "null"], "format": "date"},
        "superseded_by": {"type": ["integer", "null"]},
        "external_id": NULLABLE_STRING,
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "publish_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "Thời điểm hẹn xuất bản (trạng thái scheduled cho đến lúc đó).",
        },
        "file": {"anyOf": [ref("MaterialFile"), {"type": "null"}]},
        "captions": {"anyOf": [ref("MaterialCaptions"), {"type": "null"}]},
    },
}


def page_of(schema: str) -> dict:
    """The schema of one page of a paged list of `schema` objects."""
    return {
        "type": "object",
        "required": ["total", "page", "per_page", "results"],
        "properties": {
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
            "results": {"type": "array", "items": ref(schema)},
        },
    }


MATERIAL_PAGE = page_of("Material")

LIST_OF_CODES = {
    "description": "Danh sách, hoặc một chuỗi phân tách bằng dấu phẩy hay chấm phẩy.",
    "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
}

MATERIAL_INPUT = {
    "type": "object",
    "description": "Các trường của tài liệu; khi sửa, chỉ gửi các trường cần đổi.",
    "properties": {
        "title": {"type": "string", "maxLength": 300},
        "summary": {"type": "string", "maxLength": 5000},
        "kind": {"type": "string", "enum": list(KINDS)},
        "areas": LIST_OF_CODES,
        "license": {"type": "string", "enum": list(LICENSES)},
        "tags": LIST_OF_CODES,
        "status": {"type": "string", "enum": ["draft", "published"]},
        "body": {"type": "string", "description": "Nội dung Markdown (legal_digest, book)."},
        "video_url": {"type": "string", "description": "Liên kết YouTube hoặc Facebook."},
        "legal_basis": {"type": "string", "maxLength": 300},
        "alt_text": {"type": "string", "maxLength": 500},
        "external_id": {"type": "string", "maxLength": 120},
        "effective_at": {"type": ["string", "null"], "format": "date"},
        "superseded_by": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID},
        "publish_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "Hẹn xuất bản lúc này (không có múi giờ: giờ Việt Nam).",
        },
        "organisation": {"type": "string", "description": "Mã tổ chức (chỉ quản trị viên)."},
    },
}

MATERIAL_FORM = {
    "type": "object",
    "description": (
        "Như MaterialInput, kèm tệp (PDF, ảnh, MP4/WebM, MP3/M4A) và, cho video hoặc âm thanh, "
        "phụ đề (WebVTT hoặc SRT, UTF-8, tối đa 2 MB)."
    ),
    "properties": {
        **MATERIAL_INPUT["properties"],
        "file": {"type": "string", "format": "binary"},
        "captions": {"type": "string", "format": "binary"},
    },
}

MATERIAL_ID = {
    "name": "material_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "example": 1,
}
NEW_MATERIAL_EXAMPLE = {
    "title": "Quyền của người lao động khi chấm dứt hợp đồng",
    "summary": "Những trường hợp người lao động được đơn phương chấm dứt hợp đồng lao động.",
    "kind": "legal_digest",
    "areas": ["politics-law"],
    "license": "gov-work",
    "tags": ["hợp đồng lao động"],
    "body": "## Điều 35\nNgười lao động có quyền đơn phương chấm dứt hợp đồng lao động.",
    "status": "published",
}
CHANGE_EXAMPLE = {"summary": "Cập nhật theo Bộ luật Lao động 2019."}


def _filter(name: str, description: str, schema: dict) -> dict:
    """A query parameter of a list."""
    return {"name": name, "in": "query", "description": description, "schema": schema}


def _body(schema_name: str, required: bool, example: dict) -> dict:
    """A request body sent as JSON or as a multipart form with a file."""
    return {
        "required": required,
        "content": {
            "application/json": {"schema": ref(schema_name), "example": example},
            "multipart/form-data": {"schema": ref("MaterialForm")},
        },
    }


WRITE_ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "403": {"$ref": "#/components/responses/Forbidden"},
    "413": error_response("Tệp quá lớn."),
    "415": error_response("Loại tệp không được nhận."),
    "422": {"$ref": "#/components/responses/Invalid"},
}

PATHS = {
    "/materials": {
        "get": {
            "operationId": "listMaterials",
            "summary": "Danh sách tài liệu đã xuất bản",
            "description": "Mới nhất trước; tài liệu đã bị thay thế xếp sau.",
            "tags": ["materials"],
            "parameters": [
                _filter("area", "Mã lĩnh vực.", {"type": "string", "enum": list(AREA_CODES)}),
                _filter("kind", "Loại tài liệu.", {"type": "string", "enum": list(KINDS)}),
                _filter("org", "Mã tổ chức.", {"type": "string", "maxLength": 64}),
                _filter(
                    "updated_since",
                    "Chỉ tài liệu sửa từ thời điểm này (ISO 8601, UTC nếu không ghi múi giờ).",
                    {"type": "string", "format": "date-time"},
                ),
                {"$ref": "#/components/parameters/page"},
                {"$ref": "#/components/parameters/per_page"},
            ],
            "responses": {
                "200": json_response("Một trang tài liệu.", ref("MaterialPage")),
                "400": {"$ref": "#/components/responses/BadRequest"},
                "429": {"$ref": "#/components/responses/TooManyRequests"},
            },
        },
        "post": {
            "operationId": "createMaterial",
            "summary": "Đăng một tài liệu",
            "description": (
                "Cần khóa của biên tập viên, người duyệt (tài liệu của tổ chức mình) hoặc quản "
                "trị viên. status=published xuất bản ngay, trừ tổ chức cần duyệt."
            ),
            "tags": ["materials"],
            "security": [{"bearer": []}],
            "requestBody": _body("MaterialInput", True, NEW_MATERIAL_EXAMPLE),
            "responses": {
                "201": json_response("Tài liệu đã tạo.", ref("Material")),
                **WRITE_ERRORS,
            },
        },
    },
    "/materials/{material_id}": {
        "parameters": [MATERIAL_ID],
        "get": {
            "operationId": "getMaterial",
            "summary": "Một tài liệu",
            "description": "Bản nháp chỉ hiện với khóa được sửa nó; tài liệu đã thu hồi trả 410.",
            "tags": ["materials"],
            "responses": {
                "200": json_response("Tài liệu.", ref("Material")),
                "404": {"$ref": "#/components/responses/NotFound"},
                "410": error_response("Tài liệu đã thu hồi; reason cho biết lý do."),
                "429": {"$ref": "#/components/responses/TooManyRequests"},
            },
        },
        "patch": {
            "operationId": "updateMaterial",
            "summary": "Sửa một tài liệu",
            "tags": ["materials"],
            "security": [{"bearer": []}],
            "requestBody": _body("MaterialInput", False, CHANGE_EXAMPLE),
            "responses": {
                "200": json_response("Tài liệu sau khi sửa.", ref("Material")),
                "202": json_response(
                    "Tổ chức cần duyệt: bản sửa đổi chờ người duyệt; tài liệu trả về là phiên bản "
                    "đã duyệt (vẫn hiển thị công khai), pending_revision liệt kê các thay đổi.",
                    ref("Material"),
                ),
                **WRITE_ERRORS,
                "404": {"$ref": "#/components/responses/NotFound"},
                "409": error_response(
                    "Tài liệu đã thu hồi, không sửa được; hoặc trạng thái yêu cầu không được phép "
                    "(ví dụ: tài liệu do quản trị viên thu hồi)."
                ),
            },
        },
        "delete": {
            "operationId": "withdrawMaterial",
            "summary": "Thu hồi một tài liệu",
            "description": "Tài liệu rời khỏi danh sách; trang của nó nêu lý do thu hồi.",
            "tags": ["materials"],
            "security": [{"bearer": []}],
            "parameters": [_filter("reason", "Lý do thu hồi.", {"type": "string"})],
            "responses": {
                "200": json_response("Tài liệu đã thu hồi.", ref("Material")),
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "403": {"$ref": "#/components/responses/Forbidden"},
                "404": {"$ref": "#/components/responses/NotFound"},
            },
        },
    },
    "/materials/{material_id}/captions": {
        "parameters": [MATERIAL_ID],
        "delete": {
            "operationId": "removeMaterialCaptions",
            "summary": "Gỡ phụ đề của một video hoặc âm thanh",
            "description": (
                "Người xem không còn thấy phụ đề và lời thoại, lời thoại không còn được tìm "
                "kiếm. Như thu hồi, việc gỡ không cần duyệt. Thay phụ đề: PATCH với tệp captions."
            ),
            "tags": ["materials"],
            "security": [{"bearer": []}],
            "responses": {
                "200": json_response("Tài liệu sau khi gỡ phụ đề.", ref("Material")),
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "403": {"$ref": "#/components/responses/Forbidden"},
                "404": {"$ref": "#/components/responses/NotFound"},
                "409": error_response("Tài liệu đã thu hồi, không sửa được."),
                "422": {"$ref": "#/components/responses/Invalid"},
            },
        },
    },
}

describe(
    PATHS,
    {
        "Material": MATERIAL,
        "MaterialFile": FILE,
        "MaterialCaptions": CAPTIONS,
        "MaterialPage": MATERIAL_PAGE,
        "MaterialInput": MATERIAL_INPUT,
        "MaterialForm": MATERIAL_FORM,
    },
)
