"""Search as workers and other systems use it: the page, the API, and the index kept in step."""

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from library.accounts.permissions import SYSTEM
from library.catalog.services import update_material, withdraw_material
from library.extensions import db
from library.models import Material, Organisation
from library.search import indexing
from library.search.backends import get_backend


@pytest.fixture
def library(make_material, make_org):
    other = make_org(code="ldld-tinh", name="Liên đoàn Lao động tỉnh", type_="union")
    return {
        "law": make_material(
            title="Pháp luật lao động cho công nhân",
            summary="Hỏi đáp về hợp đồng lao động và tiền lương.",
        ),
        "insurance": make_material(
            title="Bảo hiểm xã hội tự nguyện",
            areas=["life-skills"],
            body="Người lao động tham gia BHXH để có lương hưu.",
        ),
        "union": make_material(
            org=other,
            title="Quyền của đoàn viên công đoàn",
            body="Công đoàn bảo vệ quyền lợi người lao động.",
        ),
        "draft": make_material(title="Pháp luật lao động bản nháp", status="draft"),
    }


def titles(response) -> list[str]:
    return [
        a.get_text() for a in BeautifulSoup(response.data, "html.parser").select(".results strong")
    ]


def test_typing_without_diacritics_finds_the_material(client, library):
    assert "Pháp luật lao động cho công nhân" in titles(client.get("/search?q=phap+luat+lao+dong"))


def test_drafts_never_appear_in_results(client, library):
    found = titles(client.get("/search?q=phap+luat"))
    assert "Pháp luật lao động bản nháp" not in found


def test_matching_words_are_highlighted_and_html_is_escaped(client, make_material):
    make_material(title="<script>alert(1)</script> Tiền lương", body="Tiền lương tối thiểu vùng")
    response = client.get("/search?q=tien+luong")
    page = BeautifulSoup(response.data, "html.parser")
    assert page.select_one(".results") is not None
    assert page.select(".results script") == []
    assert page.select_one(".snippet mark") is not None


def test_facets_narrow_the_results(client, library):
    page = BeautifulSoup(client.get("/search?q=lao+dong").data, "html.parser")
    area_links = {a.get_text(strip=True): a["href"] for a in page.select(".facets a")}
    life = next(href for text, href in area_links.items() if text.startswith("Kỹ năng sống"))
    narrowed = titles(client.get(life))
    assert narrowed == ["Bảo hiểm xã hội tự nguyện"]


def test_edited_material_shows_its_new_text_right_after_saving(client, library):
    update_material(SYSTEM, library["law"], {"title": "Luật lao động sửa đổi"})
    db.session.commit()
    assert "Luật lao động sửa đổi" in titles(client.get("/search?q=sua+doi"))
    assert "Pháp luật lao động cho công nhân" not in titles(client.get("/search?q=cho+cong+nhan"))


def test_withdrawn_material_leaves_search(client, library):
    withdraw_material(SYSTEM, library["insurance"], "")
    db.session.commit()
    assert titles(client.get('/search?q="bao+hiem"')) == []


def api_titles(client, query: str) -> list[str]:
    return [
        r["title"] for r in client.get("/api/v1/search", query_string={"q": query}).json["results"]
    ]


def test_the_api_lists_the_new_title_right_after_saving(client, library):
    update_material(SYSTEM, library["law"], {"title": "Luật lao động sửa đổi"})
    db.session.commit()
    assert api_titles(client, "sua doi") == ["Luật lao động sửa đổi"]
    assert get_backend().pending_ids() == frozenset()  # nothing left on its way


def test_the_api_lists_each_material_as_its_page_shows_it(client, library, make_material):
    library["odd"] = make_material(
        title="Hướng dẫn an\u00adtoàn điện cho thợ\u200d hàn", areas=["life-skills", "politics-law"]
    )
    for material in [m for m in library.values() if m.status == "published"]:
        query = {"q": material.title.split()[0], "per_page": 100}
        listed = client.get("/api/v1/search", query_string=query).json["results"]
        (item,) = [r for r in listed if r["id"] == material.id]
        assert (item["title"], item["kind"], item["areas"]) == (
            material.title,
            material.kind,
            material.area_codes,
        )


def test_a_withdrawal_the_index_missed_stays_hidden_until_reindex(
    app, client, library, runner, monkeypatch
):
    backend = get_backend()

    def refuse(ids):
        raise OSError("disk full")

    assert client.get("/api/v1/suggest?q=bao+hi").json == ["Bảo hiểm xã hội tự nguyện"]
    monkeypatch.setattr(backend, "remove", refuse)
    withdraw_material(SYSTEM, library["insurance"], "")
    db.session.commit()  # saved, although the index still has the material
    assert library["insurance"].id in backend.pending_ids()
    assert api_titles(client, '"bao hiem"') == []
    assert titles(client.get('/search?q="bao+hiem"')) == []
    assert client.get("/api/v1/suggest?q=bao+hi").json == []
    monkeypatch.undo()
    monkeypatch.setattr(indexing, "NOTE_MARGIN", 0)
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert backend.pending_ids() == frozenset()
    assert api_titles(client, '"bao hiem"') == []


def test_a_rolled_back_change_reaches_neither_the_index_nor_a_later_commit(
    client, library, make_org
):
    withdraw_material(SYSTEM, library["insurance"], "")
    db.session.add(Organisation(code="ldld-tinh", name="Trùng mã", type="union"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert get_backend().pending_ids() == frozenset()
    update_material(SYSTEM, library["law"], {"title": "Luật lao động sửa đổi"})
    db.session.commit()
    # The withdrawal never happened: the material is still found.
    assert api_titles(client, '"bao hiem"') == ["Bảo hiểm xã hội tự nguyện"]


def test_search_api_contract(client, library):
    body = client.get("/api/v1/search?q=lao+dong&per_page=2").json
    assert set(body) == {"total", "page", "results", "facets", "suggestion", "query_used"}
    assert body["total"] == 3 and body["page"] == 1 and len(body["results"]) == 2
    assert set(body["results"][0]) == {"id", "title", "url", "kind", "areas", "snippet"}
    assert set(body["facets"]) == {"area", "kind", "org", "year"}
    assert body["facets"]["org"] == {"so-vhttdl": 2, "ldld-tinh": 1}


def test_search_api_filters_by_organisation(client, library):
    body = client.get("/api/v1/search?q=lao+dong&org=ldld-tinh").json
    assert [r["title"] for r in body["results"]] == ["Quyền của đoàn viên công đoàn"]


def test_suggest_api_returns_titles_for_a_prefix(client, library):
    assert "Pháp luật lao động cho công nhân" in client.get("/api/v1/suggest?q=phap+lu").json


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "AND OR NOT",
        "*",
        "title:x body:y",
        "x" * 10_000,
        "\x01\x1f\x7f",
        "%ff%fe",
        "((((",
        "~!@#$%^&*()",
    ],
)
def test_any_query_string_gets_a_normal_page(client, library, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert "Traceback" not in response.text


def test_a_nul_character_in_the_query_gets_a_clear_400_page(client, library):
    response = client.get("/search", query_string={"q": "lao\x00dong"})
    assert response.status_code == 400 and "Yêu cầu không hợp lệ." in response.text


def test_invalid_utf8_in_the_url_gets_a_normal_page(client, library):
    assert client.get("/search?q=%ff%fe%fd").status_code == 200
    assert client.get("/api/v1/search?q=%ff%fe").status_code in (200, 400)


@pytest.mark.parametrize(
    "args", ["page=-1", "page=99999", "per_page=1000000", "year=abc", "area=cooking", "sort=random"]
)
def test_bad_api_parameters_get_a_400_json_error(client, library, args):
    response = client.get(f"/api/v1/search?q=lao&{args}")
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"


@pytest.mark.parametrize("args", ["page=-1", "page=99999", "year=abc", "area=cooking"])
def test_bad_page_parameters_still_get_a_page(client, library, args):
    assert client.get(f"/search?q=lao&{args}").status_code == 200


def test_reindex_rebuilds_from_the_database(runner, client, library):
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "3" in result.output
    assert "Pháp luật lao động cho công nhân" in titles(client.get("/search?q=phap+luat"))


def test_administrator_adds_a_synonym_and_search_uses_it(client, login, make_user, make_material):
    make_material(title="Quy định về phòng cháy chữa cháy tại nhà xưởng")
    login(make_user("admin"))
    page = client.get("/admin/search/synonyms")
    assert "BHXH = bảo hiểm xã hội" in page.text
    text = page.text.split("<textarea", 1)[1].split(">", 1)[1].split("</textarea>")[0]
    import html

    new_list = html.unescape(text) + "\nPCCN = phòng cháy chữa cháy tại nhà xưởng\n"
    response = client.post("/admin/search/synonyms", data={"text": new_list})
    assert response.status_code == 302
    assert "Quy định về phòng cháy chữa cháy tại nhà xưởng" in titles(client.get("/search?q=PCCN"))


def test_a_malformed_synonym_line_is_refused_in_vietnamese(client, login, make_user):
    login(make_user("admin"))
    response = client.post(
        "/admin/search/synonyms", data={"text": "BHXH = bảo hiểm xã hội\nchỉ một"}
    )
    assert response.status_code == 422
    assert "dòng 2" in response.text and "hai cách viết" in response.text


def test_only_administrators_edit_synonyms(client, login, make_user):
    login(make_user("editor"))
    assert client.get("/admin/search/synonyms").status_code == 403
    assert client.post("/admin/search/synonyms", data={"text": "A = b"}).status_code == 403


def test_a_material_committed_without_a_flush_is_saved(app, library):
    # (services flush before the caller commits; a plain add must still save)
    org = library["law"].organisation
    db.session.add(
        Material(
            title="Tờ gấp chưa flush",
            kind="leaflet",
            status="draft",
            license="gov-work",
            organisation=org,
        )
    )
    db.session.commit()
    assert db.session.scalar(select(Material.id).where(Material.title == "Tờ gấp chưa flush"))
    assert get_backend().pending_ids() == frozenset()
