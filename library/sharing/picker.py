"""Picking a material by its title: suggestions as an officer types, and the material a typed
text names (a suggestion taken, an exact title, a number or a page address)."""

import re
import unicodedata

from sqlalchemy import select

from library.catalog.validation import clean_text
from library.extensions import db
from library.models import Material
from library.search import querying
from library.search.base import SearchError, SearchQuery

# A suggestion taken from the list reads "Title (#12)": the number settles which material.
TAGGED = re.compile(r"\(#([1-9][0-9]{0,17})\)\s*$")
MATERIAL_PATH = re.compile(r"(?:^|/)materials/([1-9][0-9]{0,17})/?(?:[?#].*)?$")
NUMBER = re.compile(r"^#?([1-9][0-9]{0,17})$")
MIN_TYPED = 2
MAX_TYPED = 300
LIMIT = 8


def choice_value(material_id: int, title: str) -> str:
    """What a suggestion puts in the field: the title, then the number that settles it."""
    return f"{title} (#{material_id})"


def suggest_materials(text: str, limit: int = LIMIT) -> list[dict]:
    """Published materials for what was typed: titles it begins first, then search's best."""
    text = clean_text(text)[:MAX_TYPED]
    if len(text) < MIN_TYPED:
        return []
    try:
        titles = querying.suggest_titles(text, limit)
        _results, found = querying.search_summaries(
            SearchQuery(text=text, per_page=limit, facets=False)
        )
    except SearchError:
        return []
    by_title = _published_with_titles(titles)
    ordered = [m for t in titles for m in by_title.get(_folded(t), [])] + found
    picked, seen = [], set()
    for item in ordered:
        if item["id"] not in seen and len(picked) < limit:
            seen.add(item["id"])
            picked.append({**item, "value": choice_value(item["id"], item["title"])})
    return picked


def _published_with_titles(titles: list[str]) -> dict[str, list[dict]]:
    """Published materials having exactly one of these titles, by folded title."""
    if not titles:
        return {}
    query = select(Material.id, Material.title, Material.kind).where(
        Material.title.in_(titles), Material.status == "published"
    )
    found: dict[str, list[dict]] = {}
    for material_id, title, kind in db.session.execute(query.order_by(Material.id.desc())):
        found.setdefault(_folded(title), []).append(
            {"id": material_id, "title": title, "kind": kind}
        )
    return found


def _folded(title: str) -> str:
    return unicodedata.normalize("NFC", title).casefold().strip()


def named_material(text: str) -> Material | None:
    """The material a typed text names, or None when it names none or several."""
    text = clean_text(text)[:MAX_TYPED]
    match = TAGGED.search(text) or MATERIAL_PATH.search(text) or NUMBER.match(text)
    if match:
        return db.session.get(Material, int(match.group(1)))
    same = [m for m in suggest_materials(text) if _folded(m["title"]) == _folded(text)]
    if len(same) == 1:
        return db.session.get(Material, same[0]["id"])
    return None


def slots(texts: list[str], minimum: int) -> list[dict]:
    """Material inputs as posted (at least `minimum`), each with the choices to offer when its
    typed title named no single material: the fallback of the suggestions without JavaScript."""
    texts = [clean_text(t)[:MAX_TYPED] for t in texts]
    texts += [""] * (minimum - len(texts))
    return [{"value": t, "choices": choices_for(t)} for t in texts]


def choices_for(text: str) -> list[dict]:
    """The materials to choose from for a typed text that names none or several."""
    if not text or named_material(text) is not None:
        return []
    return suggest_materials(text)
