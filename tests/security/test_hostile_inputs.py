"""Every write route of the app, sent hostile input by a signed-in administrator (or, for the
sign-in pages, a visitor): no answer is a server error and a refusal saves nothing.

The routes are read from app.url_map (every rule taking POST, PUT, PATCH or DELETE); each is
sent first a body that works, then that body with one field at a time made hostile: CR/LF, a
very long text, a NUL, a file instead of text (or text, a CR/LF or NUL name, a long name, an
empty file instead of a file), a value of the wrong type, the field twice, the field missing;
then the whole request made hostile: no body, CR/LF in the query string, JSON sent to a page
(and for the API: every field of each JSON type, a key twice, not JSON, a list, 100,000 levels
of nesting). The working body is built from the forms the site itself renders (every page of
the permission matrix is read for its forms), the permission matrix's data and the few values
a form cannot know (valid_bodies).
"""

import io
import itertools
import json
import re
from collections import defaultdict

from bs4 import BeautifulSoup
from faults.faults_support import consistency
from sqlalchemy import func, select, text
from support import PASSWORD, upload, video_bytes
from werkzeug.datastructures import MultiDict

from library.accounts.permissions import SYSTEM
from library.accounts.services import reset_token
from library.catalog import services as catalog
from library.extensions import db
from library.models import Material

from .test_permission_matrix import MATRIX

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Pages signed-out people write to: a signed-in administrator would only be sent on.
VISITOR_RULES = {"/login", "/logout", "/password/forgot", "/password/reset"}
LONG = "Tiếng Việt dài " * 4_000  # 60,000 characters, 88 KB in UTF-8
TEXT_VALUES = {
    "CR/LF": "dòng một\r\nSet-Cookie: a=b\r\n\r\n<b>",
    "long": LONG,
    "NUL": "có\x00NUL",
}
JSON_WRONG_TYPES = {"number": 12345, "list": ["a", 1], "object": {"a": 1}, "null": None}
# Successful answers: a page write redirects, the API answers 200, 201 or 204; these pages
# answer 200 when they worked (a new API key shown once, OAI-PMH, the reset link's notice).
SUCCESS = {201, 204, 302, 303}
ANSWER_200 = {"accounts.create_token", "oai.endpoint", "accounts.forgot_password"}
ANSWER_200.add("catalog.bulk_action")  # the page listing what the bulk action changed
# Routes whose working body is refused all the same: the play beacon's material of the
# permission matrix is a draft PDF (a 404 for everybody), which no play can count.
NEVER_WORKING = {"/track/play/<int:material_id>"}
# Routes on a video's captions: they work on a video with captions (the permission matrix's
# fresh draft has none, so there they are refused for its content).
ON_CAPTIONS = {
    "/manage/materials/<id:material_id>/captions",
    "/manage/materials/<id:material_id>/captions/remove",
    "/api/v1/materials/<int:material_id>/captions",
}
SHADES = itertools.count(10, 7)  # each video's own bytes (a copy of another is refused)
CAPTIONS = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nLoi thoai moi\n"


def captioned_video(world, rule: str) -> str:
    """A new draft video of organisation A with captions, at this route."""
    material = catalog.create_material(
        SYSTEM,
        world.orgs["a"],
        {"title": "Video có phụ đề", "kind": "video", "areas": ["life-skills"],
         "license": "CC-BY-4.0"},
        upload(video_bytes([(next(SHADES), 60, 120)], seconds=0.5), "v.mp4"),
        upload(CAPTIONS, "v.vtt"),
    )  # fmt: skip
    db.session.commit()
    return re.sub(r"<\w+:material_id>", str(material.id), rule)


def valid_bodies(w) -> dict[str, dict]:
    """What the rendered forms cannot know (empty forms), by endpoint: values that work."""
    material = {
        "title": "Tài liệu thử đầu vào",
        "summary": "Tóm tắt.",
        "kind": "legal_digest",
        "areas": "politics-law",
        "license": "gov-work",
        "body": "Điều 1. Nội dung.",
        "tags": "an toàn, thử",
        "organisation": w.orgs["a"].code,
        "action": "publish",
    }
    return {
        "catalog.new_material": material,
        # (the edit form read is of a PDF leaflet; the material edited has a text instead)
        "catalog.edit_material": {"body": "Điều 1. Nội dung sửa."},
        "sharing.new_collection": {
            "title": "Bộ sưu tập thử",
            "slug": "bo-suu-tap-thu",
            "status": "draft",
            "materials": str(w.public.id),
            "organisation": w.orgs["a"].code,
        },
        "accounts.login": {"email": w.users["editor_b"].email, "password": PASSWORD},
        "accounts.create_token": {"name": "máy chủ thử"},
        "accounts.reset_password": {
            "token": reset_token(w.users["editor_b"], w.app.config["SECRET_KEY"]),
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
        "accounts.users": {
            "email": "moi@thuvien.vn",
            "password": "mat-khau-moi-dai-du",
            "role": "editor",
            "organisation": w.orgs["a"].code,
        },
        "accounts.organisations": {
            "code": "so-moi",
            "name": "Sở Mới",
            "type": "department",
            "workers": "100",
        },
        "metrics.offline_sessions": {
            "held_on": "2026-11-02",
            "organisation_id": str(w.enterprise.id),
            "areas": "politics-law",
            "attendees": "25",
            "materials": str(w.public.id),
            "note": "Buổi sinh hoạt ở xưởng may",
        },
        "metrics.workforce": {"total": "1500"},
        "catalog.replace_captions": {"captions": (io.BytesIO(CAPTIONS), "moi.vtt")},
        "catalog.send_back": {"comment": "Sửa lại tiêu đề."},
        "catalog.withdraw": {"reason": "Đã có văn bản mới."},
    }


def rendered_forms(world, admin) -> dict[str, MultiDict]:
    """The fields of every form on every page an administrator can open, by the endpoint the
    form is sent to, with the values the page puts in them."""
    adapter = world.app.url_map.bind("thuvien.test")
    found: dict[str, MultiDict] = {}
    for (method, _rule), route in MATRIX.items():
        if method != "GET" or route.api:
            continue
        answer = admin.get(route.url(world))
        if "html" not in answer.content_type:
            continue
        for form in BeautifulSoup(answer.text, "html.parser").select("form[method=post]"):
            action = (form.get("action") or answer.request.path).split("?")[0]
            try:
                endpoint, _ = adapter.match(action, method="POST")
            except Exception:  # noqa: BLE001 - a form sent elsewhere (another site)
                continue
            found.setdefault(endpoint, form_fields(form))
    return found


def form_fields(form) -> MultiDict:
    fields = MultiDict()
    for field in form.select("input, select, textarea, button"):
        name, kind = field.get("name"), (field.get("type") or "").lower()
        if not name or name == "csrf_token":
            continue
        if kind == "file":
            fields.add(name, FileInput())
            continue
        if field.name == "select":
            chosen = field.select("option[selected]") or field.select("option")[:1]
            for option in chosen:
                fields.add(name, option.get("value", option.get_text()))
        elif field.name == "textarea":
            fields.add(name, field.get_text())
        elif kind in ("checkbox", "radio"):
            if field.has_attr("checked"):
                fields.add(name, field.get("value", "on"))
        elif field.name == "button" or kind == "submit":
            if name not in fields:  # the first button: the form's main action
                fields.add(name, field.get("value", ""))
        else:
            fields.add(name, field.get("value", ""))
    return fields


class FileInput:
    """A file field of a rendered form: sent empty in the working body, as a browser does."""


HOSTILE_FILES = {
    "file named with CR/LF": (b"%PDF-1.4 not really", "to\r\ngap.pdf"),
    "file with NUL in its name": (b"%PDF-1.4 not really", "to\x00gap.pdf"),
    "file with a very long name": (b"%PDF-1.4 not really", "ữ" * 5_000 + ".pdf"),
    "empty file": (b"", "rong.pdf"),
}


# Routes that change what other routes' URLs are built from (a union's enterprises make its
# share links possible): tried last.
LAST = {"sharing.enterprises"}


def write_rules(app) -> list[tuple[str, str, str]]:
    rules = [
        (method, rule.rule, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in rule.methods & WRITE_METHODS
    ]
    return sorted(rules, key=lambda r: (r[2] in LAST, r))


def form_variants(base: MultiDict):
    """(name, body) pairs: the body that works, then each field made hostile in turn."""
    yield "working body", base
    for field in list(base.keys()):
        if isinstance(base.get(field), FileInput):
            for label, (data, name) in HOSTILE_FILES.items():
                yield f"{field}: {label}", _with(base, field, [(io.BytesIO(data), name)])
            yield f"{field}: text instead of a file", _with(base, field, [LONG])
            continue
        for label, value in TEXT_VALUES.items():
            yield f"{field}: {label}", _with(base, field, [value])
        yield f"{field}: a file instead of text", _with(base, field, [(io.BytesIO(b"x"), "a.txt")])
        wrong = "không-phải-số" if str(base.get(field)).strip().isdigit() else "-1e309"
        yield f"{field}: wrong type", _with(base, field, [wrong])
        yield f"{field}: twice", _with(base, field, [base.get(field), "giá-trị-khác"])
        yield f"{field}: missing", _with(base, field, [])
    yield "no body", MultiDict()


def _with(base: MultiDict, field: str, values: list) -> MultiDict:
    body = MultiDict([(k, v) for k, v in base.items(multi=True) if k != field])
    for value in values:
        body.add(field, value)
    return body


def json_variants(base: dict):
    yield "working body", json.dumps(base)
    for field in base:
        for label, value in {**TEXT_VALUES, **JSON_WRONG_TYPES}.items():
            yield f"{field}: {label}", json.dumps({**base, field: value})
        twice = json.dumps(base)[:-1] + f", {json.dumps(field)}: 7}}"
        yield f"{field}: twice", twice
        yield f"{field}: missing", json.dumps({k: v for k, v in base.items() if k != field})
    yield "not JSON", "{title: 'x'"
    yield "a list", "[1, 2]"
    yield "nested 100,000 deep", "[" * 100_000 + "]" * 100_000
    yield "no body", ""


# A page form sent JSON instead (Flask-WTF reads a JSON body as the form's data).
PAGE_JSON = (("list", "[1, 2]"), ("object of lists", '{"title": [1, {"a": 2}]}'))


def sendable(body: MultiDict) -> MultiDict:
    """A body the test client can send (again): files copied, empty file fields left out."""
    return MultiDict(
        (k, (io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v)
        for k, v in body.items(multi=True)
        if not isinstance(v, FileInput)
    )


HOSTILE_QUERY = "?next=/manage%0D%0ASet-Cookie:%20a=b&lang=vi%0D%0A&page=-1e309"


def cases(world, method, route, endpoint: str, forms: dict, valid: dict) -> list[tuple[str, dict]]:
    """Every request tried on a route: (name, keyword arguments of the test client's open)."""
    if route.api:
        headers = {"Authorization": f"Bearer {world.tokens['admin']}"}
        base = route.json(world) if route.json else {}
        if method == "POST":  # an administrator names the organisation of a new material
            base = {**base, "organisation": world.orgs["a"].code}
        return [
            (name, {"data": body, "headers": headers, "content_type": "application/json"})
            for name, body in json_variants(base)
        ]
    base = MultiDict(forms.get(endpoint, MultiDict()))
    for key, value in {
        **(route.data(world) if route.data else {}),
        **valid.get(endpoint, {}),
    }.items():
        base.setlist(key, value if isinstance(value, list) else [value])
    found = [(name, {"data": body}) for name, body in form_variants(base)]
    found.append(("hostile query string", {"data": base, "query": HOSTILE_QUERY}))
    for label, body in PAGE_JSON:
        found.append((f"JSON {label}", {"data": body, "content_type": "application/json"}))
    return found


def saved_state(statement) -> tuple:
    """Row counts of every table and the state of every material and collection: any change
    a request saves shows (read in three queries, so every request can be checked)."""
    db.session.expire_all()
    counts = tuple(db.session.execute(statement).one())
    materials = db.session.execute(
        text("SELECT id, status, title, updated_at, review_comment, file_id FROM materials")
    ).all()
    collections = db.session.execute(
        text("SELECT id, slug, title, status, updated_at FROM collections")
    ).all()
    return counts, sorted(map(tuple, materials)), sorted(map(tuple, collections))


def count_every_table():
    tables = db.metadata.sorted_tables
    return select(*(select(func.count()).select_from(t).scalar_subquery() for t in tables))


def test_no_write_route_answers_500_or_half_saves_hostile_input(world):
    app = world.app
    admin, visitor = world.clients["admin"], app.test_client()
    forms, valid, counting = rendered_forms(world, admin), valid_bodies(world), count_every_table()
    failures, tried, worked = [], 0, defaultdict(list)
    rules = write_rules(app)
    for method, rule, endpoint in rules:
        route = MATRIX[(method, rule)]
        client = visitor if rule in VISITOR_RULES else admin
        url = None  # built again (a fresh material, collection, link…) once a request changed it
        for name, case in cases(world, method, route, endpoint, forms, valid):
            url = url or (captioned_video(world, rule) if rule in ON_CAPTIONS else route.url(world))
            before = saved_state(counting)
            arguments = {k: v for k, v in case.items() if k != "query"}
            if isinstance(case["data"], MultiDict):
                arguments["data"] = sendable(case["data"])
            try:
                status = client.open(
                    url + case.get("query", ""), method=method, **arguments
                ).status_code
            except Exception as error:  # noqa: BLE001 - an exception that escaped is a 500 too
                failures.append(f"{method} {rule} [{name}]: {type(error).__name__}: {error}")
                continue
            tried += 1
            if status >= 500:
                failures.append(f"{method} {rule} [{name}]: {status}")
            elif status in SUCCESS or (status == 200 and (route.api or endpoint in ANSWER_200)):
                url = None
                if name == "working body":
                    worked[status].append(rule)
            elif saved_state(counting) != before:
                failures.append(f"{method} {rule} [{name}]: refused with {status} yet saved")
    assert not failures, "\n".join(failures)
    assert len(rules) >= 29
    assert {rule for _m, rule, _e in rules} - {r for w in worked.values() for r in w} == (
        NEVER_WORKING
    ), "a working body was refused: its hostile variants would only test a refusal"
    files = {k: v for k, v in consistency(app).items() if k != "index"}
    assert files == {"missing_files": [], "orphan_files": [], "tmp": []}  # no orphan, no loss
    materials = db.session.scalars(select(Material)).all()
    assert all(m.areas and (m.file_id or m.body or m.video_url) for m in materials)
    print(f"\nhostile inputs: {len(rules)} write routes, {tried} requests; working: {dict(worked)}")
