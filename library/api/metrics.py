"""Figures over the API: one material's counts, and the yearly summary per area."""

from flask import abort, g, jsonify, request

from library.api import bp, planned
from library.api.auth import token_required
from library.api.materials import _visible
from library.api.openapi import describe
from library.errors import PermissionDenied
from library.metrics import reach, services

describe(planned.STATS_PATHS)
describe(planned.METRICS_PATHS, planned.METRICS_SCHEMAS)


@bp.get("/materials/<int:material_id>/stats")
def material_stats(material_id: int):
    """All-time views, downloads, plays, unique visitors and robot requests of a material."""
    return jsonify(services.material_stats(_visible(material_id).id))


@bp.get("/metrics/summary")
@token_required
def metrics_summary():
    """Per area: views, unique visitors, offline attendees, reach and targets (administrators)."""
    if not g.api_user.is_admin:
        raise PermissionDenied()
    year = request.args.get("year", type=int)
    if year is None or not 2000 <= year <= 2100:
        abort(400)
    return jsonify(reach.summary(year))
