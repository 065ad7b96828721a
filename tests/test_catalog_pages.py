"""What a worker sees: home, areas, material pages, files."""

import io

from bs4 import BeautifulSoup
from support import PRODUCT_PAGE_WIDTHS, BufferedClient, pdf_bytes, png_bytes, upload

from library.extensions import db


def soup(response):
    return BeautifulSoup(response.data, "html.parser")


def test_home_lists_the_five_areas_in_vietnamese_with_counts(client, make_material):
    make_material(areas=["politics-law", "life-skills"])
    page = soup(client.get("/"))
    areas = [a.get_text(" ", strip=True) for a in page.select(".areas a")]
    assert len(areas) == 5
    assert areas[0].startswith("Chính trị, pháp luật") and "1 tài liệu" in areas[0]
    assert "Kỹ năng sống" in areas[2] and "1 tài liệu" in areas[2]
    assert "0 tài liệu" in areas[1]


def test_home_page_weighs_under_100_kb(client, make_material):
    for i in range(8):
        make_material(title=f"Tài liệu số {i}")
    html = client.get("/").data
    css = client.get("/static/css/site.css").data
    js = client.get("/static/js/site.js").data
    assert len(html) + len(css) + len(js) < 100 * 1024


def test_area_page_filters_by_kind(client, make_material):
    make_material(title="Luật lao động tóm tắt")
    make_material(
        title="Áp phích an toàn",
        kind="poster",
        body="",
        upload=upload(png_bytes(), "poster.png"),
        alt_text="Công nhân đội mũ bảo hộ",
    )
    page = soup(client.get("/areas/politics-law?kind=poster"))
    titles = [s.get_text() for s in page.select(".card strong")]
    assert titles == ["Áp phích an toàn"]
    chips = page.select(".chips a")
    assert any("Áp phích (1)" in c.get_text() for c in chips)


def test_unknown_area_is_404_in_vietnamese(client):
    response = client.get("/areas/khong-co")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.text


def test_legal_digest_is_rendered_from_markdown_without_scripts(client, make_material):
    material = make_material(
        body="## Điều 1\n**Quyền** của người lao động <script>alert(1)</script>"
    )
    page = soup(client.get(f"/materials/{material.id}"))
    body = page.select_one(".body")
    assert body.find("h2").get_text() == "Điều 1"
    assert body.find("strong").get_text() == "Quyền"
    assert body.find("script") is None


def test_superseded_digest_warns_and_links_the_newer_one(client, make_material):
    newer = make_material(title="Hướng dẫn mới về tuổi nghỉ hưu")
    older = make_material(title="Hướng dẫn cũ về tuổi nghỉ hưu", superseded_by=newer.id)
    page = soup(client.get(f"/materials/{older.id}"))
    warning = page.select_one(".warning")
    assert "đã được thay thế" in warning.get_text()
    assert warning.find("a")["href"].endswith(f"/materials/{newer.id}")


def test_superseded_digest_is_listed_after_current_ones(client, make_material):
    newer = make_material(title="Bản mới")
    make_material(title="Bản cũ", superseded_by=newer.id)
    make_material(title="Bản khác")
    titles = [s.get_text() for s in soup(client.get("/areas/politics-law")).select(".card strong")]
    assert titles[-1] == "Bản cũ"


def test_pdf_leaflet_shows_its_pages_and_size_before_download(client, make_material):
    material = make_material(kind="leaflet", body="", upload=upload(pdf_bytes(3), "to-gap.pdf"))
    page = soup(client.get(f"/materials/{material.id}"))
    assert len(page.select(".pages img")) == 3
    download = page.select_one(".download")
    assert "(PDF, 671 B, 3 trang)" in download.get_text()
    page_image = client.get(page.select(".pages img")[1]["src"])
    assert page_image.status_code == 200 and page_image.mimetype == "image/webp"


def test_poster_is_shown_at_phone_width_with_its_alt_text(client, make_material):
    material = make_material(
        kind="poster",
        body="",
        alt_text="Công nhân đội mũ bảo hộ",
        upload=upload(png_bytes((2400, 1600)), "poster.png"),
    )
    img = soup(client.get(f"/materials/{material.id}")).select_one("img.poster")
    assert img["alt"] == "Công nhân đội mũ bảo hộ"
    medium = client.get(img["src"])
    assert medium.mimetype == "image/webp"
    import io

    from PIL import Image

    assert Image.open(io.BytesIO(medium.data)).width == 1080


def test_poster_picture_is_preloaded_in_head_as_the_page_shows_it_and_not_lazy(
    client, make_material
):
    material = make_material(
        kind="poster",
        body="",
        alt_text="Công nhân đội mũ bảo hộ",
        upload=upload(png_bytes((2400, 1600)), "poster.png"),
    )
    page = soup(client.get(f"/materials/{material.id}"))
    preload = page.head.select_one('link[rel="preload"][as="image"]')
    img = page.select_one("img.poster")
    # The same candidates and slot, or the browser would load a second copy.
    assert preload["imagesrcset"] == img["srcset"] and preload["imagesizes"] == img["sizes"]
    assert preload["href"] == img["src"] and preload["fetchpriority"] == "high"
    assert img["fetchpriority"] == "high" and img.get("loading") != "lazy"
    assert "calc(100vw - 24px)" in img["sizes"]
    stylesheet = page.head.select_one('link[rel="stylesheet"]')
    assert preload.sourceline < stylesheet.sourceline


def test_youtube_placeholder_offers_a_copy_for_a_phone_at_2x_and_preloads_it(client, make_material):
    material = make_material(
        kind="video", body="", video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    )
    page = soup(client.get(f"/materials/{material.id}"))
    img = page.select_one(".video-facade img")
    widths = {c.split()[1]: c.split()[0] for c in img["srcset"].split(", ")}
    # A 336 px slot at 2 device pixels per CSS pixel wants 672 px: the 720 px WebP copy.
    assert img["sizes"].endswith("calc(100vw - 24px)")
    assert widths["720w"] == f"/materials/{material.id}/preview-720.webp"
    copy = client.get(widths["720w"])
    assert copy.mimetype == "image/webp" and copy.content_length < 30_000
    preload = page.head.select_one('link[rel="preload"][as="image"]')
    assert preload["imagesrcset"] == img["srcset"]
    assert client.get(f"/materials/{material.id}/preview-500.webp").status_code == 404


def test_pages_and_static_text_are_gzipped_for_browsers_that_accept_it(client, make_material):
    import gzip

    material = make_material(title="Luật lao động tóm tắt", body="Nội dung. " * 200)
    accepts = {"Accept-Encoding": "gzip, deflate, br"}
    page = client.get(f"/materials/{material.id}", headers=accepts)
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]
    assert "Luật lao động tóm tắt" in gzip.decompress(page.data).decode()
    css = client.get("/static/css/site.css", headers=accepts)
    plain = client.get("/static/css/site.css")
    assert css.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert gzip.decompress(css.data) == plain.data and len(css.data) < len(plain.data) / 2
    # The compressed copy keeps a (weak) validator: a revisit gets 304.
    again = client.get(
        "/static/css/site.css", headers={**accepts, "If-None-Match": css.headers["ETag"]}
    )
    assert again.status_code == 304
    assert "Content-Encoding" not in client.get(f"/materials/{material.id}").headers


def test_pages_for_signed_in_users_are_not_compressed(client, make_material, make_user, login):
    # Their CSRF token beside text a visitor chooses would let compression leak it (BREACH).
    material = make_material(body="Nội dung. " * 200)
    login(make_user(role="editor"))
    page = client.get(f"/materials/{material.id}", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and "Content-Encoding" not in page.headers
    css = client.get("/static/css/site.css", headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip"


def test_video_file_supports_range_requests(client, make_material, app):
    from library.catalog import media

    mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 5000
    material = make_material(kind="video", body="", upload=upload(mp4, "clip.mp4"))
    assert material.file.mime_type == "video/mp4" and media.ACCEPTED["video/mp4"]
    url = soup(client.get(f"/materials/{material.id}")).select_one("video")["src"]
    partial = client.get(url, headers={"Range": "bytes=100-199"})
    assert partial.status_code == 206
    assert len(partial.data) == 100
    assert partial.headers["Content-Range"] == f"bytes 100-199/{len(mp4)}"
    assert partial.headers["Content-Type"] == "video/mp4"


def test_youtube_link_waits_for_a_tap_and_then_plays_privately(client, make_material):
    material = make_material(
        kind="video", body="", video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    )
    page = soup(client.get(f"/materials/{material.id}"))
    assert page.find("iframe") is None
    facade = page.select_one(".video-facade")
    assert facade["data-player"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"
    assert facade.img["src"] == f"/materials/{material.id}/preview-720.webp"
    small = client.get(facade.img["src"])
    assert small.mimetype == "image/webp" and small.content_length < 40_000
    assert facade.select_one(".facade-title").get_text() == material.title


def test_video_links_have_no_thumbnail_from_youtube_in_lists(client, make_material):
    make_material(kind="video", body="", video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    page = soup(client.get("/areas/politics-law"))
    assert page.select_one(".card .icon svg") is not None
    assert "ytimg" not in client.get("/areas/politics-law").get_data(as_text=True)


def test_files_are_served_with_real_type_nosniff_and_no_html(client, make_material):
    material = make_material(kind="leaflet", body="", upload=upload(pdf_bytes(), "a.pdf"))
    response = client.get(f"/files/{material.file.id}/x.html")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_draft_is_invisible_to_the_public_even_its_title(client, make_material):
    material = make_material(
        title="Bản nháp bí mật",
        status="draft",
        kind="leaflet",
        body="",
        upload=upload(pdf_bytes(), "a.pdf"),
    )
    page = client.get(f"/materials/{material.id}")
    assert page.status_code == 404 and "Bản nháp bí mật" not in page.text
    assert client.get(f"/files/{material.file.id}/a.pdf").status_code == 404
    assert "Bản nháp bí mật" not in client.get("/").text


def test_withdrawn_material_answers_410_with_an_explanation(client, make_material, app):
    from library.accounts.permissions import SYSTEM
    from library.catalog.services import withdraw_material

    material = make_material(title="Tờ gấp cũ")
    withdraw_material(SYSTEM, material, "Nội dung đã lỗi thời")
    db.session.commit()
    page = client.get(f"/materials/{material.id}")
    assert page.status_code == 410
    assert "đã được thu hồi" in page.text and "Nội dung đã lỗi thời" in page.text
    assert "Tờ gấp cũ" not in client.get("/areas/politics-law").text


def test_pages_switch_to_english(client):
    response = client.get("/?lang=en")
    assert "Learning areas" in response.text or "Politics and law" in response.text
    assert '<html lang="en">' in response.text


def test_security_headers_are_set_on_pages(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_huge_or_odd_ids_are_404_not_errors(client):
    for path in (
        "/materials/99999999999999999999999",
        # Past a 32-bit INTEGER column (PostgreSQL would refuse to compare it): no row, a 404.
        "/materials/2147483648",
        "/materials/99999999999999999",
        "/files/2147483648/a.pdf",
        "/materials/0",
        "/materials/-1",
        "/files/99999999999999999999/a.pdf",
        "/manage/materials/" + "9" * 30 + "/history",
    ):
        assert client.get(path).status_code == 404, path


def _page_files(material):
    from library.catalog import processing
    from library.storage import get_storage

    stored = material.file
    names = processing.page_image_names(stored)
    return [get_storage().derived_path(stored.sha256, name) for name in names]


def test_a_pdfs_large_page_images_are_drawn_by_its_page_job(
    app, client, make_material, monkeypatch
):
    from PIL import Image

    from library.catalog import media

    app.config.update(PRODUCT_PAGE_WIDTHS)
    material = make_material(kind="leaflet", body="", upload=upload(pdf_bytes(2), "to-gap.pdf"))
    files = _page_files(material)
    assert [p.name for p in files] == [
        "page-1.webp", "page-1-full.webp", "page-2.webp", "page-2-full.webp"
    ]  # fmt: skip
    with Image.open(files[1]) as large, Image.open(files[0]) as normal:
        assert (large.width, normal.width) == (2000, 900)

    def no_drawing(*args):
        raise AssertionError("a reader's request drew a PDF page")

    monkeypatch.setattr(media, "render_pdf_page", no_drawing)
    page = soup(client.get(f"/materials/{material.id}"))
    opened = client.get(page.select_one(".pages a")["href"])
    assert opened.status_code == 200 and opened.mimetype == "image/webp"
    assert Image.open(io.BytesIO(opened.data)).width == 2000


def test_a_page_image_not_drawn_yet_says_so_and_no_request_draws_it(
    make_app, make_material, monkeypatch
):
    from library import jobs
    from library.catalog import media
    from library.models import MediaJob

    app = make_app(JOBS_IMMEDIATE=False, **PRODUCT_PAGE_WIDTHS)
    app.test_client_class = BufferedClient
    with app.app_context():
        material = make_material(kind="leaflet", body="", upload=upload(pdf_bytes(2), "a.pdf"))
        client = app.test_client()
        drawn = []
        real = media.render_pdf_page
        monkeypatch.setattr(media, "render_pdf_page", lambda *a: drawn.append(a) or real(*a))
        url = f"/files/{material.file.id}/pages/2"
        for answer in (client.get(f"{url}.webp"), client.get(f"{url}/full.webp")):
            assert answer.status_code == 503
            assert answer.headers["Retry-After"] == "30"
            assert answer.headers["Cache-Control"] == "no-store"
            assert answer.mimetype == "image/svg+xml"
            assert "Đang xử lý" in answer.text and "Trang 2" in answer.text
        assert drawn == []

        job = db.session.scalar(
            db.select(MediaJob).filter_by(file_id=material.file.id, kind="pages")
        )
        assert jobs.run_job(job.id) == "done"
        # Each page drawn at each width (drawing again at 900 px is faster than shrinking).
        assert sorted(width for *_, width in drawn) == [900, 900, 2000, 2000]
        assert client.get(f"{url}/full.webp").status_code == 200
        _page_files(material)[3].unlink()  # a large one lost: the page image is shown instead
        moved = client.get(f"{url}/full.webp")
        assert moved.status_code == 302 and moved.headers["Location"].endswith(f"{url}.webp")
        assert client.get(f"{url}.webp").mimetype == "image/webp"
        assert len(drawn) == 4  # and no request drew one


def test_doctor_knows_page_images_and_has_the_job_draw_missing_ones(app, runner, make_material):
    material = make_material(kind="leaflet", body="", upload=upload(pdf_bytes(2), "to-gap.pdf"))
    files = _page_files(material)
    result = runner.invoke(args=["doctor", "--check-only"])
    assert result.exit_code == 0, result.output
    assert "page-" not in result.output

    files[3].unlink()
    files[0].unlink()
    result = runner.invoke(args=["doctor", "--check-only"])
    assert result.exit_code == 1
    assert "page images of" in result.output and "page-1.webp, page-2-full.webp" in result.output
    assert not files[3].exists()
    result = runner.invoke(args=["doctor"])
    assert "its page job queued again" in result.output, result.output
    assert all(p.is_file() for p in files)  # (the tests' jobs run at once)


def test_a_streamed_answer_is_sent_as_it_is_made_not_gathered_to_compress(app):
    from flask import Response, stream_with_context

    @app.get("/test-stream")
    def stream():
        return Response(stream_with_context(iter(["[", "1" * 4000, "]"])), mimetype="text/html")

    answer = app.test_client().get("/test-stream", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in answer.headers and len(answer.data) == 4002
