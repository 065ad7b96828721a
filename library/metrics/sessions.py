"""Offline sessions (talks, trainings) that union officers log for an enterprise."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from library.accounts.permissions import require
from library.errors import PermissionDenied, ValidationFailed
from library.extensions import db
from library.models import Area, Material, OfflineSession, Organisation
from library.models.base import row_id
from library.sharing import picker
from library.sharing.services import creditable_enterprises

MAX_NOTE = 500


def can_log_sessions(user) -> bool:
    """Union officers and administrators log offline sessions."""
    return getattr(user, "is_authenticated", False) and user.role in ("admin", "union")


def log_session(actor, raw: dict, today: date) -> OfflineSession:
    """Record one offline session after checking every figure; nothing is saved if one is bad."""
    require(can_log_sessions(actor))
    errors = {}
    held_on = _held_on(raw.get("held_on"), today, errors)
    org = _enterprise(raw.get("organisation_id"), errors)
    attendees = _attendees(raw.get("attendees"), org, errors)
    areas = _areas(raw.get("areas") or [], errors)
    materials = _materials(raw.get("materials") or [], errors)
    note = (raw.get("note") or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = _l("Ghi chú tối đa %(n)s ký tự.", n=MAX_NOTE)
    if errors:
        raise ValidationFailed(errors=errors)
    # A union's sessions count towards the enterprises it serves, as its share links do.
    if org.id not in {e.id for e in creditable_enterprises(actor)}:
        raise PermissionDenied(
            _l("Tổ chức của bạn chưa được gắn với doanh nghiệp này; hãy liên hệ quản trị viên.")
        )
    session = OfflineSession(
        held_on=held_on,
        organisation=org,
        attendees=attendees,
        note=note,
        created_by_id=getattr(actor, "id", None),
        areas=areas,
        materials=materials,
    )
    db.session.add(session)
    db.session.flush()
    return session


def _held_on(value, today: date, errors: dict) -> date | None:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, date):
        errors["held_on"] = _l("Cần nhập ngày tổ chức.")
    elif value > today:
        errors["held_on"] = _l("Ngày tổ chức không thể ở tương lai.")
    elif value.year < 2021:
        errors["held_on"] = _l("Chương trình 1268 bắt đầu từ năm 2021.")
    else:
        return value
    return None


def _enterprise(value, errors: dict) -> Organisation | None:
    org_id = row_id(value)
    org = db.session.get(Organisation, org_id) if org_id else None
    if org is None or org.type != "enterprise":
        errors["organisation_id"] = _l("Cần chọn một doanh nghiệp.")
        return None
    return org


def _attendees(value, org: Organisation | None, errors: dict) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors["attendees"] = _l("Số người tham dự phải là số nguyên.")
        return None
    if number <= 0:
        errors["attendees"] = _l("Số người tham dự phải lớn hơn 0.")
    elif org is not None and org.workers is not None and number > org.workers:
        errors["attendees"] = _l(
            "Số người tham dự (%(n)s) vượt quá số lao động của doanh nghiệp (%(w)s).",
            n=number,
            w=org.workers,
        )
    else:
        return number
    return None


def _areas(codes: list[str], errors: dict) -> list[Area]:
    query = select(Area).where(Area.code.in_(codes)).order_by(Area.position)
    areas = list(db.session.scalars(query)) if codes else []
    if not areas or len(areas) != len(set(codes)):
        errors["areas"] = _l("Cần chọn ít nhất một lĩnh vực hợp lệ.")
    return areas


def _materials(named: list, errors: dict) -> list[Material]:
    """The materials used, each named by a number, a page address or its title."""
    found = []
    for text in named:
        material = picker.named_material(str(text))
        if material is None:
            errors["materials"] = _l(
                "Không tìm thấy tài liệu “%(text)s”: hãy chọn một tài liệu trong danh sách gợi ý.",
                text=str(text)[:80],
            )
        elif material not in found:
            found.append(material)
    return found


def list_sessions(actor, year: int) -> list[OfflineSession]:
    """The sessions of a year: all for an administrator, a union officer's own otherwise."""
    query = select(OfflineSession).where(
        OfflineSession.held_on >= date(year, 1, 1), OfflineSession.held_on <= date(year, 12, 31)
    )
    if not actor.is_admin:
        query = query.where(OfflineSession.created_by_id == actor.id)
    return list(db.session.scalars(query.order_by(OfflineSession.held_on.desc())))
