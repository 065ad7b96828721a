"""Interface language: Vietnamese by default, English on request."""

from flask import current_app, has_request_context, request

LANG_COOKIE = "lang"


def select_locale() -> str:
    """A ?lang= choice, then the remembered cookie, then Vietnamese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the command line, and services run outside a request
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    for choice in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if choice in languages:
            return choice
    return current_app.config["BABEL_DEFAULT_LOCALE"]
