"""Inflating the figures from outside: every way a script can pass for many people, against
views, downloads, plays and share visits. The human figures (the material page's counts, the
API's stats, the share link's visits, the events the dashboards and the yearly report roll up)
stay at a person's pace; what the script sent above it shows in the robot counts instead.

A normal visitor, and an office of colleagues behind one address, still count in full.
"""

import io
import secrets
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from agents import CHROME_ANDROID, IPHONE_SAFARI
from flask.testing import FlaskClient
from sqlalchemy import func, select
from support import database_dump, pdf_bytes, upload

from library import create_app
from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.catalog.services import Upload
from library.extensions import db
from library.metrics.services import material_stats
from library.models import Event, RateWindow, RobotHit, ShareVisit
from library.sharing import services as sharing
from library.tracking import rates, visitors
from library.tracking.rates import parse_limits
from library.tracking.services import COUNTED, ROBOT, local_time, record_event
from library.tracking.visitors import network_of

# The smallest MP3 frame header repeated: enough for the upload checks to see an MP3.
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 413
FLOOD = 80  # requests of one attack: more than a network's 60 a minute
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}
# Non-browser clients as they announce themselves (their default User-Agent).
MACHINES = [
    "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
    "node",
    "undici",
    "PostmanRuntime/7.39.0",
    "Python/3.12 aiohttp/3.9.5",
    "HTTPie/3.2.2",
    "Deno/1.44.0",
    "Bun/1.1.12",
    "python-requests/2.32.3",
    "python-httpx/0.27.0",
    "Python-urllib/3.11",
    "curl/8.8.0",
    "Wget/1.21.4",
    "Go-http-client/2.0",
    "okhttp/4.12.0",
    "axios/1.7.2",
    "got (https://github.com/sindresorhus/got)",
    "Dart/3.4 (dart:io)",
    "reqwest/0.12.4",
    "Java/17.0.11",
    "Apache-HttpClient/4.5.14 (Java/17.0.11)",
    "GuzzleHttp/7",
    "k6/0.51.0 (https://k6.io/)",
    "Scrapy/2.11.2 (+https://scrapy.org)",
    "insomnia/2023.5.8",
    "",
]


class Client(FlaskClient):
    """Each request in its own app context, as a server runs it."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _chrome(version: int) -> str:
    return CHROME_ANDROID.replace("Chrome/124.0.0.0", f"Chrome/{100 + version % 900}.0.{version}.0")


def _yesterday() -> datetime:
    return local_time(datetime.now(UTC)).date() - timedelta(days=1)


def _unsigned_cookie(n: int, ip: str = "") -> dict:
    """The cookie of the old attack: any id dated before today was a new visitor."""
    return {"Cookie": f"vid={secrets.token_hex(16)}.{_yesterday():%Y%m%d}"}


def _forged_signature(n: int, ip: str) -> dict:
    return {"Cookie": f"vid={secrets.token_hex(16)}.{_yesterday():%Y%m%d}.{secrets.token_hex(14)}"}


def _genuine_cookie(secret: str):
    """Cookies the site really gave yesterday, harvested by a script and used once each."""
    return lambda n, ip: {"Cookie": f"vid={visitors.new_cookie(secret, _yesterday())}"}


def _ipv6_of(n: int, ip: str) -> str:
    """Address n of a /64 of the attack's own (one subscriber's share of IPv6)."""
    return f"2001:db8:{ip.rsplit('.', 1)[1]}:1::{n + 1:x}"


# How each attack dresses request n from its address: extra headers ("_ip": the address it
# really comes from); whether the attack folds into one visitor.
METHODS = {
    "unsigned cookie dated yesterday, new each time": (_unsigned_cookie, True),
    "cookie with a forged signature, new each time": (_forged_signature, True),
    "no cookie at all": (lambda n, ip: {}, True),
    "genuine cookies given yesterday, rotated": (None, False),  # filled in with the secret
    "no cookie, rotating User-Agent": (lambda n, ip: {"User-Agent": _chrome(n)}, False),
    "forged cookie and rotating User-Agent": (
        lambda n, ip: {**_unsigned_cookie(n), "User-Agent": _chrome(n)},
        False,
    ),
    "rotating addresses of one IPv6 /64 and User-Agents": (
        lambda n, ip: {"User-Agent": _chrome(n), "_ip": _ipv6_of(n, ip)},
        False,
    ),
}
KINDS = ("view", "download", "play", "share_visit")
# The play beacon without proof that the site's own page sent it: refused outright.
BEACON_REFUSALS = {
    "beacon without Origin or Sec-Fetch-Site": {},
    "beacon from another site (Sec-Fetch-Site: cross-site)": {"Sec-Fetch-Site": "cross-site"},
    "beacon with a foreign Origin": {"Origin": "https://tang-luot-xem.example"},
    "beacon with Origin null": {"Origin": "null"},
}


def method_count() -> dict[str, int]:
    """The attacks tried and the requests sent (for the closing figures)."""
    combos = len(METHODS) * len(KINDS) + len(KINDS) + len(BEACON_REFUSALS)
    return {
        "methods": len(METHODS) + 1 + len(BEACON_REFUSALS),
        "method x event kind": combos,
        "requests": combos * FLOOD,
    }


class Site:
    """A published leaflet (view, download), an audio (play) and a share link to the leaflet."""

    def __init__(self, app):
        self.app = app
        org = accounts.create_organisation(SYSTEM, "so-a", "Sở A", "department")
        union = accounts.create_organisation(SYSTEM, "ldld", "Liên đoàn Lao động", "union")
        firm = accounts.create_organisation(SYSTEM, "dn-may", "Công ty May", "enterprise")
        officer = accounts.create_user(SYSTEM, "congdoan@thuvien.vn", "x" * 12, "union", "ldld")
        db.session.commit()
        sharing.set_served_enterprises(SYSTEM, union, [firm.code])
        base = {"areas": ["politics-law"], "license": "gov-work", "status": "published"}
        with app.test_request_context():
            self.leaflet = catalog.create_material(
                SYSTEM,
                org,
                {**base, "title": "Tờ gấp an toàn điện", "kind": "leaflet"},
                upload(pdf_bytes(1), "to-gap.pdf"),
            )
            self.audio = catalog.create_material(
                SYSTEM,
                org,
                {**base, "title": "Bản tin phát thanh công đoàn", "kind": "audio", "body": ""},
                Upload(io.BytesIO(MP3 * 20), "ban-tin.mp3"),
            )
        db.session.commit()
        self.link = sharing.create_link(
            officer, enterprise=firm, material=self.leaflet, channel="zalo"
        )
        db.session.commit()
        file = self.leaflet.file
        self.paths = {
            "view": ("GET", f"/materials/{self.leaflet.id}", self.leaflet.id),
            "download": ("GET", f"/files/{file.id}/to-gap.{file.extension}", self.leaflet.id),
            "play": ("POST", f"/track/play/{self.audio.id}", self.audio.id),
            "share_visit": ("GET", f"/s/{self.link.code}", self.leaflet.id),
        }
        app.test_client_class = Client

    def send(self, kind: str, ip: str, dress: dict, client=None):
        method, path, _material = self.paths[kind]
        headers = {"User-Agent": CHROME_ANDROID}
        if kind == "play" and not dress.get("_not_from_the_page"):
            headers |= SAME_ORIGIN  # a script can send it too: the pace rules still apply
        headers |= {k: v for k, v in dress.items() if not k.startswith("_")}
        client = client or self.app.test_client(use_cookies=False)
        return client.open(
            path,
            method=method,
            headers=headers,
            environ_base={"REMOTE_ADDR": dress.get("_ip", ip)},
        )

    def figures(self, kind: str) -> tuple[int, int]:
        """(what people did, what robots did) of this kind, as the figures count them."""
        material_id = self.paths[kind][2]
        with self.app.app_context():
            stats = material_stats(material_id)
            events = db.session.scalar(
                select(func.count())
                .select_from(Event)
                .where(Event.material_id == material_id, Event.event == kind)
            )
            robots = db.session.scalar(
                select(func.coalesce(func.sum(RobotHit.hits), 0)).where(
                    RobotHit.material_id == material_id, RobotHit.event == kind
                )
            )
            shown = {"view": "views", "download": "downloads", "play": "plays"}
            if kind in shown:
                assert stats[shown[kind]] == events  # the page, the API and the events agree
            return events, int(robots)

    def link_visits(self) -> int:
        with self.app.app_context():
            return db.session.scalar(
                select(func.count())
                .select_from(ShareVisit)
                .where(ShareVisit.link_id == self.link.id)
            )


@pytest.fixture(scope="module")
def site(module_app):
    return Site(module_app)


_addresses = iter(range(1, 250))


def _address() -> str:
    """An address of its own for each attack, so their windows never mix."""
    return f"203.0.113.{next(_addresses)}"


def _minutes(start: datetime, end: datetime) -> int:
    """How many minute windows a run touched (each gives a network its 60 again)."""
    return int(end.timestamp() // 60 - start.timestamp() // 60) + 1


def _flood(site, kind, dress, ip):
    before, robots_before = site.figures(kind)
    visits_before = site.link_visits()
    start = datetime.now(UTC)
    statuses = {site.send(kind, ip, dress(n, ip)).status_code for n in range(FLOOD)}
    minutes = _minutes(start, datetime.now(UTC))
    after, robots_after = site.figures(kind)
    return (
        statuses,
        after - before,
        robots_after - robots_before,
        site.link_visits() - visits_before,
        minutes,
    )


@pytest.mark.parametrize(("name", "kind"), list(product(METHODS, KINDS)))
def test_an_attack_counts_at_most_a_persons_pace(site, name, kind):
    dress, folds = METHODS[name]
    if dress is None:
        dress = _genuine_cookie(site.app.config["SECRET_KEY"])
    statuses, people, robots, visits, minutes = _flood(site, kind, dress, _address())
    assert statuses <= {200, 204, 302}
    # A network is a person's at most 60 times a minute (a crowd behind one address at most).
    limit = 60 * minutes
    assert people <= limit and visits <= limit
    if folds:
        # One visitor, however dressed: its first click, then repeats, then a robot's pace.
        assert people <= minutes and visits <= 1
    assert robots >= FLOOD - limit
    assert people + robots <= FLOOD


@pytest.mark.parametrize("kind", KINDS)
def test_non_browser_clients_are_machines(site, kind):
    agents = iter(MACHINES * (FLOOD // len(MACHINES) + 1))
    statuses, people, robots, visits, _ = _flood(
        site, kind, lambda n, ip: {"User-Agent": next(agents)}, _address()
    )
    assert statuses <= {200, 204, 302}
    assert (people, visits, robots) == (0, 0, FLOOD)


@pytest.mark.parametrize("name", BEACON_REFUSALS)
def test_a_beacon_not_sent_by_the_sites_page_is_refused(site, name):
    headers = BEACON_REFUSALS[name]
    before = site.figures("play")
    ip = _address()
    for n in range(FLOOD):
        dress = {"_not_from_the_page": True, "User-Agent": _chrome(n), **headers}
        answer = site.send("play", ip, dress)
        assert answer.status_code == 403 and answer.json["error"] == "forbidden"
    assert site.figures("play") == before


def test_a_forged_cookie_is_replaced_by_a_signed_one(site):
    answer = site.send("view", _address(), _unsigned_cookie(0))
    given = answer.headers["Set-Cookie"].split(";")[0].removeprefix("vid=")
    assert visitors.parse_cookie(site.app.config["SECRET_KEY"], given) is not None
    assert visitors.parse_cookie("another secret", given) is None
    assert visitors.parse_cookie(site.app.config["SECRET_KEY"], given + "0") is None


def test_a_person_counts_in_full(site):
    """A first visit with no cookie, then the site's cookie: pages, the file, a play, the link."""
    before = {kind: site.figures(kind) for kind in KINDS}
    visits = site.link_visits()
    client = site.app.test_client()
    ip = _address()
    for kind in ("share_visit", "view", "download", "play"):
        assert site.send(kind, ip, {"User-Agent": IPHONE_SAFARI}, client).status_code < 400
    assert client.get_cookie("vid", domain="thuvien.test") is not None
    after = {kind: site.figures(kind) for kind in KINDS}
    assert {k: (after[k][0] - before[k][0], after[k][1] - before[k][1]) for k in KINDS} == {
        kind: (1, 0) for kind in KINDS
    }
    assert site.link_visits() == visits + 1


def test_an_office_behind_one_address_counts_every_colleague(site):
    """Forty colleagues, each with the cookie the site gave them, open the leaflet at once."""
    secret = site.app.config["SECRET_KEY"]
    ip = _address()
    before = site.figures("view")
    for n in range(40):
        cookie = visitors.new_cookie(secret, _yesterday())
        agent = IPHONE_SAFARI if n % 2 else CHROME_ANDROID
        assert (
            site.send("view", ip, {"Cookie": f"vid={cookie}", "User-Agent": agent}).status_code
            == 200
        )
    assert site.figures("view") == (before[0] + 40, before[1])


def test_the_limits_hold_across_processes(site):
    """Two apps on one database, as two gunicorn workers: the windows are the database's."""
    other = create_app(dict(site.app.config))
    other.test_client_class = Client
    clients = [site.app.test_client(use_cookies=False), other.test_client(use_cookies=False)]
    ip = _address()
    before = site.figures("view")
    start = datetime.now(UTC)
    for n in range(FLOOD):
        site.send("view", ip, {"User-Agent": _chrome(n)}, clients[n % 2])
    people = site.figures("view")[0] - before[0]
    assert people <= 60 * _minutes(start, datetime.now(UTC))
    with other.app_context():
        db.engine.dispose()


def test_no_address_is_kept(site):
    ip = _address()
    v6 = _ipv6_of(5, ip)
    for n in range(3):
        site.send("view", ip, {"User-Agent": _chrome(n)})
        site.send("download", ip, {"User-Agent": _chrome(n), "_ip": v6})
    with site.app.app_context():
        dump = database_dump()
    assert ip not in dump
    assert v6 not in dump and network_of(v6).split("/")[0] not in dump


# -- the windows over a day, on the recording service itself -------------------------------

MIDNIGHT = datetime(2026, 11, 19, 17, 0, tzinfo=UTC)  # 20/11/2026 00:00 in Viet Nam


def test_hour_and_day_windows_hold_a_slow_script(site):
    """One request every 10 minutes for a day, under 2/min, 5/hour, 8/day: 7 count.

    Every request counts in the windows, a robot's too: past a limit, the rest of the window
    is a robot's.
    """
    app = site.app
    saved = app.config["TRACKING_VISITOR_LIMITS"]
    app.config["TRACKING_VISITOR_LIMITS"] = "2 per minute; 5 per hour; 8 per day"
    try:
        with app.app_context():
            outcomes = []
            for n in range(24 * 6):
                moment = MIDNIGHT + timedelta(minutes=10 * n)
                outcome = record_event(
                    site.leaflet.id,
                    "view",
                    "c-slow-script",
                    CHROME_ANDROID,
                    now=moment,
                    network="n-slow-script",
                )
                outcomes.append(outcome)
            db.session.commit()
    finally:
        app.config["TRACKING_VISITOR_LIMITS"] = saved
    counted = [n for n, outcome in enumerate(outcomes) if outcome == COUNTED]
    # Five of the first hour's six, then two more until the day's eight requests are used.
    assert counted == [0, 1, 2, 3, 4, 6, 7]
    assert outcomes.count(ROBOT) == 24 * 6 - 7


def test_a_person_counts_again_once_the_window_has_passed(site):
    """Ten reloads in a minute use a visitor's minute; the next minute it counts again."""
    with site.app.app_context():
        start = MIDNIGHT + timedelta(days=1, hours=9)
        moments = [start + timedelta(seconds=4 * n) for n in range(12)]  # 12 in 48 s
        moments.append(start + timedelta(minutes=1, seconds=40))  # the next minute
        outcomes = [
            record_event(site.audio.id, "view", "c-reloader", IPHONE_SAFARI, now=m, network="n-r")
            for m in moments
        ]
        db.session.commit()
    assert outcomes[0] == COUNTED and outcomes[10:12] == [ROBOT, ROBOT]
    assert outcomes[-1] == COUNTED


def test_ended_windows_are_pruned(site):
    with site.app.app_context():
        record_event(site.leaflet.id, "view", "c-old", CHROME_ANDROID, now=MIDNIGHT, network="n-o")
        db.session.commit()
        keys = ["visitor:c-old", "network:n-o"]
        old = select(func.count()).select_from(RateWindow).where(RateWindow.key.in_(keys))
        assert db.session.scalar(old) == 6  # three windows of the visitor, three of the network
        assert rates.prune_ended(MIDNIGHT + timedelta(days=2)) >= 6
        assert db.session.scalar(old) == 0
        # Windows still running are kept.
        live = select(func.count()).select_from(RateWindow).where(RateWindow.ends_ms > 0)
        assert db.session.scalar(live) > 0


def test_limits_are_read_as_flask_limiter_writes_them():
    assert parse_limits("10 per minute; 60 per hour; 200 per day") == (
        (10, 60),
        (60, 3600),
        (200, 86400),
    )
    assert parse_limits("") == ()
    with pytest.raises(ValueError):
        parse_limits("ten a minute")


def test_the_dashboards_and_the_report_count_the_people_and_show_the_robots(client, make_material):
    """The same flood and three colleagues, rolled up as every night: the top materials of the
    dashboard and of the yearly report hold the people; the robots' table holds the rest."""
    from library.metrics.report import report_rows
    from library.metrics.rollup import rollup_day
    from library.metrics.services import EVERYTHING, dashboard, robot_totals

    material = make_material(title="Nội quy lao động mẫu")
    secret = client.application.config["SECRET_KEY"]
    client = client.application.test_client(use_cookies=False)  # each sends its own cookie
    start = datetime.now(UTC)
    for n in range(FLOOD):
        client.get(
            f"/materials/{material.id}",
            headers={"User-Agent": _chrome(n)},
            environ_base={"REMOTE_ADDR": "198.51.100.7"},
        )
    limit = 60 * _minutes(start, datetime.now(UTC))
    for _colleague in range(3):
        cookie = visitors.new_cookie(secret, _yesterday())
        client.get(
            f"/materials/{material.id}",
            headers={"User-Agent": IPHONE_SAFARI, "Cookie": f"vid={cookie}"},
            environ_base={"REMOTE_ADDR": "198.51.100.8"},
        )
    today = local_time(datetime.now(UTC)).date()
    rollup_day(today)
    db.session.commit()
    ((top, views),) = dashboard(EVERYTHING, today.year).top
    assert top.id == material.id and 3 < views <= limit + 3
    reported = [row for row in report_rows(today.year)["top"] if material.title in row]
    assert reported and views in reported[0]
    robots = dict(robot_totals(today, today))
    assert robots["nhanh hơn người: một mạng"] == FLOOD + 3 - views
