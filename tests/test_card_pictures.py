"""Pictures at the size they are shown: a card's thumbnail and a poster come in a few widths
made at upload (or on first request for files kept before), the phone picks one by srcset; a
PDF's card is drawn, since its first page at card size cannot be read."""

import io
import re

from bs4 import BeautifulSoup
from PIL import Image
from support import png_bytes, upload

from library.storage import get_storage


def poster(make_material, size=(1600, 2000), color=(30, 90, 160), **fields):
    return make_material(
        title="Áp phích an toàn điện",
        kind="poster",
        body="",
        alt_text="Áp phích: năm quy tắc an toàn điện",
        upload=upload(png_bytes(size=size, color=color), "ap-phich.png"),
        **fields,
    )


def picture_size(response) -> tuple[int, int]:
    assert response.status_code == 200 and response.mimetype == "image/webp"
    with Image.open(io.BytesIO(response.data)) as image:
        return image.size


def srcset(img) -> dict[int, str]:
    """{width: url} of an <img>'s srcset."""
    found = {}
    for item in img["srcset"].split(","):
        url, width = item.split()
        found[int(width.rstrip("w"))] = url
    return found


def test_a_card_offers_its_thumbnail_in_three_widths(app, client, make_material):
    material = poster(make_material)
    page = BeautifulSoup(client.get("/areas/politics-law").text, "html.parser")
    img = page.select_one("li.card img")
    base = f"/files/{material.file_id}"
    assert srcset(img) == {
        160: f"{base}/thumb-160.webp",
        320: f"{base}/thumb-320.webp",
        480: f"{base}/thumb.webp",
    }
    assert img["sizes"] == "96px"
    # Made at upload, and each as wide as it says (a 4:5 poster kept upright).
    folder = get_storage().derived_path(material.file.sha256, "")
    for width in (160, 320):
        assert (folder / f"list-{width}.webp").is_file()
        assert picture_size(client.get(f"{base}/thumb-{width}.webp")) == (width, width * 5 // 4)
    assert picture_size(client.get(f"{base}/thumb.webp")) == (384, 480)


def test_a_poster_is_offered_at_the_widths_a_phone_shows(app, client, make_material):
    material = poster(make_material)
    page = BeautifulSoup(client.get(f"/materials/{material.id}").text, "html.parser")
    img = page.select_one("img.poster")
    base = f"/files/{material.file_id}"
    assert srcset(img) == {
        360: f"{base}/medium-360.webp",
        720: f"{base}/medium-720.webp",
        1080: f"{base}/medium.webp",
    }
    assert "100vw" in img["sizes"]
    assert picture_size(client.get(f"{base}/medium-360.webp"))[0] == 360
    assert picture_size(client.get(f"{base}/medium-720.webp"))[0] == 720
    # Saved for reading offline with the page: every width the phone may ask for.
    saved = page.select_one(".save-offline")["data-files"]
    assert f"{base}/medium-360.webp" in saved and f"{base}/medium-720.webp" in saved


def test_a_file_kept_before_the_widths_existed_gets_them_on_first_request(
    app, client, make_material
):
    material = poster(make_material)
    folder = get_storage().derived_path(material.file.sha256, "")
    for name in ("list-160.webp", "list-320.webp", "medium-360.webp", "medium-720.webp"):
        (folder / name).unlink()
    base = f"/files/{material.file_id}"
    assert picture_size(client.get(f"{base}/thumb-160.webp")) == (160, 200)
    assert (folder / "list-160.webp").is_file()  # kept for the next visitor
    assert picture_size(client.get(f"{base}/medium-720.webp"))[0] == 720
    assert (folder / "medium-720.webp").is_file()


def test_only_the_offered_widths_exist_and_a_draft_keeps_its_pictures_hidden(
    app, client, make_material
):
    material = poster(make_material)
    base = f"/files/{material.file_id}"
    for path in ("thumb-200.webp", "thumb-0.webp", "medium-480.webp", "medium-99999.webp"):
        assert client.get(f"{base}/{path}").status_code == 404
    draft = poster(make_material, color=(10, 10, 10), status="draft")
    assert client.get(f"/files/{draft.file_id}/thumb-160.webp").status_code == 404
    assert client.get(f"/files/{draft.file_id}/medium-360.webp").status_code == 404


def test_a_narrow_picture_is_never_enlarged(app, client, make_material):
    material = poster(make_material, size=(120, 90))
    base = f"/files/{material.file_id}"
    assert picture_size(client.get(f"{base}/thumb-160.webp")) == (120, 90)
    assert picture_size(client.get(f"{base}/medium-720.webp")) == (120, 90)


def test_a_pdf_card_is_drawn_with_its_page_count(app, client, make_material):
    from support import FIXTURES

    data = (FIXTURES / "nghi-dinh-135-2020-nd-cp-tuoi-nghi-huu.pdf").read_bytes()
    material = make_material(
        title="Nghị định về tuổi nghỉ hưu",
        kind="leaflet",
        body="",
        upload=upload(data, "nghi-dinh.pdf"),
    )
    page = BeautifulSoup(client.get("/areas/politics-law").text, "html.parser")
    card = page.select_one("li.card")
    assert card.select("img") == []  # not the first page at 96 px
    drawn = card.select_one(".icon.drawn")
    assert drawn.select_one("svg")
    pages = material.file.page_count
    assert pages and re.search(rf"\b{pages} trang\b", drawn.get_text(" "))
    assert "PDF" in drawn.get_text()


def test_a_video_card_is_wide_and_shown_whole(app, client, make_material):
    """A video's frame is 16:9 (or 4:3): its card is as wide, and the picture is never cropped
    (the stylesheet fits it whole: object-fit contain)."""
    from support import video_bytes

    material = make_material(
        title="Video an toàn lao động",
        kind="video",
        body="",
        upload=upload(video_bytes([(20, 40, 200)], seconds=1.5, size=(320, 180)), "video.mp4"),
    )
    page = BeautifulSoup(client.get("/areas/politics-law").text, "html.parser")
    img = page.select_one("li.card img")
    assert "wide" in img["class"]
    assert img["sizes"] == "128px"
    assert (img["width"], img["height"]) == ("128", "72")
    assert picture_size(client.get(f"/files/{material.file_id}/thumb-160.webp")) == (160, 90)
    css = client.get("/static/css/site.css").text
    assert re.search(r"\.card img[^{]*\{[^}]*object-fit:\s*contain", css)
