"""Notifications: reviewers and editors told, by e-mail and in the header, about reviews."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from library.notifications import views  # noqa: E402,F401  (routes attach to bp)
