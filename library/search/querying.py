"""Queries from pages and the API: their arguments parsed, run on the backend, and the
materials found loaded from the database in ranked order."""

import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from library.accounts import services as accounts
from library.areas import AREA_CODES
from library.catalog import cached
from library.catalog.validation import clean_text
from library.errors import DomainError
from library.extensions import db
from library.models import Material, Organisation, StoredFile
from library.models.materials import KINDS
from library.search.backends import get_backend
from library.search.base import (
    MAX_PAGE,
    MAX_PER_PAGE,
    SORTS,
    SearchQuery,
    SearchResults,
    area_order,
    distinct_titles,
)

MAX_QUERY = 300
KEPT_ROWS = 20_000  # result rows kept per worker under the catalogue's version
ORG_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass
class SearchPage:
    """One page of results: the materials in ranked order with their snippets, and the facets."""

    query: SearchQuery
    results: SearchResults
    materials: list = field(default_factory=list)
    snippets: dict[int, str] = field(default_factory=dict)


def parse_query(args, strict: bool = False, per_page: int = 10) -> SearchQuery:
    """A query from request arguments. Pages ignore a bad filter; the API (strict) refuses it."""
    problems: dict[str, str] = {}

    def choice(name, allowed):
        value = args.get(name) or None
        if value is not None and value not in allowed:
            problems[name] = _l("Giá trị không hợp lệ.")
            return None
        return value

    def number(name, default, low, high):
        raw = args.get(name)
        try:
            value = int(raw) if raw not in (None, "") else default
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            problems[name] = _l("Cần một số từ %(low)s đến %(high)s.", low=low, high=high)
            return default if value is None else min(max(value, low), high)
        return value

    org = accounts.organisation_code(args.get("org")) or None
    if org is not None and not ORG_CODE.match(org):
        problems["org"] = _l("Giá trị không hợp lệ.")
        org = None
    query = SearchQuery(
        text=clean_text(args.get("q", ""))[:MAX_QUERY],
        area=choice("area", AREA_CODES),
        kind=choice("kind", KINDS),
        org=org,
        year=number("year", None, 2000, 2100) if args.get("year") else None,
        sort=choice("sort", SORTS) or "relevance",
        page=number("page", 1, 1, MAX_PAGE),
        per_page=number("per_page", per_page, 1, MAX_PER_PAGE) if strict else per_page,
        literal=args.get("literal") == "1",
    )
    if strict and problems:
        raise DomainError(_l("Tham số tìm kiếm không hợp lệ."), errors=problems)
    return query


def search_materials(query: SearchQuery) -> SearchPage:
    """Run a query and load the public materials it found, keeping the ranking."""
    results = get_backend().search(query)
    ids = [hit.id for hit in results.hits]
    by_id = {m.id: m for m in _result_rows(ids)} if ids else {}
    page = SearchPage(query, results)
    page.materials = [by_id[i] for i in ids if i in by_id]
    page.snippets = {hit.id: hit.snippet_html for hit in results.hits}
    return page


def search_summaries(query: SearchQuery) -> tuple[SearchResults, list[dict]]:
    """Run a query and return, in ranked order, the id, title, kind, areas and snippet of each
    public material found: what the API lists.

    They come from the index, which holds published materials only, as the database has them
    once every change has reached it. A hit named by a pending note (a change committed but not
    yet indexed, or whose indexing failed) is confirmed in the database instead, so a material
    withdrawn a moment ago never shows.
    """
    backend = get_backend()
    # Notes read before the index: a change whose note is gone by now is in what we search.
    pending = backend.pending_ids()
    results = backend.search(query)
    if not results.hits:
        return results, []
    doubtful = [hit.id for hit in results.hits if pending is None or hit.id in pending]
    confirmed = _published_summaries(doubtful) if doubtful else {}
    found = []
    for hit in results.hits:
        if hit.id in confirmed:
            item = confirmed[hit.id]
        elif pending is not None and hit.id not in pending:
            item = {"id": hit.id, "title": hit.title, "kind": hit.kind, "areas": list(hit.areas)}
        else:
            continue  # no longer published
        item["snippet"] = hit.snippet_html
        found.append(item)
    return results, found


def _published_summaries(ids: list[int]) -> dict[int, dict]:
    """The id, title, kind and areas of those of `ids` that are published, from the database."""
    from library.models.materials import material_areas

    found: dict[int, dict] = {}
    # One query, a row per material and area; areas are put in their fixed order here.
    for material_id, title, kind, code in db.session.execute(
        select(Material.id, Material.title, Material.kind, material_areas.c.area_code)
        .join(material_areas, material_areas.c.material_id == Material.id)
        .where(Material.id.in_(ids), Material.status == "published")
    ):
        item = found.setdefault(
            material_id, {"id": material_id, "title": title, "kind": kind, "areas": []}
        )
        item["areas"].append(code)
    for item in found.values():
        item["areas"].sort(key=area_order)
    return found


@dataclass(frozen=True)
class ResultFile:
    mime_type: str
    extension: str
    size: int


@dataclass(frozen=True)
class ResultRow:
    """What a result shows of a material beside its snippet."""

    id: int
    title: str
    kind: str
    superseded_by_id: int | None
    file: ResultFile | None


def _result_rows(ids: list[int]) -> list[ResultRow]:
    """The rows of those of `ids` that are published, each read once per catalogue version
    (library/catalog/cached.py): a popular result is shown again without a query."""
    version = cached.version()
    kept = current_app.extensions.get("result_rows")
    if kept is None or kept[0] != version:
        kept = current_app.extensions["result_rows"] = (version, {})
    rows = kept[1]
    missing = [i for i in ids if i not in rows]
    if missing:
        found = {row.id: row for row in _read_result_rows(missing)}
        if len(rows) > KEPT_ROWS:
            rows.clear()
        rows.update({i: found.get(i) for i in missing})  # None: not published
    return [rows[i] for i in ids if rows.get(i) is not None]


def _read_result_rows(ids: list[int]) -> list[ResultRow]:
    """The few columns a result list shows, in one query: not whole materials with their text."""
    rows = db.session.execute(
        select(
            Material.id,
            Material.title,
            Material.kind,
            Material.superseded_by_id,
            StoredFile.mime_type,
            StoredFile.extension,
            StoredFile.size,
        )
        .outerjoin(StoredFile, StoredFile.id == Material.file_id)
        .where(Material.id.in_(ids), Material.status == "published")
    )
    return [
        ResultRow(id, title, kind, successor, ResultFile(mime, ext, size) if mime else None)
        for id, title, kind, successor, mime, ext, size in rows
    ]


def suggest_titles(text: str, limit: int = 10) -> list[str]:
    """Titles completing what the user typed, from the index; as for results, an entry named
    by a pending note is shown only if the database still has it published."""
    backend = get_backend()
    pending = backend.pending_ids()  # before the index, as for results
    entries = backend.suggest_entries(text, limit)
    doubtful = {i for i, _title in entries if pending is None or i in pending}
    if doubtful:
        public = set(
            db.session.scalars(
                select(Material.id).where(Material.id.in_(doubtful), Material.status == "published")
            )
        )
        entries = [(i, title) for i, title in entries if i in public or i not in doubtful]
    return distinct_titles(entries, limit)


def organisation_names(codes) -> dict[str, str]:
    """Names to show for the organisation facet."""
    rows = db.session.execute(
        select(Organisation.code, Organisation.name).where(Organisation.code.in_(list(codes)))
    )
    return dict(rows.all())
