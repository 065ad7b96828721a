"""Parts of a page kept rendered by each worker while what they show is unchanged.

A part is kept under the catalogue's version (library/catalog/cached.py: any change to a
material, file, area, organisation or collection makes a new one), the language and the key
its caller gives; so a change shows at once in every worker, as the kept lists do. Only parts
that show the same to every visitor belong here (nothing of the user, the request or the time).
"""

import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from library.catalog import cached, reading, services

LIMIT = 128  # parts kept per worker; a long decree's reading view is about 100 KB
_lock = threading.Lock()


def kept_render(key: tuple, template: str, context: Callable[[], dict]) -> Markup:
    """`template` rendered with `context()`, or what it gave under the same key and version."""
    store = current_app.extensions.setdefault("kept_fragments", OrderedDict())
    full = (template, cached.version(), str(get_locale()), request.script_root, *key)
    with _lock:
        found = store.get(full)
        if found is not None:
            store.move_to_end(full)
            return found
    html = Markup(render_template(template, **context()))
    with _lock:
        store[full] = html
        while len(store) > LIMIT:
            store.popitem(last=False)
    return html


def pdf_part(material) -> Markup:
    """A PDF material's reading view and page images (catalog/_pdf.html): the same for every
    visitor, and thousands of blocks for a long decree."""
    stored = material.file

    def context() -> dict:
        view = services.reading_view(stored)
        if view is not None:
            view = dict(view, blocks=reading.list_groups(view["blocks"]))
        return {"f": stored, "material": material, "reading_view": view}

    return kept_render(("pdf", material.id, stored.id), "catalog/_pdf.html", context)
