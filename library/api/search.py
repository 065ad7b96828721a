"""Search over the API: the same queries as the search page."""

from flask import jsonify, request, url_for

from library.api import bp, planned
from library.api.openapi import describe
from library.search import services

describe(planned.SEARCH_PATHS, planned.SEARCH_SCHEMAS)


@bp.get("/search")
def search_json():
    """Search results, facets and a spelling suggestion, as JSON."""
    query = services.parse_query(request.args, strict=True, per_page=20)
    page = services.search_materials(query)
    results = [
        {
            "id": m.id,
            "title": m.title,
            "url": url_for("catalog.material", material_id=m.id, _external=True),
            "kind": m.kind,
            "areas": m.area_codes,
            "snippet": page.snippets.get(m.id, ""),
        }
        for m in page.materials
    ]
    return jsonify(
        {
            "total": page.results.total,
            "page": query.page,
            "results": results,
            "facets": page.results.facets,
            "suggestion": page.results.suggestion,
        }
    )


@bp.get("/suggest")
def suggest_json():
    """Up to 10 titles for what has been typed so far."""
    text = services.clean_text(request.args.get("q", ""))[:100]
    return jsonify(services.suggest_titles(text, 10) if text else [])
