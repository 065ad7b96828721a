"""Open Learning Library: the application factory."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from library.config import default_config, finish_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: defaults, then FLASK_* environment variables, then test_config."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(default_config(app.instance_path, app.root_path))
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)
    finish_config(app)
    from library.security import SecureCookiesOverHttps

    app.wsgi_app = SecureCookiesOverHttps(app.wsgi_app)
    if app.config["PROXY_FIX"]:
        # Client address and scheme from the proxy's headers, trusting only that many proxies.
        hops = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_prefix=0)
    register_extensions(app)
    from library.web import IdConverter

    app.url_map.converters["id"] = IdConverter
    register_blueprints(app)
    register_hooks(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Attach the unbound extensions to this app."""
    # database: connection settings; ratelimits: the `database://` storage of rate limits.
    from library import database, i18n, jobs, ratelimits  # noqa: F401
    from library.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.install_template_gettext(app)
    app.after_request(i18n.remember_choice)
    jobs.register(app)
    from library.catalog import processing  # noqa: F401  (the kinds of jobs on files)


def register_blueprints(app: Flask) -> None:
    """One blueprint per feature."""
    from library.accounts import bp as accounts_bp
    from library.api import bp as api_bp
    from library.api import pages as api_pages_bp
    from library.catalog import bp as catalog_bp
    from library.extensions import csrf
    from library.feeds import bp as feeds_bp
    from library.metrics import bp as metrics_bp
    from library.notifications import bp as notifications_bp
    from library.oai import bp as oai_bp
    from library.offline import bp as offline_bp
    from library.search.views import bp as search_bp
    from library.sharing import pages, sheets  # noqa: F401  (their routes attach to sharing_bp)
    from library.sharing.previews import bp as previews_bp
    from library.sharing.views import bp as sharing_bp
    from library.tracking import bp as tracking_bp
    from library.tracking.views import play

    app.register_blueprint(catalog_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(accounts_bp)
    # The API authenticates by bearer token, never by cookie, so CSRF does not apply to it.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_pages_bp)
    # OAI-PMH allows POST for long requests; it only reads, so CSRF does not apply either.
    csrf.exempt(oai_bp)
    app.register_blueprint(oai_bp)
    app.register_blueprint(feeds_bp)
    # The play beacon writes nothing but a counted event, and checks the request's origin.
    csrf.exempt(play)
    app.register_blueprint(tracking_bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(sharing_bp)
    app.register_blueprint(previews_bp)
    app.register_blueprint(offline_bp)
    app.register_blueprint(notifications_bp)


def register_hooks(app: Flask) -> None:
    """Compression, errors, security headers, template helpers and the pending-file clean-up."""
    from library import compression, errors, offline, security, storage, templating
    from library.catalog import cached
    from library.search import backends, indexing

    # After-request hooks run last registered first: compression sees every other's headers.
    compression.register(app)
    errors.register(app)
    cached.register(app)
    backends.register(app)
    indexing.register(app)
    security.register(app)
    templating.register(app)
    storage.register(app)
    offline.register(app)


def register_commands(app: Flask) -> None:
    """The `flask` commands."""
    from library import cli

    cli.register(app)
