"""Interface language: Vietnamese by default, English on request."""

from urllib.parse import urlencode

from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import get_locale, get_translations

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


def template_translations():
    """The translations of the locale in force, found once per locale in an app context:
    Flask-Babel looks them up again for every string a template translates (40 on a page)."""
    if not has_app_context():
        return get_translations()
    locale = get_locale()
    kept = g.get("_template_translations")
    if kept is None or kept[0] is not locale:  # force_locale puts another Locale in force
        kept = g._template_translations = (locale, get_translations())
    return kept[1]


def install_template_gettext(app) -> None:
    """Templates' _(), ngettext() and their p- forms through template_translations()."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: template_translations().ugettext(s),
        ngettext=lambda s, p, n: template_translations().ungettext(s, p, n),
        pgettext=lambda c, s: template_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: template_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
