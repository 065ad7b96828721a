"""Catalog: browse, read, upload, edit, review and withdraw materials."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from library.catalog import files, job_status, manage, manage_captions, views  # noqa: E402,F401  (routes attach to bp)
