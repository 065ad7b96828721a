"""JSON API v1 over the same services as the pages, and the page that documents it."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The human page lives outside /api/ so that its errors are pages, not JSON.
pages = Blueprint("api_pages", __name__)

from library.api import (  # noqa: E402,F401
    collections,
    directory,
    docs,
    limits,
    materials,
    metrics,
    search,
)
