"""Visitor keys: a random first-party cookie id, else a keyed hash of IP and user agent."""

import hashlib
import hmac
import re
import secrets
from datetime import date

COOKIE_NAME = "vid"
COOKIE_AGE = 365 * 24 * 3600
_COOKIE = re.compile(r"^([0-9a-f]{32})\.(\d{8})$")


def new_cookie(today: date) -> str:
    """A random id and the day it was given: it says nothing about the person."""
    return f"{secrets.token_hex(16)}.{today:%Y%m%d}"


def parse_cookie(value: str | None) -> tuple[str, date] | None:
    """The id and issue day of a visitor cookie, or None if it is missing or malformed."""
    match = _COOKIE.match(value or "")
    if not match:
        return None
    try:
        return match.group(1), date(*(int(x) for x in (value[33:37], value[37:39], value[39:41])))
    except ValueError:
        return None


def _keyed(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]


def daily_key(secret: str, day: date) -> bytes:
    """The key of one day, derived from the secret: it rotates daily and is never stored."""
    return hmac.new(secret.encode(), f"visitor-day:{day.isoformat()}".encode(), "sha256").digest()


def cookie_visitor(secret: str, cookie_id: str) -> str:
    """The stored key of a cookie visitor ("c" + a keyed hash of the cookie id)."""
    return "c" + _keyed(secret.encode(), f"cookie:{cookie_id}")


def hashed_visitor(secret: str, day: date, ip: str, user_agent: str) -> str:
    """The stored key of a cookie-less visitor ("h" + hash of IP and UA under the day's key)."""
    return "h" + _keyed(daily_key(secret, day), f"{ip}\n{user_agent}")
