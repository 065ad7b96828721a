"""Every bad upload is refused with a clear message and leaves nothing behind."""

import io

import pytest
from bs4 import BeautifulSoup
from PIL import Image
from sqlalchemy import func, select
from support import FIXTURES, bearer, pdf_bytes, png_bytes, post_material, stored_files

from library.accounts.services import create_token
from library.extensions import db
from library.models import Material, StoredFile


def bomb_png() -> bytes:
    """A tiny file that decodes to 400 million pixels."""
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")
    return buffer.getvalue()


GOOD = {
    "title": "Tờ gấp an toàn lao động",
    "summary": "Những điều cần nhớ khi làm việc",
    "kind": "leaflet",
    "areas": ["life-skills"],
    "license": "CC-BY-4.0",
    "status": "published",
}

BAD_FILES = {
    "html named pdf": (b"<!doctype html><html><script>alert(1)</script></html>", "to-gap.pdf", 415),
    "svg named pdf": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "to-gap.pdf",
        415,
    ),
    "truncated pdf": (pdf_bytes(2)[:-300], "to-gap.pdf", 422),
    "image bomb": (None, "bom.png", 413),
    "empty file": (b"", "rong.pdf", 422),
    "zip archive": (b"PK\x03\x04" + b"\x00" * 200, "tai-lieu.pdf", 415),
    "windows program": (b"MZ\x90\x00" + b"\x00" * 200, "setup.pdf", 415),
}


@pytest.fixture
def api(app, make_user):
    return bearer(make_user("editor"))


def assert_nothing_saved(app):
    assert db.session.scalar(select(func.count()).select_from(Material)) == 0
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert stored_files(app) == []


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_file_is_refused_by_the_api_and_nothing_is_kept(case, client, api, app):
    content, name, status = BAD_FILES[case]
    content = bomb_png() if content is None else content
    response = post_material(client, api, {**GOOD, "file": (io.BytesIO(content), name)})
    assert response.status_code == status, response.json
    assert response.json["error"] == "file_rejected"
    assert response.json["message"]
    assert_nothing_saved(app)


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_file_is_refused_on_the_upload_page_in_vietnamese(case, client, login, make_user, app):
    content, name, _ = BAD_FILES[case]
    content = bomb_png() if content is None else content
    login(make_user("editor"))
    response = client.post(
        "/manage/materials/new",
        data={**GOOD, "action": "publish", "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    error = BeautifulSoup(response.data, "html.parser").select_one(".field.has-error .error")
    assert error is not None
    assert any(word in error.get_text() for word in ("Tệp", "Loại tệp", "Ảnh"))
    assert_nothing_saved(app)


def test_file_over_the_size_limit_is_refused_with_413(make_app, make_user):
    app = make_app(MAX_DOCUMENT_BYTES=10_000)
    with app.app_context():
        editor = make_user("editor")
        token = create_token(editor)
        db.session.commit()
        client = app.test_client()
        big = pdf_bytes(1) + b"%" * 20_000
        response = post_material(
            client,
            {"Authorization": f"Bearer {token}"},
            {**GOOD, "file": (io.BytesIO(big), "lon.pdf")},
        )
        assert response.status_code == 413
        assert "dung lượng" in response.json["message"]
        assert_nothing_saved(app)
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("areas", [], "ít nhất một lĩnh vực"),
        ("areas", ["politics-law", "cooking"], "Lĩnh vực không hợp lệ"),
        ("kind", "novel", "Loại tài liệu không hợp lệ"),
        ("title", "T" * 2000, "Tiêu đề quá dài"),
        ("license", "all-rights-reserved", "Giấy phép không hợp lệ"),
    ],
)
def test_bad_fields_are_refused_with_the_field_named(field, value, message, client, api, app):
    data = {**GOOD, field: value, "file": (io.BytesIO(pdf_bytes()), "a.pdf")}
    if field == "areas" and not value:
        data.pop("areas")
    response = post_material(client, api, data)
    assert response.status_code == 422
    assert message in response.json["fields"][field if field != "areas" or value else "areas"]
    assert_nothing_saved(app)


def test_a_path_in_the_file_name_is_never_used_on_disk(client, api, app):
    response = post_material(
        client, api, {**GOOD, "file": (io.BytesIO(pdf_bytes()), "../../etc/passwd")}
    )
    assert response.status_code == 201
    stored = db.session.get(StoredFile, 1)
    assert stored.original_name == "passwd"
    files = stored_files(app)
    uploads = app.config["UPLOAD_FOLDER"]
    assert all(str(p).startswith(uploads) for p in files)
    assert any(p.name == f"{stored.sha256}.pdf" for p in files)


def test_same_file_twice_says_where_it_already_is(client, api, app):
    first = post_material(client, api, {**GOOD, "file": (io.BytesIO(pdf_bytes()), "a.pdf")})
    second = post_material(
        client, api, {**GOOD, "title": "Bản sao", "file": (io.BytesIO(pdf_bytes()), "b.pdf")}
    )
    assert second.status_code == 422
    assert second.json["error"] == "duplicate_file"
    assert second.json["existing_id"] == first.json["id"]
    assert "đã có trong thư viện" in second.json["message"]
    assert db.session.scalar(select(func.count()).select_from(Material)) == 1


def test_a_material_without_content_is_refused(client, api, app):
    response = post_material(client, api, GOOD)
    assert response.status_code == 422
    assert "tải lên một tệp" in response.json["fields"]["file"]
    assert_nothing_saved(app)


def test_a_file_that_does_not_fit_the_kind_is_refused(client, api, app):
    response = post_material(
        client, api, {**GOOD, "kind": "audio", "file": (io.BytesIO(pdf_bytes()), "a.pdf")}
    )
    assert response.status_code == 415
    assert_nothing_saved(app)


def test_poster_image_needs_alt_text_and_nothing_is_kept_without_it(client, api, app):
    data = {**GOOD, "kind": "poster", "file": (io.BytesIO(png_bytes()), "p.png")}
    response = post_material(client, api, data)
    assert response.status_code == 422
    assert "alt_text" in response.json["fields"]
    assert_nothing_saved(app)


def test_image_metadata_is_stripped_and_orientation_applied(client, api, app):
    source = FIXTURES / "exif-orientation-Landscape_6.jpg"
    with Image.open(source) as original:
        assert original.getexif().get(0x0112) == 6
        turned = (original.height, original.width)
    data = {
        **GOOD,
        "kind": "poster",
        "alt_text": "Ảnh chụp",
        "file": (open(source, "rb"), "anh.jpg"),
    }
    response = post_material(client, api, data)
    data["file"][0].close()
    assert response.status_code == 201, response.json
    stored = db.session.get(StoredFile, response.json["id"])
    path = next(p for p in stored_files(app) if p.name == f"{stored.sha256}.jpg")
    with Image.open(path) as kept:
        assert not kept.getexif()
        assert kept.size == turned


def test_pdf_text_is_extracted_and_pages_counted(client, api, app):
    source = FIXTURES / "Nghị định 145／2020／NĐ-CP.pdf"
    with open(source, "rb") as f:
        response = post_material(
            client, api, {**GOOD, "kind": "legal_digest", "file": (f, source.name)}
        )
    assert response.status_code == 201, response.json
    stored = db.session.scalar(select(StoredFile))
    assert stored.page_count == response.json["file"]["page_count"] > 1
    assert "lao động" in stored.text.lower()


def test_scanned_pdf_without_text_is_accepted(client, api, app):
    source = FIXTURES / "thong-tu-09-2020-tt-bldtbxh-lao-dong-chua-thanh-nien.pdf"
    with open(source, "rb") as f:
        response = post_material(client, api, {**GOOD, "kind": "book", "file": (f, source.name)})
    assert response.status_code == 201, response.json
    assert response.json["file"]["page_count"] >= 1
