"""JSON API v1 over the same services as the pages."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from library.api import materials, metrics  # noqa: E402,F401  (routes attach to bp)
