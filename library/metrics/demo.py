"""Six months of invented activity on the demo materials (for `flask seed-demo --with-activity`).

Only a library with no usage figures at all gets it, so invented numbers can never mix with a
real library's. Every event goes through tracking's record_event (robots apart, double clicks
within 30 seconds folded), share-link arrivals through sharing's count_arrival, offline sessions
through log_session as the demo union officer, then the usual rollups: the dashboards read the
result exactly as they read real use. A fixed random seed makes the demo the same every time.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.extensions import db
from library.metrics import reach, rollup, sessions
from library.models import (
    DailyMetric,
    Event,
    Material,
    OfflineSession,
    Organisation,
    RobotHit,
    ShareLink,
    ShareVisit,
    User,
)
from library.sharing import services as sharing
from library.sharing.demo import DEMO_UNION
from library.tracking import visitors
from library.tracking.channels import channel_from
from library.tracking.services import LOCAL_TZ, record_event

DAYS = 182  # about six months, ending yesterday: today's events would wait for tonight's rollup
SEED = 1268
VISITORS = 1800
VISITS_PER_DAY = 26.0  # at the start of the period, on a weekday
GROWTH = 0.7  # the last day has 70% more visits than the first
WEEKDAY = (1.0, 1.0, 1.05, 1.0, 0.95, 0.6, 0.45)  # Monday .. Sunday
LINK_SHARE = 0.07  # visits that arrive by one of the demo union's share links
COOKIELESS = 0.1  # visitors whose browser keeps no cookie: known by a daily key only
ROBOT_HITS_PER_DAY = 1.6
HOST = "thuvien.demo"

# Phones of workers first; in-app browsers of Zalo and Facebook are people, and their channel.
BROWSERS = (
    (
        "Mozilla/5.0 (Linux; Android 11; SM-A125F) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/118.0.0.0 Mobile Safari/537.36",
        30,
    ),
    (
        "Mozilla/5.0 (Linux; Android 12; Redmi Note 11) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Version/4.0 Chrome/117.0.0.0 Mobile Safari/537.36 Zalo android/12110705 "
        "ZaloTheme/light ZaloLanguage/vn",
        22,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; OPPO A5s) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/116.0.0.0 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/435.0.0.39.109;]",
        14,
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/22.0 Chrome/111.0.5563.116 Mobile Safari/537.36",
        10,
    ),
    (
        "Mozilla/5.0 (Linux; Android 11; vivo 1906) AppleWebKit/537.36 (KHTML, like Gecko) "
        "coc_coc_browser/110.0 Chrome/104.0.0.0 Mobile Safari/537.36",
        10,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
        8,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/119.0.0.0 Safari/537.36",
        6,
    ),
)
# Crawlers of the COUNTER robots list: recorded, and counted apart from use.
ROBOTS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; coccocbot-web/1.1; +http://help.coccoc.com/searchengine)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
)
# Where a visit comes from when it is not a share link (None: typed, bookmarked, in-app).
REFERRERS = (
    (None, 50),
    ("https://www.google.com/", 22),
    ("https://coccoc.com/search", 10),
    ("https://www.facebook.com/", 8),
    ("https://zalo.me/", 6),
    ("https://baomoi.com/", 4),
)
# Hours of the province's day when workers read: before a shift, at lunch, in the evening.
HOURS = (1, 1, 1, 1, 1, 3, 8, 6, 3, 3, 4, 12, 14, 5, 3, 3, 4, 6, 7, 10, 12, 10, 6, 2)
# The union's extra links, so arrivals come by every channel an officer shares on.
LINK_CAMPAIGNS = {
    "zalo": "Nhóm Zalo công nhân",
    "facebook": "Trang Facebook Công đoàn cơ sở",
    "qr": "Bảng tin nhà ăn",
}
SESSIONS = (
    # (days before today, areas, share of the enterprise's workforce, note)
    (170, ("politics-law",), 0.12, "Tuyên truyền Bộ luật Lao động cho công nhân ca sáng"),
    (150, ("life-skills",), 0.08, "Phòng cháy, chữa cháy tại nhà trọ công nhân"),
    (128, ("digital-skills",), 0.05, "Cảnh giác lừa đảo trực tuyến"),
    (101, ("vocational-skills",), 0.07, "An toàn lao động khi vận hành máy may"),
    (80, ("learning-model", "life-skills"), 0.06, "Xây dựng Công dân học tập tại doanh nghiệp"),
    (55, ("politics-law", "life-skills"), 0.1, "Hỏi đáp về bảo hiểm xã hội và nghỉ hằng năm"),
    (34, ("digital-skills", "learning-model"), 0.04, "Cài đặt và dùng Thư viện trên điện thoại"),
    (12, ("vocational-skills",), 0.06, "Kỹ năng làm việc nhóm trong dây chuyền"),
)


@dataclass
class Visitor:
    """A worker who comes back: one phone, one cookie (unless the browser keeps none)."""

    cookie: str
    address: str
    user_agent: str
    cookieless: bool
    first_day: date | None = None

    def key(self, secret: str, day: date) -> str:
        """Known by IP and user agent on the first day (no cookie yet), by the cookie after."""
        if self.cookieless or self.first_day is None or self.first_day == day:
            self.first_day = self.first_day or day
            return visitors.hashed_visitor(secret, day, self.address, self.user_agent)
        return visitors.cookie_visitor(secret, self.cookie)


def has_usage() -> bool:
    """Whether the library has any usage figure: events (or their rollups), robots, sessions."""
    for model in (Event, DailyMetric, RobotHit, OfflineSession, ShareVisit):
        if db.session.scalar(select(model).limit(1)) is not None:
            return True
    return False


def demo_materials() -> list[Material]:
    """The published materials of the demo set, in a fixed order."""
    query = select(Material).where(
        Material.status == "published", Material.external_id.like("demo-%")
    )
    return list(db.session.scalars(query.order_by(Material.id)))


def seed_activity(today: date, progress=None) -> dict:
    """Add six months of activity, ending yesterday, to a library without any usage figure.

    progress(n) is called once per day generated and once per day rolled up (2 x DAYS in all).
    Returns what was added; {"added": False, "reason": ...} when nothing was.
    """
    if has_usage():
        return {"added": False, "reason": "usage"}
    materials = demo_materials()
    if not materials:
        return {"added": False, "reason": "materials"}
    rng = random.Random(SEED)
    start = today - timedelta(days=DAYS)
    union = accounts.find_organisation(DEMO_UNION)
    officer = _officer(union)
    links = _links(officer, union, materials, start)
    workforce = _workforce()
    generator = _Generator(rng, materials, links, current_app.config["SECRET_KEY"])
    for offset in range(DAYS):
        generator.day(start + timedelta(days=offset), offset / (DAYS - 1))
        if progress:
            progress(1)
    logged = _sessions(rng, officer, union, materials, today)
    days, events = rollup.rollup_pending(today, progress)
    robots = db.session.scalar(select(func.coalesce(func.sum(RobotHit.hits), 0)))
    return {
        "added": True,
        "first_day": start,
        "last_day": today - timedelta(days=1),
        "days": days,
        "events": events,
        "repeats": generator.repeats,
        "robot_hits": int(robots),
        "sessions": logged,
        "links": len(links),
        "workforce": workforce,
    }


class _Generator:
    """One day's visits at a time, in time order (the 30-second rule needs the real order)."""

    def __init__(self, rng: random.Random, materials, links, secret: str):
        self.rng = rng
        self.secret = secret
        self.links = links
        # Popularity: a Zipf-like law over a shuffled list; linked materials are near the top.
        ranked = list(materials)
        rng.shuffle(ranked)
        linked = [link.material for link in links]
        ranked = linked + [m for m in ranked if m not in linked]
        self.materials = ranked
        self.weights = [1 / (rank + 2) ** 1.05 for rank in range(len(ranked))]
        agents, shares = zip(*BROWSERS, strict=True)
        self.visitors = [
            Visitor(
                cookie=f"{rng.getrandbits(128):032x}",
                address=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                user_agent=rng.choices(agents, shares)[0],
                cookieless=rng.random() < COOKIELESS,
            )
            for _ in range(VISITORS)
        ]
        # Some workers read often, most now and then.
        self.activity = [1 / (n + 10) ** 0.8 for n in range(VISITORS)]
        self.repeats = 0

    def day(self, day: date, progress: float) -> None:
        rng = self.rng
        rate = VISITS_PER_DAY * (1 + GROWTH * progress) * WEEKDAY[day.weekday()]
        if date(day.year, 10, 1) <= day <= date(day.year, 10, 7):
            rate *= 1.5  # the lifelong learning week: the demo collection is featured
        visits = max(3, round(rng.gauss(rate, rate**0.5)))
        hits = [(self._moment(day), "visit") for _ in range(visits)]
        robots = sum(rng.random() < ROBOT_HITS_PER_DAY / 3 for _ in range(3))
        hits += [(self._moment(day), "robot") for _ in range(robots)]
        for moment, kind in sorted(hits, key=lambda h: h[0]):
            if kind == "robot":
                material = rng.choice(self.materials)
                record_event(material.id, "view", "", rng.choice(ROBOTS), now=moment)
            else:
                self._visit(day, moment)

    def _moment(self, day: date) -> datetime:
        hour = self.rng.choices(range(24), HOURS)[0]
        local = datetime.combine(day, time(hour), LOCAL_TZ) + timedelta(
            seconds=self.rng.randrange(3600)
        )
        return local.astimezone(UTC)

    def _visit(self, day: date, moment: datetime) -> None:
        rng = self.rng
        person = rng.choices(self.visitors, self.activity)[0]
        visitor, agent = person.key(self.secret, day), person.user_agent
        link = rng.choice(self.links) if self.links and rng.random() < LINK_SHARE else None
        if link is not None:
            # The short link first (a share_visit credited to the enterprise), then its page.
            sharing.count_arrival(link, visitor, agent, now=moment)
            material, channel, credited = link.material, link.channel, link.enterprise_id
            moment += timedelta(seconds=rng.randrange(1, 4))
        else:
            material = rng.choices(self.materials, self.weights)[0]
            referrer = rng.choices(*zip(*REFERRERS, strict=True))[0]
            channel, credited = channel_from(referrer, HOST, agent), None
        # Most read one material; some follow on to another of the same area.
        for n in range(1 + (rng.random() < 0.3) + (rng.random() < 0.1)):
            if n:
                material = self._related(material)
                channel, credited = "direct", None
                moment += timedelta(seconds=rng.randrange(40, 600))
            self._read(material, visitor, agent, channel, credited, moment)

    def _read(self, material, visitor, agent, channel, credited, moment) -> None:
        rng = self.rng
        self._count(material, "view", visitor, agent, channel, credited, moment)
        if rng.random() < 0.05:  # a double tap on a slow phone: folded into the same view
            self._count(material, "view", visitor, agent, channel, credited, moment, 2)
        family = material.file.family if material.file is not None else None
        if family in ("video", "audio") and rng.random() < 0.6:
            moment += timedelta(seconds=rng.randrange(5, 40))
            self._count(material, "play", visitor, agent, "direct", None, moment)
        elif family is not None and rng.random() < 0.45:
            moment += timedelta(seconds=rng.randrange(10, 120))
            self._count(material, "download", visitor, agent, "direct", None, moment)

    def _count(self, material, event, visitor, agent, channel, credited, moment, later=0):
        moment += timedelta(seconds=later)
        outcome = record_event(material.id, event, visitor, agent, channel, credited, now=moment)
        self.repeats += outcome == "repeat"

    def _related(self, material: Material) -> Material:
        codes = set(material.area_codes)
        near = [m for m in self.materials[:60] if m is not material and codes & set(m.area_codes)]
        return self.rng.choice(near or self.materials[:60])


def _officer(union: Organisation | None) -> User | None:
    if union is None:
        return None
    query = select(User).where(User.organisation_id == union.id, User.role == "union")
    return db.session.scalar(query.order_by(User.id).limit(1))


def _links(officer, union, materials, start: date) -> list[ShareLink]:
    """The union's active links to materials, one per channel it shares on (made if missing)."""
    if officer is None:
        return []
    enterprises = sharing.served_enterprises(union)
    if not enterprises:
        return []
    query = select(ShareLink).where(
        ShareLink.organisation_id == union.id,
        ShareLink.material_id.is_not(None),
        ShareLink.revoked_at.is_(None),
    )
    links = list(db.session.scalars(query.order_by(ShareLink.id)))
    playable = [m for m in materials if m.file is not None and m.file.family == "video"]
    posters = [m for m in materials if m.kind in ("poster", "leaflet")]
    for n, (channel, campaign) in enumerate(LINK_CAMPAIGNS.items()):
        if any(link.channel == channel for link in links):
            continue
        pool = {"facebook": playable, "qr": posters}.get(channel) or materials
        links.append(
            sharing.create_link(
                officer,
                enterprise=enterprises[n % len(enterprises)],
                material=(pool or materials)[0],
                channel=channel,
                campaign=campaign,
            )
        )
    # Links shared since the start of the period: no arrival before its link was made.
    opened = datetime.combine(start, time(7), LOCAL_TZ).astimezone(UTC)
    for link in links:
        link.created_at = min(link.created_at, opened)  # (read back timezone-aware)
    db.session.flush()
    return links


def _workforce() -> int | None:
    """The province's registered workforce, from the enterprises', when none is recorded."""
    if reach.workforce_total() is not None:
        return reach.workforce_total()
    total = db.session.scalar(
        select(func.sum(Organisation.workers)).where(Organisation.type == "enterprise")
    )
    if total:
        reach.set_workforce(SYSTEM, total, {})
    return reach.workforce_total()


def _sessions(rng, officer, union, materials, today: date) -> int:
    """A handful of talks and trainings the union held at the enterprises it serves."""
    enterprises = [e for e in sharing.served_enterprises(union) if e.workers]
    if officer is None or not enterprises:
        return 0
    count = 0
    for n, (before, areas, share, note) in enumerate(SESSIONS):
        org = enterprises[n % len(enterprises)]
        related = [m.id for m in materials if set(areas) & set(m.area_codes)]
        raw = {
            "held_on": today - timedelta(days=before),
            "organisation_id": org.id,
            "attendees": max(10, round(org.workers * share * rng.uniform(0.8, 1.2))),
            "areas": list(areas),
            "materials": rng.sample(related, min(2, len(related))),
            "note": note,
        }
        sessions.log_session(officer, raw, today)
        count += 1
    return count
