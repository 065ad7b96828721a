"""Captions of a video or an audio: attached by an editor (page and API), checked like any
upload, shown on the player and as the transcript below it, searched like a PDF's text."""

import io
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from databases import dialect
from support import bearer, edit_form, pdf_bytes, stored_files, upload, video_bytes

from library import backup
from library.accounts.permissions import SYSTEM
from library.catalog import revisions
from library.catalog import services as catalog
from library.extensions import db
from library.models import Material, StoredFile

VTT = (
    "WEBVTT\n\n"
    "00:00:00.000 --> 00:00:01.000\n"
    "Trước khi lên giàn giáo, hãy móc dây an toàn.\n\n"
    "00:00:01.000 --> 00:00:02.000\n"
    "<v Tổ trưởng>Kiểm tra khóa móc mỗi sáng.</v>\n"
)
SRT = (
    "1\r\n00:00:00,000 --> 00:00:01,500\r\nĐeo mũ bảo hộ khi vào công trường.\r\n\r\n"
    "2\r\n00:00:01,500 --> 00:00:02,000\r\nBáo ngay cho tổ trưởng khi thấy nguy hiểm.\r\n"
)
VIDEO = {
    "title": "Hướng dẫn đeo dây an toàn",
    "summary": "Video ngắn cho công nhân xây dựng",
    "kind": "video",
    "areas": ["life-skills"],
    "license": "CC-BY-4.0",
    "status": "published",
}
SEARCH_BACKENDS = ["whoosh"] + (["postgres"] if dialect() == "postgresql" else [])


@pytest.fixture
def editor(make_user):
    return make_user("editor")


@pytest.fixture
def api(editor):
    return bearer(editor)


def post(client, api, captions: bytes | None, name="phu-de.vtt", video=None, **fields):
    data = {
        **VIDEO,
        **fields,
        "file": (io.BytesIO(video or video_bytes([(30, 120, 200)])), "v.mp4"),
    }
    if captions is not None:
        data["captions"] = (io.BytesIO(captions), name)
    return client.post(
        "/api/v1/materials", data=data, headers=api, content_type="multipart/form-data"
    )


def searched(client, words: str) -> list[int]:
    response = client.get("/api/v1/search", query_string={"q": words})
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["results"]]


def test_a_video_with_captions_plays_them_and_shows_its_transcript(client, api):
    response = post(client, api, VTT.encode())
    assert response.status_code == 201, response.json
    material_id = response.json["id"]
    captions = response.json["captions"]
    assert captions["url"].endswith(f"/materials/{material_id}/captions.vtt")
    assert captions["transcript"] == (
        "Trước khi lên giàn giáo, hãy móc dây an toàn.\nKiểm tra khóa móc mỗi sáng."
    )

    page = BeautifulSoup(client.get(f"/materials/{material_id}").text, "html.parser")
    track = page.video.track
    assert track["kind"] == "captions" and track["srclang"] == "vi" and track.has_attr("default")
    assert track["src"] == f"/materials/{material_id}/captions.vtt"
    lines = [p.get_text() for p in page.select("section.transcript p")]
    assert lines == ["Trước khi lên giàn giáo, hãy móc dây an toàn.", "Kiểm tra khóa móc mỗi sáng."]
    assert page.select_one("section.transcript h2").get_text() == "Lời thoại"

    served = client.get(track["src"])
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "text/vtt; charset=utf-8"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.text.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n")
    assert "<v Tổ trưởng>Kiểm tra khóa móc mỗi sáng.</v>" in served.text  # the speaker stays


def test_subrip_captions_are_served_as_webvtt(client, api):
    response = post(client, api, SRT.encode("utf-8-sig"), name="phu-de.srt")
    assert response.status_code == 201, response.json
    served = client.get(f"/materials/{response.json['id']}/captions.vtt").text
    assert served == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nĐeo mũ bảo hộ khi vào công trường.\n\n"
        "00:00:01.500 --> 00:00:02.000\nBáo ngay cho tổ trưởng khi thấy nguy hiểm.\n"
    )


def test_an_audio_gets_captions_as_its_transcript(client, api):
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp3") as out:
        stream = out.add_stream("mp3", 22050)
        frame = av.AudioFrame(format="s16p", layout="mono", samples=22050)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate = 22050
        for packet in (*stream.encode(frame), *stream.encode(None)):
            out.mux(packet)
    response = post(client, api, VTT.encode(), video=buffer.getvalue(), kind="audio")
    assert response.status_code == 201, response.json
    page = BeautifulSoup(client.get(f"/materials/{response.json['id']}").text, "html.parser")
    assert page.audio.track["kind"] == "captions"
    assert "giàn giáo" in page.select_one("section.transcript").get_text()


BAD_CAPTIONS = [
    ("windows-1258", VTT.encode("utf-16"), "UTF-8"),
    ("latin-1", "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nCafé\n".encode("latin-1"), "UTF-8"),
    ("text", "Lời thoại không có thời gian".encode(), "không hợp lệ"),
    ("no-cues", b"WEBVTT\n\n", "không hợp lệ"),
    ("bad-timing", b"WEBVTT\n\n00:00:01.000 --> 00:00:xx\nbad\n", "không hợp lệ"),
    ("backwards", b"WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nbad\n", "thứ 1 kết thúc trước"),
    ("empty", b"", "rỗng"),
    # Cues whose timing is broken would be read as more words of the cue before.
    (
        "srt-broken-cue",
        (
            "1\n00:00:01,000 --> 00:00:03,000\nXin chào\n\n2\n00:00:05,000 -> 00:00:07,000\nHỏng\n"
        ).encode(),
        "dòng phụ đề thứ 2 không có thời gian",
    ),
    (
        "srt-cue-without-timing",
        "1\n00:00:01,000 --> 00:00:03,000\nXin chào\n\n2\nkhông có thời gian\n".encode(),
        "dòng phụ đề thứ 2 không có thời gian",
    ),
    (
        "vtt-wrong-timing",
        b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:03.000 --> 00:00:0x.000\nbad\n",
        "dòng phụ đề thứ 2 có thời gian sai (00:00:03.000 --> 00:00:0x.000)",
    ),
]


@pytest.mark.parametrize(
    "data,message", [b[1:] for b in BAD_CAPTIONS], ids=[b[0] for b in BAD_CAPTIONS]
)
def test_bad_captions_are_refused_with_a_reason_and_keep_nothing(app, client, api, data, message):
    before = stored_files(app)
    response = post(client, api, data)
    assert response.status_code == 422, response.json
    assert response.json["error"] == "captions_rejected"
    assert message in response.json["fields"]["captions"]
    assert db.session.query(Material).count() == 0
    assert stored_files(app) == before


def test_captions_with_notes_identifiers_and_settings_are_accepted(client, api):
    captions = (
        "WEBVTT - Dây an toàn\nKind: captions\n\nNOTE do biên tập viên viết\n\n"
        "mot\n00:00.000 --> 00:01.000 align:start\nMóc dây an toàn.\n\n"
        "hai\n00:00:01.000 --> 00:00:02.000\nKiểm tra khóa móc.\n"
    )
    response = post(client, api, captions.encode())
    assert response.status_code == 201, response.json
    page = client.get(f"/materials/{response.json['id']}").text
    assert "Móc dây an toàn." in page and "Kiểm tra khóa móc." in page and "-->" not in page


def test_captions_past_the_size_cap_are_refused(app, client, api):
    app.config["MAX_CAPTION_BYTES"] = 1000
    response = post(client, api, (VTT + "\n" + "x" * 1000).encode())
    assert response.status_code == 413
    assert response.json["fields"]["captions"] == "Tệp phụ đề vượt quá dung lượng cho phép."
    assert db.session.query(StoredFile).count() == 0 and stored_files(app) == []


def test_captions_go_only_with_an_uploaded_video_or_audio(client, api):
    data = {
        **VIDEO,
        "kind": "leaflet",
        "file": (io.BytesIO(pdf_bytes()), "to-gap.pdf"),
        "captions": (io.BytesIO(VTT.encode()), "phu-de.vtt"),
    }
    response = client.post(
        "/api/v1/materials", data=data, headers=api, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "video hoặc âm thanh" in response.json["fields"]["captions"]
    assert db.session.query(Material).count() == 0


@pytest.mark.parametrize("kind", SEARCH_BACKENDS)
def test_the_transcript_is_searched_and_follows_an_edit(make_app, make_user, kind):
    app = make_app(SEARCH_BACKEND=kind)
    with app.app_context():
        client = app.test_client()
        headers = bearer(make_user("editor"))
        response = post(client, headers, VTT.encode())
        material_id = response.json["id"]
        assert searched(client, "giàn giáo") == [material_id]
        assert searched(client, "mu bao ho") == []
        replaced = client.patch(
            f"/api/v1/materials/{material_id}",
            data={"captions": (io.BytesIO(SRT.encode()), "moi.srt")},
            headers=headers,
            content_type="multipart/form-data",
        )
        assert replaced.status_code == 200, replaced.json
        assert searched(client, "mu bao ho") == [material_id]
        assert searched(client, "giàn giáo") == []
        db.session.remove()


def test_an_editor_attaches_captions_on_the_edit_page(client, editor, login, make_material):
    material = make_material(
        org=editor.organisation, upload=upload(video_bytes([(0, 0, 0)]), "v.mp4"), body="", **VIDEO
    )
    login(editor)
    url = f"/manage/materials/{material.id}/edit"
    refused = client.post(
        url,
        data={**edit_form(material), "captions": (io.BytesIO(b"\xff\xfe\x00"), "hong.vtt")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    page = BeautifulSoup(refused.text, "html.parser")
    assert page.select_one(".has-error .error").get_text() == "Tệp phụ đề cần mã hóa UTF-8."
    assert db.session.get(Material, material.id).captions is None

    saved = client.post(
        url,
        data={**edit_form(material), "captions": (io.BytesIO(SRT.encode()), "phu-de.srt")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    shown = " ".join(BeautifulSoup(client.get(url).text, "html.parser").get_text(" ").split())
    assert "Phụ đề hiện tại: phu-de.srt — 2 dòng lời thoại" in shown
    assert "Báo ngay cho tổ trưởng" in client.get(f"/materials/{material.id}").text


def test_a_drafts_captions_are_hidden_like_its_file(client, api):
    response = post(client, api, VTT.encode(), status="draft")
    url = f"/materials/{response.json['id']}/captions.vtt"
    assert client.get(url).status_code == 404
    assert client.get(f"/materials/{response.json['id']}").status_code == 404


def test_captions_of_a_published_material_wait_for_review(client, make_org, make_user):
    org = make_org(code="so-xd", name="Sở Xây dựng", requires_review=True)
    material = catalog.create_material(
        SYSTEM, org, VIDEO, upload(video_bytes([(0, 0, 0)]), "v.mp4"), upload(VTT.encode(), "a.vtt")
    )
    db.session.commit()
    editor = make_user("editor", org=org)
    catalog.update_material(editor, material, {}, captions=upload(SRT.encode(), "b.srt"))
    db.session.commit()
    public = client.get(f"/materials/{material.id}/captions.vtt").text
    assert "giàn giáo" in public and "mũ bảo hộ" not in public
    assert "captions" in material.pending_revision.changes
    revisions.approve_revision(SYSTEM, material)
    db.session.commit()
    assert "mũ bảo hộ" in client.get(f"/materials/{material.id}/captions.vtt").text


def test_doctor_and_backup_know_caption_files(app, client, api, runner, tmp_path):
    material_id = post(client, api, VTT.encode()).json["id"]
    result = runner.invoke(args=["doctor", "--check-only"])
    assert result.exit_code == 0, result.output
    assert "orphan" not in result.output and "used by no material" not in result.output

    stored = db.session.get(Material, material_id).captions
    key = f"{stored.sha256[:2]}/{stored.sha256}.vtt"
    if dialect() == "sqlite":  # (on PostgreSQL, pg_dump and a copy of the upload folder)
        manifest = backup.backup(tmp_path / "snapshot")
        assert key in [f["key"] for f in manifest["files"]]

    (Path(app.config["UPLOAD_FOLDER"]) / key).unlink()
    result = runner.invoke(args=["doctor", "--check-only"])
    assert result.exit_code == 1
    assert f"file {key} of materials [{material_id}] is missing" in result.output


def captioned(org, captions=VTT, colour=(0, 0, 0), **fields):
    """A published video of an organisation with captions, as an upload makes it."""
    material = catalog.create_material(
        SYSTEM,
        org,
        {**VIDEO, **fields},
        upload(video_bytes([colour], seconds=0.5), "v.mp4"),
        upload(captions.encode(), "phu-de.vtt"),
    )
    db.session.commit()
    return material


def caption_file(app, stored) -> Path:
    return Path(app.config["UPLOAD_FOLDER"]) / stored.sha256[:2] / f"{stored.sha256}.vtt"


def history(client, material_id) -> str:
    page = client.get(f"/manage/materials/{material_id}/history").text
    return " ".join(BeautifulSoup(page, "html.parser").get_text(" ").split())


def test_an_editor_replaces_captions_and_the_old_file_goes(app, client, editor, login):
    material = captioned(editor.organisation)
    old = material.captions
    old_id, old_file = old.id, caption_file(app, old)
    login(editor)
    assert "Thay phụ đề" in client.get(f"/manage/materials/{material.id}/edit").text
    url = f"/manage/materials/{material.id}/captions"
    refused = client.post(
        url,
        data={"captions": (io.BytesIO(b"WEBVTT\n\n"), "hong.vtt")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    error = BeautifulSoup(refused.text, "html.parser").select_one("#captions-error").get_text()
    assert "Tệp phụ đề không hợp lệ" in error
    assert db.session.get(Material, material.id).captions_file_id == old_id
    assert old_file.is_file() and "giàn giáo" in client.get(f"/materials/{material.id}").text

    replaced = client.post(
        url,
        data={"captions": (io.BytesIO(SRT.encode()), "moi.srt")},
        content_type="multipart/form-data",
    )
    assert replaced.status_code == 302
    served = client.get(f"/materials/{material.id}/captions.vtt").text
    assert "mũ bảo hộ" in served and "giàn giáo" not in served
    db.session.expire_all()
    assert not old_file.exists() and db.session.get(StoredFile, old_id) is None
    assert searched(client, "mu bao ho") == [material.id] and searched(client, "giàn giáo") == []
    assert "Sửa captions" in history(client, material.id)


def test_an_editor_removes_captions_after_confirming(app, client, editor, login, make_user):
    material = captioned(editor.organisation)
    stored_id, path = material.captions.id, caption_file(app, material.captions)
    sha256 = material.captions.sha256
    assert searched(client, "giàn giáo") == [material.id]
    url = f"/manage/materials/{material.id}/captions/remove"
    for other in (make_user("editor"), make_user("union", org=editor.organisation)):
        login(other)
        assert client.post(url, data={"confirm": "yes"}).status_code == 403
        client.post("/logout")
    login(editor)
    unconfirmed = client.post(url)
    assert unconfirmed.status_code == 422 and "Đánh dấu ô xác nhận" in unconfirmed.text
    assert path.is_file()

    assert client.post(url, data={"confirm": "yes"}).status_code == 302
    assert client.get(f"/materials/{material.id}/captions.vtt").status_code == 404
    page = BeautifulSoup(client.get(f"/materials/{material.id}").text, "html.parser")
    assert page.video.track is None and page.select_one("section.transcript") is None
    assert not path.exists() and db.session.get(StoredFile, stored_id) is None
    assert searched(client, "giàn giáo") == []
    assert f"Gỡ phụ đề captions : ['{sha256}', None]" in history(client, material.id)
    again = client.post(url, data={"confirm": "yes"})
    assert again.status_code == 422 and "chưa có phụ đề" in again.text


def test_the_api_removes_captions_as_the_edit_page_does(app, client, editor, api, make_user, login):
    material = captioned(editor.organisation)
    stored_id, path = material.captions.id, caption_file(app, material.captions)
    url = f"/api/v1/materials/{material.id}/captions"
    assert client.delete(url).status_code == 401
    for other in (make_user("editor"), make_user("union", org=editor.organisation)):
        refused = client.delete(url, headers=bearer(other))
        assert refused.status_code == 403 and refused.json["error"] == "forbidden"
    assert path.is_file()

    removed = client.delete(url, headers=api)
    assert removed.status_code == 200, removed.json
    assert removed.json["id"] == material.id and removed.json["captions"] is None
    assert client.get(f"/materials/{material.id}/captions.vtt").status_code == 404
    assert not path.exists() and db.session.get(StoredFile, stored_id) is None
    assert searched(client, "giàn giáo") == []
    again = client.delete(url, headers=api)
    assert again.status_code == 422 and "chưa có phụ đề" in again.json["fields"]["captions"]
    assert client.delete("/api/v1/materials/999999/captions", headers=api).status_code == 404
    login(editor)
    assert "Gỡ phụ đề" in history(client, material.id)


def test_the_api_cannot_remove_a_withdrawn_materials_captions(client, editor, api):
    material = captioned(editor.organisation)
    assert client.delete(f"/api/v1/materials/{material.id}", headers=api).status_code == 200
    refused = client.delete(f"/api/v1/materials/{material.id}/captions", headers=api)
    assert refused.status_code == 409 and refused.json["error"] == "invalid_state"
    assert db.session.get(Material, material.id).captions is not None


def test_captions_two_materials_share_stay_for_the_other(app, client, editor, login):
    first = captioned(editor.organisation)
    second = captioned(editor.organisation, colour=(200, 0, 0), title="Dây an toàn (bản hai)")
    assert first.captions_file_id == second.captions_file_id
    login(editor)
    assert (
        client.post(
            f"/manage/materials/{first.id}/captions/remove", data={"confirm": "yes"}
        ).status_code
        == 302
    )
    assert caption_file(app, second.captions).is_file()
    assert "giàn giáo" in client.get(f"/materials/{second.id}/captions.vtt").text
    assert searched(client, "giàn giáo") == [second.id]


def test_a_failed_save_keeps_the_captions_it_would_have_removed(app, editor, monkeypatch):
    material = captioned(editor.organisation)
    path = caption_file(app, material.captions)
    catalog.remove_captions(editor, material)
    db.session.rollback()  # (a crash before the commit)
    assert path.is_file() and db.session.get(Material, material.id).captions is not None
