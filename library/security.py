"""Security headers on every answer, and the Secure flag on cookies sent over https."""

from flask import request

# Video embeds come only from YouTube (privacy-enhanced host) and Facebook's player.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        "frame-src https://www.youtube-nocookie.com https://www.facebook.com",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)


def register(app) -> None:
    """Add the headers after each request."""

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


class SecureCookiesOverHttps:
    """WSGI middleware: each cookie of an answer to an https request gets the Secure flag (the
    session, remember-me, visitor and language cookies alike). Placed inside ProxyFix, it sees
    the scheme the trusted proxy reported, never one a client forged."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def start(status, headers, exc_info=None):
            headers = [(k, _secure(v) if k.lower() == "set-cookie" else v) for k, v in headers]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def _secure(cookie: str) -> str:
    """A Set-Cookie value with the Secure attribute (once)."""
    attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
    return cookie if "secure" in attributes else f"{cookie}; Secure"
