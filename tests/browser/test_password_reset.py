"""A worker's editor forgets the password and sets a new one from the e-mailed link, on a phone."""

import re
import time

from library.mail import OUTBOX

NEW = "mat-khau-moi-tren-dien-thoai"


def test_the_emailed_link_sets_a_new_password_and_leaves_the_address_bar(
    phone, live_app, make_user
):
    app, url = live_app
    user = make_user("editor", email="dien-thoai@thuvien.vn")
    phone.goto(url + "/login")
    phone.get_by_role("link", name="Quên mật khẩu?").click()
    phone.get_by_label("Email").fill(user.email)
    phone.get_by_role("button", name="Gửi liên kết").click()
    assert "Nếu địa chỉ này có tài khoản" in phone.locator("main").inner_text()
    for _ in range(100):
        if app.extensions.get(OUTBOX):
            break
        time.sleep(0.05)
    link = re.search(r"https?://\S+", app.extensions[OUTBOX][0].get_content()).group(0)
    path = link.split("/", 3)[3]
    phone.goto(f"{url}/{path}")
    assert "#" not in phone.url  # the token left the address bar (and history)
    phone.get_by_label("Mật khẩu mới", exact=True).fill(NEW)
    phone.get_by_label("Nhập lại mật khẩu mới").fill(NEW)
    phone.get_by_role("button", name="Đặt mật khẩu").click()
    phone.wait_for_url("**/login")
    assert "Đã đặt mật khẩu mới" in phone.locator(".flash").inner_text()
    phone.get_by_label("Email").fill(user.email)
    phone.get_by_label("Mật khẩu").fill(NEW)
    phone.get_by_role("button", name="Đăng nhập").click()
    phone.wait_for_url("**/manage")
