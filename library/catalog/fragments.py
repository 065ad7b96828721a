"""Parts of a page kept rendered by each worker while what they show is unchanged.

A part is kept under the catalogue's version (library/catalog/cached.py: any change to a
material, file, area, organisation or collection makes a new one), the language and the key
its caller gives; so a change shows at once in every worker, as the kept lists do. Only parts
that show the same to every visitor belong here (nothing of the user, the request or the time).
"""

import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, has_request_context, render_template, request
from flask_babel import get_locale
from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup

from library.catalog import cached, reading, services

LIMIT = 16_000_000  # characters kept per worker; a long decree's reading view is about 100 KB
_lock = threading.Lock()


class _Kept:
    """Rendered parts, the least recently used forgotten beyond LIMIT characters in all."""

    def __init__(self):
        """Nothing kept yet."""
        self.parts: OrderedDict = OrderedDict()
        self.size = 0

    def get(self, key) -> Markup | None:
        """The part kept under `key`, now the most recently used."""
        found = self.parts.get(key)
        if found is not None:
            self.parts.move_to_end(key)
        return found

    def put(self, key, html: Markup) -> None:
        """Keep `html` under `key`."""
        old = self.parts.pop(key, None)
        self.size += len(html) - (len(old) if old is not None else 0)
        self.parts[key] = html
        while self.size > LIMIT and len(self.parts) > 1:
            self.size -= len(self.parts.popitem(last=False)[1])


def kept_render(key: tuple, template: str, context: Callable[[], dict]) -> Markup:
    """`template` rendered with `context()`, or what it gave under the same key and version."""
    return kept_markup((template, *key), lambda: render_template(template, **context()))


def kept_markup(key: tuple, render: Callable[[], str], versioned: bool = True) -> Markup:
    """`render()`, or what it gave under the same key, language and address (and catalogue
    version, unless the part shows nothing of the catalogue)."""
    if not has_request_context():
        return Markup(render())
    store = current_app.extensions.get("kept_fragments")
    if store is None:
        store = current_app.extensions.setdefault("kept_fragments", _Kept())
    # The host is part of the key: absolute addresses (canonical, share links) come from it.
    version = cached.version() if versioned else None
    full = (version, str(get_locale()), request.host_url, request.script_root, *key)
    with _lock:
        found = store.get(full)
    if found is not None:
        return found
    html = Markup(render())
    with _lock:
        store.put(full, html)
    return html


def frozen(value):
    """`value` as a key of a kept part: dicts and lists become tuples, all the way down."""
    if isinstance(value, dict):
        return tuple((k, frozen(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return tuple(frozen(v) for v in value)
    return value


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


class KeptExtension(Extension):
    """`{% kept key %}...{% endkept %}` in a template: the enclosed part rendered once per
    catalogue version, language, address and `key` (see kept_markup), so the part must show
    nothing of the visitor, the request or the time beyond what its key says.
    `{% kept_static key %}` is the same for a part that shows nothing of the catalogue either
    (no database read: error pages use it too)."""

    tags = {"kept", "kept_static"}

    def parse(self, parser):
        """The key expression and the body up to {% endkept %}."""
        token = next(parser.stream)
        key = parser.parse_expression()
        body = parser.parse_statements((f"name:end{token.value}",), drop_needle=True)
        where = nodes.Const(f"{parser.name}:{token.lineno}")
        versioned = nodes.Const(token.value == "kept")
        call = self.call_method("_kept", [where, key, versioned])
        return nodes.CallBlock(call, [], [], body).set_lineno(token.lineno)

    def _kept(self, where: str, key, versioned: bool, caller) -> Markup:
        """The kept part at `where` under `key`, rendered by `caller` when missing."""
        return kept_markup((where, key), caller, versioned)
