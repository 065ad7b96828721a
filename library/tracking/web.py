"""The request side of tracking: who the visitor is, and counting only successful answers."""

import logging
from dataclasses import dataclass
from datetime import date, datetime

from flask import after_this_request, current_app, request

from library.extensions import db
from library.models.base import utcnow
from library.tracking import rates, services, visitors
from library.tracking.channels import channel_from

log = logging.getLogger(__name__)

# COUNTER counts 200 and 304; 204 is the answer of our own play beacon.
SUCCESS = (200, 204, 304)
PREFETCH_HEADERS = ("Purpose", "Sec-Purpose", "X-Purpose", "X-Moz")


@dataclass(frozen=True)
class Hit:
    """What the counting rules need from one request, gathered while it is being answered."""

    material_id: int
    event: str
    visitor: str
    network: str
    user_agent: str
    channel: str
    organisation_id: int | None
    at: datetime


def is_prefetch() -> bool:
    """HEAD requests and browser prefetches or previews are not views."""
    if request.method != "GET" and request.method != "POST":
        return True
    return any(
        word in request.headers.get(name, "").lower()
        for name in PREFETCH_HEADERS
        for word in ("prefetch", "prerender", "preview")
    )


def is_range_continuation() -> bool:
    """A Range request past the first byte: a video seeking, not a new download."""
    header = request.headers.get("Range", "").replace(" ", "")
    return bool(header) and not header.startswith("bytes=0-")


def _visitor(cookie: tuple[str, date] | None, today: date) -> str:
    """The cookie's key once it has survived a day; until then the day's IP + UA key.

    A first visit has no cookie yet, so it is known by IP and user agent; keeping that key for
    the rest of the day folds a double click that straddles the cookie being set.
    """
    secret = current_app.config["SECRET_KEY"]
    if cookie and cookie[1] < today:
        return visitors.cookie_visitor(secret, cookie[0])
    ip = request.remote_addr or ""
    ua = request.headers.get("User-Agent", "")
    return visitors.hashed_visitor(secret, today, ip, ua)


def visitor_cookie() -> tuple[str, date] | None:
    """The id and issue day of this request's visitor cookie, if the site signed it."""
    secret = current_app.config["SECRET_KEY"]
    return visitors.parse_cookie(secret, request.cookies.get(visitors.COOKIE_NAME))


def current_visitor() -> str:
    """This request's visitor key, under the same rules as counted events (never the address)."""
    today = services.local_time(utcnow()).date()
    return _visitor(visitor_cookie(), today)


def current_network() -> str:
    """This request's network under the day's key (the address itself is never kept)."""
    today = services.local_time(utcnow()).date()
    secret = current_app.config["SECRET_KEY"]
    return visitors.hashed_network(secret, today, request.remote_addr or "")


def count_on_success(material, event: str, channel: str | None = None, organisation_id=None):
    """Count this request's event once the answer is known to be a success; never fail it."""
    if not current_app.config["TRACKING_ENABLED"]:
        return
    if material.status != "published" or is_prefetch():
        return
    if event == "download" and is_range_continuation():
        return
    now = utcnow()
    today = services.local_time(now).date()
    cookie = visitor_cookie()
    user_agent = request.headers.get("User-Agent", "")
    hit = Hit(
        material.id,
        event,
        _visitor(cookie, today),
        current_network(),
        user_agent,
        channel or channel_from(request.referrer, request.host, user_agent),
        organisation_id,
        now,
    )

    @after_this_request
    def record(response):
        if response.status_code in SUCCESS:
            _save_after(response, hit)
        if cookie is None:  # none, or one the site did not sign: give a genuine one
            _set_cookie(response, today)
        return response


def _save_after(response, hit: "Hit") -> None:
    """Write once the answer has gone out (the server closes it), so the page never waits.

    Tests (TESTING) and TRACKING_DEFER=False write at once: the count is in the database when
    the request returns, whether or not the client closes the answer.
    """
    app = current_app._get_current_object()
    # A file sent as is (send_file: direct_passthrough) goes to the server without the
    # response's close callbacks, so a deferred write would never run: write it now.
    if app.testing or not app.config["TRACKING_DEFER"] or response.direct_passthrough:
        save_hit(hit)
        return

    def write():
        with app.app_context():
            save_hit(hit)

    response.call_on_close(write)


def save_hit(hit: Hit) -> None:
    """Write the event in its own short transaction; a failure is logged, never raised.

    Only read-only views call count_on_success, so the session has nothing else to commit.
    """
    try:
        services.record_event(
            hit.material_id,
            hit.event,
            hit.visitor,
            hit.user_agent,
            hit.channel,
            hit.organisation_id,
            hit.at,
            network=hit.network,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.warning("tracking: %s of material %s lost", hit.event, hit.material_id, exc_info=True)
        return
    rates.prune_ended(hit.at)


def _set_cookie(response, today: date) -> None:
    response.set_cookie(
        visitors.COOKIE_NAME,
        visitors.new_cookie(current_app.config["SECRET_KEY"], today),
        max_age=visitors.COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
