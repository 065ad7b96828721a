"""The play beacon: a same-origin POST when a video or audio starts."""

import io

import pytest
from agents import CHROME_ANDROID
from sqlalchemy import select

from library.extensions import db
from library.models import Event

# The smallest MP3 frame header repeated: enough for the upload checks to see an MP3.
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 413


@pytest.fixture
def audio(app, make_material):
    from library.catalog.services import Upload

    with app.test_request_context():
        return make_material(
            kind="audio", body="", upload=Upload(io.BytesIO(MP3 * 20), "chuong-trinh.mp3")
        )


SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def _play(client, material_id, **headers):
    return client.post(
        f"/track/play/{material_id}", headers={"User-Agent": CHROME_ANDROID, **headers}
    )


def test_a_play_is_counted(client, audio):
    assert _play(client, audio.id, **SAME_ORIGIN).status_code == 204
    assert db.session.scalar(select(Event.event)) == "play"


def test_a_play_from_a_browser_without_fetch_metadata_is_counted_by_its_origin(client, audio):
    assert _play(client, audio.id, Origin="http://thuvien.test").status_code == 204
    assert db.session.scalar(select(Event.event)) == "play"


def test_a_play_reported_from_another_site_or_from_nowhere_is_refused(client, audio):
    for headers in (
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://thuvien.test"},
        {"Sec-Fetch-Site": "none"},
        {"Origin": "null"},
        {},
    ):
        answer = _play(client, audio.id, **headers)
        assert answer.status_code == 403, headers
        assert answer.json["error"] == "forbidden"
    assert db.session.scalar(select(Event.id)) is None


def test_behind_a_proxy_the_origin_is_the_public_address(make_app, make_material):
    app = make_app(PUBLIC_BASE_URL="https://hoctap.congdoan.vn")
    with app.app_context():
        from library.catalog.services import Upload

        with app.test_request_context():
            material = make_material(
                kind="audio", body="", upload=Upload(io.BytesIO(MP3 * 20), "bai.mp3")
            )
        client = app.test_client()
        assert _play(client, material.id, Origin="http://thuvien.test").status_code == 403
        assert _play(client, material.id, Origin="https://hoctap.congdoan.vn").status_code == 204
        db.session.remove()
        db.engine.dispose()


def test_a_play_of_a_material_without_media_is_refused(client, make_material):
    answer = _play(client, make_material().id, **SAME_ORIGIN)
    assert answer.status_code == 404 and answer.json["error"] == "not_found"


def test_the_beacon_needs_no_csrf_token(make_app, make_material):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from library.catalog.services import Upload

        with app.test_request_context():
            material = make_material(
                kind="audio", body="", upload=Upload(io.BytesIO(MP3 * 20), "bai.mp3")
            )
        assert _play(app.test_client(), material.id, **SAME_ORIGIN).status_code == 204
        db.session.remove()
        db.engine.dispose()


def test_the_material_page_loads_the_beacon_script(client, audio):
    page = client.get(f"/materials/{audio.id}").text
    assert "js/tracking.js" in page and f'data-material="{audio.id}"' in page
