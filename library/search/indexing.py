"""Keeping the index in step with the database: commit hooks, deferred indexing for bulk
imports, and the full reindex.

The database is the truth and the index is derived: documents are built before a commit (while
the rows are loaded) and written after it succeeds, so a rolled-back change never reaches search.
"""

import logging

from flask import current_app, has_app_context
from flask_sqlalchemy.track_modifications import before_models_committed, models_committed
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from library.extensions import db
from library.models import Material
from library.search.backends import get_backend
from library.search.base import SearchUnavailable

log = logging.getLogger(__name__)
PENDING = "library.search.pending"
BULK_THRESHOLD = 500
DEFERRED = "library.search.deferred"
NOTES = "library.search.notes"
DEFERRED_NOTES = "library.search.deferred_notes"
NOTE_MARGIN = 60.0  # seconds: longer than a note waits for its commit (SQLite waits 30 s)


# Everything material_document reads, loaded up front instead of one query per material.
_DOCUMENT_LOADS = (
    selectinload(Material.areas),
    selectinload(Material.tags),
    selectinload(Material.file),
    selectinload(Material.captions),
    selectinload(Material.organisation),
)


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
    """Keep the index in step with committed materials."""
    before_models_committed.connect(_collect, app)
    models_committed.connect(_apply, app)
    if not sa_event.contains(db.session, "after_rollback", _forget):
        sa_event.listen(db.session, "after_rollback", _forget)
