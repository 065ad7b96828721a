"""Search as the rest of the product uses it: which materials are in the index, queries from
pages and the API, and keeping the index in step with the database.

The database is the truth and the index is derived: documents are built before a commit (while
the rows are loaded) and written after it succeeds, so a rolled-back change never reaches search.
"""

import logging
import re
import time
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.track_modifications import before_models_committed, models_committed
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import selectinload

from library.accounts import services as accounts
from library.accounts.permissions import require
from library.areas import AREA_CODES
from library.catalog.validation import clean_text
from library.errors import DomainError, ValidationFailed
from library.extensions import db
from library.models import Material, Organisation, SearchSynonyms, StoredFile
from library.models.materials import KINDS
from library.search.base import (
    MAX_PAGE,
    MAX_PER_PAGE,
    SORTS,
    SearchBackend,
    SearchQuery,
    SearchResults,
    SearchUnavailable,
    area_order,
    distinct_titles,
)
from library.search.synonyms import DEFAULT_SYNONYMS, Synonyms

log = logging.getLogger(__name__)
PENDING = "library.search.pending"
SYNONYMS_VERSION = "search.synonyms_version"
SYNONYMS_CHECKED = "search.synonyms_checked_at"
SYNONYMS_CHECK = 5.0
BULK_THRESHOLD = 500
DEFERRED = "library.search.deferred"
NOTES = "library.search.notes"
DEFERRED_NOTES = "library.search.deferred_notes"
NOTE_MARGIN = 60.0  # seconds: longer than a note waits for its commit (SQLite waits 30 s)
MAX_QUERY = 300
ORG_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


# Everything material_document reads, loaded up front instead of one query per material.
_DOCUMENT_LOADS = (
    selectinload(Material.areas),
    selectinload(Material.tags),
    selectinload(Material.file),
    selectinload(Material.captions),
    selectinload(Material.organisation),
)


@dataclass
class SearchPage:
    """One page of results: the materials in ranked order with their snippets, and the facets."""

    query: SearchQuery
    results: SearchResults
    materials: list = field(default_factory=list)
    snippets: dict[int, str] = field(default_factory=dict)


def get_backend() -> SearchBackend:
    """The app's backend, remade if the administrator edited the synonym list meanwhile.

    The list's version is read at most every SYNONYMS_CHECK seconds, not on every search.
    """
    extensions = current_app.extensions
    if time.monotonic() - extensions.get(SYNONYMS_CHECKED, -SYNONYMS_CHECK) >= SYNONYMS_CHECK:
        row = _synonyms_row()
        version = row.version if row else 0
        if extensions.get(SYNONYMS_VERSION) != version:
            extensions["search"] = make_backend(current_app, row.text if row else None)
            extensions[SYNONYMS_VERSION] = version
        extensions[SYNONYMS_CHECKED] = time.monotonic()
    return extensions["search"]


def make_backend(app, synonyms_text: str | None = None) -> SearchBackend:
    """The backend named by SEARCH_BACKEND: "whoosh" (the embedded default, a folder) or
    "postgres" (tables in the app's database, which must then be PostgreSQL)."""
    kind = app.config.get("SEARCH_BACKEND") or "whoosh"
    if kind == "postgres":
        from library.search.postgres_backend import PostgresBackend

        with app.app_context():
            engine = db.engine
        return PostgresBackend(engine, synonyms_text=synonyms_text)
    if kind != "whoosh":
        raise RuntimeError(f"SEARCH_BACKEND must be 'whoosh' or 'postgres', not {kind!r}")
    from library.search.whoosh_backend import WhooshBackend

    return WhooshBackend(app.config["SEARCH_INDEX_DIR"], synonyms_text=synonyms_text)


def _synonyms_row() -> SearchSynonyms | None:
    try:
        return db.session.get(SearchSynonyms, 1)
    except (OperationalError, ProgrammingError):  # a database not migrated yet
        db.session.rollback()
        return None


def synonyms_text() -> str:
    """The synonym list in force, as the administrator edits it."""
    row = _synonyms_row()
    return row.text if row else DEFAULT_SYNONYMS


def save_synonyms(actor, text: str) -> Synonyms:
    """Store a new synonym list (administrators only); refuse it if a line is malformed."""
    require(getattr(actor, "role", None) == "admin")
    text = clean_text(text)
    parsed = Synonyms.from_text(text)
    if parsed.problems:
        raise ValidationFailed(errors={"text": "; ".join(parsed.problems)})
    if not parsed.groups:
        raise ValidationFailed(errors={"text": _l("Danh sách cần ít nhất một nhóm.")})
    row = _synonyms_row() or SearchSynonyms(id=1, text="", version=0)
    row.text, row.version = text, row.version + 1
    row.updated_by_id = getattr(actor, "id", None)
    db.session.add(row)
    db.session.flush()
    current_app.extensions.pop(SYNONYMS_CHECKED, None)
    return parsed


def material_document(material: Material, views: int = 0) -> dict:
    """What the index knows of a published material."""
    # A PDF's text and a video's or an audio's transcript are searched like the body.
    texts = (material.body, *(f.text for f in (material.file, material.captions) if f))
    body = "\n".join(part for part in texts if part)
    return {
        "id": material.id,
        "title": material.title,
        "summary": material.summary,
        "body": body,
        "tags": material.tag_names,
        "areas": material.area_codes,
        "kind": material.kind,
        "org": material.organisation.code,
        "published_at": material.published_at or material.created_at,
        "views": views,
        "superseded": material.superseded_by_id is not None,
    }


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


def published_documents(batch: int = 500):
    """Every published material as a document, read in batches (for a full reindex)."""
    query = (
        select(Material)
        .where(Material.status == "published")
        .order_by(Material.id)
        .options(*_DOCUMENT_LOADS)
    )
    for material in db.session.scalars(query.execution_options(yield_per=batch)):
        yield material_document(material)


def count_published() -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).where(Material.status == "published"))


def reindex(progress=None) -> int:
    """Rebuild the index from the database, aside, then swap it in."""
    backend = get_backend()
    settled = backend.settled_notes(NOTE_MARGIN)  # before reading: the new index has them
    backend.rebuild(published_documents(), progress=progress)
    _clear_notes(settled)
    return backend.doc_count()


def defer_indexing(session) -> None:
    """Collect changed materials instead of indexing at each commit (bulk import).

    One note covers the whole import (every hit is checked until flush_deferred): a note per
    commit would cost a directory sync per imported line.
    """
    session.info[DEFERRED] = set()
    session.info[DEFERRED_NOTES] = [_note(None)]


def flush_deferred(session, batch: int = 500, progress=None) -> None:
    """Index the materials collected since defer_indexing.

    Many at once (a bulk import) are cheaper to index by rebuilding the whole index aside with
    the bulk builder than one by one through Whoosh's writer (about 8 ms each).
    """
    ids = sorted(session.info.pop(DEFERRED, set()))
    notes = session.info.pop(DEFERRED_NOTES, [])
    if len(ids) > max(BULK_THRESHOLD, _indexed_count() // 10):
        reindex(progress)
        _clear_notes(notes)
        return
    written = True
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        materials = db.session.scalars(
            select(Material).where(Material.id.in_(chunk)).options(*_DOCUMENT_LOADS)
        )
        written &= _write(
            {m.id: (material_document(m) if m.status == "published" else None) for m in materials}
        )
    if written:
        _clear_notes(notes)


def _indexed_count() -> int:
    try:
        return get_backend().doc_count()
    except SearchUnavailable:  # no index yet: the first import builds it
        return 0


def _collect(sender, changes) -> None:
    """Before commit: turn each changed material into a document (or a removal), and note
    that they are on their way to the index."""
    session = db.session()
    deferred = session.info.get(DEFERRED)
    pending = session.info.setdefault(PENDING, {})
    changed = set()
    for obj, operation in changes:
        if not isinstance(obj, Material):
            continue
        if obj.id is not None:  # (one never flushed is in no index yet)
            changed.add(obj.id)
        if deferred is not None:
            deferred.add(obj.id)
        elif operation == "delete" or obj.status != "published":
            pending[obj.id] = None
        else:
            pending[obj.id] = material_document(obj)
    if changed and deferred is None:
        session.info.setdefault(NOTES, []).append(_note(changed))


def _note(ids: set[int] | None):
    """A pending note for `ids`; None if it cannot be made (the save goes on regardless)."""
    try:
        return current_app.extensions["search"].note_pending(ids)
    except OSError:
        log.exception("could not note changes to %s as pending for search", ids or "materials")
        return None


def _apply(sender, changes) -> None:
    """After commit: write what _collect prepared; a search failure never undoes the save.
    The notes are cleared once the index has the changes."""
    session = db.session()
    if DEFERRED in session.info:
        return  # flush_deferred indexes and clears the import's note
    notes = session.info.pop(NOTES, [])
    if _write(session.info.pop(PENDING, {})):
        _clear_notes(notes)


def _forget(session, *args) -> None:
    """After a rollback: nothing of the transaction reached the database, nor will the index."""
    session.info.pop(PENDING, None)
    _clear_notes(session.info.pop(NOTES, []))


def _clear_notes(notes) -> None:
    if not notes or not has_app_context():
        return
    backend = current_app.extensions["search"]
    for note in notes:
        try:
            backend.clear_pending(note)
        except OSError:  # left behind, it only makes searches check these ids in the database
            log.warning("could not clear a pending search note", exc_info=True)


def _write(pending: dict) -> bool:
    """Index or remove the documents of `pending`; False (logged) if the index refused."""
    if not pending:
        return True
    # Right after a commit the session can run no query: use the backend in hand, not get_backend.
    backend = current_app.extensions["search"]
    try:
        docs = [doc for doc in pending.values() if doc is not None]
        removed = [mid for mid, doc in pending.items() if doc is None]
        if docs:
            backend.index(docs)
        if removed:
            backend.remove(removed)
    except Exception:  # noqa: BLE001 - the save has committed; search must not turn it into an error
        log.exception(
            "%d changes not indexed; flask search reindex repairs the index", len(pending)
        )
        return False
    return True


def register(app) -> None:
    """Create the backend and keep it in step with committed materials."""
    app.extensions["search"] = make_backend(app)
    app.extensions[SYNONYMS_VERSION] = 0

    @app.errorhandler(SearchUnavailable)
    def unavailable(err):
        from library.errors import error_response

        message = _l("Tìm kiếm tạm thời không khả dụng. Quản trị viên cần dựng lại chỉ mục.")
        return error_response(503, "search_unavailable", message)

    before_models_committed.connect(_collect, app)
    models_committed.connect(_apply, app)
    if not sa_event.contains(db.session, "after_rollback", _forget):
        sa_event.listen(db.session, "after_rollback", _forget)
