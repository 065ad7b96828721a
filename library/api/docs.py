"""The OpenAPI document as JSON, and the same document as a page for people."""

import json

from flask import jsonify, render_template

from library.api import bp, pages
from library.api.openapi import API_PREFIX, build_document, describe, json_response

METHOD_ORDER = {"get": 0, "post": 1, "patch": 2, "put": 3, "delete": 4}


@bp.get("/openapi.json")
def openapi_document():
    """GET /api/v1/openapi.json: the document of this API."""
    return jsonify(build_document())


@pages.get("/api")
def api_page():
    """GET /api: the same document as a page for people."""
    document = build_document()
    return render_template(
        "api/docs.html", info=document["info"], operations=page_operations(document)
    )


def page_operations(document: dict) -> list[dict]:
    """Each operation with its references resolved, by path, reads before writes."""
    rows = []
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method in METHOD_ORDER:
                rows.append(_operation(document, path, method, operation, shared))
    return sorted(rows, key=lambda r: (r["path"], METHOD_ORDER[r["method"]]))


def _operation(document, path, method, operation, item_parameters) -> dict:
    """One operation as the page shows it."""
    body = operation.get("requestBody", {}).get("content", {})
    return {
        "method": method,
        "path": API_PREFIX + path,
        "anchor": method + "".join(c if c.isalnum() else "-" for c in path),
        "summary": operation.get("summary", ""),
        "description": operation.get("description", ""),
        "needs_token": bool(operation.get("security")),
        "parameters": [
            _parameter(document, p) for p in [*item_parameters, *operation.get("parameters", [])]
        ],
        "body_media": list(body),
        "body_fields": _body_fields(document, body),
        "body_example": _example(body.get("application/json", {})),
        "responses": [
            {"status": status, "description": resolve(document, response).get("description", "")}
            for status, response in operation.get("responses", {}).items()
        ],
    }


def _parameter(document, parameter: dict) -> dict:
    """One parameter as the page shows it."""
    parameter = resolve(document, parameter)
    return {
        "name": parameter["name"],
        "in": parameter["in"],
        "required": parameter.get("required", False),
        "type": type_label(resolve(document, parameter.get("schema", {}))),
        "description": parameter.get("description", ""),
    }


def _body_fields(document, content: dict) -> list[dict]:
    """The fields of a request body, over all its media types (a form may add a file)."""
    fields = {}
    for media in content.values():
        schema = resolve(document, media.get("schema", {}))
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            fields.setdefault(
                name,
                {
                    "name": name,
                    "required": name in required,
                    "type": type_label(resolve(document, prop)),
                    "description": prop.get("description", ""),
                },
            )
    return list(fields.values())


def _example(media: dict) -> str:
    """A media type's example as indented JSON, or "" when it has none."""
    if "example" not in media:
        return ""
    return json.dumps(media["example"], ensure_ascii=False, indent=2)


def resolve(document: dict, node: dict) -> dict:
    """Follow a local $ref ("#/components/...") to what it names."""
    while isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def type_label(schema: dict) -> str:
    """A short human description of a schema's type: "integer 1–100", "leaflet | poster"."""
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " hoặc ".join(type_label(s) for s in schema["anyOf"])
    kind = schema.get("type", "")
    label = " | ".join(kind) if isinstance(kind, list) else kind
    if kind == "array" and "items" in schema:
        label = f"[{type_label(schema['items'])}]"
    if "format" in schema:
        label += f" ({schema['format']})"
    if "minimum" in schema and "maximum" in schema:
        label += f" {schema['minimum']}–{schema['maximum']}"
    return label


describe(
    {
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApiDocument",
                "summary": "Tài liệu OpenAPI này",
                "tags": ["meta"],
                "responses": {
                    "200": json_response("Tài liệu OpenAPI 3.1.", {"type": "object"}),
                    "429": {"$ref": "#/components/responses/TooManyRequests"},
                },
            }
        }
    }
)
