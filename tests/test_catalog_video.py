"""An uploaded video is shown, listed and shared with a frame of itself."""

import io

import pytest
from agents import FACEBOOK_PREVIEW
from bs4 import BeautifulSoup
from PIL import Image
from support import bearer, video_bytes

from library.extensions import db
from library.models import Material

BLACK, BLUE, GREEN = (0, 0, 0), (30, 120, 200), (40, 160, 60)
VIDEO = {
    "title": "Hướng dẫn đeo dây an toàn",
    "summary": "Video ngắn cho công nhân xây dựng",
    "kind": "video",
    "areas": ["life-skills"],
    "license": "CC-BY-4.0",
    "status": "published",
}


@pytest.fixture
def api(app, make_user):
    return bearer(make_user("editor"))


def post_video(client, api, data: bytes, name: str = "video.mp4") -> Material:
    response = client.post(
        "/api/v1/materials",
        data={**VIDEO, "file": (io.BytesIO(data), name)},
        headers=api,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    return db.session.get(Material, response.json["id"])


def shared_image(client, material: Material):
    response = client.get(
        f"/materials/{material.id}/preview.jpg", headers={"User-Agent": FACEBOOK_PREVIEW}
    )
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(response.data))
    assert image.format == "JPEG" and image.size == (1200, 630)
    return response, image.convert("RGB")


def dominant(image: Image.Image) -> tuple[int, int, int]:
    return max(image.getcolors(1200 * 630), key=lambda item: item[0])[1]


def near(colour, expected, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def thumbnails_on_the_list(client) -> list[str]:
    page = BeautifulSoup(client.get("/areas/life-skills").text, "html.parser")
    return [img["src"] for img in page.select("li.card img")]


def test_a_shared_video_shows_its_frame_a_second_in(client, api):
    # Black for half a second (a fade-in), then blue: the picture is the blue, not the black.
    material = post_video(client, api, video_bytes([BLACK, BLUE]))
    response, image = shared_image(client, material)
    assert near(dominant(image), BLUE), dominant(image)
    assert response.headers["ETag"].strip('"').startswith("file-")

    thumb_url = f"/files/{material.file.id}/thumb.webp"
    assert thumbnails_on_the_list(client) == [thumb_url]
    thumb = client.get(thumb_url)
    assert thumb.status_code == 200 and thumb.mimetype == "image/webp"
    with Image.open(io.BytesIO(thumb.data)) as small:
        assert small.size == (320, 240) and near(dominant(small.convert("RGB")), BLUE)
    video = BeautifulSoup(client.get(f"/materials/{material.id}").text, "html.parser").video
    assert video["poster"] == f"/files/{material.file.id}/medium.webp"


def test_a_video_shorter_than_a_second_shows_its_first_frame(client, api):
    material = post_video(client, api, video_bytes([GREEN], seconds=0.4))
    _, image = shared_image(client, material)
    assert near(dominant(image), GREEN), dominant(image)


@pytest.mark.parametrize(
    "damage",
    [lambda data: data[: len(data) // 3], lambda data: data[:40] + b"\x00" * 4000],
    ids=["truncated", "garbled"],
)
def test_a_video_whose_frame_cannot_be_read_still_uploads_with_a_drawn_card(client, api, damage):
    material = post_video(client, api, damage(video_bytes([BLACK, BLUE])))
    assert material.file.family == "video"
    response, image = shared_image(client, material)
    assert response.headers["ETag"].strip('"').startswith("card-")
    assert dominant(image) == (255, 255, 255)  # the card's white, with the title drawn on it
    assert client.get(f"/files/{material.file.id}/thumb.webp").status_code == 404
    assert thumbnails_on_the_list(client) == []  # the list shows the video icon instead
    page = client.get(f"/materials/{material.id}")
    assert page.status_code == 200 and "poster" not in page.text.split("<video")[1].split(">")[0]
