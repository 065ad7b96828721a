"""Absolute addresses of the site's own pages: the one place their origin is decided.

Every link that leaves the page it is on — e-mails, QR codes, print sheets, feeds, the sitemap,
OAI-PMH and the API — starts with the configured public address (PUBLIC_BASE_URL), else
SERVER_NAME, else the request's host, which Flask has already checked against TRUSTED_HOSTS (an
untrusted Host is answered 400 before any view runs). E-mails never take the request's host: a
link mailed to someone must not depend on who asked for it.
"""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for

# Hosts a development server answers to when nothing else is configured.
DEVELOPMENT_HOSTS = ("localhost", "127.0.0.1")


class NoPublicAddress(RuntimeError):
    """No PUBLIC_BASE_URL nor SERVER_NAME, where an address cannot come from a request."""


def _origin(from_request: bool) -> str | None:
    """Scheme and host (no trailing slash) of absolute addresses, or None if none is known."""
    config = current_app.config
    if config.get("PUBLIC_BASE_URL"):
        return config["PUBLIC_BASE_URL"]
    in_request = from_request and has_request_context()
    if config.get("SERVER_NAME"):
        # The scheme of a request is the proxy's when PROXY_FIX trusts it, never the client's.
        scheme = request.scheme if in_request else config["PREFERRED_URL_SCHEME"]
        return f"{scheme}://{config['SERVER_NAME']}"
    if in_request and request.host:
        return f"{request.scheme}://{request.host}"
    return None


def public_url(endpoint: str, **values) -> str:
    """The absolute address of a page as the public reaches it."""
    origin = _origin(from_request=True)
    if not origin:
        raise NoPublicAddress("Set PUBLIC_BASE_URL (or SERVER_NAME) to build absolute addresses.")
    return origin + url_for(endpoint, **values)


def public_origin() -> str:
    """The site's origin (scheme and host) as the public reaches it, for same-origin checks."""
    origin = _origin(from_request=True)
    if not origin:
        raise NoPublicAddress("Set PUBLIC_BASE_URL (or SERVER_NAME) to know the site's origin.")
    return origin


def mail_url(endpoint: str, **values) -> str:
    """The absolute address of a page for an e-mail: from the configuration only."""
    origin = _origin(from_request=False)
    if not origin:
        raise NoPublicAddress("Set PUBLIC_BASE_URL (or SERVER_NAME) before the site sends mail.")
    if has_request_context():
        return origin + url_for(endpoint, **values)
    # A command's mail (an import that submits materials): only the path is wanted from Flask.
    with current_app.test_request_context():
        return origin + url_for(endpoint, **values)


def can_mail_links() -> bool:
    """Whether an address for e-mails is configured."""
    return _origin(from_request=False) is not None


def trusted_hosts(config) -> list[str]:
    """The hosts requests may name: TRUSTED_HOSTS if set (a list, or names separated by commas),
    else the hosts of PUBLIC_BASE_URL and SERVER_NAME and those of a development server."""
    listed = config.get("TRUSTED_HOSTS")
    if isinstance(listed, str):
        listed = [name.strip() for name in listed.split(",")]
    if listed:
        return [name for name in listed if name]
    hosts = list(DEVELOPMENT_HOSTS)
    if config.get("PUBLIC_BASE_URL"):
        hosts.append(urlsplit(config["PUBLIC_BASE_URL"]).hostname)
    if config.get("SERVER_NAME"):
        hosts.append(config["SERVER_NAME"].rsplit(":", 1)[0])
    return [host for host in dict.fromkeys(hosts) if host]
