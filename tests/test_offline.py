"""The installable app's server side: manifest, service worker, offline page, what is saved."""

import json
from pathlib import Path

from bs4 import BeautifulSoup
from support import upload

LEAFLET = Path(__file__).parents[1] / "demo" / "files" / "to-gap-hop-dong-lao-dong.pdf"


def test_manifest_names_the_app_its_start_and_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["name"] == "Thư viện học tập mở" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).mimetype == "image/png"


def test_service_worker_is_served_from_the_root_and_never_stale(client):
    response = client.get("/sw.js")
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_every_page_links_the_manifest(client):
    page = BeautifulSoup(client.get("/").data, "html.parser")
    assert page.select_one("link[rel=manifest]")["href"] == "/manifest.webmanifest"


def test_offline_page_is_translated(client):
    assert "Đọc khi không có mạng" in client.get("/offline").get_data(as_text=True)
    assert "Read offline" in client.get("/offline?lang=en").get_data(as_text=True)


def test_a_material_offers_to_save_its_page_and_page_images(client, make_material):
    material = make_material(kind="leaflet", body="", upload=upload(LEAFLET.read_bytes(), "t.pdf"))
    box = BeautifulSoup(client.get(f"/materials/{material.id}").data, "html.parser").select_one(
        ".save-offline"
    )
    files = json.loads(box["data-files"])
    assert files == [
        f"/materials/{material.id}",
        f"/files/{material.file.id}/pages/1.webp",
        f"/files/{material.file.id}/pages/2.webp",
    ]
    assert all(client.get(f).status_code == 200 for f in files)


def test_pages_of_a_signed_in_editor_are_not_kept_offline(client, make_user, login):
    assert "X-Offline-Keep" not in client.get("/").headers
    login(make_user("editor"))
    assert client.get("/").headers["X-Offline-Keep"] == "no"
