"""A video's captions in a real browser: the track loads, its cues show over the picture at
their time, and the transcript is read below the player."""

from support import upload, video_bytes

from library.accounts.permissions import SYSTEM
from library.catalog import services
from library.extensions import db

CAPTIONS = (
    "1\n00:00:00,000 --> 00:00:01,000\nMóc dây an toàn trước khi lên giàn giáo.\n\n"
    "2\n00:00:01,000 --> 00:00:02,000\nKiểm tra khóa móc mỗi sáng.\n"
)


def test_the_captions_track_loads_and_its_cues_show(live_app, make_org, phone):
    app, url = live_app
    material = services.create_material(
        SYSTEM,
        make_org(code="so-xd"),
        {"title": "Dây an toàn", "kind": "video", "areas": ["life-skills"],
         "license": "CC-BY-4.0", "status": "published"},
        upload(video_bytes([(0, 0, 0), (30, 120, 200)]), "day-an-toan.mp4"),
        upload(CAPTIONS.encode(), "day-an-toan.srt"),
    )  # fmt: skip
    db.session.commit()
    phone.goto(f"{url}/materials/{material.id}")
    track = phone.locator("video track")
    assert track.get_attribute("kind") == "captions" and track.get_attribute("srclang") == "vi"
    # The track element reaches "loaded" (2) only when the browser fetched and parsed the cues.
    phone.wait_for_function("() => document.querySelector('video track').readyState === 2")
    cues = phone.evaluate(
        "Array.from(document.querySelector('video').textTracks[0].cues, c => c.text)"
    )
    assert cues == ["Móc dây an toàn trước khi lên giàn giáo.", "Kiểm tra khóa móc mỗi sáng."]
    assert phone.evaluate("document.querySelector('video').textTracks[0].mode") == "showing"
    phone.evaluate("document.querySelector('video').currentTime = 1.5")
    phone.wait_for_function(
        "() => (document.querySelector('video').textTracks[0].activeCues || [])[0]?.text"
        " === 'Kiểm tra khóa móc mỗi sáng.'"
    )
    transcript = phone.locator("section.transcript")
    assert transcript.is_visible()
    assert transcript.locator("p").all_inner_texts() == cues
