"""Share links: who may credit which enterprise, short codes, resolving and counting visits."""

import re
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from library.accounts import services as accounts
from library.accounts.permissions import can_see
from library.catalog.validation import clean_text
from library.errors import NotFound, PermissionDenied, ValidationFailed
from library.extensions import db
from library.models import Collection, Material, Organisation, ShareLink, ShareVisit
from library.models.base import utcnow
from library.models.sharing import LINK_CHANNELS, union_enterprises
from library.tracking.services import ROBOT, local_time, record_event, robot_reason
from library.upsert import insert_for

# Codes are read off a notice board and typed on a phone: capitals and digits only, none that
# looks like another (no 0/O, 1/I/L), in two groups of four. 31^8 ≈ 2^39.6 codes: a collision is
# rare and retried, and nobody walks through them.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUP = 4
# Codes made before that were 8 url-safe characters in mixed case; they keep working as typed.
OLD_CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8}$")
TYPED_CODE_PATTERN = re.compile(rf"^[{CODE_ALPHABET}]{{{2 * CODE_GROUP}}}$")
SEPARATORS = re.compile(r"[\s\-–.]+")
CAMPAIGN_MAX = 120
ATTEMPTS = 5


def new_code() -> str:
    """A short random code, unguessable enough that nobody can walk through the links."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(2 * CODE_GROUP))
    return f"{chars[:CODE_GROUP]}-{chars[CODE_GROUP:]}"


def typed_code(text: str) -> str | None:
    """The stored form of a code as someone typed it (any case, with or without the dash or
    spaces), or None when it cannot be one of today's codes."""
    chars = SEPARATORS.sub("", text).upper()
    if not TYPED_CODE_PATTERN.match(chars):
        return None
    return f"{chars[:CODE_GROUP]}-{chars[CODE_GROUP:]}"


def served_enterprises(union: Organisation | None) -> list[Organisation]:
    """The enterprises a union organisation is attached to, by name."""
    if union is None:
        return []
    query = (
        select(Organisation)
        .join(union_enterprises, union_enterprises.c.enterprise_id == Organisation.id)
        .where(union_enterprises.c.union_id == union.id)
        .order_by(Organisation.name)
    )
    return list(db.session.scalars(query))


def creditable_enterprises(actor) -> list[Organisation]:
    """The enterprises a user may credit: all for an admin, the attached ones for a union."""
    if getattr(actor, "role", None) == "admin":
        query = select(Organisation).where(Organisation.type == "enterprise")
        return list(db.session.scalars(query.order_by(Organisation.name)))
    if getattr(actor, "role", None) == "union":
        return served_enterprises(actor.organisation)
    return []


def may_share(actor) -> bool:
    """Whether this user makes tracked links at all (union officers and administrators)."""
    return getattr(actor, "is_authenticated", False) and actor.role in ("admin", "union")


def set_served_enterprises(actor, union: Organisation, enterprise_codes) -> list[Organisation]:
    """Attach a union to exactly these enterprises (administrators only)."""
    if getattr(actor, "role", None) != "admin":
        raise PermissionDenied()
    if union.type != "union":
        raise ValidationFailed(_l("Chỉ tổ chức công đoàn mới được gắn với doanh nghiệp."))
    codes = sorted({accounts.organisation_code(c) for c in enterprise_codes} - {""})
    found = list(
        db.session.scalars(
            select(Organisation).where(
                Organisation.code.in_(codes), Organisation.type == "enterprise"
            )
        )
    )
    if len(found) != len(codes):
        raise ValidationFailed(_l("Có mã doanh nghiệp không tồn tại."))
    db.session.execute(delete(union_enterprises).where(union_enterprises.c.union_id == union.id))
    if found:
        rows = [{"union_id": union.id, "enterprise_id": e.id} for e in found]
        db.session.execute(insert(union_enterprises), rows)
    db.session.flush()
    from library.audit import record_change

    record_change(actor, "update", union, {"enterprises": codes})
    return found


def create_link(
    actor,
    *,
    enterprise: Organisation,
    material: Material | None = None,
    collection: Collection | None = None,
    channel: str,
    campaign: str | None = None,
) -> ShareLink:
    """A new tracked link to a published material or collection, crediting an enterprise."""
    if not may_share(actor):
        raise PermissionDenied(_l("Chỉ cán bộ công đoàn và quản trị viên tạo được liên kết."))
    if enterprise is None or enterprise.id not in {e.id for e in creditable_enterprises(actor)}:
        raise PermissionDenied(
            _l("Tổ chức của bạn chưa được gắn với doanh nghiệp này; hãy liên hệ quản trị viên.")
        )
    errors = {}
    if (material is None) == (collection is None):
        errors["target"] = _l("Chọn một tài liệu hoặc một bộ sưu tập.")
    elif material is not None and material.status != "published":
        errors["target"] = _l("Chỉ chia sẻ được tài liệu đã xuất bản.")
    elif collection is not None and collection.status != "published":
        errors["target"] = _l("Chỉ chia sẻ được bộ sưu tập đã xuất bản.")
    if channel not in LINK_CHANNELS:
        errors["channel"] = _l("Kênh chia sẻ không hợp lệ.")
    campaign = clean_text(campaign)
    if len(campaign) > CAMPAIGN_MAX:
        errors["campaign"] = _l("Tên chiến dịch tối đa %(n)s ký tự.", n=CAMPAIGN_MAX)
    if errors:
        raise ValidationFailed(errors=errors)
    link = ShareLink(
        material=material,
        collection=collection,
        enterprise_id=enterprise.id,
        organisation_id=None if actor.role == "admin" else actor.organisation_id,
        created_by_id=actor.id,
        channel=channel,
        campaign=campaign,
    )
    _save_with_fresh_code(link)
    return link


def _save_with_fresh_code(link: ShareLink) -> None:
    """Flush with a new code, drawing again in the rare case the code is taken."""
    for _attempt in range(ATTEMPTS):
        link.code = new_code()
        try:
            with db.session.begin_nested():
                db.session.add(link)
                db.session.flush()
            return
        except IntegrityError:
            continue
    raise RuntimeError("no free share code after several draws")


def resolve(code: str | None) -> ShareLink | None:
    """The link of a code, or None for anything that is not a known code.

    An old mixed-case code is matched as written (its case tells it apart); today's codes also
    as typed from a notice board, in any case, with or without the dash or spaces.
    """
    if not code or len(code) > 40:
        return None
    candidates = {code} if OLD_CODE_PATTERN.match(code) else set()
    if loose := typed_code(code):
        candidates.add(loose)
    if not candidates:
        return None
    links = db.session.scalars(select(ShareLink).where(ShareLink.code.in_(candidates))).all()
    return min(links, key=lambda link: link.code != code, default=None)


def find_link(actor, link_id: int) -> ShareLink:
    """A link this user may manage: its organisation's, or any for an administrator."""
    link = db.session.get(ShareLink, link_id)
    if link is None:
        raise NotFound()
    if actor.role == "admin":
        return link
    if actor.role != "union" or link.organisation_id != actor.organisation_id:
        raise PermissionDenied()
    return link


def shows_target(actor, link: ShareLink) -> bool:
    """Whether this user may see the link's page: it may have gone back to draft since."""
    if link.material is not None:
        return can_see(actor, link.material)
    from library.sharing.collections import can_manage

    return link.collection.status == "published" or can_manage(actor, link.collection)


def revoke_link(actor, link: ShareLink) -> ShareLink:
    """Stop crediting: the link still opens its page, but counts for nobody."""
    if not may_share(actor):
        raise PermissionDenied()
    link.revoked_at = link.revoked_at or utcnow()
    db.session.flush()
    return link


def count_arrival(
    link: ShareLink, visitor: str, user_agent: str, now=None, network: str | None = None
) -> None:
    """An arrival by an active link: a visit of the link and, for a material, a share_visit event.

    The event goes through tracking's rules (robots and a pace faster than people's apart,
    repeats within 30 s folded) and is credited to the link's enterprise and channel, so the
    dashboards count it like the others; a robot's arrival is no visit of the link either.
    """
    if not link.is_active:
        return
    now = now or utcnow()
    if link.material is not None and link.material.status == "published":
        outcome = record_event(
            link.material_id,
            "share_visit",
            visitor,
            user_agent,
            link.channel,
            link.enterprise_id,
            now,
            network=network,
        )
        robot = outcome == ROBOT
    else:
        robot = robot_reason(visitor, user_agent, now, network) is not None
    if not robot:
        record_visit(link, visitor, now)


def record_visit(link: ShareLink, visitor: str, now: datetime | None = None) -> None:
    """Count a visitor arriving by a link, at most once a day (a reload is not a new visit)."""
    now = now or utcnow()
    table = ShareVisit.__table__
    stmt = insert_for(table).values(
        link_id=link.id, day=local_time(now).date(), visitor=visitor, at=now
    )
    db.session.execute(stmt.on_conflict_do_nothing(index_elements=["link_id", "day", "visitor"]))


def links_of(actor) -> list[tuple[ShareLink, int]]:
    """The links this user manages with their visits, newest first."""
    visits = (
        select(ShareVisit.link_id, func.count().label("n")).group_by(ShareVisit.link_id).subquery()
    )
    query = (
        select(ShareLink, func.coalesce(visits.c.n, 0))
        .outerjoin(visits, visits.c.link_id == ShareLink.id)
        .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
    )
    if actor.role != "admin":
        query = query.where(ShareLink.organisation_id == actor.organisation_id)
    return [(link, n) for link, n in db.session.execute(query).all()]


def visits_by_channel(rows: list[tuple[ShareLink, int]]) -> dict[str, int]:
    """The visits of these links added up per channel."""
    totals = dict.fromkeys(LINK_CHANNELS, 0)
    for link, n in rows:
        totals[link.channel] = totals.get(link.channel, 0) + n
    return totals
