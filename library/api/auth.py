"""Bearer-token authentication for the API."""

import logging
from datetime import datetime
from functools import wraps

from flask import after_this_request, current_app, g, request
from flask_babel import lazy_gettext as _l

from library.accounts.services import active_token, record_token_use, token_use_due
from library.api import bp
from library.errors import DomainError
from library.models.base import utcnow

log = logging.getLogger(__name__)

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
        row = active_token(token.strip()) if scheme.lower() == "bearer" else None
        environ[ENVIRON_KEY] = row.user if row is not None else None
        now = utcnow()
        if row is not None and token_use_due(row, now):
            _note_use_after(row.id, now)
    return environ[ENVIRON_KEY]


@bp.before_request
def look_up_token():
    """Every call carrying a token is a use of it, whether or not the view needs the user."""
    if request.headers.get("Authorization"):
        bearer_user()


def _note_use_after(token_id: int, now: datetime) -> None:
    """Write the token's last use once the answer has gone out (the server closes it), as
    tracking does, so reads record it too and no answer waits for it or fails by it.

    Tests (TESTING) write at once, when the answer is ready; so does a file sent as is, whose
    close callbacks the server never runs.
    """
    app = current_app._get_current_object()

    def write():
        try:
            record_token_use(token_id, now)
        except Exception:
            log.warning("api: last use of token %s not recorded", token_id, exc_info=True)

    @after_this_request
    def schedule(response):
        if app.testing or response.direct_passthrough:
            write()
        else:

            def deferred():
                with app.app_context():
                    write()

            response.call_on_close(deferred)
        return response


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
