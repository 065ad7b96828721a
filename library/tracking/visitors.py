"""Visitor keys: a random first-party cookie id, else a keyed hash of IP and user agent."""

import hashlib
import hmac
import ipaddress
import re
import secrets
from datetime import date

from itsdangerous import BadSignature, Signer

COOKIE_NAME = "vid"
COOKIE_AGE = 365 * 24 * 3600
_COOKIE = re.compile(r"^([0-9a-f]{32})\.(\d{4})(\d{2})(\d{2})$")
# Signed, so an id the site never gave is worthless: without the signature anyone could send a
# fresh id dated yesterday with every request and be counted as a new visitor each time.
_SALT = "visitor-cookie"


def _signer(secret: str) -> Signer:
    return Signer(secret, salt=_SALT)


def new_cookie(secret: str, today: date) -> str:
    """A random id and the day it was given, signed: it says nothing about the person."""
    return _signer(secret).sign(f"{secrets.token_hex(16)}.{today:%Y%m%d}").decode()


def parse_cookie(secret: str, value: str | None) -> tuple[str, date] | None:
    """The id and issue day of a visitor cookie; None if missing, malformed or not ours."""
    try:
        text = _signer(secret).unsign(value or "").decode()
    except (BadSignature, UnicodeError):
        return None
    match = _COOKIE.match(text)
    if not match:
        return None
    try:
        return match.group(1), date(*(int(x) for x in match.groups()[1:]))
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


def network_of(ip: str) -> str:
    """The network an address speaks for: the IPv4 address, or the /64 of an IPv6 one.

    One IPv6 subscriber is given a whole /64 and can pick a new address for every request.
    """
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))


def hashed_network(secret: str, day: date, ip: str) -> str:
    """The stored key of a network ("n" + hash of its address under the day's key)."""
    return "n" + _keyed(daily_key(secret, day), f"network:{network_of(ip)}")
