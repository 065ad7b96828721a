"""Daily rollups of raw events, and pruning raw events once rolled up."""

from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, case, delete, func, insert, literal, select, update

from library.areas import AREA_CODES
from library.database import hold_lock
from library.errors import DomainError
from library.extensions import db
from library.models import (
    DailyMetric,
    Event,
    Material,
    MonthlyCredit,
    MonthlyMetric,
    RolledDay,
    Setting,
    VisitorStreak,
    YearVisitor,
)
from library.models.base import utcnow
from library.models.materials import material_areas
from library.upsert import insert_for

ROLLUP_COLUMNS = (
    "day",
    "material_id",
    "owner_org",
    "credited_org",
    "channel",
    "event",
    "total",
    "uniques",
)


WATERMARK = "rolled_through"
_WATERMARK_QUERY = select(Setting.value).where(Setting.key == WATERMARK)
# Rollups and pruning run one at a time across every process and host (cron on two hosts, a
# command during a deploy): each rebuilds rows from what it reads, so two at once would clash.
LOCK = "metrics.rollup"


def rolled_through() -> date | None:
    """The day up to which every day with events is in the rollups (set by rollup_pending)."""
    # Its value only, by a statement built once: every material page asks (loading the row
    # as an object cost as much as loading the material).
    value = db.session.scalar(_WATERMARK_QUERY)
    return date.fromisoformat(value) if value else None


def not_rolled(day_column, start: date | None = None, end: date | None = None) -> list:
    """Conditions for raw events of days not in the rollups, within [start, end].

    One lower bound only (the later of start and the rolled-through day), so the database
    reads just the recent part of the day index, whatever years of events lie before it.
    """
    return not_rolled_after(rolled_through(), day_column, start, end)


def not_rolled_after(mark: date | None, day_column, start=None, end=None) -> list:
    """not_rolled, for a rolled-through day already read."""
    rolled = select(RolledDay.day)
    if mark is not None:
        rolled = rolled.where(RolledDay.day > mark)
        start = max(start or mark, mark + timedelta(days=1))
    conditions = [day_column.not_in(rolled)]
    if start:
        conditions.append(day_column >= start)
    if end:
        conditions.append(day_column <= end)
    return conditions


def rollup_pending(today: date, progress=None) -> tuple[int, int]:
    """Roll up every finished day not rolled up yet; returns (days, events)."""
    hold_lock(db.session, LOCK)
    days = days_to_roll(today)
    total = rollup_days(days, progress)
    setting = db.session.get(Setting, WATERMARK) or Setting(key=WATERMARK, value="")
    setting.value = (today - timedelta(days=1)).isoformat()
    db.session.add(setting)
    db.session.flush()
    return len(days), total


def rollup_days(days: list[date], progress=None) -> int:
    """Roll up several days, then rebuild each month they touch once; returns the events."""
    hold_lock(db.session, LOCK)
    total = 0
    for day in days:
        total += rollup_day(day, with_month=False)
        if progress:
            progress(1)
    for month in sorted({d.replace(day=1) for d in days}):
        rollup_month(month)
    return total


def rollup_month(month: date) -> None:
    """(Re)build a month's rows from its daily rows: what the dashboards read."""
    end = (month + timedelta(days=32)).replace(day=1)
    in_month = (DailyMetric.day >= month, DailyMetric.day < end)
    for model in (MonthlyMetric, MonthlyCredit):
        db.session.execute(delete(model).where(model.month == month))
    keys = (DailyMetric.material_id, DailyMetric.owner_org, DailyMetric.channel, DailyMetric.event)
    rows = select(literal(month, Date), *keys, func.sum(DailyMetric.total)).where(*in_month)
    db.session.execute(
        insert(MonthlyMetric).from_select(
            ["month", "material_id", "owner_org", "channel", "event", "total"], rows.group_by(*keys)
        )
    )
    keys = (DailyMetric.credited_org, DailyMetric.owner_org, DailyMetric.event)
    rows = select(literal(month, Date), *keys, func.sum(DailyMetric.total)).where(
        *in_month, DailyMetric.credited_org != 0
    )
    db.session.execute(
        insert(MonthlyCredit).from_select(
            ["month", "credited_org", "owner_org", "event", "total"], rows.group_by(*keys)
        )
    )
    db.session.flush()


def rollup_day(day: date, with_month: bool = True) -> int:
    """(Re)build one day's rollups from its raw events; running it twice changes nothing."""
    hold_lock(db.session, LOCK)
    rolled = db.session.get(RolledDay, day)
    if rolled is not None and rolled.pruned:
        raise DomainError(_l("Dữ liệu gốc của ngày này đã được xóa, không thể tổng hợp lại."))
    db.session.execute(delete(DailyMetric).where(DailyMetric.day == day))
    db.session.execute(insert(DailyMetric).from_select(ROLLUP_COLUMNS, _daily_select(day)))
    _add_year_visitors(day)
    count = db.session.scalar(select(func.count()).select_from(Event).where(Event.day == day))
    if rolled is None:
        db.session.add(RolledDay(day=day, events=count))
    else:
        rolled.events = count
        rolled.rolled_at = utcnow()
    db.session.flush()
    if with_month:
        rollup_month(day.replace(day=1))
    return count


def _daily_select(day: date):
    """One GROUP BY: totals, and distinct visitor-hours as COUNTER's unique counts."""
    credited = func.coalesce(Event.organisation_id, 0).label("credited_org")
    keys = (Event.material_id, credited, Event.channel, Event.event)
    sessions = (
        select(*keys, Event.visitor, Event.hour, func.count().label("n"))
        .where(Event.day == day)
        .group_by(*keys, Event.visitor, Event.hour)
        .subquery()
    )
    c = sessions.c
    return (
        select(
            literal(day, Date),
            c.material_id,
            Material.organisation_id,
            c.credited_org,
            c.channel,
            c.event,
            func.sum(c.n),
            func.count(),
        )
        .join(Material, Material.id == c.material_id)
        .group_by(c.material_id, Material.organisation_id, c.credited_org, c.channel, c.event)
    )


def area_bit():
    """1, 2, 4, ... for the area of a material_areas row, in the areas' fixed order."""
    bits = {code: 1 << n for n, code in enumerate(AREA_CODES)}
    return case(bits, value=material_areas.c.area_code, else_=0)


def _add_year_visitors(day: date) -> None:
    """Remember who was reached in which areas this year: the province, and credited orgs."""
    table = YearVisitor.__table__
    for scope in (literal(0, Integer), Event.organisation_id):
        # SUM of distinct powers of two is their OR, in any database.
        rows = (
            select(
                literal(day.year, Integer), scope, Event.visitor, func.sum(area_bit().distinct())
            )
            .join(material_areas, material_areas.c.material_id == Event.material_id)
            .where(Event.day == day, scope.is_not(None))
            .group_by(scope, Event.visitor)
        )
        stmt = insert_for(table).from_select(["year", "scope_org", "visitor", "areas"], rows)
        merged = table.c.areas.op("|")(stmt.excluded.areas)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.year, table.c.scope_org, table.c.visitor],
            set_={"areas": merged},
            where=merged != table.c.areas,
        )
        db.session.execute(stmt)


def days_to_roll(today: date) -> list[date]:
    """Days before today that have raw events and no rollup yet."""
    query = (
        select(Event.day)
        .where(Event.day < today, Event.day.not_in(select(RolledDay.day)))
        .distinct()
        .order_by(Event.day)
    )
    return list(db.session.scalars(query))


def prune_events(today: date, keep_days: int) -> int:
    """Delete raw events older than keep_days of days already rolled up; return how many."""
    hold_lock(db.session, LOCK)
    cutoff = today - timedelta(days=keep_days)
    days = select(RolledDay.day).where(RolledDay.day < cutoff)
    result = db.session.execute(delete(Event).where(Event.day.in_(days)))
    db.session.execute(update(RolledDay).where(RolledDay.day < cutoff).values(pruned=True))
    # Streaks older than the window carry no information any more.
    yesterday = datetime.combine(today - timedelta(days=1), time(), UTC)
    cutoff_ms = int(yesterday.timestamp() * 1000)
    db.session.execute(delete(VisitorStreak).where(VisitorStreak.last_ms < cutoff_ms))
    db.session.flush()
    return result.rowcount
