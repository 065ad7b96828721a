"""A real harvester (Sickle, over HTTP) takes the whole repository, page by page."""

from pathlib import Path

import pytest
from lxml import etree
from sickle import Sickle
from support import served

from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.extensions import db

XSD = Path(__file__).parent / "data" / "xsd" / "harvest.xsd"
PAGE_SIZE = 3
# The server is on this machine: a proxy set in the environment must not be used.
NO_PROXY = {"proxies": {"http": None, "https": None}, "timeout": 30}


@pytest.fixture
def live_server(make_app):
    """The app served over HTTP on 127.0.0.1 and a free port, in a thread; yields its base URL."""
    app = make_app(OAI_PAGE_SIZE=PAGE_SIZE, SERVER_NAME=None, OAI_REPOSITORY_ID="thuvien.test")
    with served(app) as base:
        yield base
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def catalogue(make_material, make_org):
    """Seven published materials, one withdrawn after publication, and two drafts."""
    org = make_org(code="so-gddt", name="Sở Giáo dục và Đào tạo")
    published = [
        make_material(title=f"Tài liệu {n}", areas=["life-skills"], org=org) for n in range(7)
    ]
    withdrawn = make_material(title="Đã thu hồi", org=org)
    catalog.withdraw_material(SYSTEM, withdrawn, "Hết hiệu lực")
    drafts = [make_material(title=f"Nháp {n}", status="draft", org=org) for n in range(2)]
    db.session.commit()
    return {
        "published": {m.id for m in published},
        "withdrawn": withdrawn.id,
        "drafts": {m.id for m in drafts},
    }


def test_sickle_harvests_every_published_material_once(live_server, catalogue):
    harvester = Sickle(f"{live_server}/oai", **NO_PROXY)
    records = list(harvester.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    live = [_material_id(r.header.identifier) for r in records if not r.header.deleted]
    deleted = [_material_id(r.header.identifier) for r in records if r.header.deleted]
    assert sorted(live) == sorted(catalogue["published"])  # each once, none missing
    assert deleted == [catalogue["withdrawn"]]
    assert not catalogue["drafts"] & {*live, *deleted}
    titles = {r.metadata["title"][0] for r in records if not r.header.deleted}
    assert titles == {f"Tài liệu {n}" for n in range(7)}


def test_harvested_pages_validate_against_the_schemas(live_server, catalogue):
    harvester = Sickle(f"{live_server}/oai", **NO_PROXY)
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    iterator = harvester.ListRecords(metadataPrefix="oai_dc")
    pages = []
    for _ in iterator:
        if iterator.oai_response not in pages:
            pages.append(iterator.oai_response)
            schema.assertValid(etree.fromstring(iterator.oai_response.raw.encode("utf-8")))
    assert len(pages) == 3
    # 8 records (7 published, 1 deleted) in pages of 3: the harvester followed two tokens.
    assert iterator.resumption_token is not None
    assert iterator.resumption_token.cursor == "6"
    assert iterator.resumption_token.complete_list_size == "8"


def test_sickle_harvests_a_set_and_identifiers_over_post(live_server, catalogue):
    harvester = Sickle(f"{live_server}/oai", http_method="POST", **NO_PROXY)
    headers = list(harvester.ListIdentifiers(metadataPrefix="oai_dc", set="area:life-skills"))
    assert {_material_id(h.identifier) for h in headers} == catalogue["published"]
    identify = harvester.Identify()
    assert identify.deletedRecord == "persistent"
    assert identify.baseURL == f"{live_server}/oai"


def _material_id(identifier: str) -> int:
    prefix = "oai:thuvien.test:material/"
    assert identifier.startswith(prefix)
    return int(identifier[len(prefix) :])
