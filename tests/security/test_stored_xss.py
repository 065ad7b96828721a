"""Stored XSS: hostile text in every field, read back from every page, feed and interface.

Each payload goes into every text field at once (a material's title, summary, tags, Markdown
body, legal basis and image description, its organisation's name, its editor's name, the
uploaded file's name, an API token's name, the synonym list and the search box). Every page,
feed, OAI-PMH answer and API answer that can show the value is then parsed, and no element,
event attribute or URL scheme may come from the payload: the markup must be what the
templates wrote, whatever was typed.
"""

import json
import re

import pytest
from bs4 import BeautifulSoup
from lxml import etree
from support import PASSWORD, png_bytes, upload

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.extensions import db
from library.search.backends import synonyms_text

from .conftest import Client

PAYLOADS = [
    '<script>alert("x1")</script>',
    '"><img src=x onerror=alert("x2")>',
    "'><svg/onload=alert('x3')>",
    '<svg><script>alert("x4")</script></svg>',
    'javascript:alert("x5")',
    "<a href=\"javascript:alert('x6')\">x6</a>",
    '[x7](javascript:alert("x7")) ![i7](javascript:alert(7)) [y7](JaVaScRiPt:alert(7)) '
    "<javascript:alert(7)> [z7](&#106;avascript:alert(7)) [d7](data:text/html;base64,PHNjcmlwdD4=)",
    '<iframe src="data:text/html,<script>alert(8)</script>"></iframe><object data="x8">',
    "\u202e<scr\u200bipt>alert(9)</scr\u200bipt> \ufe64script\ufe65alert(9)",
    '<style>@import "//evil.example/x.css";</style><base href="//evil.example/">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(11)>",
    '" onmouseover="alert(12)" x="',
    "</textarea><script>alert(13)</script></title><script>alert(13)</script>",
    '<!--<img src="--><img src=x onerror=alert(14)//">',
    "<details open ontoggle=alert(15)> <body onload=alert(15)>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(16)">',
    "{{7*7}} {% raw %} ${7*7} <%= 7*7 %>",
    "ＪＡＶＡＳＣＲＩＰＴ:alert(18) &lt;script&gt;alert(18)&lt;/script&gt; "
    "&#x3C;img src=x onerror=alert(18)&#x3E;",
]
FIELDS = (
    "title",
    "summary",
    "tags",
    "body (Markdown)",
    "legal basis",
    "image description",
    "organisation name",
    "user name",
    "file name",
    "API token name",
    "synonym list",
    "search box",
)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc"}
FORBIDDEN_TAGS = {"object", "embed", "base", "style", "iframe", "frame", "form-injected"}
SAFE_SCHEMES = re.compile(r"^(https?:|mailto:|/|#|\?|[a-z0-9._-]+(/|$)|$)", re.I)
SAFE_IMAGE = re.compile(r"^(/|https://i\.ytimg\.com/|data:image/)")


def _json_ld(tag) -> bool:
    """A schema.org data block: never run, and whole JSON (no hostile text broke out of it)."""
    if tag.get("type") != "application/ld+json" or tag.get("src"):
        return False
    try:
        json.loads(tag.string or "")
    except ValueError:
        return False
    return True


def markup_problems(html: str, where: str) -> list[str]:
    """Elements, attributes and URLs no template of the site writes."""
    problems = []
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        name = tag.name.lower()
        if name in FORBIDDEN_TAGS:
            problems.append(f"{where}: <{name}> element")
        if name == "script" and not (tag.get("src") or "").startswith("/static/"):
            if not _json_ld(tag):
                problems.append(f"{where}: inline or foreign <script>")
        if name == "meta" and tag.get("http-equiv"):
            problems.append(f"{where}: <meta http-equiv>")
        if name == "img" and not SAFE_IMAGE.match(tag.get("src") or ""):
            problems.append(f"{where}: <img src={tag.get('src')!r}>")
        for attribute, value in tag.attrs.items():
            if attribute.lower().startswith("on"):
                problems.append(f"{where}: <{name} {attribute}=...> event handler")
            if attribute.lower() in URL_ATTRIBUTES:
                url = re.sub(r"[\s\x00-\x1f]", "", str(value))
                if not SAFE_SCHEMES.match(url):
                    problems.append(f"{where}: <{name} {attribute}={value!r}>")
    return problems


def xml_problems(body: bytes, where: str) -> list[str]:
    """An XML answer must parse; text meant as HTML (Atom content) is checked as HTML."""
    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    problems = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        if element.get("type") in ("html", "xhtml") and element.text:
            problems += markup_problems(element.text, f"{where} <{local} type=html>")
        if etree.QName(element).namespace == "http://www.w3.org/1999/xhtml":
            problems.append(f"{where}: XHTML element <{local}> in the feed")
    return problems


@pytest.fixture(scope="module")
def hostile(module_app):
    """One organisation, editor, token and published poster per payload, plus the synonyms:
    built once for the module's tests, which only read it."""
    module_app.test_client_class = Client
    admin = accounts.create_user(SYSTEM, "quantri-xss@thuvien.vn", PASSWORD, "admin", None)
    materials = []
    for n, payload in enumerate(PAYLOADS):
        org = accounts.create_organisation(SYSTEM, f"xss-{n}", f"Sở {payload}"[:255], "department")
        editor = accounts.create_user(
            SYSTEM, f"xss{n}@thuvien.vn", PASSWORD, "editor", org.code, name=payload
        )
        accounts.create_token(editor, payload)
        raw = {
            "title": f"Áp phích {n} {payload}"[:300],
            "summary": payload,
            "tags": [payload[:50], f"the-{n}"],
            "kind": "poster",
            "areas": ["life-skills"],
            "license": "CC-BY-4.0",
            "legal_basis": payload[:300],
            "alt_text": payload[:500],
            "status": "published",
        }
        image = upload(png_bytes(color=(n * 9 % 256, 40, 90)), f"{payload}.png")
        material = catalog.create_material(editor, org, raw, image)
        db.session.flush()
        materials.append(material)
        # The Markdown body lives on a legal digest of the same organisation.
        digest = {**raw, "kind": "legal_digest", "body": f"# {n}\n\n{payload}\n\n- {payload}"}
        digest["title"] = f"Văn bản {n} {payload}"[:300]
        materials.append(catalog.create_material(editor, org, digest))
    db.session.commit()
    return admin, materials


def pages_for(material_ids, payload_count):
    pages = ["/", "/areas/life-skills", "/areas/politics-law", "/manage", "/metrics/"]
    pages += ["/admin/users", "/admin/organisations", "/admin/search/synonyms"]
    for mid in material_ids:
        pages += [f"/materials/{mid}", f"/manage/materials/{mid}/edit"]
        pages += [f"/manage/materials/{mid}/history"]
    return pages


@pytest.fixture
def reader(module_app, hostile):
    """A visitor of the hostile library."""
    return module_app.test_client()


def test_no_payload_becomes_markup_anywhere(module_app, hostile, reader):
    admin, materials = hostile
    client = reader
    answer = client.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert answer.status_code == 302
    problems, attempts = [], 0
    # Pages, as the administrator (who sees every field, names and file names included).
    for url in pages_for([m.id for m in materials], len(PAYLOADS)):
        answer = client.get(url)
        assert answer.status_code == 200, url
        problems += markup_problems(answer.get_data(as_text=True), url)
        attempts += 1
    for n, payload in enumerate(PAYLOADS):
        # The search box echoes the query; the API, feeds and OAI-PMH carry the stored text.
        for url, args in (("/search", {"q": payload}), ("/search", {"q": f"Áp phích {n}"})):
            answer = client.get(url, query_string=args)
            problems += markup_problems(answer.get_data(as_text=True), f"{url}?q={payload}")
            attempts += 1
        for url in ("/api/v1/search", "/api/v1/suggest"):
            answer = client.get(url, query_string={"q": payload})
            assert answer.status_code in (200, 400) and answer.is_json, url
            attempts += 1
    for url in ("/feed.atom", "/areas/life-skills/feed.atom", "/sitemap.xml", "/sitemap-1.xml"):
        answer = client.get(url)
        problems += xml_problems(answer.data, url)
        attempts += 1
    for args in (
        {"verb": "ListRecords", "metadataPrefix": "oai_dc"},
        {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"},
        {"verb": "ListSets"},
    ):
        answer = client.get("/oai", query_string=args)
        problems += xml_problems(answer.data, f"/oai {args['verb']}")
        attempts += 1
    for url in ("/api/v1/materials?per_page=100", "/api/v1/organisations"):
        answer = client.get(url)
        assert answer.is_json and answer.headers["X-Content-Type-Options"] == "nosniff"
        attempts += 1
    # The account page lists the token names (each editor's own page).
    for n in range(len(PAYLOADS)):
        other = module_app.test_client()
        other.post("/login", data={"email": f"xss{n}@thuvien.vn", "password": PASSWORD})
        problems += markup_problems(other.get("/account").get_data(as_text=True), f"/account {n}")
        attempts += 1
    assert not problems, "\n".join(problems[:40])
    assert attempts > 80


def test_every_payload_is_kept_as_text_not_lost(reader, hostile):
    """Escaping, not deleting: the visitor reads what the editor typed (Markdown excepted)."""
    _admin, materials = hostile
    page = BeautifulSoup(reader.get(f"/materials/{materials[0].id}").data, "html.parser")
    assert PAYLOADS[0] in page.h1.get_text()
    assert PAYLOADS[0] in page.select_one("p.summary").get_text()


def test_the_markdown_body_keeps_only_plain_formatting(reader, hostile):
    _admin, materials = hostile
    digests = [m for m in materials if m.kind == "legal_digest"]
    for material in digests:
        page = BeautifulSoup(reader.get(f"/materials/{material.id}").data, "html.parser")
        body = page.select_one("div.body")
        for link in body.find_all("a"):
            href = link.get("href", "")  # a refused URL leaves a link without an address
            assert href == "" or href.startswith(("http://", "https://", "mailto:")), link
        assert not body.find_all(["img", "script", "svg", "iframe", "style", "object"])


def test_hostile_synonym_lines_are_shown_as_text(client, login, make_user):
    login(make_user("admin", email="tu-dong-nghia@thuvien.vn"))
    problems = []
    for payload in PAYLOADS:
        for text in (f"bhxh = {payload}", payload):
            answer = client.post("/admin/search/synonyms", data={"text": text})
            assert answer.status_code in (302, 422)
            page = client.get("/admin/search/synonyms") if answer.status_code == 302 else answer
            problems += markup_problems(page.get_data(as_text=True), f"synonyms {text!r}")
    assert not problems, "\n".join(problems)
    synonyms_text()


def test_file_names_are_stored_as_plain_last_parts(hostile):
    _admin, materials = hostile
    names = [m.file.original_name for m in materials if m.file]
    assert names and all("/" not in n and "\u202e" not in n and "\x00" not in n for n in names)


def headers_of(answer):
    return {k.lower(): v for k, v in answer.headers.items()}


def script_sources(csp: str) -> str:
    parts = dict(p.strip().split(" ", 1) for p in csp.split(";") if " " in p.strip())
    return parts.get("script-src", parts.get("default-src", ""))


def test_security_headers_on_pages_files_api_and_errors(client, make_material, make_org, app):
    org = make_org(code="so-tieu-de", name="Sở")
    poster = make_material(
        org,
        upload(png_bytes(), "a.png"),
        kind="poster",
        body="",
        alt_text="Ảnh",
        title="Áp phích",
    )
    urls = [
        "/",
        f"/materials/{poster.id}",
        f"/files/{poster.file_id}/tai-lieu.png",
        f"/files/{poster.file_id}/thumb.webp",
        "/api/v1/areas",
        "/api/v1/materials/999999",
        "/feed.atom",
        "/khong-co-trang-nay",
        "/login",
    ]
    for url in urls:
        answer = client.get(url)
        h = headers_of(answer)
        csp = h.get("content-security-policy", "")
        assert csp, url
        assert "'unsafe-inline'" not in script_sources(csp) and "'unsafe-eval'" not in csp, url
        assert "frame-ancestors" in csp or "sandbox" in csp, url
        assert h.get("x-frame-options") == "SAMEORIGIN", url
        assert h.get("x-content-type-options") == "nosniff", url
        assert h.get("referrer-policy") == "strict-origin-when-cross-origin", url
        assert "strict-transport-security" not in h, f"HSTS over plain HTTP on {url}"
        if url.startswith("/files/"):
            assert "sandbox" in csp and "default-src 'none'" in csp
        secure = client.get(url, base_url="https://thuvien.test")
        assert headers_of(secure).get("strict-transport-security", "").startswith("max-age="), url
