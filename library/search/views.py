"""The search page and the search API."""

from flask import Blueprint, render_template, request

from library.areas import all_areas
from library.search import services
from library.search.base import SearchUnavailable

bp = Blueprint("search", __name__)


@bp.route("/search")
def results():
    query = services.parse_query(request.args, per_page=10)
    try:
        page = services.search_materials(query) if query.text or _has_filter(query) else None
    except SearchUnavailable:
        return render_template("search/results.html", query=query, page=None, unavailable=True), 503
    orgs = services.organisation_names(page.results.facets.get("org", {})) if page else {}
    return render_template(
        "search/results.html",
        query=query,
        page=page,
        unavailable=False,
        areas={a.code: a for a in all_areas()},
        organisations=orgs,
    )


def _has_filter(query) -> bool:
    return any((query.area, query.kind, query.org, query.year))
