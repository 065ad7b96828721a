"""The parts of a material's page kept rendered between visits (catalog/fragments.py) show
nothing of the visitor, and follow every change of the catalogue at once."""

import json

from bs4 import BeautifulSoup
from support import PASSWORD

from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.extensions import db


def page(client, material_id: int, **args) -> BeautifulSoup:
    response = client.get(f"/materials/{material_id}", query_string=args)
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def jsonld_name(soup: BeautifulSoup) -> str:
    graph = json.loads(soup.select_one('script[type="application/ld+json"]').string)["@graph"]
    return next(node["name"] for node in graph if node["@id"].endswith("#material"))


def log_in(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_an_edit_shows_at_once_in_every_kept_part(app, client, make_material, make_org):
    material = make_material(org=make_org(code="so-ldtbxh"), title="Hợp đồng lao động")
    for _ in range(2):
        before = page(client, material.id)
    assert before.h1.get_text() == "Hợp đồng lao động"
    catalog.update_material(
        SYSTEM, material, {"title": "Hợp đồng lao động có thời hạn", "tags": "hop-dong"}
    )
    db.session.commit()
    after = page(client, material.id)
    assert after.h1.get_text() == "Hợp đồng lao động có thời hạn"
    assert jsonld_name(after) == "Hợp đồng lao động có thời hạn"
    assert after.select_one('meta[property="og:title"]')["content"] == after.h1.get_text()
    assert after.select_one(".save-offline")["data-title"] == after.h1.get_text()
    assert "#hop-dong" in after.select_one("p.tags").get_text()


def test_an_editor_sees_the_tools_and_a_visitor_after_them_does_not(
    app, client, make_material, make_user
):
    editor = make_user(role="editor")
    material = make_material(org=editor.organisation)
    visitor = client
    assert page(visitor, material.id).select_one("section.tools") is None
    signed_in = log_in(app.test_client(), editor)
    as_editor = page(signed_in, material.id)
    assert as_editor.select_one("section.tools") is not None
    tokens = {i["value"] for i in as_editor.select('input[name="csrf_token"]')}
    assert tokens
    after = page(visitor, material.id)
    assert after.select_one("section.tools") is None
    assert not after.select('input[name="csrf_token"]')
    assert "Đăng xuất" not in after.text
    other = log_in(app.test_client(), make_user(role="editor", org=editor.organisation))
    other_tokens = {i["value"] for i in page(other, material.id).select('input[name="csrf_token"]')}
    assert other_tokens and not other_tokens & tokens


def test_each_language_keeps_its_own_parts(app, client, make_material, make_org):
    material = make_material(org=make_org(code="so-ldtbxh"))
    vi = page(client, material.id)
    en = page(client, material.id, lang="en")
    assert vi.select_one("p.license").get_text() != en.select_one("p.license").get_text()
    assert page(client, material.id, lang="vi").select_one("p.license").get_text() == (
        vi.select_one("p.license").get_text()
    )
