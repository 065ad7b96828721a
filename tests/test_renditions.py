"""Light renditions: every uploaded video gets a 360p H.264/AAC MP4 of about 500 kbit/s (and a
720p one when it is larger), every MP3/M4A a light AAC audio; phones play the light copy by
default with a "Chất lượng cao" choice, each copy's size shown before playing; renditions are
served with ranges and counted as the file is."""

import av
import pytest
from agents import CHROME_ANDROID
from sqlalchemy import func, select
from support import job_states, media_file, upload

from library.extensions import db
from library.models import Event, Rendition
from library.storage import get_storage

DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"


def video_material(make_material, tmp_path, size=(1280, 720), seconds=2.0, **made):
    path = media_file(tmp_path / "video.mp4", seconds=seconds, size=size, **made)
    return make_material(kind="video", body="", upload=upload(path.read_bytes(), "huong-dan.mp4"))


def audio_material(make_material, tmp_path, container):
    name = "bai-noi.mp3" if container == "mp3" else "bai-noi.m4a"
    path = media_file(tmp_path / name, seconds=3, picture=False, container=container)
    return make_material(kind="audio", body="", upload=upload(path.read_bytes(), name))


def streams_of(rendition: Rendition) -> dict:
    path = get_storage().derived_path(rendition.file.sha256, rendition.filename)
    with av.open(str(path)) as container:
        return {
            s.type: (s.codec_context.name, getattr(s.codec_context, "height", None))
            for s in container.streams
        }


def events(kind: str) -> int:
    query = select(func.count()).select_from(Event).where(Event.event == kind)
    return db.session.scalar(query)


def test_a_video_gets_a_360p_rendition_that_phones_play_by_default(
    app, client, make_material, tmp_path
):
    material = video_material(make_material, tmp_path)
    stored = material.file
    assert job_states(stored.id) == {"pictures": "done", "video": "done"}
    (light,) = stored.renditions  # a 720p source gets no 720p copy of itself
    assert (light.name, light.width, light.height, light.mime_type) == (
        "360p",
        640,
        360,
        "video/mp4",
    )
    assert streams_of(light) == {"video": ("h264", 360), "audio": ("aac", None)}
    assert light.size < stored.size
    assert light.bitrate <= 650_000

    phone = client.get(f"/materials/{material.id}", headers={"User-Agent": CHROME_ANDROID}).text
    light_url = f"/files/{stored.id}/renditions/360p.mp4"
    assert f'src="{light_url}"' in phone
    # Both copies offered with their sizes, before anything is played.
    assert "Tiết kiệm dữ liệu ·" in phone and "Chất lượng cao ·" in phone
    original = f"/files/{stored.id}/tai-lieu-{material.id}.mp4"
    high = client.get(
        f"/materials/{material.id}?quality=high", headers={"User-Agent": CHROME_ANDROID}
    ).text
    assert f'src="{original}"' in high
    desktop = client.get(f"/materials/{material.id}", headers={"User-Agent": DESKTOP}).text
    assert f'src="{original}"' in desktop


def test_a_light_original_gets_a_light_copy_lighter_than_itself(app, make_material, tmp_path):
    # A phone's clip already near the light copy's bitrate (about 200 kbit/s in all).
    material = video_material(
        make_material, tmp_path, size=(960, 540), seconds=4.0, bitrate=120_000
    )
    stored = material.file
    (light,) = stored.renditions
    assert stored.size * 8 / 4.0 < 600_000
    assert light.size < stored.size
    assert streams_of(light) == {"video": ("h264", 360), "audio": ("aac", None)}


def test_a_light_copy_no_lighter_than_the_original_is_not_offered(
    app, client, make_material, tmp_path
):
    material = video_material(make_material, tmp_path, size=(960, 540))
    (light,) = material.file.renditions
    light.size = material.file.size  # below the floors: the copy could not undercut it
    db.session.commit()
    page = client.get(f"/materials/{material.id}", headers={"User-Agent": CHROME_ANDROID}).text
    assert f'src="/files/{material.file.id}/tai-lieu-{material.id}.mp4"' in page
    assert "Tiết kiệm dữ liệu" not in page


def test_a_rendition_is_served_with_ranges_and_counted_like_the_file(
    app, client, make_material, tmp_path
):
    material = video_material(make_material, tmp_path, size=(960, 540))
    light = material.file.renditions[0]
    url = f"/files/{material.file.id}/renditions/360p.mp4"
    headers = {"User-Agent": CHROME_ANDROID}
    with client.get(url, headers=headers) as whole:
        assert whole.status_code == 200
        assert whole.headers["Content-Type"] == "video/mp4"
        assert int(whole.headers["Content-Length"]) == light.size
        assert whole.headers["Accept-Ranges"] == "bytes"
    with client.get(url, headers={**headers, "Range": "bytes=100-199"}) as part:
        assert part.status_code == 206 and len(part.data) == 100
    assert events("download") == 1  # seeking (a range past the first byte) is no new download
    with client.get(url, headers={**headers, "Range": f"bytes={light.size}-"}) as past:
        assert past.status_code == 416
        assert past.headers["Content-Range"] == f"bytes */{light.size}"
    assert client.get(f"/files/{material.file.id}/renditions/720p.mp4").status_code == 404
    assert client.get(f"/files/{material.file.id}/renditions/360p.m4a").status_code == 404


def test_a_larger_video_also_gets_720p_as_its_high_quality(app, client, make_material, tmp_path):
    material = video_material(make_material, tmp_path, size=(1920, 1080), seconds=1.0, fps=10)
    names = {r.name: (r.width, r.height) for r in material.file.renditions}
    assert names == {"360p": (640, 360), "720p": (1280, 720)}
    high = client.get(
        f"/materials/{material.id}?quality=high", headers={"User-Agent": DESKTOP}
    ).text
    assert f'src="/files/{material.file.id}/renditions/720p.mp4"' in high


@pytest.mark.parametrize("container", ["mp3", "ipod"])
def test_an_mp3_or_m4a_gets_a_light_audio(app, client, make_material, tmp_path, container):
    material = audio_material(make_material, tmp_path, container)
    (light,) = material.file.renditions
    assert (light.name, light.mime_type, light.extension) == ("audio", "audio/mp4", "m4a")
    assert streams_of(light) == {"audio": ("aac", None)}
    assert 48_000 <= light.bitrate <= 66_000
    page = client.get(f"/materials/{material.id}", headers={"User-Agent": CHROME_ANDROID}).text
    assert f'src="/files/{material.file.id}/renditions/audio.m4a"' in page


def test_a_phone_video_held_upright_stays_upright_and_360_wide(app, make_material, tmp_path):
    # Recorded 1280x720 and turned a quarter for display: 720 wide, 1280 high on the screen.
    material = video_material(make_material, tmp_path, seconds=1.0, rotation=90)
    (light,) = material.file.renditions
    assert (light.width, light.height) == (640, 360)  # as recorded: the short side 360
    path = get_storage().derived_path(material.file.sha256, light.filename)
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        assert frame.rotation == 90  # and shown turned, as the original is


def test_a_portrait_video_is_360_wide(app, make_material, tmp_path):
    material = video_material(make_material, tmp_path, size=(720, 1280), seconds=1.0)
    (light,) = material.file.renditions
    assert (light.width, light.height) == (360, 640)
