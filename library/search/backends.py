"""The app's search backend: made from the configuration, and remade when the administrator
edits the synonym list it expands queries with."""

import time

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError, ProgrammingError

from library.accounts.permissions import require
from library.catalog.validation import clean_text
from library.errors import ValidationFailed
from library.extensions import db
from library.models import SearchSynonyms
from library.search.base import SearchBackend
from library.search.synonyms import DEFAULT_SYNONYMS, Synonyms

SYNONYMS_VERSION = "search.synonyms_version"
SYNONYMS_CHECKED = "search.synonyms_checked_at"
SYNONYMS_CHECK = 5.0


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


def register(app) -> None:
    """Create the backend the app searches with."""
    app.extensions["search"] = make_backend(app)
    app.extensions[SYNONYMS_VERSION] = 0
