"""On a phone (360 px, two device pixels per CSS pixel), Chromium loads each picture at the width
it is shown, and a video's card shows its whole frame."""

import io

from PIL import Image
from support import png_bytes, video_bytes

from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.catalog import services
from library.extensions import db

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
}


def add(org, data: bytes, name: str, **fields):
    material = services.create_material(
        SYSTEM,
        org,
        {"status": "published", "license": "CC0-1.0", "areas": ["life-skills"], **fields},
        services.Upload(io.BytesIO(data), name),
    )
    db.session.commit()
    return material


def test_pictures_come_at_the_width_shown_and_a_video_frame_is_not_cut(live_app, browser):
    app, base = live_app
    org = accounts.create_organisation(SYSTEM, "so-ldtbxh", "Sở Lao động", "department")
    db.session.commit()
    poster = add(
        org,
        png_bytes(size=(1500, 2000), color=(200, 40, 40)),
        "ap-phich.png",
        kind="poster",
        title="Áp phích an toàn",
        alt_text="Áp phích về an toàn lao động",
    )
    # A 16:9 frame: a 4:3 card cropping it would lose its left and right edges (and their text).
    video = add(
        org,
        video_bytes([(20, 40, 200)], seconds=1.5, size=(320, 180)),
        "video.mp4",
        kind="video",
        title="Video an toàn điện",
    )
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        page.goto(f"{base}/areas/life-skills")
        cards = page.locator("li.card img")
        cards.first.wait_for()
        shown = page.evaluate(
            """() => [...document.querySelectorAll('li.card img')].map(img => {
                 const box = img.getBoundingClientRect();
                 return {src: img.currentSrc, width: box.width, height: box.height,
                         natural: img.naturalWidth / img.naturalHeight,
                         fit: getComputedStyle(img).objectFit};
               })"""
        )
        by_file = {s["src"].split("/files/")[1].split("/")[0]: s for s in shown}
        poster_card, video_card = by_file[str(poster.file_id)], by_file[str(video.file_id)]
        # 96 CSS px at 2x: the 320 px copy, not the 480 px one.
        assert poster_card["src"].endswith("/thumb-320.webp"), poster_card
        assert poster_card["fit"] == "contain"
        # The video's card is 16:9 like its frame, and the frame is fitted whole.
        assert abs(video_card["width"] / video_card["height"] - 16 / 9) < 0.05, video_card
        assert abs(video_card["natural"] - 16 / 9) < 0.05 and video_card["fit"] == "contain"

        page.goto(f"{base}/materials/{poster.id}")
        src = page.evaluate(
            "() => { const img = document.querySelector('img.poster');"
            " return img.complete ? img.currentSrc : new Promise(done =>"
            " img.addEventListener('load', () => done(img.currentSrc))); }"
        )
        # About 336 CSS px wide at 2x: the 720 px copy, not the 1080 px one.
        assert src.endswith("/medium-720.webp"), src
        with Image.open(io.BytesIO(page.request.get(src).body())) as image:
            assert image.width == 720
    finally:
        context.close()


def test_a_pages_lead_picture_is_fetched_once_at_high_priority_from_its_preload(live_app, browser):
    app, base = live_app
    org = accounts.create_organisation(SYSTEM, "so-ldtbxh", "Sở Lao động", "department")
    db.session.commit()
    poster = add(
        org,
        png_bytes(size=(1500, 2000), color=(30, 120, 60)),
        "ap-phich.png",
        kind="poster",
        title="Áp phích an toàn",
        alt_text="Áp phích về an toàn lao động",
    )
    link = services.create_material(
        SYSTEM,
        org,
        {
            "status": "published",
            "license": "CC0-1.0",
            "areas": ["life-skills"],
            "kind": "video",
            "title": "Video trên YouTube",
            "video_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        },
    )
    db.session.commit()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    seen = []
    page.on("request", lambda r: seen.append((r.url, r.resource_type)))
    try:
        for path, selector, wanted in (
            (f"/materials/{poster.id}", "img.poster", "/medium-720.webp"),
            (f"/materials/{link.id}", ".video-facade img", "/preview-720.webp"),
        ):
            seen.clear()
            page.goto(base + path)
            page.wait_for_load_state("load")
            src = page.evaluate(f"() => document.querySelector('{selector}').currentSrc")
            # A 336 px slot at 2x: the 720 px copy, asked for once (the preload's request is
            # the one the <img> uses), and no other copy of it.
            assert src.endswith(wanted), src
            pictures = [u for u, kind in seen if "/medium" in u or "/preview" in u]
            assert pictures == [src], pictures
            lazy = page.evaluate(f"() => document.querySelector('{selector}').loading")
            assert lazy != "lazy"
    finally:
        context.close()
