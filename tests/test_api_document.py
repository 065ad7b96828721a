"""The OpenAPI document: valid, complete (every /api/v1 route, no more) and shown to people."""

import re

from bs4 import BeautifulSoup
from openapi_spec_validator import validate

from library.api.openapi import API_PREFIX, operations

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def served_operations(app) -> set[tuple[str, str]]:
    """(METHOD, path in OpenAPI form) for every route the app serves under /api/v1."""
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(API_PREFIX) :])
        served |= {(method, path) for method in rule.methods - IGNORED_METHODS}
    return served


def test_document_is_valid_openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "/api/v1"}]


def test_every_api_route_is_documented_and_every_documented_path_is_served(app, client):
    document = client.get("/api/v1/openapi.json").json
    documented = {(method.upper(), path) for path, method, _ in operations(document)}
    served = served_operations(app)
    # A route added without its OpenAPI part (or a part without its route) fails here:
    # declare paths with library.api.openapi.describe() next to the routes.
    assert served - documented == set(), "served but not in openapi.json"
    assert documented - served == set(), "in openapi.json but not served"


def test_every_operation_documents_its_errors_and_write_operations_need_a_token(client):
    document = client.get("/api/v1/openapi.json").json
    for path, method, operation in operations(document):
        assert operation.get("summary"), (method, path)
        if method == "get":
            assert "429" in operation["responses"], (method, path)
        else:
            assert operation.get("security") == [{"bearer": []}], (method, path)
            assert {"401", "403"} <= set(operation["responses"]), (method, path)


def test_api_page_describes_every_operation_without_scripts(client):
    response = client.get("/api")
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    headings = {h.get_text(" ", strip=True) for h in page.select("section.api-op h2")}
    document = client.get("/api/v1/openapi.json").json
    for path, method, _ in operations(document):
        assert f"{method.upper()} {API_PREFIX}{path}" in headings
    assert page.find(href="/api/v1/openapi.json") is not None
    inline = [s for s in page.find_all("script") if not s.get("src")]
    assert inline == []
    assert "per_page" in response.text and "updated_since" in response.text
    assert "<code>file</code>" in response.text  # the multipart form's file field
    assert "Quyền của người lao động khi chấm dứt hợp đồng" in response.text  # an example body


def test_areas_list_codes_targets_and_counts(client, make_material):
    make_material(areas=["politics-law", "life-skills"])
    areas = client.get("/api/v1/areas").json
    assert [a["code"] for a in areas] == [
        "politics-law",
        "vocational-skills",
        "life-skills",
        "digital-skills",
        "learning-model",
    ]
    law = areas[0]
    assert (law["name"], law["target_2025"], law["target_2030"], law["materials"]) == (
        "Chính trị, pháp luật",
        70,
        90,
        1,
    )


def test_organisations_show_public_fields_only(client, make_org, make_material):
    org = make_org(
        code="cty-may-hoa-lu", name="Công ty TNHH May Hoa Lư", type_="enterprise", workers=1200
    )
    make_material(org=org)
    make_material(org=org, title="Bản nháp", status="draft")
    listed = client.get("/api/v1/organisations").json
    assert listed == [
        {
            "code": "cty-may-hoa-lu",
            "name": "Công ty TNHH May Hoa Lư",
            "type": "enterprise",
            "materials": 1,
        }
    ]


def test_planned_parts_for_search_and_statistics_make_a_valid_document():
    from library.api import planned
    from library.api.openapi import build_document

    document = build_document()
    for paths, schemas in (
        (planned.SEARCH_PATHS, planned.SEARCH_SCHEMAS),
        (planned.STATS_PATHS, {}),
        (planned.METRICS_PATHS, planned.METRICS_SCHEMAS),
    ):
        served = set(paths) & set(document["paths"])
        if served:  # a feature serves these now: its part is in the document already
            assert served == set(paths)
            continue
        document["paths"].update(paths)
        document["components"]["schemas"].update(schemas)
    validate(document)
