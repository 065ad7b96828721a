"""Every page kind, public and behind login for each role, at 360 px and at desktop width: no
axe-core violation, and on the phone nothing wider than the screen with every action on it.

The pages are found as people find them: from a few starting pages of each role, by following
the links of each page (one page per kind of address), so a new page linked from the others is
checked without being listed here. axe-core is the file vendored in tests/data/axe/ (see
tests/data/README.md); nothing is fetched from the network."""

import json
import re
import shutil
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from browser_support import DEMO_FILES
from conftest import PHONE
from support import served

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.catalog.importer import import_manifest
from library.cli import DEMO_ORGANISATIONS, DEMO_PASSWORD, DEMO_USERS
from library.extensions import db
from library.metrics import rollup, sessions
from library.models import Material, ShareLink
from library.models.base import utcnow
from library.search.indexing import reindex
from library.sharing import demo as sharing_demo
from library.tracking.services import local_time, record_event

AXE = Path(__file__).resolve().parents[1] / "data" / "axe" / "axe.min.js"
DEMO = DEMO_FILES.parent
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
ACTORS = ("anonymous", "admin", "editor", "reviewer", "union")
KINDS = ("legal_digest", "book", "leaflet", "video", "poster", "audio")
MAX_PAGES = 40
# Not pages: files, images, feeds, the API, counting redirects, exports and the like.
NOT_PAGES = re.compile(
    r"^/(files/|api/|oai|s/|track/|static/|sw\.js|manifest|logout|metrics/report)"
    r"|\.(pdf|png|svg|jpe?g|webp|xlsx|csv|atom|xml|json|txt|mp4|webm|mp3|m4a)$"
)
ANY_NUMBER = re.compile(r"\d+")
# Pages that look the same to everybody, checked for the anonymous visitor only (the home page
# and the material pages, which show staff their tools, are checked for every role).
SAME_FOR_ALL = re.compile(
    r"^/(areas/|collections(/[^/]+(/print)?)?$|search|offline|api$|password/|nothing-here)"
)


@pytest.fixture(scope="module")
def library(module_app, tmp_path_factory):
    """The demo's organisations and accounts, one demo material of each kind, its collections,
    share links, a material waiting for review, an offline session and a month of figures;
    served on a real port."""
    for code, name, type_, workers in DEMO_ORGANISATIONS:
        accounts.create_organisation(SYSTEM, code, name, type_, workers)
    for email, role, org in DEMO_USERS:
        accounts.create_user(SYSTEM, email, DEMO_PASSWORD, role, org)
    db.session.commit()
    import_manifest(SYSTEM, _demo_manifest(tmp_path_factory.mktemp("demo")))
    reindex()
    sharing_demo.seed()
    _waiting_for_review()
    _some_use()
    db.session.commit()
    with served(module_app) as base:
        yield base


def _demo_manifest(folder: Path) -> Path:
    """The first demo material of each kind, with its files, in a manifest of their own."""
    picked, kinds = [], set()
    for line in (DEMO / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["kind"] not in kinds:
            kinds.add(record["kind"])
            picked.append(line)
            for name in (record.get("file"), record.get("thumbnail")):
                if name:
                    (folder / name).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(DEMO / name, folder / name)
    manifest = folder / "manifest.jsonl"
    manifest.write_text("\n".join(picked) + "\n", encoding="utf-8")
    return manifest


def _waiting_for_review() -> None:
    """A draft of the editor's department submitted for review, for the review queue."""
    editor = accounts.find_user("bientap@demo.thuvien.vn")
    raw = {
        "title": "Hỏi đáp về bảo hiểm xã hội tự nguyện",
        "kind": "legal_digest",
        "areas": ["politics-law"],
        "license": "gov-work",
        "body": "Người lao động tham gia bảo hiểm xã hội tự nguyện.",
    }
    material = catalog.create_material(editor, editor.organisation, raw)
    catalog.change_status(editor, material, "in_review")


def _some_use() -> None:
    """Views and downloads of each material, an offline session, and the rolled-up figures."""
    now = utcnow()
    today = local_time(now).date()
    for n, material in enumerate(db.session.scalars(db.select(Material))):
        for visitor in range(3 + n):
            record_event(material.id, "view", f"v{visitor}", PHONE["user_agent"], None, None, now)
    officer = accounts.find_user("congdoan@demo.thuvien.vn")
    link = db.session.scalar(db.select(ShareLink))
    sessions.log_session(
        officer,
        {
            "held_on": today.isoformat(),
            "organisation_id": link.enterprise_id,
            "areas": ["life-skills"],
            "attendees": "40",
            "materials": [],
            "note": "Nói chuyện an toàn giao thông",
        },
        today,
    )
    rollup.rollup_day(today)


def _context(browser, width: str, base: str, actor: str):
    """A browser of this width, logged in as the actor (CSP bypassed to inject axe only)."""
    options = PHONE if width == "phone" else DESKTOP
    context = browser.new_context(**options, locale="vi-VN", bypass_csp=True)
    return context, _logged_in(context.new_page(), base, actor)


def _logged_in(page, base: str, actor: str):
    """The page, logged in as the actor."""
    if actor != "anonymous":
        email = next(e for e, role, _org in DEMO_USERS if role == actor)
        page.goto(f"{base}/login")
        page.fill("#email", email)
        page.fill("#password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert "/login" not in page.url, f"{actor} could not log in"
    return page


def _starting_pages(base: str) -> list[str]:
    """Pages no link of the others may lead to with the right state: each kind of material,
    searches with and without results, the print sheets, a missing page, the review queue."""
    pages = ["/", "/search?q=hop+dong+lao+dong", "/search?q=zzzqqq", "/nothing-here"]
    for kind in KINDS:
        material = db.session.scalar(db.select(Material).where(Material.kind == kind).limit(1))
        pages += [f"/materials/{material.id}", f"/materials/{material.id}/print"]
    link = db.session.scalar(db.select(ShareLink))
    pages += [
        "/manage?status=review",
        f"/sharing/links/{link.id}/print",
        "/metrics/",
        "/metrics/reach",
        "/metrics/sessions",
        "/sharing/links",
        "/admin/users",
        "/admin/organisations",
        "/account",
        "/manage",
        "/manage/materials/new",
        "/manage/collections",
        "/manage/collections/new",
        "/metrics/workforce",
        "/admin/search/synonyms",
        "/collections",
        "/offline",
        "/api",
        "/password/forgot",
    ]
    return [base + p for p in pages]


def _kind_of(url: str) -> str:
    """One page per kind of address: numbers and the last part of area and collection pages
    do not make a new kind; the material pages are kinds of their own (one per kind)."""
    parts = urlsplit(url)
    path = parts.path
    if re.fullmatch(r"/materials/\d+(/print)?", path):
        return path  # each material was picked for its kind
    path = re.sub(r"^/(areas|collections)/[^/]+", r"/\1/*", path)
    query = "?" + parts.query if parts.path in ("/search", "/manage") and parts.query else ""
    return ANY_NUMBER.sub("N", path) + query


def _same_for_all(url: str) -> bool:
    return bool(SAME_FOR_ALL.match(urlsplit(url).path))


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        url = urljoin(page.url, href).split("#")[0]
        path = urlsplit(url).path
        if url.startswith(base) and not NOT_PAGES.search(path):
            query = urlsplit(url).query
            # A query names another kind of page only for search and the materials list.
            found.append(url if path in ("/search", "/manage") else base + path if query else url)
    return found


def _violations(page) -> list[str]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
    ]


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  // The page's width, and the innermost elements or words that reach past the screen.
  const beyond = e => e.getBoundingClientRect().right > width + 1;
  const name = e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '');
  const past = [...document.body.querySelectorAll('*')]
    .filter(e => beyond(e) && ![...e.children].some(beyond)).map(name);
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (texts.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(texts.currentNode);
    if (beyond(range)) past.push(`"${texts.currentNode.textContent.trim().slice(0, 30)}" in `
      + name(texts.currentNode.parentElement));
  }
  const scrolled = document.scrollingElement.scrollWidth;
  const wide = scrolled > width ? [`page ${scrolled}px wide (${past.slice(0, 3).join(', ')})`] : [];
  const off = [...document.querySelectorAll('main a, main button, main input, main select')]
    .filter(e => e.offsetParent !== null && e.type !== 'hidden')
    .map(e => [e, e.getBoundingClientRect()])
    .filter(([, r]) => r.width > 0 && (r.left < -1 || r.right > width + 1))
    .map(([e, r]) => `${(e.textContent || e.name || '').trim().slice(0, 30)} off-screen at `
      + `${Math.round(r.left)}..${Math.round(r.right)} px`);
  return wide.concat(off);
}"""


def _problems_at_both_widths(page) -> list[str]:
    """axe-core's violations on the page as loaded at desktop width, then at phone width (the
    same page made narrow: a second load would double the crawl), with what leaves the screen."""
    found = [f"desktop: {v}" for v in _violations(page)]
    page.set_viewport_size(PHONE["viewport"])
    found += [f"phone: {v}" for v in _violations(page) + page.evaluate(OVERFLOW)]
    page.set_viewport_size(DESKTOP["viewport"])
    return found


@pytest.mark.parametrize("actor", ACTORS)
def test_every_page_passes_axe_and_fits_the_phone(browser, library, actor):
    base = library
    context = browser.new_context(**DESKTOP, locale="vi-VN", bypass_csp=True)
    page = _logged_in(context.new_page(), base, actor)
    problems, seen, queue = {}, set(), _starting_pages(base)
    try:
        while queue and len(seen) < MAX_PAGES:
            url = queue.pop(0)
            if _kind_of(url) in seen or (actor != "anonymous" and _same_for_all(url)):
                continue
            seen.add(_kind_of(url))
            response = page.goto(url)
            if response is None or response.status >= 500:
                problems[url] = [f"answered {response and response.status}"]
                continue
            if "text/html" not in response.headers.get("content-type", ""):
                continue
            found = _problems_at_both_widths(page)
            if found:
                problems[page.url] = found
            queue += [u for u in _links(page, base) if _kind_of(u) not in seen]
    finally:
        context.close()
    assert len(seen) >= 10  # the crawl found the pages, not only the first
    assert problems == {}, f"{len(seen)} pages:\n" + "\n".join(
        f"{u}:\n  " + "\n  ".join(p) for u, p in problems.items()
    )


def test_a_share_link_is_a_card_with_all_its_actions_on_a_phone(browser, library):
    context, page = _context(browser, "phone", library, "union")
    try:
        page.goto(f"{library}/sharing/links")
        card = page.locator("table.links tbody tr").first
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        for name in ("In tờ A4", "PNG", "SVG", "Thu hồi"):
            action = card.get_by_role("button" if name == "Thu hồi" else "link", name=name)
            assert action.is_visible()
            spot = action.bounding_box()
            assert spot["x"] >= 0 and spot["x"] + spot["width"] <= 360, name
            assert spot["height"] >= 44, name
        # Each value says what it is, as the column's header did.
        assert card.locator("td.visits").get_attribute("data-label") == "Lượt truy cập"
    finally:
        context.close()
