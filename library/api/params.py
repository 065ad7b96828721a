"""Reading query arguments of API calls strictly: a bad value is a 400, never a guess."""

import re
from datetime import UTC, date, datetime

from flask import request
from flask_babel import lazy_gettext as _l

from library.errors import DomainError

MAX_PER_PAGE = 100
# Listings page through the database (harvesters walk every page); search pages stop at
# library.search.base.MAX_PAGE, where ranking past a thousand pages answers nothing useful.
MAX_LIST_PAGE = 100_000
DEFAULT_PER_PAGE = 20
WHOLE_NUMBER = re.compile(r"\s*[0-9]{1,9}\s*\Z")


class BadArgument(DomainError):
    status = 400
    code = "bad_request"


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """A whole number between low and high, or the default when the argument is absent."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not WHOLE_NUMBER.match(raw):
        raise BadArgument(_l("Tham số %(name)s phải là số nguyên.", name=name), argument=name)
    value = int(raw)
    if not low <= value <= high:
        raise BadArgument(
            _l("Tham số %(name)s phải từ %(low)s đến %(high)s.", name=name, low=low, high=high),
            argument=name,
        )
    return value


def paging() -> tuple[int, int]:
    """The page (from 1) and the page size (at most 100) asked for."""
    page = int_arg("page", 1, 1, MAX_LIST_PAGE)
    per_page = int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    return page, per_page


def choice_arg(name: str, allowed) -> str | None:
    """A value from a known list, or None when the argument is absent or empty."""
    raw = request.args.get(name)
    if not raw:
        return None
    if raw not in allowed:
        raise BadArgument(_l("Giá trị của %(name)s không hợp lệ.", name=name), argument=name)
    return raw


def datetime_arg(name: str) -> datetime | None:
    """An ISO 8601 date or date-time (UTC when no offset is given), as an aware UTC datetime."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = parse_iso(raw)
    except (ValueError, OverflowError):
        raise BadArgument(
            _l("%(name)s phải là ngày giờ ISO 8601, ví dụ 2026-01-31T08:00:00Z.", name=name),
            argument=name,
        ) from None
    return value


def parse_iso(raw: str) -> datetime:
    """Parse an ISO 8601 date or date-time into an aware UTC datetime."""
    if len(raw) > 40:
        raise ValueError(raw)
    if len(raw) == 10:
        day = date.fromisoformat(raw)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    value = datetime.fromisoformat(raw)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
