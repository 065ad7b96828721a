"""Resumption tokens: the position in a list, signed so a harvester cannot forge one."""

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

SALT = "oai-resumption-token"
MAX_LENGTH = 1000


class BadToken(Exception):
    """The token was not issued by this repository, or was changed."""


def _serializer() -> URLSafeSerializer:
    """Signs with the app's secret key, salted for this use only."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue(state: dict) -> str:
    """A token carrying the list's arguments and the last record sent."""
    return _serializer().dumps(state)


def read(token: str) -> dict:
    """The state a token carries; BadToken if it is not one of ours."""
    if not token or len(token) > MAX_LENGTH:
        raise BadToken()
    try:
        state = _serializer().loads(token)
    except (BadData, ValueError, UnicodeError):
        raise BadToken() from None
    if not isinstance(state, dict):
        raise BadToken()
    return state
