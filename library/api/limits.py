"""Rate limits: anonymous reads are limited per address; calls with a valid token are not."""

from flask import current_app

from library.api import bp
from library.api.auth import bearer_user
from library.extensions import limiter


def anonymous_read_limit() -> str:
    """The configured limit, e.g. "120 per minute"."""
    return current_app.config["API_ANON_RATE_LIMIT"]


def has_valid_token() -> bool:
    """Known systems with a token are not throttled; a made-up token does not help."""
    return bearer_user() is not None


# One budget per address for the whole API, not one per endpoint.
limiter.shared_limit(
    anonymous_read_limit,
    scope="api-anonymous-reads",
    methods=["GET", "HEAD"],
    exempt_when=has_valid_token,
)(bp)
