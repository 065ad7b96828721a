"""English beside the Vietnamese source: pages, the remembered choice, API errors, the catalog.

Vietnamese is the source language of every string; English comes from
library/translations/en/LC_MESSAGES/messages.po, compiled by `make translations`.
"""

import io
import re
import unicodedata
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from library.accounts.services import create_token
from library.areas import DEFAULT_AREAS
from library.extensions import db

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "library" / "translations"
POT = TRANSLATIONS / "messages.pot"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
EN_MO = EN_PO.with_suffix(".mo")
# The command that wrote messages.pot (run from the repository root). --ignore-dirs replaces
# Babel's default, which would skip templates/_macros along with every "_" folder.
EXTRACT = [
    "pybabel",
    "-q",
    "extract",
    "-F",
    str(ROOT / "babel.cfg"),
    "-k",
    "_l",
    "-k",
    "lazy_gettext",
    "--ignore-dirs",
    ".* __pycache__",
]
PLACEHOLDER = re.compile(r"%\(\w+\)s")
# Letters with Vietnamese marks (after NFD every mark is a combining character) and đ.
VIETNAMESE_MARK = re.compile(r"[\u0300-\u036f\u0111\u0110]")
AREA_NAMES_VI = [name_vi for _code, name_vi, *_rest in DEFAULT_AREAS]


def read_catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f, abort_invalid=True)


def msgids(catalog) -> set:
    return {m.id for m in catalog if m.id}


# -- the catalog --------------------------------------------------------------------------------


def test_pot_is_up_to_date_with_the_code(tmp_path):
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run([*EXTRACT, "-o", str(fresh), str(ROOT)])
    in_code, in_pot = msgids(read_catalog(fresh)), msgids(read_catalog(POT))
    assert in_code, "nothing extracted: is babel.cfg right?"
    missing, stale = sorted(in_code - in_pot), sorted(in_pot - in_code)
    assert not missing and not stale, (
        f"messages.pot is out of date (new: {missing}, gone: {stale}): run the commands in "
        "babel.cfg and translate the new strings"
    )


def test_every_string_has_an_english_translation():
    english = read_catalog(EN_PO)
    assert not english.fuzzy, "the catalog header is marked fuzzy: pybabel compile would skip it"
    assert msgids(english) == msgids(read_catalog(POT)), "run pybabel update from messages.pot"
    problems = []
    for message in english:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s.strip() for s in strings):
            problems.append(f"untranslated or fuzzy: {message.id!r}")
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        if any(
            sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(s)) for s in strings
        ):
            problems.append(f"placeholders differ: {message.id!r} -> {message.string!r}")
        problems += [f"{message.id!r}: {err}" for err in message.check(english)]
        if any(VIETNAMESE_MARK.search(unicodedata.normalize("NFD", s)) for s in strings):
            problems.append(f"still Vietnamese: {message.string!r}")
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def compiled():
    """The pages below read the compiled catalog, as the running site does."""
    expected = io.BytesIO()
    write_mo(expected, read_catalog(EN_PO))
    if not EN_MO.is_file() or EN_MO.read_bytes() != expected.getvalue():
        pytest.fail(
            f"{EN_MO.relative_to(ROOT)} is missing or does not match the .po: run make translations"
        )


# -- pages --------------------------------------------------------------------------------------


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def shown_text(page: BeautifulSoup, *content) -> str:
    """What a reader sees or hears of the interface: text and labelling attributes, without the
    material itself (title, summary, body, organisation) and the 'Tiếng Việt' link."""
    for element in page.select(".body, a[data-lang]"):
        element.decompose()
    parts = [page.get_text(" ")]
    for attribute in ("aria-label", "placeholder", "alt", "title"):
        parts += [tag[attribute] for tag in page.find_all(attrs={attribute: True})]
    text = " ".join(" ".join(parts).split())
    for value in content:
        text = text.replace(value, "")
    return text


def assert_english(response, *expected, content=()):
    assert '<html lang="en">' in response.text
    for text in expected:
        assert text in response.text, text
    leftover = VIETNAMESE_MARK.findall(
        unicodedata.normalize("NFD", shown_text(soup(response), *content))
    )
    assert not leftover, shown_text(soup(response), *content)


def newcomer(client):
    """A visitor who has not chosen a language (the client that chose English keeps it)."""
    return client.application.test_client()


def assert_vietnamese(response, *expected):
    assert '<html lang="vi">' in response.text
    for text in expected:
        assert text in response.text, text


@pytest.fixture
def material(make_material):
    return make_material()


def content_of(material) -> tuple:
    return (material.title, material.summary, material.organisation.name)


def test_templates_follow_a_locale_forced_in_the_middle_of_a_request(app, compiled):
    # Templates look their translations up once per locale, not once per string: a language
    # forced for one part (a notice in its reader's language) is still followed, then undone.
    from flask import render_template_string
    from flask_babel import force_locale

    line = "{{ _('Tìm') }} · {{ ngettext('%(num)s trang', '%(num)s trang', 3) }}"
    with app.test_request_context("/"):
        assert render_template_string(line) == "Tìm · 3 trang"
        with force_locale("en"):
            assert render_template_string(line) == "Search · 3 pages"
        assert render_template_string(line) == "Tìm · 3 trang"
    with app.app_context(), app.test_request_context("/?lang=en"):
        assert render_template_string(line) == "Search · 3 pages"


def test_home_page_in_english_and_in_vietnamese_by_default(client, material, compiled):
    english = client.get("/?lang=en")
    assert english.status_code == 200
    assert_english(
        english,
        "Open Learning Library",
        "Lifelong learning for workers",
        "Learning areas",
        "Politics and law",
        "New materials",
        "Log in",
        "Legal digest",
        content=content_of(material),
    )
    assert_vietnamese(
        newcomer(client).get("/"), "Thư viện học tập mở", "Lĩnh vực học tập", "Đăng nhập"
    )


def test_area_page_in_english_and_in_vietnamese_by_default(client, material, compiled):
    english = client.get("/areas/politics-law?lang=en")
    assert english.status_code == 200
    assert_english(
        english, "Politics and law", "Home", "All", "Legal digest (1)", content=content_of(material)
    )
    empty = client.get("/areas/life-skills?lang=en")
    assert_english(empty, "Life skills", "There are no materials here yet.")
    assert_vietnamese(
        newcomer(client).get("/areas/politics-law"), "Chính trị, pháp luật", "Trang chủ"
    )


def test_material_page_in_english_and_in_vietnamese_by_default(client, material, compiled):
    english = client.get(f"/materials/{material.id}?lang=en")
    assert english.status_code == 200
    assert_english(
        english,
        "Legal digest",
        "Politics and law",
        "Licence:",
        "Official government document (not protected by copyright)",
        content=content_of(material),
    )
    assert_vietnamese(
        newcomer(client).get(f"/materials/{material.id}"), "Giấy phép:", "Tài liệu pháp luật"
    )


def test_login_page_and_refused_login_in_english(client, make_user, compiled):
    assert_english(client.get("/login?lang=en"), "Log in", "Email", "Password", "Keep me logged in")
    user = make_user("editor")
    refused = client.post("/login?lang=en", data={"email": user.email, "password": "sai-roi"})
    assert refused.status_code == 401
    assert_english(refused, "Incorrect email or password")
    assert_vietnamese(newcomer(client).get("/login"), "Mật khẩu", "Ghi nhớ đăng nhập")


def test_not_found_page_in_english_and_in_vietnamese_by_default(client, compiled):
    english = client.get("/khong-co-trang-nay?lang=en")
    assert english.status_code == 404
    assert_english(english, "The page you are looking for could not be found.", "404")
    vietnamese = newcomer(client).get("/khong-co-trang-nay")
    assert vietnamese.status_code == 404
    assert_vietnamese(vietnamese, "Không tìm thấy trang bạn cần.")


def test_editor_pages_and_form_labels_in_english(client, make_user, login, compiled):
    login(make_user("editor"))
    assert_english(client.get("/manage?lang=en"), "Manage materials", "Draft", "Awaiting review")
    assert_english(
        client.get("/manage/materials/new?lang=en"),
        "Upload material",
        "Material type",
        "Learning areas",
        "Leaflet",
        "Save draft",
        "Publish",
        content=AREA_NAMES_VI,  # the area checkboxes: see the next test
    )


def test_upload_form_names_the_learning_areas_in_english(client, make_user, login, compiled):
    login(make_user("editor"))
    page = soup(client.get("/manage/materials/new?lang=en"))
    labels = [label.get_text(strip=True) for label in page.select(".checks label")]
    assert labels == [name_en for _code, _vi, name_en, *_targets in DEFAULT_AREAS]


def test_english_stays_on_the_next_page_through_the_cookie(client, compiled):
    page = soup(client.get("/"))
    switch = page.select_one("a[data-lang=en]")
    assert switch["href"] == "/?lang=en"
    client.get(switch["href"])  # the server keeps the choice in a cookie, no script needed
    assert_english(client.get("/login"), "Log in")
    assert_english(client.get("/areas/life-skills"), "Life skills")
    assert_vietnamese(client.get("/login?lang=vi"), "Đăng nhập")  # ?lang= wins over the cookie
    client.set_cookie("lang", "fr", domain="thuvien.test")
    assert_vietnamese(client.get("/login"), "Đăng nhập")  # an unknown language falls back


# -- the API ------------------------------------------------------------------------------------


def test_api_errors_are_in_english_on_request(client, make_user, compiled):
    no_token = client.post("/api/v1/materials?lang=en", data={"title": "x"})
    assert no_token.status_code == 401
    assert no_token.json["message"] == "A valid API key is required (Authorization: Bearer ...)."
    missing = client.get("/api/v1/materials/999999?lang=en")
    assert missing.status_code == 404 and missing.json["message"] == "Not found."

    token = create_token(make_user("editor"))
    db.session.commit()
    refused = client.post(
        "/api/v1/materials?lang=en",
        json={"title": "", "video_url": "https://vimeo.com/1"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 422
    assert refused.json["message"] == "Some details are not valid. Please check and try again."
    assert refused.json["fields"]["title"] == "Enter a title."
    assert refused.json["fields"]["video_url"].startswith("Only YouTube or Facebook video links")

    vietnamese = newcomer(client).get("/api/v1/materials/999999")
    assert vietnamese.json["message"] == "Không tìm thấy."
