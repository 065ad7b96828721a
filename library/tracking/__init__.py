"""Tracking: recording views, downloads, plays and share visits under the COUNTER rules."""

from flask import Blueprint

bp = Blueprint("tracking", __name__)

from library.tracking import views  # noqa: E402,F401  (routes attach to bp)
