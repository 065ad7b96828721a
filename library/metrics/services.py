"""Figures read from the rollups (plus raw events not rolled up yet): stats and dashboards."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from sqlalchemy import bindparam, func, select, union_all

from library.extensions import db
from library.metrics.rollup import not_rolled, not_rolled_after, rolled_through
from library.models import (
    AgentSighting,
    DailyMetric,
    Event,
    Material,
    MonthlyCredit,
    MonthlyMetric,
    Organisation,
    RobotHit,
)
from library.models.materials import material_areas
from library.sharing.services import served_enterprises

REVIEW_THRESHOLD = 50


@dataclass(frozen=True)
class Scope:
    """Whose figures: everything (admin), one owner organisation, or credited organisations."""

    owner_org: int | None = None
    credited_orgs: tuple[int, ...] | None = None

    def filter(self, query, table):
        if self.owner_org is not None:
            query = query.where(table.owner_org == self.owner_org)
        if self.credited_orgs is not None:
            query = query.where(table.credited_org.in_(self.credited_orgs))
        return query

    @property
    def source(self):
        """Monthly rows when no credit filter applies (few rows a year), else the daily rows."""
        return DailyMetric if self.credited_orgs is not None else MonthlyMetric


EVERYTHING = Scope()


def scope_for(user) -> Scope | None:
    """Admins see all; editors and reviewers their materials; union officers their credits."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.role == "admin":
        return EVERYTHING
    if user.organisation_id is None:
        return None
    if user.role == "union":
        # Its share links credit the enterprises it serves; older credits name the union.
        served = served_enterprises(user.organisation)
        return Scope(credited_orgs=(user.organisation_id, *(org.id for org in served)))
    return Scope(owner_org=user.organisation_id)


def material_stats(material_id: int) -> dict:
    """All-time counts of one material: rolled-up days plus raw events of the other days."""
    counts = defaultdict(lambda: [0, 0])
    rolled = (
        select(DailyMetric.event, func.sum(DailyMetric.total), func.sum(DailyMetric.uniques))
        .where(DailyMetric.material_id == material_id)
        .group_by(DailyMetric.event)
    )
    for event, total, uniques in db.session.execute(rolled):
        counts[event][0] += int(total or 0)
        counts[event][1] += int(uniques or 0)
    for event, total, uniques in _raw_counts(material_id):
        counts[event][0] += total
        counts[event][1] += uniques
    robots = db.session.scalar(
        select(func.coalesce(func.sum(RobotHit.hits), 0)).where(RobotHit.material_id == material_id)
    )
    return {
        "views": counts["view"][0],
        "downloads": counts["download"][0],
        "plays": counts["play"][0],
        "unique_visitors": counts["view"][1],
        "robot_requests": int(robots),
    }


def page_counts(material_id: int) -> dict:
    """The views and downloads a material's page shows, as material_stats counts them, in one
    query (after the rolled-through day's): rolled-up days plus raw events of the other days."""
    statement = _page_counts_statement(rolled_through())
    rows = db.session.execute(statement, {"material_id": material_id})
    counts = {event: int(n or 0) for event, n in rows}
    return {"views": counts.get("view", 0), "downloads": counts.get("download", 0)}


@lru_cache(maxsize=4)
def _page_counts_statement(mark: date | None):
    """page_counts' query for one rolled-through day, built once: every material page asks it,
    and building it cost more than running it."""
    shown = ("view", "download")
    material_id = bindparam("material_id")
    rolled = (
        select(DailyMetric.event, func.sum(DailyMetric.total).label("n"))
        .where(DailyMetric.material_id == material_id, DailyMetric.event.in_(shown))
        .group_by(DailyMetric.event)
    )
    raw = (
        select(Event.event, func.count().label("n"))
        .where(
            Event.material_id == material_id,
            Event.event.in_(shown),
            *not_rolled_after(mark, Event.day),
        )
        .group_by(Event.event)
    )
    both = union_all(rolled, raw).subquery()
    return select(both.c.event, func.sum(both.c.n)).group_by(both.c.event)


def _raw_counts(material_id: int) -> list[tuple[str, int, int]]:
    """Per event: raw events not in a rollup yet, and their distinct visitor-hours."""
    sessions = (
        select(Event.event, Event.visitor, Event.day, Event.hour, func.count().label("n"))
        .where(Event.material_id == material_id, *not_rolled(Event.day))
        .group_by(Event.event, Event.visitor, Event.day, Event.hour)
        .subquery()
    )
    query = select(sessions.c.event, func.sum(sessions.c.n), func.count()).group_by(
        sessions.c.event
    )
    return [(e, int(t), int(u)) for e, t, u in db.session.execute(query)]


@dataclass
class Dashboard:
    """Everything a dashboard page shows for one scope and period."""

    areas: dict = field(default_factory=dict)
    series: list = field(default_factory=list)
    top: list = field(default_factory=list)
    channels: dict = field(default_factory=dict)
    organisations: list = field(default_factory=list)
    spikes: list = field(default_factory=list)


def _period(query, model, start: date, end: date):
    """Rows of the period; monthly rows are dated by their first day."""
    if model is DailyMetric:
        return query.where(model.day >= start, model.day <= end)
    return query.where(model.month >= start.replace(day=1), model.month <= end)


def _grouped(scope: Scope, model, start: date, end: date, *keys) -> dict:
    """Totals per keys and event, from the given rollup table within the scope and period."""
    query = select(*keys, model.event, func.sum(model.total)).group_by(*keys, model.event)
    if keys and keys[0] is material_areas.c.area_code:
        query = query.select_from(model).join(
            material_areas, material_areas.c.material_id == model.material_id
        )
    result = defaultdict(lambda: defaultdict(int))
    for *key, event, total in db.session.execute(
        scope.filter(_period(query, model, start, end), model)
    ):
        result[key[0] if len(key) == 1 else tuple(key)][event] = int(total)
    return result


def area_totals(scope: Scope, start: date, end: date) -> dict[str, dict[str, int]]:
    """Per area code and event: the total in the period."""
    return _grouped(scope, scope.source, start, end, material_areas.c.area_code)


def monthly_views(scope: Scope, start: date, end: date) -> dict[tuple[int, int], int]:
    """Views per (year, month)."""
    model = scope.source
    period = model.day if model is DailyMetric else model.month
    months = defaultdict(int)
    for day, events in _grouped(scope, model, start, end, period).items():
        months[(day.year, day.month)] += events.get("view", 0)
    return months


def top_materials(scope: Scope, start: date, end: date, limit: int = 10) -> list[tuple]:
    """The most viewed materials of the period: (material, views)."""
    model = scope.source
    views = func.sum(model.total).label("views")
    query = select(model.material_id, views).where(model.event == "view")
    query = scope.filter(_period(query, model, start, end), model)
    query = query.group_by(model.material_id).order_by(views.desc(), model.material_id).limit(limit)
    rows = db.session.execute(query).all()
    titles = _by_id(Material, [r[0] for r in rows])
    return [(titles[m], int(v)) for m, v in rows if m in titles]


def by_column(scope: Scope, start: date, end: date, name: str) -> dict:
    """Per value of a rollup column (channel, credited_org) and event: the total."""
    model = scope.source
    if name == "credited_org" and model is MonthlyMetric:
        model = MonthlyCredit
    return _grouped(scope, model, start, end, getattr(model, name))


def organisation_totals(scope: Scope, start: date, end: date) -> list[tuple]:
    """Credited organisations (from share links) with their totals per event."""
    totals = by_column(scope, start, end, "credited_org")
    totals.pop(0, None)
    orgs = _by_id(Organisation, list(totals))
    return sorted(
        ((orgs[k], v) for k, v in totals.items() if k in orgs), key=lambda r: -r[1]["view"]
    )


def _by_id(model, ids: list[int]) -> dict:
    if not ids:
        return {}
    return {o.id: o for o in db.session.scalars(select(model).where(model.id.in_(ids)))}


def robot_totals(start: date, end: date) -> list[tuple[str, int]]:
    """Robot and preview-crawler requests of the period, per matched pattern."""
    hits = func.sum(RobotHit.hits).label("hits")
    query = (
        select(RobotHit.agent, hits)
        .where(RobotHit.day >= start, RobotHit.day <= end)
        .group_by(RobotHit.agent)
        .order_by(hits.desc())
    )
    return [(a, int(h)) for a, h in db.session.execute(query)]


def agents_to_review(threshold: int = REVIEW_THRESHOLD) -> list[AgentSighting]:
    """User agents seen often and in neither list: the administrator decides what they are."""
    query = (
        select(AgentSighting)
        .where(AgentSighting.hits >= threshold)
        .order_by(AgentSighting.hits.desc())
        .limit(50)
    )
    return list(db.session.scalars(query))


def spikes(
    months: dict[tuple[int, int], int], shown: list[tuple[int, int]], current: tuple[int, int]
) -> list[tuple]:
    """COUNTER spikes: >= 3 x the previous 12-month average + 100, or < 1% of it (avg >= 20).

    Only months after a full year of usage are judged; a month still running or to come can be
    a spike upwards, never downwards.
    """
    flagged = []
    for year, month in shown:
        previous = [_shift(year, month, -k) for k in range(1, 13)]
        if (year, month) > current or any(p not in months for p in previous):
            continue
        average = sum(months[p] for p in previous) / 12
        count = months.get((year, month), 0)
        low = count < average / 100 and (year, month) < current
        if average >= 20 and (count >= 3 * average + 100 or low):
            flagged.append(((year, month), count, round(average, 1)))
    return flagged


def _shift(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def dashboard(scope: Scope, year: int, current: tuple[int, int] = (9999, 12)) -> Dashboard:
    """The figures of one year for one scope, from the rollups only (fast for any history)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    months = monthly_views(scope, date(year - 2, 1, 1), end)
    shown = [(year, m) for m in range(1, 13)]
    return Dashboard(
        areas=area_totals(scope, start, end),
        series=[(m, months.get(m, 0)) for m in shown],
        top=top_materials(scope, start, end),
        channels=by_column(scope, start, end, "channel"),
        organisations=organisation_totals(scope, start, end),
        spikes=spikes(months, shown, current),
    )
