"""Bearer-token authentication for the API."""

from functools import wraps

from flask import g, request
from flask_babel import lazy_gettext as _l

from library.accounts.services import user_for_token
from library.errors import DomainError

ENVIRON_KEY = "library.api.bearer_user"


class Unauthorised(DomainError):
    status = 401
    code = "unauthorized"

    def default_message(self):
        """The message when no message is given."""
        return _l("Cần khóa API hợp lệ (Authorization: Bearer ...).")


def bearer_user():
    """The user of the request's bearer token, or None; looked up once per request."""
    # Kept in the WSGI environ, which belongs to this request alone (g may outlive it).
    environ = request.environ
    if ENVIRON_KEY not in environ:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        environ[ENVIRON_KEY] = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    return environ[ENVIRON_KEY]


def token_required(view):
    """Refuse the call with 401 unless it carries a valid token; the user is in g.api_user."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        """Run the view only for a valid token's user."""
        g.api_user = bearer_user()
        if g.api_user is None:
            raise Unauthorised()
        return view(*args, **kwargs)

    return wrapped
