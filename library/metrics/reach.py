"""Reach against the Program 1268 targets: online visitors plus offline attendees, per area."""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from library.accounts.permissions import require
from library.areas import AREA_CODES, all_areas
from library.audit import record_change
from library.catalog.validation import whole_number
from library.errors import ValidationFailed
from library.extensions import db
from library.metrics.rollup import area_bit, not_rolled
from library.metrics.services import EVERYTHING, Scope, area_totals
from library.models import (
    Area,
    Event,
    OfflineSession,
    Organisation,
    Setting,
    YearVisitor,
)
from library.models.materials import material_areas
from library.models.metrics import offline_session_areas

WORKFORCE_KEY = "workforce_total"


@dataclass
class AreaReach:
    """One area's figures for a year."""

    area: Area
    views: int
    online: int
    offline: int
    workforce: int | None
    target_2025: int
    target_2030: int
    target_now: float

    @property
    def reach_pct(self) -> float | None:
        """(online + offline) as a share of the workforce, capped at 100%."""
        if not self.workforce:
            return None
        return round(min(100.0, 100.0 * (self.online + self.offline) / self.workforce), 1)

    @property
    def on_track(self) -> bool | None:
        return None if self.reach_pct is None else self.reach_pct >= self.target_now


def workforce_total() -> int | None:
    """The province's registered workforce, if the administrator has recorded it."""
    setting = db.session.get(Setting, WORKFORCE_KEY)
    return int(setting.value) if setting else None


def set_workforce(actor, total, per_enterprise: dict[int, object]) -> None:
    """Record the registered workforce: the total and each enterprise's (admin only)."""
    require(actor.is_admin)
    errors = {}
    total = whole_number(total, errors, "total")
    numbers = {oid: whole_number(v, errors, f"org-{oid}") for oid, v in per_enterprise.items()}
    if errors:
        raise ValidationFailed(errors=errors)
    if total is not None:
        setting = db.session.get(Setting, WORKFORCE_KEY) or Setting(key=WORKFORCE_KEY, value="")
        setting.value = str(total)
        db.session.add(setting)
    for org in db.session.scalars(select(Organisation).where(Organisation.id.in_(numbers))):
        if org.type == "enterprise" and org.workers != numbers[org.id]:
            record_change(actor, "workforce", org, {"workers": numbers[org.id]})
            org.workers = numbers[org.id]
    db.session.flush()


def set_targets(actor, targets: dict[str, tuple[object, object]]) -> None:
    """Change the areas' 2025 and 2030 targets (percent, admin only)."""
    require(actor.is_admin)
    errors, clean = {}, {}
    for code, (t2025, t2030) in targets.items():
        pair = (
            whole_number(t2025, errors, f"{code}-2025", 100),
            whole_number(t2030, errors, f"{code}-2030", 100),
        )
        if None in pair and f"{code}-2025" not in errors and f"{code}-2030" not in errors:
            errors[f"{code}-2025"] = _l("Cần nhập cả hai mục tiêu.")
        clean[code] = pair
    if errors:
        raise ValidationFailed(errors=errors)
    for area in all_areas():
        if area.code in clean:
            area.target_2025, area.target_2030 = clean[area.code]
    db.session.flush()


def target_for(area: Area, year: int) -> float:
    """The mark a year is held to: the 2025 target, then a straight line to the 2030 one."""
    if year <= 2025:
        return float(area.target_2025)
    if year >= 2030:
        return float(area.target_2030)
    step = (area.target_2030 - area.target_2025) / 5
    return round(area.target_2025 + step * (year - 2025), 1)


def online_visitors(year: int, scope_org: int = 0) -> dict[str, int]:
    """Distinct visitor keys per area in a year: rolled-up ones, plus new ones of unrolled days."""
    reached = YearVisitor.areas.op("&")
    kept = select(
        *[func.sum(case((reached(1 << n) != 0, 1), else_=0)) for n in range(len(AREA_CODES))]
    ).where(YearVisitor.year == year, YearVisitor.scope_org == scope_org)
    counts = dict(
        zip(AREA_CODES, (int(n or 0) for n in db.session.execute(kept).one()), strict=True)
    )
    already = select(YearVisitor.visitor).where(
        YearVisitor.year == year,
        YearVisitor.scope_org == scope_org,
        YearVisitor.visitor == Event.visitor,
        reached(area_bit()) != 0,
    )
    area = material_areas.c.area_code
    raw = (
        select(area, func.count(Event.visitor.distinct()))
        .select_from(Event)
        .join(material_areas, material_areas.c.material_id == Event.material_id)
        .where(*not_rolled(Event.day, date(year, 1, 1), date(year, 12, 31)), ~already.exists())
        .group_by(area)
    )
    if scope_org:
        raw = raw.where(Event.organisation_id == scope_org)
    for code, n in db.session.execute(raw):
        counts[code] = counts.get(code, 0) + int(n)
    return counts


def offline_attendees(year: int, organisation_id: int | None = None) -> dict[str, int]:
    """Attendees of offline sessions per area in a year."""
    query = (
        select(offline_session_areas.c.area_code, func.sum(OfflineSession.attendees))
        .select_from(OfflineSession)
        .join(offline_session_areas, offline_session_areas.c.session_id == OfflineSession.id)
        .where(OfflineSession.held_on >= date(year, 1, 1))
        .where(OfflineSession.held_on <= date(year, 12, 31))
        .group_by(offline_session_areas.c.area_code)
    )
    if organisation_id is not None:
        query = query.where(OfflineSession.organisation_id == organisation_id)
    return {area: int(n or 0) for area, n in db.session.execute(query)}


def area_views(year: int, scope_org: int = 0) -> dict[str, int]:
    """Views per area in a year: rollups plus raw events of days not rolled up yet."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    # The monthly rows for the province, the daily rows credited to one organisation.
    scope = Scope(credited_orgs=(scope_org,)) if scope_org else EVERYTHING
    views = {area: t.get("view", 0) for area, t in area_totals(scope, start, end).items()}
    raw = (
        select(material_areas.c.area_code, func.count())
        .select_from(Event)
        .join(material_areas, material_areas.c.material_id == Event.material_id)
        .where(Event.event == "view", *not_rolled(Event.day, start, end))
        .group_by(material_areas.c.area_code)
    )
    if scope_org:
        raw = raw.where(Event.organisation_id == scope_org)
    for area, n in db.session.execute(raw):
        views[area] = views.get(area, 0) + int(n)
    return views


def reach_by_area(year: int, organisation: Organisation | None = None) -> list[AreaReach]:
    """Each area's reach for a year: the province, or one enterprise (its credited visitors)."""
    scope_org = organisation.id if organisation else 0
    workforce = organisation.workers if organisation else workforce_total()
    online = online_visitors(year, scope_org)
    offline = offline_attendees(year, organisation.id if organisation else None)
    views = area_views(year, scope_org)
    return [
        AreaReach(
            area=a,
            views=views.get(a.code, 0),
            online=online.get(a.code, 0),
            offline=offline.get(a.code, 0),
            workforce=workforce,
            target_2025=a.target_2025,
            target_2030=a.target_2030,
            target_now=target_for(a, year),
        )
        for a in all_areas()
    ]


def enterprises_with_workforce() -> list[Organisation]:
    """Enterprises whose registered workforce is known, by name."""
    query = select(Organisation).where(
        Organisation.type == "enterprise",
        Organisation.workers.is_not(None),
        Organisation.workers > 0,
    )
    return list(db.session.scalars(query.order_by(Organisation.name)))


def summary(year: int) -> dict[str, dict]:
    """The API's per-area figures of a year."""
    return {
        r.area.code: {
            "views": r.views,
            "unique_visitors": r.online,
            "offline_attendees": r.offline,
            "reach_pct": r.reach_pct,
            "target_2025": r.target_2025,
            "target_2030": r.target_2030,
        }
        for r in reach_by_area(year)
    }
