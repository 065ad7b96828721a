"""Accounts: login, users, organisations, roles and API tokens."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from library.accounts import organisation_pages, user_pages, views  # noqa: E402,F401  (routes attach to bp)
