"""Checking and normalising the fields of a material, the same for forms, API and import."""

import re
import unicodedata
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from library.areas import AREA_CODES
from library.catalog import video
from library.errors import ValidationFailed
from library.models.base import MAX_ID
from library.models.materials import KINDS, LICENSES

TITLE_MAX = 300
SUMMARY_MAX = 5000
BODY_MAX = 500_000
TAG_MAX = 50
TAGS_MAX = 20
TEXT_FIELDS = ("title", "summary", "body", "legal_basis", "alt_text", "external_id", "video_url")
MATERIAL_FIELDS = TEXT_FIELDS + (
    "kind",
    "areas",
    "license",
    "tags",
    "status",
    "effective_at",
    "publish_at",
    "superseded_by",
)


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")


def clean_text(value) -> str:
    """NFC, unified line ends, no control characters but newlines and tabs, trimmed."""
    text = unicodedata.normalize("NFC", str(value or "")).replace("\r\n", "\n")
    return CONTROL.sub("", text.replace("\r", "\n")).strip()


def as_list(value) -> list[str]:
    """A list from a list, or from a string separated by ';' or ','."""
    if value is None:
        return []
    if isinstance(value, str):
        sep = ";" if ";" in value else ","
        value = value.split(sep)
    elif not isinstance(value, list | tuple):
        value = [value]
    return [clean_text(v) for v in value if clean_text(v)]


def whole_number(value, errors: dict, name: str, upper: int = 10_000_000) -> int | None:
    """A count from 0 to upper typed in a form, None if left empty; a problem goes in errors."""
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= upper:
        errors[name] = _l("Cần một số nguyên từ 0 đến %(n)s.", n=format_decimal(upper))
        return None
    return number


def clean_fields(raw: dict) -> dict:
    """Return the given fields normalised, or raise ValidationFailed listing every problem."""
    out, errors = clean_fields_partly(raw)
    if errors:
        raise ValidationFailed(errors=errors)
    return out


def clean_fields_partly(raw: dict) -> tuple[dict, dict]:
    """The fields that are fine, normalised, and the problem of each other one."""
    errors: dict[str, str] = {}
    out: dict = {}
    for name in raw:
        if name not in MATERIAL_FIELDS:
            continue
        try:
            out[name] = CLEANERS[name](raw[name])
        except ValueError as err:
            errors[name] = str(err.args[0])
    return out, errors


def _title(value) -> str:
    text = clean_text(value)
    if not text:
        raise ValueError(_l("Cần nhập tiêu đề."))
    if len(text) > TITLE_MAX:
        raise ValueError(_l("Tiêu đề quá dài (tối đa %(n)s ký tự).", n=TITLE_MAX))
    return text


def _limited(limit):
    def clean(value) -> str:
        text = clean_text(value)
        if len(text) > limit:
            raise ValueError(_l("Nội dung quá dài (tối đa %(n)s ký tự).", n=limit))
        return text

    return clean


def _kind(value) -> str:
    if value not in KINDS:
        raise ValueError(_l("Loại tài liệu không hợp lệ."))
    return value


def _areas(value) -> list[str]:
    codes = list(dict.fromkeys(as_list(value)))
    if not codes:
        raise ValueError(_l("Cần chọn ít nhất một lĩnh vực."))
    unknown = [c for c in codes if c not in AREA_CODES]
    if unknown:
        raise ValueError(_l("Lĩnh vực không hợp lệ: %(codes)s.", codes=", ".join(unknown)))
    return codes


def _license(value) -> str:
    if value not in LICENSES:
        raise ValueError(_l("Giấy phép không hợp lệ."))
    return value


def _tags(value) -> list[str]:
    tags = list(dict.fromkeys(t.lower() for t in as_list(value)))
    if len(tags) > TAGS_MAX or any(len(t) > TAG_MAX for t in tags):
        raise ValueError(_l("Tối đa %(n)s thẻ, mỗi thẻ tối đa %(m)s ký tự.", n=TAGS_MAX, m=TAG_MAX))
    return tags


def _status(value) -> str:
    if value not in ("draft", "published"):
        raise ValueError(_l("Trạng thái chỉ có thể là bản nháp hoặc xuất bản."))
    return value


def _video_url(value) -> str:
    url = clean_text(value)
    if url and not video.is_supported(url):
        raise ValueError(_l("Chỉ nhận liên kết video YouTube hoặc Facebook (https://...)."))
    return url


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(_l("Ngày không hợp lệ (định dạng YYYY-MM-DD).")) from None


# A moment typed without its zone is on the province's clock.
LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def _moment(value) -> datetime | None:
    """A moment in UTC from an ISO date and time ("2027-01-01T07:00", with or without its zone)
    or a date alone (its midnight); None if left empty."""
    if value in (None, ""):
        return None
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(_l("Thời điểm không hợp lệ (định dạng YYYY-MM-DD HH:MM).")) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_ZONE)
    return value.astimezone(UTC)


def _reference(value) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(_l("Mã tài liệu không hợp lệ.")) from None
    if not 1 <= number <= MAX_ID:
        raise ValueError(_l("Mã tài liệu không hợp lệ."))
    return number


CLEANERS = {
    "title": _title,
    "summary": _limited(SUMMARY_MAX),
    "body": _limited(BODY_MAX),
    "legal_basis": _limited(300),
    "alt_text": _limited(500),
    "external_id": _limited(120),
    "video_url": _video_url,
    "kind": _kind,
    "areas": _areas,
    "license": _license,
    "tags": _tags,
    "status": _status,
    "effective_at": _date,
    "publish_at": _moment,
    "superseded_by": _reference,
}
