"""Metrics: rollups, reach against the Program 1268 targets, dashboards, reports, sessions."""

from flask import Blueprint

bp = Blueprint("metrics", __name__, url_prefix="/metrics")

from library.metrics import views  # noqa: E402,F401  (routes attach to bp)
