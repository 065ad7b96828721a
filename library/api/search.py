"""Search over the API: the same queries as the search page."""

from flask import jsonify, request

from library.addresses import public_url
from library.api import bp, planned
from library.api.openapi import describe
from library.catalog.validation import clean_text
from library.search import querying

describe(planned.SEARCH_PATHS, planned.SEARCH_SCHEMAS)


@bp.get("/search")
def search_json():
    """Search results, facets, and the corrected query they are for or a spelling suggestion,
    as JSON."""
    query = querying.parse_query(request.args, strict=True, per_page=20)
    results, found = querying.search_summaries(query)
    # One url_for for the whole page rather than one per result.
    base = public_url("catalog.material", material_id=0)[:-1]
    for item in found:
        item["url"] = f"{base}{item['id']}"
    return jsonify(
        {
            "total": results.total,
            "page": query.page,
            "results": found,
            "facets": results.facets,
            "suggestion": results.suggestion,
            "query_used": results.query_used,
        }
    )


@bp.get("/suggest")
def suggest_json():
    """Up to 10 titles for what has been typed so far."""
    text = clean_text(request.args.get("q", ""))[:100]
    return jsonify(querying.suggest_titles(text, 10) if text else [])
