"""OAI-PMH 2.0 at /oai: every verb, selective harvesting, paging and every error condition.

Every response is checked against the OAI-PMH and oai_dc schemas shipped in tests/data/xsd.
"""

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.extensions import db

XSD = Path(__file__).parent / "data" / "xsd" / "harvest.xsd"
NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
}
ID = "oai:thuvien.test:material/{}"


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def oai(client, method="get", **args):
    """Ask the endpoint; check it answers 200 with schema-valid OAI-PMH XML."""
    if method == "post":
        response = client.post("/oai", data=args)
    else:
        response = client.get("/oai", query_string=args)
    assert response.status_code == 200
    assert response.content_type == "text/xml; charset=utf-8"
    root = etree.fromstring(response.data)
    schema().assertValid(root)
    return root


def error_code(root) -> str | None:
    error = root.find("oai:error", NS)
    return error.get("code") if error is not None else None


def texts(node, path: str) -> list[str]:
    return [e.text for e in node.findall(path, NS)]


@pytest.fixture
def org(make_org):
    return make_org(code="so-ldtbxh", name="Sở Lao động - Thương binh và Xã hội")


@pytest.fixture
def published(make_material, org):
    return make_material(
        title="An toàn vệ sinh lao động",
        summary="Những điều người lao động cần biết.",
        areas=["politics-law", "life-skills"],
        tags=["an toàn", "bảo hộ"],
        license="CC-BY-4.0",
        org=org,
    )


def test_identify_describes_the_repository(client, published):
    identify = oai(client, verb="Identify").find("oai:Identify", NS)
    assert texts(identify, "oai:baseURL") == ["http://thuvien.test/oai"]
    assert texts(identify, "oai:protocolVersion") == ["2.0"]
    assert texts(identify, "oai:deletedRecord") == ["persistent"]
    assert texts(identify, "oai:granularity") == ["YYYY-MM-DDThh:mm:ssZ"]
    earliest = published.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert texts(identify, "oai:earliestDatestamp") == [earliest]
    scheme = "{http://www.openarchives.org/OAI/2.0/oai-identifier}"
    sample = identify.find(f".//{scheme}sampleIdentifier")
    assert sample.text == ID.format(1)


def test_list_metadata_formats_offers_oai_dc(client, published):
    root = oai(client, verb="ListMetadataFormats", identifier=ID.format(published.id))
    assert texts(root, ".//oai:metadataPrefix") == ["oai_dc"]
    missing = oai(client, verb="ListMetadataFormats", identifier=ID.format(999))
    assert error_code(missing) == "idDoesNotExist"


def test_list_sets_has_one_set_per_area_and_per_kind(client):
    specs = texts(oai(client, verb="ListSets"), ".//oai:setSpec")
    assert "area:politics-law" in specs and "area:learning-model" in specs
    assert "kind:leaflet" in specs and "kind:legal_digest" in specs
    assert len([s for s in specs if s.startswith("area:")]) == 5
    assert len([s for s in specs if s.startswith("kind:")]) == 6


def test_get_record_is_dublin_core(client, published):
    root = oai(
        client, verb="GetRecord", metadataPrefix="oai_dc", identifier=ID.format(published.id)
    )
    header = root.find(".//oai:header", NS)
    assert header.get("status") is None
    assert texts(header, "oai:setSpec") == [
        "area:politics-law",
        "area:life-skills",
        "kind:legal_digest",
    ]
    dc = root.find(".//oai_dc:dc", NS)
    assert texts(dc, "dc:title") == ["An toàn vệ sinh lao động"]
    assert texts(dc, "dc:description") == ["Những điều người lao động cần biết."]
    assert texts(dc, "dc:subject") == ["Chính trị, pháp luật", "Kỹ năng sống", "an toàn", "bảo hộ"]
    assert "Text" in texts(dc, "dc:type")
    assert texts(dc, "dc:format") == ["text/html"]
    assert texts(dc, "dc:language") == ["vi"]
    assert "CC-BY-4.0" in texts(dc, "dc:rights")
    assert texts(dc, "dc:publisher") == ["Sở Lao động - Thương binh và Xã hội"]
    assert texts(dc, "dc:date") == [published.published_at.date().isoformat()]
    assert texts(dc, "dc:identifier") == [f"http://thuvien.test/materials/{published.id}"]


def test_withdrawn_material_is_a_deleted_record(client, published):
    catalog.withdraw_material(SYSTEM, published, "Hết hiệu lực")
    db.session.commit()
    root = oai(
        client, verb="GetRecord", metadataPrefix="oai_dc", identifier=ID.format(published.id)
    )
    record = root.find(".//oai:record", NS)
    assert record.find("oai:header", NS).get("status") == "deleted"
    assert record.find("oai:metadata", NS) is None


def test_incremental_harvest_reports_a_withdrawal_as_a_deletion(client, published):
    catalog.withdraw_material(SYSTEM, published, "Trùng lặp")
    db.session.commit()
    since = published.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": since})
    header = root.find(".//oai:header", NS)
    assert header.get("status") == "deleted"
    assert texts(header, "oai:identifier") == [ID.format(published.id)]


def test_an_address_that_is_no_domain_name_gets_no_identifier_description(app, client):
    app.config["OAI_REPOSITORY_ID"] = "127.0.0.1"
    identify = oai(client, verb="Identify").find("oai:Identify", NS)
    assert identify.find("oai:description", NS) is None


def test_repository_identity_follows_configuration(app, client, published):
    app.config.update(OAI_REPOSITORY_ID="thuvien.ninhbinh.gov.vn", OAI_ADMIN_EMAIL=None)
    identify = oai(client, verb="Identify").find("oai:Identify", NS)
    assert texts(identify, "oai:adminEmail") == ["admin@thuvien.ninhbinh.gov.vn"]
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert texts(root, ".//oai:identifier") == [
        f"oai:thuvien.ninhbinh.gov.vn:material/{published.id}"
    ]


@pytest.mark.parametrize("number", ["2147483648", "9999999999"])
def test_an_identifier_past_any_row_id_does_not_exist(client, number):
    root = oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=ID.format(number))
    assert error_code(root) == "idDoesNotExist"


def test_drafts_never_appear(client, make_material, org):
    draft = make_material(status="draft", org=org)
    root = oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=ID.format(draft.id))
    assert error_code(root) == "idDoesNotExist"
    assert error_code(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")) == (
        "noRecordsMatch"
    )


def test_selective_harvesting_by_dates_and_set(client, make_material, org):
    old = make_material(title="Cũ", areas=["digital-skills"], org=org)
    new = make_material(title="Mới", org=org)
    old.updated_at = datetime(2024, 3, 1, 10, 30, 15, 500, tzinfo=UTC)
    db.session.commit()
    assert _ids(client, **{"from": "2025-01-01"}) == [new.id]
    assert _ids(client, until="2024-03-01") == [old.id]
    assert _ids(client, until="2024-03-01T10:30:15Z") == [old.id]
    assert _ids(client, **{"from": "2024-03-01T10:30:15Z", "until": "2024-03-01T10:30:15Z"}) == [
        old.id
    ]
    assert _ids(client, set="area:digital-skills") == [old.id]
    assert _ids(client, set="area") == [old.id, new.id]
    assert _ids(client, set="kind:legal_digest") == [old.id, new.id]


def test_lists_come_in_pages_with_resumption_tokens(app, client, make_material, org):
    app.config["OAI_PAGE_SIZE"] = 2
    ids = [make_material(title=f"Tài liệu {n}", org=org).id for n in range(5)]
    seen, cursors, token = [], [], None
    while True:
        args = {"resumptionToken": token} if token else {"metadataPrefix": "oai_dc"}
        root = oai(client, verb="ListRecords", **args)
        seen += [int(i.rsplit("/", 1)[1]) for i in texts(root, ".//oai:header/oai:identifier")]
        element = root.find(".//oai:resumptionToken", NS)
        cursors.append((element.get("cursor"), element.get("completeListSize")))
        token = element.text
        if not token:
            break
    assert seen == ids
    assert cursors == [("0", "5"), ("2", "5"), ("4", "5")]


def test_a_tampered_resumption_token_is_refused(app, client, make_material, org):
    app.config["OAI_PAGE_SIZE"] = 1
    for n in range(2):
        make_material(title=f"Tài liệu {n}", org=org)
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = root.find(".//oai:resumptionToken", NS).text
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    refused = oai(client, verb="ListIdentifiers", resumptionToken=tampered)
    assert error_code(refused) == "badResumptionToken"
    other_verb = oai(client, verb="ListRecords", resumptionToken=token)
    assert error_code(other_verb) == "badResumptionToken"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "ListEverything"}, "badVerb"),
        ({"verb": ["Identify", "Identify"]}, "badVerb"),
        ({"verb": "Identify", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-13-01"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-01-01T00:00:00"},
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2026-01-01",
                "until": "2026-02-01T00:00:00Z",
            },
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2026-02-01",
                "until": "2026-01-01",
            },
            "badArgument",
        ),
        (
            {"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"},
            "badArgument",
        ),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "a b"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        (
            {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:x.org:material/1"},
            "idDoesNotExist",
        ),
        (
            {
                "verb": "GetRecord",
                "metadataPrefix": "oai_dc",
                "identifier": ID.format(10**30),
            },
            "idDoesNotExist",
        ),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2999-01-01"},
            "noRecordsMatch",
        ),
        (
            {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "area:x"},
            "noRecordsMatch",
        ),
        ({"verb": "ListRecords", "resumptionToken": "not-a-token"}, "badResumptionToken"),
        ({"verb": "ListSets", "resumptionToken": "anything"}, "badResumptionToken"),
    ],
)
def test_error_conditions(client, published, args, code):
    root = oai(client, **args)
    assert error_code(root) == code
    request = root.find("oai:request", NS)
    if code in ("badVerb", "badArgument"):
        # The protocol says: echo the base URL only, no attributes, for these two.
        assert dict(request.attrib) == {}
    else:
        assert request.get("verb") == args["verb"]


def test_post_requests_are_answered_like_get(client, published):
    root = oai(client, method="post", verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert texts(root, ".//oai:identifier") == [ID.format(published.id)]


def test_extreme_dates_do_not_break_the_endpoint(client, published):
    for value in ("9999-12-31", "0001-01-01", "9999-12-31T23:59:59Z"):
        oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until=value)
        oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": value})


ARG_NAMES = st.sampled_from(
    ["verb", "metadataPrefix", "identifier", "from", "until", "set", "resumptionToken", "x"]
)
ARG_VALUES = st.one_of(
    st.sampled_from(["Identify", "ListRecords", "GetRecord", "ListSets", "oai_dc", "area"]),
    st.text(max_size=40),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(args=st.lists(st.tuples(ARG_NAMES, ARG_VALUES), max_size=4))
def test_any_arguments_get_a_valid_oai_answer(client, args):
    response = client.get("/oai", query_string=args)
    assert response.status_code == 200
    schema().assertValid(etree.fromstring(response.data))


def _ids(client, **args) -> list[int]:
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **args)
    if error_code(root) == "noRecordsMatch":
        return []
    return [int(i.rsplit("/", 1)[1]) for i in texts(root, ".//oai:identifier")]


def test_post_needs_no_csrf_token_for_machines(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        root = oai(client, method="post", verb="Identify")
        assert error_code(root) is None
        assert client.post("/api/v1/materials", json={}).status_code == 401
        db.session.remove()
        db.engine.dispose()
