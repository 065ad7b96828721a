"""A department editor uploads a poster from the desktop, and a bad file is refused."""

from browser_support import DEMO_FILES, log_in


def test_editor_uploads_a_poster_and_publishes_it(desktop, live_app, make_user):
    app, url = live_app
    log_in(desktop, url, make_user("editor"))
    desktop.get_by_role("link", name="Tải lên tài liệu mới").click()
    desktop.get_by_label("Tiêu đề").fill("Áp phích phòng cháy nhà trọ")
    desktop.get_by_label("Loại tài liệu").select_option("poster")
    desktop.get_by_label("Kỹ năng sống").check()
    desktop.get_by_label("Giấy phép").select_option("CC-BY-4.0")
    desktop.get_by_label("Thẻ (cách nhau bởi dấu phẩy)").fill("phòng cháy, nhà trọ")
    desktop.get_by_label("Tệp (PDF, ảnh, video, âm thanh)").set_input_files(
        str(DEMO_FILES / "poster-an-toan-lao-dong.png")
    )
    desktop.get_by_label("Mô tả ảnh (cho người khiếm thị)").fill("Bình chữa cháy trong phòng trọ")
    desktop.get_by_role("button", name="Xuất bản").click()
    desktop.wait_for_url("**/materials/*")
    assert desktop.locator("h1").inner_text() == "Áp phích phòng cháy nhà trọ"
    assert "Đã xuất bản." in desktop.locator(".flash").inner_text()
    assert desktop.locator("img.poster").get_attribute("alt") == "Bình chữa cháy trong phòng trọ"


def test_editor_sees_a_vietnamese_error_for_a_fake_pdf(desktop, live_app, make_user, tmp_path):
    app, url = live_app
    fake = tmp_path / "to-gap.pdf"
    fake.write_text("<html><script>alert(1)</script></html>")
    log_in(desktop, url, make_user("editor"))
    desktop.goto(url + "/manage/materials/new")
    desktop.get_by_label("Tiêu đề").fill("Tờ gấp giả")
    desktop.get_by_label("Chính trị, pháp luật").check()
    desktop.get_by_label("Tệp (PDF, ảnh, video, âm thanh)").set_input_files(str(fake))
    desktop.get_by_role("button", name="Xuất bản").click()
    error = desktop.locator(".has-error .error").first
    assert "Loại tệp không được hỗ trợ" in error.inner_text()
    assert desktop.get_by_label("Tiêu đề").input_value() == "Tờ gấp giả"


def test_every_problem_shows_at_once_and_the_chosen_file_is_kept(desktop, live_app, make_user):
    """The editor forgets the title and the poster's description: one submit lists both at the
    top, each link leads to its field, and the poster chosen is kept for the next submit."""
    app, url = live_app
    log_in(desktop, url, make_user("editor"))
    desktop.goto(url + "/manage/materials/new")
    desktop.get_by_label("Loại tài liệu").select_option("poster")
    desktop.get_by_label("Kỹ năng sống").check()
    desktop.get_by_label("Tệp (PDF, ảnh, video, âm thanh)").set_input_files(
        str(DEMO_FILES / "poster-an-toan-lao-dong.png")
    )
    desktop.get_by_role("button", name="Xuất bản").click()

    summary = desktop.locator(".error-summary")
    assert "2 mục cần sửa" in summary.get_by_role("heading").inner_text()
    links = summary.get_by_role("link")
    assert links.count() == 2
    assert "Cần nhập tiêu đề" in links.nth(0).inner_text()
    assert "mô tả ảnh" in links.nth(1).inner_text()
    title = desktop.get_by_label("Tiêu đề")
    assert title.get_attribute("aria-invalid") == "true"
    links.nth(0).click()
    assert title.evaluate("el => el === document.activeElement")
    kept = desktop.locator("#kept-file")
    assert "poster-an-toan-lao-dong.png" in kept.inner_text()

    # Only the two fields are filled in; the file is not chosen again.
    title.fill("Áp phích an toàn lao động")
    desktop.get_by_label("Mô tả ảnh (cho người khiếm thị)").fill("Công nhân đội mũ bảo hộ")
    desktop.get_by_role("button", name="Xuất bản").click()
    desktop.wait_for_url("**/materials/*")
    assert desktop.locator("h1").inner_text() == "Áp phích an toàn lao động"
    assert desktop.locator("img.poster").get_attribute("alt") == "Công nhân đội mũ bảo hộ"
