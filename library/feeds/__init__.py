"""Feeds and crawler files: Atom feeds of new materials, sitemap.xml and robots.txt."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)

from library.feeds import views  # noqa: E402,F401  (routes attach to bp)
