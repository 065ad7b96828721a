"""Interface language: Vietnamese by default, English on request."""

from urllib.parse import urlencode

from flask import current_app, has_request_context, request

LANG_COOKIE = "lang"


def remember_choice(response):
    """Keep a ?lang= choice for the next pages, with or without JavaScript."""
    choice = request.args.get("lang")
    if choice in current_app.config["LANGUAGES"] and choice != request.cookies.get(LANG_COOKIE):
        response.set_cookie(
            LANG_COOKIE, choice, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response


def select_locale() -> str:
    """A ?lang= choice, then the remembered cookie, then Vietnamese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the command line, and services run outside a request
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    for choice in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if choice in languages:
            return choice
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def language_url(choice: str) -> str:
    """This very page in another language: path, query and filters kept, only lang changed."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return f"{request.script_root}{request.path}?{urlencode([*args, ('lang', choice)])}"
