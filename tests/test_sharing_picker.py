"""Officers pick a material by typing its title: suggestions as they type (JSON), and forms that
understand a title, a suggestion taken, or the choices offered when a title names several."""

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from library.accounts.permissions import SYSTEM
from library.extensions import db
from library.models import OfflineSession, ShareLink
from library.sharing import services as sharing

HELD_ON = "2026-05-04"


@pytest.fixture
def people(make_user, make_org):
    """A union officer serving one enterprise, an editor, and the enterprise."""
    union = make_org(code="ldld-tinh", name="Liên đoàn Lao động tỉnh", type_="union")
    firm = make_org(code="cty-giay", name="Công ty Giày", type_="enterprise", workers=300)
    sharing.set_served_enterprises(SYSTEM, union, [firm.code])
    db.session.commit()
    return {
        "union": make_user("union", union),
        "editor": make_user("editor"),
        "firm": firm,
    }


@pytest.fixture
def materials(make_material):
    """Two published materials with close titles and a draft sharing their words."""
    return {
        "contract": make_material(title="Hợp đồng lao động: những điều cần biết"),
        "safety": make_material(title="An toàn lao động trong xưởng may"),
        "draft": make_material(title="Hợp đồng lao động bản nháp", status="draft"),
    }


def _suggest(client, text):
    return client.get("/sharing/materials/suggest", query_string={"q": text})


def test_suggestions_come_as_the_officer_types_without_diacritics(client, login, people, materials):
    login(people["union"])
    answer = _suggest(client, "hop dong")
    assert answer.status_code == 200
    found = answer.json["materials"]
    assert found[0]["title"] == "Hợp đồng lao động: những điều cần biết"
    assert (
        found[0]["value"] == f"Hợp đồng lao động: những điều cần biết (#{materials['contract'].id})"
    )
    assert found[0]["kind"] == "legal_digest"
    assert "Hợp đồng lao động bản nháp" not in answer.text  # drafts are not shared


def test_the_start_of_a_title_is_suggested(client, login, people, materials):
    login(people["union"])
    titles = [m["title"] for m in _suggest(client, "An toàn lao đ").json["materials"]]
    assert titles[0] == "An toàn lao động trong xưởng may"


def test_one_letter_suggests_nothing_and_an_editor_is_refused(client, login, people, materials):
    login(people["union"])
    assert _suggest(client, "h").json == {"materials": []}
    client.post("/logout")
    login(people["editor"])
    answer = _suggest(client, "hop dong")
    assert answer.status_code == 403 and "Hợp đồng" not in answer.text


def _make_link(client, people, target, **extra):
    data = {"target": target, "enterprise": people["firm"].code, "channel": "qr", **extra}
    return client.post("/sharing/links", data=data)


def test_a_link_is_made_from_a_suggestion_taken(client, login, people, materials):
    login(people["union"])
    value = _suggest(client, "an toan").json["materials"][0]["value"]
    assert _make_link(client, people, value).status_code == 302
    assert db.session.scalar(select(ShareLink.material_id)) == materials["safety"].id


def test_a_link_is_made_from_a_title_typed_in_full_in_another_case(
    client, login, people, materials
):
    login(people["union"])
    answer = _make_link(client, people, "an toàn lao động trong xưởng MAY")
    assert answer.status_code == 302
    assert db.session.scalar(select(ShareLink.material_id)) == materials["safety"].id


def test_without_javascript_a_loose_title_offers_the_materials_to_pick(
    client, login, people, materials
):
    login(people["union"])
    answer = _make_link(client, people, "lao dong")
    assert answer.status_code == 422
    assert "hãy chọn một tài liệu bên dưới" in answer.text
    page = BeautifulSoup(answer.text, "html.parser")
    offered = {i["value"] for i in page.select("fieldset.choices input[type=radio]")}
    assert offered == {str(materials["contract"].id), str(materials["safety"].id)}
    assert db.session.scalar(select(ShareLink.id)) is None
    picked = _make_link(client, people, "lao dong", **{"target-pick": materials["contract"].id})
    assert picked.status_code == 302
    assert db.session.scalar(select(ShareLink.material_id)) == materials["contract"].id


def _log(client, people, **extra):
    data = {
        "held_on": HELD_ON,
        "organisation_id": str(people["firm"].id),
        "areas": ["life-skills"],
        "attendees": "40",
        **extra,
    }
    return client.post("/metrics/sessions", data=data)


def test_a_session_names_its_materials_by_title(client, login, people, materials):
    login(people["union"])
    value = _suggest(client, "hop dong").json["materials"][0]["value"]
    answer = _log(client, people, materials=[value, "An toàn lao động trong xưởng may", ""])
    assert answer.status_code == 302
    session = db.session.scalar(select(OfflineSession))
    assert {m.id for m in session.materials} == {materials["contract"].id, materials["safety"].id}


def test_a_session_with_a_loose_title_saves_nothing_and_offers_choices(
    client, login, people, materials
):
    login(people["union"])
    answer = _log(client, people, materials=["lao dong"])
    assert answer.status_code == 422 and "Không tìm thấy tài liệu “lao dong”" in answer.text
    assert db.session.scalar(select(OfflineSession.id)) is None
    page = BeautifulSoup(answer.text, "html.parser")
    assert len(page.select("fieldset.choices input[type=checkbox]")) == 2
    ticked = [str(materials["contract"].id), str(materials["safety"].id)]
    assert (
        _log(client, people, materials=["lao dong"], **{"materials-pick": ticked}).status_code
        == 302
    )
    session = db.session.scalar(select(OfflineSession))
    assert len(session.materials) == 2


def test_numbers_typed_as_before_still_name_materials(client, login, people, materials):
    login(people["union"])
    both = f"{materials['contract'].id}, {materials['safety'].id}"
    assert _log(client, people, materials=both).status_code == 302
    assert len(db.session.scalar(select(OfflineSession)).materials) == 2
