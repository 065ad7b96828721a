"""Settings: defaults that need nothing, then FLASK_* environment variables, then test config."""

import os
import secrets
from pathlib import Path

from library.addresses import trusted_hosts

MB = 1024 * 1024


def default_config(instance_path: str, root_path: str) -> dict:
    """Return the embedded default: SQLite and Whoosh in instance/, files in uploads/."""
    instance = Path(instance_path)
    return {
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'library.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # Search indexing follows committed changes (library/search/indexing.py).
        "SQLALCHEMY_TRACK_MODIFICATIONS": True,
        "UPLOAD_FOLDER": str(Path(root_path).parent / "uploads"),
        "SEARCH_INDEX_DIR": str(instance / "search-index"),
        "SEARCH_BACKEND": "whoosh",
        "MAX_MEDIA_BYTES": 500 * MB,
        "MAX_DOCUMENT_BYTES": 50 * MB,
        # Who publishes the library and whom to contact, shown on the home page (empty: not shown).
        "LIBRARY_PUBLISHER": "",
        "LIBRARY_CONTACT_EMAIL": "",
        "LIBRARY_CONTACT_PHONE": "",
        "LIBRARY_CONTACT_ADDRESS": "",
        # Captions of a two-hour talk are about 150 KB.
        "MAX_CAPTION_BYTES": 2 * MB,
        "MAX_IMAGE_PIXELS": 60_000_000,
        "PER_PAGE": 12,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": ["vi", "en"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Rate limits are counted in the app's own database, shared by every worker
        # (library/ratelimits.py); memcached:// or redis:// work too. memory:// is per process.
        "RATELIMIT_STORAGE_URI": "database://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # werkzeug's method for password hashes. scrypt is slow on purpose; only the tests choose
        # a cheap one ("pbkdf2:sha256:1"), so their hundreds of accounts are made in no time.
        "PASSWORD_HASH_METHOD": "scrypt",
        "LOGIN_RATE_LIMIT": "10 per minute",
        "LOGIN_MAX_FAILURES": 8,
        "LOGIN_LOCKOUT_MINUTES": 15,
        "WTF_CSRF_TIME_LIMIT": None,
        # Password reset: a signed link valid this many seconds, asked for this often per address.
        "PASSWORD_RESET_MAX_AGE": 3600,
        "PASSWORD_RESET_RATE_LIMIT": "5 per 15 minutes",
        # E-mail: SMTP when MAIL_SERVER is set; otherwise messages go to the outbox folder.
        "MAIL_SERVER": None,
        "MAIL_PORT": 587,
        "MAIL_USE_TLS": True,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_FROM": "Thư viện học tập mở <no-reply@localhost>",
        "MAIL_OUTBOX_DIR": str(instance / "outbox"),
        # Open interfaces: API, OAI-PMH, feeds.
        "API_ANON_RATE_LIMIT": "120 per minute",
        "OAI_PAGE_SIZE": 100,
        "OAI_REPOSITORY_ID": None,  # defaults to SERVER_NAME
        "OAI_REPOSITORY_NAME": "Thư viện học tập mở",
        "OAI_ADMIN_EMAIL": None,  # defaults to admin@<repository id>
        "FEED_SIZE": 50,
        # URLs in one sitemap file (sitemaps.org allows 50,000 at most); past it /sitemap.xml is
        # an index of /sitemap-<n>.xml files.
        "SITEMAP_MAX_URLS": 50_000,
        # The site's public origin as people reach it (e.g. https://hoctap.congdoan.vn): every
        # absolute address (e-mails, QR codes, sheets, feeds, sitemap, OAI, API) starts with it.
        # Unset: SERVER_NAME, else the request's host; e-mails then need SERVER_NAME.
        "PUBLIC_BASE_URL": None,
        # Hosts a request may name (Flask's TRUSTED_HOSTS; others are answered 400). Unset: the
        # hosts of PUBLIC_BASE_URL and SERVER_NAME, localhost and 127.0.0.1.
        "TRUSTED_HOSTS": None,
        "TRACKING_ENABLED": True,
        "TRACKING_DEFER": True,
        # Faster than a person is a robot (counted apart): limits of one visitor (cookie, else IP
        # and user agent) and of one network (an IPv4 address or an IPv6 /64), in every window.
        # Empty: no limit.
        "TRACKING_VISITOR_LIMITS": "10 per minute; 60 per hour; 200 per day",
        "TRACKING_NETWORK_LIMITS": "60 per minute; 600 per hour; 2000 per day",
        "METRICS_KEEP_RAW_DAYS": 400,
        # Zalo's web share address; {url} is replaced by the page's address (URL-encoded).
        "SHARE_ZALO_URL": "https://zalo.me/share?url={url}",
        # Behind a reverse proxy: how many proxies in front of the app set X-Forwarded-For and
        # X-Forwarded-Proto. 0 (the default) trusts none, so a client cannot forge its address.
        "PROXY_FIX": 0,
        # Background jobs (library/jobs.py). The queue's store: a sqlite:/// file, or a
        # postgresql:// database shared by every host; unset, a file beside a SQLite database
        # (instance/library-jobs.db), or the app's own PostgreSQL database.
        "JOBS_STORE": None,
        # Run each job at once in the process that asks for it (tests only: no worker needed).
        "JOBS_IMMEDIATE": False,
        "JOBS_MAX_ATTEMPTS": 3,
        "JOBS_RETRY_DELAY": 60,
        # A running job with no progress reported for this long lost its worker: queued again.
        "JOBS_STALE_SECONDS": 300,
        # The widths of a PDF's page images: as its page shows them (on a phone and beside the
        # text), and large, to zoom into an A4 page's small print. The tests draw small ones.
        "PDF_PAGE_WIDTH": 900,
        "PDF_FULL_PAGE_WIDTH": 2000,
    }


def finish_config(app) -> None:
    """Derive settings that depend on others, once every source has been read."""
    cfg = app.config
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    # Flask refuses a body larger than the largest file we accept, plus room for form fields.
    cfg.setdefault(
        "MAX_CONTENT_LENGTH", max(cfg["MAX_MEDIA_BYTES"], cfg["MAX_DOCUMENT_BYTES"]) + MB
    )
    cfg["MAX_FORM_MEMORY_SIZE"] = cfg.get("MAX_FORM_MEMORY_SIZE") or 2 * MB
    base = cfg.get("PUBLIC_BASE_URL")
    if base:
        if not base.startswith(("https://", "http://")):
            raise ValueError("PUBLIC_BASE_URL must start with https:// or http://")
        cfg["PUBLIC_BASE_URL"] = base.rstrip("/")
        if base.startswith("https://"):
            # The site is reached over TLS: its login cookies never travel in clear.
            cfg["SESSION_COOKIE_SECURE"] = True
            cfg["REMEMBER_COOKIE_SECURE"] = True
    # Flask answers 400 to a request whose Host is not one of these (library/addresses.py).
    cfg["TRUSTED_HOSTS"] = trusted_hosts(cfg)
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        cfg["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("connect_args", {"timeout": 30})
    else:
        # A server database restarts or drops idle connections: check one before using it.
        cfg["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("pool_pre_ping", True)
    cfg["JOBS_STORE"] = cfg.get("JOBS_STORE") or _jobs_store(app)
    cfg["PROXY_FIX"] = int(cfg.get("PROXY_FIX") or 0)
    from library.tracking.rates import parse_limits  # a bad setting fails at start

    for name in ("TRACKING_VISITOR_LIMITS", "TRACKING_NETWORK_LIMITS"):
        parse_limits(cfg.get(name) or "")


def _jobs_store(app) -> str:
    """The queue's store when none is set: beside the database."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite"):
        return uri
    database = uri.split(":///", 1)[1] if ":///" in uri else ""
    if not database or database.startswith(":memory:"):
        return f"sqlite:///{Path(app.instance_path) / 'library-jobs.db'}"
    path = Path(database.split("?", 1)[0])
    return f"sqlite:///{path.with_name(f'{path.stem}-jobs.db')}"


def _instance_secret(instance: Path) -> str:
    """Keep one random secret per instance so sessions survive restarts without configuration."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    return path.read_text().strip()
