"""Property-based tests of API v1 against its own OpenAPI document (Schemathesis).

Schemathesis reads /api/v1/openapi.json from the app, generates valid and invalid calls for
every operation and checks that no answer is a server error and that every answer has a
documented status and matches its documented schema.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from support import PASSWORD

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.api.openapi import build_document, operations
from library.catalog import services as catalog
from library.extensions import db
from library.sharing import collections

DOCUMENT = build_document()
# Negative cases need something to break: operations without arguments get positive ones only.
CASES = [
    (method.upper(), path, mode)
    for path, method, operation in operations(DOCUMENT)
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE
    or operation.get("parameters")
    or DOCUMENT["paths"][path].get("parameters")
    or operation.get("requestBody")
]
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "50"))

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# A read changes nothing: the reading operations share one library per test process, while
# each writing operation gets a library of its own.
READS = [case for case in CASES if case[0] == "GET"]
WRITES = [case for case in CASES if case[0] != "GET"]


def _material(org, **fields):
    raw = {
        "kind": "legal_digest",
        "areas": ["politics-law"],
        "license": "gov-work",
        "body": "Hợp đồng lao động là sự thỏa thuận giữa người lao động và người sử dụng lao động.",
        "status": "published",
        **fields,
    }
    return catalog.create_material(SYSTEM, org, raw)


def _library() -> str:
    """An editor's token, with published, draft and withdrawn materials of its organisation."""
    org = accounts.create_organisation(SYSTEM, "so-gddt", "Sở Giáo dục và Đào tạo", "department")
    editor = accounts.create_user(SYSTEM, "bientap@gddt.vn", PASSWORD, "editor", org.code)
    for n in range(3):
        _material(org, title=f"Tài liệu {n}", tags=["kỹ năng"])
    _material(org, title="Bản nháp", status="draft")
    withdrawn = _material(org, title="Đã thu hồi")
    db.session.flush()
    catalog.withdraw_material(SYSTEM, withdrawn, "Hết hiệu lực")
    # The collection the document's example names, with published materials and the draft.
    raw = {"slug": "tuan-le-hoc-tap-suot-doi-2026", "title": "Tuần lễ", "status": "published"}
    collections.create_collection(SYSTEM, org, {**raw, "materials": [3, 1, 4]})
    value = accounts.create_token(editor, "fuzz")
    db.session.commit()
    return value


@pytest.fixture
def token(app):
    return _library()


@pytest.fixture
def api_schema(app, token):
    """The document as the running app serves it, loaded by Schemathesis."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture(scope="module")
def shared_token(module_app):
    return _library()


@pytest.fixture(scope="module")
def shared_schema(module_app, shared_token):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", module_app)


@pytest.mark.parametrize(
    ("method", "path", "mode"), READS, ids=[f"{m} {p} {g}" for m, p, g in READS]
)
def test_reading_api_answers_as_documented(shared_schema, shared_token, method, path, mode):
    _answers_as_documented(shared_schema, shared_token, method, path, mode)


@pytest.mark.parametrize(
    ("method", "path", "mode"), WRITES, ids=[f"{m} {p} {g}" for m, p, g in WRITES]
)
def test_api_answers_as_documented(api_schema, token, method, path, mode):
    _answers_as_documented(api_schema, token, method, path, mode)


def _answers_as_documented(api_schema, token, method, path, mode):
    operation = api_schema[path][method]
    strategies = [operation.as_strategy(generation_mode=mode)]
    if mode is GenerationMode.POSITIVE:
        # The document's examples reach the paths random data rarely finds: a material that
        # exists (id 1 is the editor's), a body that creates one.
        strategies += api_schema.get_strategies_from_examples(operation)

    @given(case=st.one_of(strategies), with_token=st.booleans())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        # The same calls on every run, so a red build is reproducible; API_FUZZ_RANDOM=1 explores.
        derandomize=not os.environ.get("API_FUZZ_RANDOM"),
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case, with_token):
        # Some calls carry the editor's token, some none: both paths are checked.
        headers = {"Authorization": f"Bearer {token}"} if with_token else {}
        # The body as documented: schemathesis reads it undecoded, and an HTTP client that
        # accepts gzip (the default of requests) gets these bytes compressed.
        headers["Accept-Encoding"] = "identity"
        case.validate_response(case.call(headers=headers), checks=CHECKS)

    call()
