"""`flask seed-demo`: a demo that looks like the real library — every area has a leaflet, a
poster, a video and an audio written for workers, the project's own videos and audio carry
captions, collections hold what their names say, and the home page says who publishes it."""

import json
import shutil
from collections import defaultdict

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader
from sqlalchemy import func, select
from support import ROOT

from library.accounts import services as accounts
from library.areas import AREA_CODES
from library.cli import DEMO_PASSWORD
from library.extensions import db
from library.models import Collection, Event, Material
from library.storage import get_storage

MADE = json.loads((ROOT / "demo" / "made.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo(module_app):
    """The demo library, seeded once for the module (the tests only read it)."""
    result = module_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "từ chối 0" in result.output
    # Use is made up only when asked for (--with-activity, tests/test_demo_activity.py).
    assert "Hoạt động mẫu" not in result.output and _count(Event) == 0
    return module_app


@pytest.fixture
def client(demo):
    return demo.test_client()


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def published(**where) -> list[Material]:
    query = select(Material).where(Material.status == "published").filter_by(**where)
    return list(db.session.scalars(query))


def test_every_area_has_each_kind_of_material_and_few_are_single_articles(demo):
    kinds = defaultdict(set)
    materials = published()
    for material in materials:
        for area in material.area_codes:
            kinds[area].add(material.kind)
    for area in AREA_CODES:
        assert {"leaflet", "poster", "video", "audio"} <= kinds[area], area
    single_articles = [m for m in materials if (m.external_id or "").startswith("demo-pd-")]
    assert len(single_articles) < len(materials) / 2


def test_leaflets_and_handbooks_are_real_pdfs_of_several_pages(demo):
    storage = get_storage()
    made = [m for m in published() if (m.external_id or "").startswith("demo-m-")]
    pdfs = [m for m in made if m.file.family == "pdf"]
    assert len(pdfs) >= 7
    for material in pdfs:
        path = storage.path(storage.key_for(material.file.sha256, "pdf"))
        assert len(PdfReader(path).pages) >= 2, material.title
        text = " ".join(material.file.text.split())
        assert "•" in text and material.title in text  # lists and the title


def test_the_projects_videos_and_audio_have_captions_shown_below_the_player(demo, client):
    spoken = [m for m in published() if m.kind in ("video", "audio") and m.file is not None]
    made = [m for m in spoken if m.external_id.startswith("demo-m-")]
    assert len(made) == 10
    for material in made:
        page = BeautifulSoup(client.get(f"/materials/{material.id}").text, "html.parser")
        player = page.find(material.file.family)
        assert player.track["src"] == f"/materials/{material.id}/captions.vtt"
        vtt = client.get(player.track["src"], buffered=True)
        assert vtt.status_code == 200 and vtt.text.startswith("WEBVTT")
        spec = next(s for s in MADE if s["external_id"] == material.external_id)["make"]
        first = spec["sentences"][0] if "sentences" in spec else spec["slides"][0]["title"]
        assert first in page.select_one("section.transcript").get_text()


def test_the_transcript_of_a_made_audio_is_searched(demo, client):
    found = client.get("/api/v1/search", query_string={"q": "ca phe truoc khi di ngu"}).json
    titles = [item["title"] for item in found["results"]]
    assert titles[0] == "Ngủ đủ khi làm ca đêm"


def test_collections_hold_what_their_names_say(demo):
    learning = db.session.scalar(
        select(Collection).where(Collection.slug == "tuan-le-hoc-tap-suot-doi-2026")
    )
    items = [item.material for item in learning.items]
    assert len(items) >= 6
    assert all("learning-model" in m.area_codes or "digital-skills" in m.area_codes for m in items)
    assert not [m for m in items if (m.external_id or "").startswith("demo-pd-")]
    reading = db.session.scalar(
        select(Collection).where(Collection.slug == "ngay-sach-va-van-hoa-doc-2026")
    )
    titles = " ".join(item.material.title for item in reading.items)
    assert "sách" in titles.lower() and "Sổ tay" in titles


def test_every_area_lists_materials(client):
    areas = client.get("/api/v1/areas").json
    assert len(areas) == 5 and all(a["materials"] > 0 for a in areas)


def test_a_second_run_adds_nothing_and_makes_no_file_again(demo):
    loaded = _count(Material)
    again = demo.test_cli_runner().invoke(args=["seed-demo"])
    assert "đã nhập 0" in again.output and _count(Material) == loaded
    assert "đã tạo" not in again.output  # the files made the first time are reused
    assert "Hoạt động mẫu" not in again.output


def test_the_demo_reviewer_finds_materials_waiting_in_an_organisation_that_requires_review(
    client,
):
    assert accounts.find_organisation("so-ldtbxh").requires_review
    assert _count(Material, Material.status == "in_review") == 3
    client.post("/login", data={"email": "duyet@demo.thuvien.vn", "password": DEMO_PASSWORD})
    queue = client.get("/manage?status=in_review")
    rows = BeautifulSoup(queue.text, "html.parser").select("main tbody tr")
    assert len(rows) == 3
    assert "Lao động nam được nghỉ bao nhiêu ngày khi vợ sinh con?" in queue.text


def test_the_home_page_says_what_the_library_is_who_publishes_it_and_whom_to_contact(make_app):
    app = make_app(
        LIBRARY_PUBLISHER="Sở Lao động - Thương binh và Xã hội tỉnh Ninh Bình",
        LIBRARY_CONTACT_EMAIL="thuvien@sldtbxh.ninhbinh.gov.vn",
        LIBRARY_CONTACT_PHONE="0229 3871 000",
    )
    with app.app_context():
        page = BeautifulSoup(app.test_client().get("/").text, "html.parser")
        about = page.select_one("section.about")
        text = " ".join(about.get_text(" ").split())
        assert "kho tài liệu học tập miễn phí cho công nhân lao động" in text
        assert "Đơn vị phát hành: Sở Lao động - Thương binh và Xã hội tỉnh Ninh Bình" in text
        assert about.select_one('a[href="mailto:thuvien@sldtbxh.ninhbinh.gov.vn"]')
        assert about.select_one('a[href="tel:02293871000"]')
        db.session.remove()


def loudness(path, start: float, end: float) -> float:
    """The root mean square of a file's sound between two moments, full scale 1 (AAC decodes
    to floats), 0 when silent."""
    import av
    import numpy

    chunks = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            if start <= frame.time < end:
                chunks.append(frame.to_ndarray().astype(numpy.float64).ravel())
    samples = numpy.concatenate(chunks) if chunks else numpy.zeros(1)
    return float(numpy.sqrt(numpy.mean(samples**2)))


def seconds(timestamp: str) -> float:
    """00:01:02.500 -> 62.5 (webvtt's own *_in_seconds drop the milliseconds)."""
    hours, minutes, rest = timestamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng is not installed")
def test_the_projects_videos_speak_each_slide_while_it_is_shown(demo):
    import av
    import webvtt

    storage = get_storage()
    videos = [m for m in published(kind="video") if m.external_id.startswith("demo-m-")]
    assert len(videos) == 5
    for material in videos:
        path = storage.path(storage.key_for(material.file.sha256, "mp4"))
        with av.open(str(path)) as container:
            sound = container.streams.audio[0]
            assert sound.codec_context.name == "aac", material.title
            assert abs(float(sound.duration * sound.time_base) - container.duration / 1e6) < 0.5
        captions = storage.path(storage.key_for(material.captions.sha256, "vtt"))
        cues = webvtt.read(str(captions)).captions
        slides = next(s for s in MADE if s["external_id"] == material.external_id)["make"]
        assert len(cues) == len(slides["slides"])
        for cue in cues:  # words in each slide's time, a pause before the next slide
            start, end = seconds(cue.start), seconds(cue.end)
            assert loudness(path, start, start + 1.5) > 0.02, (material.title, cue.text)
            assert loudness(path, end - 0.45, end - 0.1) < 0.002, (material.title, cue.text)


def test_without_espeak_the_videos_are_silent_and_the_demo_says_so_once(tmp_path, monkeypatch):
    import av

    from library import demo_media

    monkeypatch.setattr(demo_media, "espeak", lambda: None)
    video = next(s for s in MADE if s["make"]["type"] == "video")
    audio = next(s for s in MADE if s["make"]["type"] == "audio")
    spec = tmp_path / "made.json"
    spec.write_text(json.dumps([video, audio], ensure_ascii=False), encoding="utf-8")
    said = []
    manifest = demo_media.build(spec, tmp_path / "out", say=said.append)
    records = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines()]
    assert [r["external_id"] for r in records] == [video["external_id"]]
    with av.open(str(tmp_path / "out" / records[0]["file"])) as container:
        assert not container.streams.audio and container.streams.video
    assert [m for m in said if "espeak-ng" in m] == [
        "Tài liệu mẫu: espeak-ng chưa được cài (make espeak): video mẫu không có tiếng, "
        "bỏ qua 1 tài liệu âm thanh."
    ]
