"""No title reaches anyone who may not see its material: the class test.

A world of two organisations with materials in every state (and a published one taken back to
draft after it was shared, collected, viewed and named as a successor; an edit waiting for
review), each title carrying a unique marker. Every GET route of app.url_map is called with the
ids of every material, file, collection and share link, and so are feeds, the sitemap, every OAI
verb, the API, search and suggestions for every marker, and the refusals an editor meets (a
hidden successor, a file that is already in the library, a share link to a hidden material), as
each kind of person. No answer may carry a marker its reader may not see.
"""

import io
import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from agents import CHROME_ANDROID
from sqlalchemy import func, select
from support import edit_form, pdf_bytes, upload

from library.accounts.permissions import SYSTEM
from library.catalog import revisions, workflow
from library.catalog import services as catalog
from library.errors import ValidationFailed
from library.extensions import db
from library.metrics.rollup import rollup_day
from library.models import Collection, Material, PendingRevision, ShareLink
from library.sharing import collections
from library.sharing import services as sharing
from library.storage import get_storage
from library.tracking.services import local_time, record_event

ACTORS = ("anonymous", "worker", "union", "editor_a", "editor_b", "reviewer_a", "admin")
STAFF = {"a": {"editor_a", "reviewer_a", "admin"}, "b": {"editor_b", "admin"}}
STATES = {
    "DR": "draft",
    "RV": "in_review",
    "PB": "published",
    "WD": "withdrawn before publication",
    "WP": "withdrawn after publication",
    "UL": "published, then back to draft",
}
WITH_FILE = {"DR", "RV", "PB", "WD"}
# Every state in organisation B; in A, the states tests/security/conftest.py has not made.
MADE = [("a", "PB"), ("a", "WP"), ("a", "UL")] + [("b", code) for code in STATES]
EDITING = ("editor_a", "editor_b", "reviewer_a", "admin")


@dataclass(frozen=True)
class Secret:
    """A marker in a title, and who may read it: everybody, or the organisation's staff."""

    marker: str
    org: str
    public: bool

    def hidden_from(self, actor: str) -> bool:
        return not self.public and actor not in STAFF[self.org]


@dataclass
class HiddenWorld:
    base: object
    secrets: list
    materials: dict  # marker -> Material
    worker: object = None

    def client(self, actor):
        return self.worker if actor == "worker" else self.base.clients[actor]

    def token(self, actor):
        return None if actor == "worker" else self.base.tokens[actor]


def _material(org, code, marker):
    state = STATES[code]
    kind = "leaflet" if code in WITH_FILE else "legal_digest"
    raw = {
        # The reversed marker is what searches ask for: an answer that echoes the question
        # does not carry the marker, one that shows the title does.
        "title": f"Tài liệu {marker} {marker[::-1]} ({state})",
        "summary": f"Tóm tắt {marker}",
        "kind": kind,
        "areas": ["politics-law"],
        "license": "gov-work",
        "status": "draft" if code in ("DR", "RV", "WD") else "published",
    }
    if kind == "legal_digest":
        raw["body"] = f"Điều 1. {marker}."
    pages = 3 + list(STATES).index(code) + (0 if org.code == "so-a" else 10)
    file = upload(pdf_bytes(pages), f"{marker}.pdf") if code in WITH_FILE else None
    material = catalog.create_material(SYSTEM, org, raw, file)
    db.session.flush()
    if code == "RV":
        workflow.move(SYSTEM, material, "in_review")
    if code in ("WD", "WP"):
        catalog.withdraw_material(SYSTEM, material, f"Lý do {marker}")
    return material


@pytest.fixture(scope="module")
def hidden(shared_world):
    """The permission matrix's world, with every state in both organisations (built once)."""
    w = shared_world
    secrets = [
        Secret("7Q3Z", "a", False),  # conftest: A's draft, in review, withdrawn draft, collection
        Secret("8K2W", "a", False),
        Secret("5M1X", "a", False),
        Secret("3C9V", "a", False),
    ]
    materials = {}
    for org_key, code in MADE:
        marker = f"QX{org_key.upper()}{code}Z"
        materials[marker] = _material(w.orgs[org_key], code, marker)
        secrets.append(Secret(marker, org_key, code in ("PB", "WP")))
    db.session.commit()
    for org_key in ("a", "b"):
        _share_then_hide(w, org_key, materials, secrets)
    # An edit waiting for review: its proposed title only for the organisation's staff.
    revisions.propose_revision(
        w.users["editor_a"], materials["QXAPBZ"], {"title": "Bản sửa QXAREVZ ZVERAXQ"}
    )
    secrets.append(Secret("QXAREVZ", "a", False))
    db.session.commit()
    world = HiddenWorld(w, secrets, materials)
    world.worker = w.app.test_client()
    assert world.worker.get(f"/s/{w.link.code}").status_code == 302
    return world


def _share_then_hide(w, org_key, materials, secrets):
    """While published: named as a successor, collected, shared and viewed; then back to draft."""
    org = org_key.upper()
    later_hidden, older = materials[f"QX{org}ULZ"], materials[f"QX{org}PBZ"]
    catalog.update_material(SYSTEM, older, {"superseded_by": later_hidden.id})
    collections.create_collection(
        SYSTEM,
        later_hidden.organisation,
        {
            "slug": f"bo-suu-tap-{org_key}",
            "title": f"Bộ sưu tập QX{org}COLZ",
            "status": "published",
            "materials": [older.id, later_hidden.id],
        },
    )
    secrets.append(Secret(f"QX{org}COLZ", org_key, True))
    sharing.create_link(
        w.users["union"], enterprise=w.enterprise, material=later_hidden, channel="zalo"
    )
    now = datetime.now(UTC)
    union = w.orgs["union"].id
    record_event(later_hidden.id, "view", "visitor-ul", CHROME_ANDROID, "zalo", union, now)
    db.session.commit()
    rollup_day(local_time(now).date())
    catalog.change_status(SYSTEM, later_hidden, "draft")
    db.session.commit()


# --- what is asked --------------------------------------------------------------------------

VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _ids(column) -> list:
    return [v for v in db.session.scalars(select(column).distinct()) if v is not None]


def _values(world, rule: str, name: str) -> list:
    """Every value the world has for one variable of a rule."""
    base = world.base
    if name == "code":
        return ["politics-law"] if rule.startswith("/areas/") else _ids(ShareLink.code)
    values = {
        "material_id": lambda: _ids(Material.id),
        "file_id": lambda: _ids(Material.file_id) + _ids(PendingRevision.file_id),
        "name": lambda: ["tai-lieu.pdf"],
        "number": lambda: [1],
        "width": lambda: [160] if "/thumb-" in rule else [360],
        "slug": lambda: _ids(Collection.slug),
        "link_id": lambda: _ids(ShareLink.id),
        "org_id": lambda: [o.id for o in base.orgs.values()],
        "user_id": lambda: [u.id for u in base.users.values()],
        "filename": lambda: ["css/site.css"],
    }
    assert name in values, f"{rule}: no values for <{name}> in {__file__}"
    return values[name]()


QUERIES = {
    "metrics.dashboard": "?year={year}",
    "metrics.download_report": "?year={year}&format=csv",
    "api.metrics_summary": "?year={year}",
    "api.search_json": "?q=t%C3%A0i+li%E1%BB%87u",
    "api.suggest_json": "?q=t%C3%A0i",
    "search.results": "?q=t%C3%A0i+li%E1%BB%87u",
}


def route_urls(world) -> list[tuple[str, str]]:
    """(rule, URL) for every GET rule of the app, with every id filled in."""
    year = datetime.now(UTC).year
    urls = []
    for rule in world.base.app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        names = VARIABLE.findall(rule.rule)
        choices = [_values(world, rule.rule, n) for n in names]
        query = QUERIES.get(rule.endpoint, "").format(year=year)
        for combination in itertools.product(*choices):
            url = rule.rule
            for value in combination:
                url = VARIABLE.sub(str(value), url, count=1)
            urls.append((rule.rule, url + query))
    return urls


# Words of the titles of tests/security/conftest.py's hidden materials and collection.
SEARCHES = ["bản nháp mật", "chờ duyệt", "bản nháp đã rút", "bộ sưu tập nháp", "tài liệu", "sở"]
SEARCHES += ["Bản sửa", "ZVERAXQ"]


def lookup_urls(world) -> list[tuple[str, str]]:
    """Search, suggestions and every OAI verb, for every marker and every material."""
    urls = []
    keys = [m[::-1] for m in world.materials]
    # Searches match any word: four reversed markers a question, each found in the top ten.
    for q in SEARCHES + [" ".join(keys[n : n + 4]) for n in range(0, len(keys), 4)]:
        q = quote(q)
        urls += [("search", f"/search?q={q}"), ("api search", f"/api/v1/search?q={q}")]
        urls += [("api suggest", f"/api/v1/suggest?q={q}")]
    oai = "/oai?verb="
    urls += [
        ("oai", f"{oai}Identify"),
        ("oai", f"{oai}ListSets"),
        ("oai", f"{oai}ListMetadataFormats"),
        ("oai", f"{oai}ListIdentifiers&metadataPrefix=oai_dc"),
        ("oai", f"{oai}ListRecords&metadataPrefix=oai_dc"),
        ("oai", f"{oai}ListRecords&metadataPrefix=oai_dc&set=area:politics-law"),
    ]
    for material_id in _ids(Material.id):
        identifier = f"oai:thuvien.test:material/{material_id}"
        urls.append(("oai", f"{oai}GetRecord&metadataPrefix=oai_dc&identifier={identifier}"))
    return urls


def leaks(world, actor, answer) -> list[str]:
    """The markers in an answer (body and headers) that this actor may not read."""
    text = answer.get_data().decode("utf-8", "replace") + str(answer.headers)
    text = text.lower()
    return [s.marker for s in world.secrets if s.hidden_from(actor) and s.marker.lower() in text]


def shown(world, actor, answer) -> set[str]:
    """The markers in an answer that this actor may read."""
    text = answer.get_data().decode("utf-8", "replace").lower()
    return {
        s.marker for s in world.secrets if not s.hidden_from(actor) and s.marker.lower() in text
    }


def ask(world, actor, url, method="GET", **kwargs):
    """One request as the actor: pages with the actor's session, the API with its token."""
    client = world.client(actor)
    if url.startswith("/api/"):
        token = world.token(actor)
        client = world.base.clients["anonymous"] if actor != "worker" else client
        if token:
            kwargs["headers"] = {"Authorization": f"Bearer {token}"}
    return client.open(url, method=method, **kwargs)


def check_all(world, requests, statuses=None, seen=None) -> tuple[int, list[str]]:
    """Send every (what, method, url, kwargs) as every actor; (answers read, problems).
    With a statuses dict, each answer's status is kept there under (actor, what); with a seen
    set, the markers shown to actors who may read them."""
    answers, problems = 0, []
    for actor in ACTORS:
        for what, method, url, kwargs in requests(actor):
            answer = ask(world, actor, url, method, **kwargs)
            answers += 1
            if statuses is not None:
                statuses.setdefault((actor, what), set()).add(answer.status_code)
            if answer.status_code >= 500:
                problems.append(f"{actor} {method} {url}: {answer.status_code}")
            if seen is not None:
                seen.update(shown(world, actor, answer))
            found = leaks(world, actor, answer)
            if found:
                problems.append(f"{actor} {method} {url} ({what}): shows {found}")
    return answers, problems


def test_every_get_route_hides_what_its_reader_may_not_see(hidden):
    urls = route_urls(hidden)
    rules = {rule for rule, _url in urls}
    app_rules = {r.rule for r in hidden.base.app.url_map.iter_rules() if "GET" in r.methods}
    assert rules == app_rules, "every GET route is asked at least once"
    seen = set()
    answers, problems = check_all(
        hidden, lambda actor: [(r, "GET", u, {}) for r, u in urls], seen=seen
    )
    FIGURES["routes"] = (len(rules), len(urls), answers)
    assert not problems, "\n".join(problems)
    # Every title is shown somewhere to those who may see it: the pages do render them.
    assert seen == {s.marker for s in hidden.secrets}


def test_search_suggestions_and_oai_hide_what_their_reader_may_not_see(hidden):
    urls = lookup_urls(hidden)
    seen = set()
    answers, problems = check_all(
        hidden, lambda actor: [(w, "GET", u, {}) for w, u in urls], seen=seen
    )
    FIGURES["lookups"] = (len(urls), answers)
    assert not problems, "\n".join(problems)
    # Search and OAI do find the public materials: the hidden ones are missing for a reason.
    assert {"QXAPBZ", "QXBPBZ"} <= seen


# --- refusals ---------------------------------------------------------------------------------


def _own_public(world, actor) -> Material:
    return world.base.b_material if actor == "editor_b" else world.base.public


def _unpublished_ids() -> list[int]:
    return list(db.session.scalars(select(Material.id).where(Material.status != "published")))


def _kept_files(world) -> list[bytes]:
    storage = get_storage()
    return [
        (
            storage.path(storage.key_for(m.file.sha256, m.file.extension)).read_bytes(),
            m.kind,
            m.file.extension,
        )
        for m in db.session.scalars(select(Material).where(Material.file_id.is_not(None)))
    ]


def refusal_requests(world, files):
    new = {"title": "Bản sao", "kind": "leaflet", "areas": "politics-law", "license": "gov-work"}
    new["organisation"] = "so-b"  # where an administrator puts it (others: their own)

    def build(actor):
        """Every refusal for those who reach it; one of each for the others (403, login)."""
        own = _own_public(world, actor)
        out = []
        for n, hidden_id in enumerate(_unpublished_ids()):
            if actor in EDITING or n == 0:
                form = edit_form(own, superseded_by=str(hidden_id))
                edit = f"/manage/materials/{own.id}/edit"
                out.append(("successor", "POST", edit, {"data": form}))
                patch = {"json": {"superseded_by": hidden_id}}
                out.append(("api successor", "PATCH", f"/api/v1/materials/{own.id}", patch))
            if actor == "union" or n == 0:
                share = {"target": str(hidden_id), "enterprise": "dn-may", "channel": "zalo"}
                out.append(("share link", "POST", "/sharing/links", {"data": share}))
        # Each file sent as a material of its own kind: refused as a duplicate, not as unfit.
        for n, (data, kind, extension) in enumerate(files if actor in EDITING else files[:1]):
            name = f"ban-sao-{n}.{extension}"
            page = {**edit_form(own), **new, "kind": kind, "body": "", "action": "draft"}
            page["file"] = (io.BytesIO(data), name)
            out.append(("duplicate", "POST", "/manage/materials/new", {"data": page}))
            api = {**new, "kind": kind, "file": (io.BytesIO(data), name)}
            out.append(("api duplicate", "POST", "/api/v1/materials", {"data": api}))
        return out

    return build


def test_refusals_name_nothing_their_reader_may_not_see(hidden):
    before = _state()
    statuses = {}
    answers, problems = check_all(hidden, refusal_requests(hidden, _kept_files(hidden)), statuses)
    FIGURES["refusals"] = answers
    assert not problems, "\n".join(problems)
    assert _state() == before, "a refused change was kept"
    # Each editing actor met the refusal itself (not a missing field or a lack of rights).
    for actor in ("editor_a", "editor_b", "reviewer_a", "admin"):
        for what in ("successor", "api successor", "duplicate", "api duplicate"):
            assert statuses[(actor, what)] == {422}, (actor, what, statuses[(actor, what)])
    assert statuses[("union", "share link")] == {422}


def _state():
    db.session.expire_all()
    rows = db.session.execute(select(Material.id, Material.superseded_by_id, Material.status))
    return sorted(rows), db.session.scalar(select(func.count()).select_from(ShareLink))


# --- the rules themselves ---------------------------------------------------------------------


def test_a_successor_must_be_published_and_hidden_ones_read_as_missing(hidden):
    editor = hidden.base.users["editor_b"]
    own = hidden.base.b_material
    messages = set()
    for hidden_id in [*_unpublished_ids(), 10**9]:
        with pytest.raises(ValidationFailed) as refused:
            catalog.update_material(editor, own, {"superseded_by": hidden_id})
        messages.add(str(refused.value.errors["superseded_by"]))
        db.session.rollback()
    assert len(messages) == 1  # a hidden material is refused exactly as a missing one
    catalog.update_material(editor, own, {"superseded_by": hidden.base.public.id})
    assert own.superseded_by_id == hidden.base.public.id
    db.session.rollback()


def test_a_duplicate_file_is_named_only_to_who_may_see_its_material(hidden):
    draft = hidden.materials["QXBDRZ"]
    data = _kept_files_of(draft)
    for actor, named in (("editor_a", False), ("editor_b", True), ("admin", True)):
        answer = ask(
            hidden,
            actor,
            "/api/v1/materials",
            "POST",
            data={
                "title": "Bản sao",
                "kind": "leaflet",
                "areas": "politics-law",
                "license": "gov-work",
                "organisation": "so-b",
                "file": (io.BytesIO(data), "ban-sao.pdf"),
            },
        )
        assert answer.json["error"] == "duplicate_file", answer.json
        assert ("QXBDRZ" in answer.json["message"]) is named, actor
        assert ("existing_id" in answer.json) is named, actor
        if not named:
            assert "đã có trong thư viện" in answer.json["message"]


def _kept_files_of(material) -> bytes:
    storage = get_storage()
    return storage.path(storage.key_for(material.file.sha256, material.file.extension)).read_bytes()


FIGURES: dict = {}


def test_figures_of_the_class_test(hidden, capsys):
    """Prints what the class test tried (run with -s to read it)."""
    with capsys.disabled():
        print(f"\nhidden titles: {len(hidden.secrets)} markers, {len(ACTORS)} actors, {FIGURES}")
