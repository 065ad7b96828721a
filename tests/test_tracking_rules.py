"""The COUNTER counting rules, applied to real requests and to the recording service."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from agents import BROWSERS, CHROME_ANDROID, FACEBOOK_IN_APP, ZALO_IN_APP
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from support import database_dump

from library.extensions import db
from library.models import Event
from library.tracking import services
from library.tracking.services import COUNTED, REPEAT, record_event

T0 = datetime(2026, 11, 20, 3, 0, 0, tzinfo=UTC)


def _events(event="view") -> int:
    return db.session.scalar(select(func.count()).select_from(Event).where(Event.event == event))


def _get(client, material, agent=CHROME_ANDROID, **headers):
    return client.get(f"/materials/{material.id}", headers={"User-Agent": agent, **headers})


def test_a_view_of_a_material_page_is_counted(client, make_material):
    material = make_material()
    assert _get(client, material).status_code == 200
    assert _events() == 1


@pytest.mark.parametrize("agent", BROWSERS)
def test_browsers_and_in_app_browsers_are_people(client, make_material, agent):
    material = make_material()
    _get(client, material, agent)
    assert _events() == 1


def test_a_second_click_within_30_seconds_counts_once(app, make_material):
    material = make_material()
    first = record_event(material.id, "view", "c1", CHROME_ANDROID, now=T0 + timedelta(seconds=29))
    second = record_event(material.id, "view", "c1", CHROME_ANDROID, now=T0 + timedelta(seconds=31))
    assert (first, second) == (COUNTED, REPEAT)
    assert _events() == 1


def test_the_window_slides_from_the_previous_click(app, make_material):
    material = make_material()
    for seconds in (0, 25, 50, 75):  # each within 30 s of the one before: one view
        record_event(material.id, "view", "c1", CHROME_ANDROID, now=T0 + timedelta(seconds=seconds))
    assert _events() == 1


def test_a_click_31_seconds_after_the_previous_counts_again(app, make_material):
    material = make_material()
    record_event(material.id, "view", "c1", CHROME_ANDROID, now=T0)
    record_event(material.id, "view", "c1", CHROME_ANDROID, now=T0 + timedelta(seconds=31))
    assert _events() == 1 + 1


def test_the_kept_event_has_the_time_of_the_later_click(app, make_material):
    material = make_material()
    record_event(material.id, "view", "c1", CHROME_ANDROID, now=T0)
    record_event(material.id, "view", "c1", CHROME_ANDROID, now=T0 + timedelta(seconds=20))
    assert db.session.scalar(select(Event.at)) == T0 + timedelta(seconds=20)


def test_different_visitors_or_events_are_counted_apart(app, make_material):
    material = make_material()
    record_event(material.id, "view", "c1", CHROME_ANDROID, now=T0)
    record_event(material.id, "view", "c2", CHROME_ANDROID, now=T0)
    record_event(material.id, "download", "c1", CHROME_ANDROID, now=T0)
    assert (_events("view"), _events("download")) == (2, 1)


def test_the_visitor_cookie_keeps_a_double_click_as_one_view(client, make_material):
    material = make_material()
    first = _get(client, material)
    assert "vid=" in first.headers["Set-Cookie"]
    _get(client, material)
    _get(client, material)
    assert _events() == 1


def test_visitor_cookie_is_httponly_lax_for_a_year(client, make_material):
    cookie = _get(client, make_material()).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie


def test_cookieless_visitors_are_told_apart_by_ip_and_agent(app, make_material):
    material = make_material()
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.1"):
        client = app.test_client(use_cookies=False)
        client.get(
            f"/materials/{material.id}",
            headers={"User-Agent": CHROME_ANDROID},
            environ_base={"REMOTE_ADDR": ip},
        )
    assert _events() == 2


def test_no_raw_ip_or_user_agent_is_stored(client, make_material):
    material = make_material()
    client.get(
        f"/materials/{material.id}",
        headers={"User-Agent": CHROME_ANDROID},
        environ_base={"REMOTE_ADDR": "203.113.1.77"},
    )
    dump = database_dump()
    assert "203.113.1.77" not in dump
    assert "Chrome/124.0.0.0" not in dump


def test_head_requests_are_not_views(client, make_material):
    material = make_material()
    assert client.head(f"/materials/{material.id}").status_code == 200
    assert _events() == 0


@pytest.mark.parametrize(
    "header", [{"Sec-Purpose": "prefetch"}, {"Purpose": "prefetch"}, {"X-Moz": "prefetch"}]
)
def test_prefetches_are_not_views(client, make_material, header):
    _get(client, make_material(), **header)
    assert _events() == 0


def test_an_unsuccessful_answer_is_not_counted(client, make_material, make_user):
    material = make_material(status="draft")
    assert _get(client, material).status_code == 404
    assert _events() == 0


def test_a_not_modified_answer_is_counted(client, make_poster):
    """A 304 of the file is a success (COUNTER counts 200 and 304)."""
    material = make_poster()
    url = _file_url(material)
    etag = _fetch(client, url)[1]["ETag"]
    other = client.application.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.1.2"  # another worker, whose phone has the file
    status, _headers = _fetch(other, url, **{"If-None-Match": etag})
    assert status == 304
    assert _events("download") == 2


def _poster():
    from support import png_bytes, upload

    return {
        "kind": "poster",
        "body": "",
        "upload": upload(png_bytes((400, 300)), "ap-phich.png"),
        "alt_text": "Áp phích",
    }


@pytest.fixture
def make_poster(app, make_material):
    """A published poster; storing an image needs a request context (its messages are lazy)."""

    def make():
        with app.test_request_context():
            return make_material(**_poster())

    return make


def _fetch(client, url, **headers):
    """GET a file and close it (a file answer holds the file open until closed)."""
    with client.get(url, headers={"User-Agent": CHROME_ANDROID, **headers}) as answer:
        return answer.status_code, dict(answer.headers)


def _file_url(material):
    return f"/files/{material.file.id}/tai-lieu-{material.id}.{material.file.extension}"


def test_a_file_download_is_counted(client, make_poster):
    material = make_poster()
    assert _fetch(client, _file_url(material))[0] == 200
    assert _events("download") == 1


def test_range_continuations_are_not_downloads(client, make_poster):
    material = make_poster()
    for start in (1, 10, 50):
        assert _fetch(client, _file_url(material), Range=f"bytes={start}-")[0] == 206
    assert _events("download") == 0


def test_thumbnails_are_not_downloads(client, make_poster):
    material = make_poster()
    _fetch(client, f"/files/{material.file.id}/medium.webp")
    assert _events("download") == 0


@pytest.mark.parametrize(
    ("referrer", "agent", "channel"),
    [
        ("https://l.facebook.com/l.php?u=x", CHROME_ANDROID, "facebook"),
        ("https://www.google.com.vn/", CHROME_ANDROID, "search"),
        ("https://coccoc.com/search?query=luat", CHROME_ANDROID, "search"),
        ("https://chat.zalo.me/", CHROME_ANDROID, "zalo"),
        ("https://baomoi.com/a", CHROME_ANDROID, "other"),
        (None, CHROME_ANDROID, "direct"),
        (None, ZALO_IN_APP, "zalo"),
        (None, FACEBOOK_IN_APP, "facebook"),
    ],
)
def test_the_channel_comes_from_the_referrer_or_in_app_browser(
    client, make_material, referrer, agent, channel
):
    headers = {"Referer": referrer} if referrer else {}
    _get(client, make_material(), agent, **headers)
    assert db.session.scalar(select(Event.channel)) == channel


def test_a_share_link_can_name_channel_and_organisation(app, make_material, make_org):
    material = make_material()
    org = make_org(code="cty-may", name="Công ty May", type_="enterprise", workers=100)
    record_event(material.id, "share_visit", "c1", ZALO_IN_APP, "qr", org.id, now=T0)
    row = db.session.execute(select(Event.event, Event.channel, Event.organisation_id)).one()
    assert tuple(row) == ("share_visit", "qr", org.id)


def test_a_failed_write_leaves_the_page_answering_and_is_logged(
    client, make_material, monkeypatch, caplog
):
    material = make_material()

    def broken(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(services, "record_event", broken)
    with caplog.at_level(logging.WARNING):
        answer = _get(client, material)
    assert answer.status_code == 200
    assert "view of material" in caplog.text and "lost" in caplog.text


def test_the_material_page_shows_its_counts(client, make_material):
    material = make_material()
    _get(client, material)
    page = client.get(f"/materials/{material.id}", headers={"User-Agent": ZALO_IN_APP})
    # The page shows the counts before its own view is recorded.
    assert "1 lượt xem · 0 lượt tải" in page.text


def test_outside_tests_the_event_is_written_once_the_answer_is_closed(make_app, make_material):
    material_id = make_material().id
    app = make_app(TESTING=False)
    client = app.test_client()
    with app.app_context():
        with client.get(f"/materials/{material_id}", headers={"User-Agent": CHROME_ANDROID}):
            assert _events() == 0  # the answer is out; the write waits for the server to close it
        assert _events() == 1
        db.session.remove()
        db.engine.dispose()


def test_event_ids_go_past_32_bits(app, make_material):
    """Billions of events over the years: the id column is 64-bit in every database."""
    material = make_material()
    far = 2**31 + 5
    db.session.add(
        Event(
            id=far,
            at=T0,
            day=T0.date(),
            hour=10,
            material_id=material.id,
            event="view",
            visitor="cx",
            streak_ms=1,
        )
    )
    db.session.commit()
    record_event(material.id, "view", "cy", CHROME_ANDROID, now=T0)
    db.session.commit()
    assert db.session.scalar(select(func.max(Event.id))) >= far
    assert _events() == 2
