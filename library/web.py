"""Small helpers shared by the page views."""

from urllib.parse import urlencode

from flask import flash, g, request, url_for
from werkzeug.datastructures import iter_multi_items
from werkzeug.routing import BaseConverter, ValidationError

from library.errors import DomainError
from library.extensions import db
from library.models.base import MAX_ID


class IdConverter(BaseConverter):
    """A row id in a URL: digits that fit the database, so a huge number is a plain 404."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        if int(value) > MAX_ID:
            raise ValidationError  # no route matches: a 404
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


def show_form_errors(form, err: DomainError) -> None:
    """Undo the failed work and put a service's field errors next to the form's fields."""
    db.session.rollback()
    for name, message in err.errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), message]
        else:
            flash(message, "error")
    if not err.errors:
        flash(err.message, "error")


def page_arg() -> int:
    """The ?page= number, at least 1, whatever was typed."""
    try:
        page = int(request.args.get("page", 1))
    except (TypeError, ValueError):
        return 1
    return min(max(page, 1), 10_000)


def search_url(values: dict) -> str:
    """What url_for("search.results", **values) gives, without going through the URL map for
    each of the 30 filter and sort links of a search page (a third of its rendering)."""
    path = g.get("search_path")
    if path is None:
        path = g.search_path = url_for("search.results")
    items = [(k, v) for k, v in iter_multi_items(values) if v is not None]
    # The characters Werkzeug leaves unquoted in a query (the WHATWG URL spec's).
    query = urlencode(items, safe="!$'()*,/:;?@")
    return f"{path}?{query}" if query else path
