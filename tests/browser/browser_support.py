"""Helpers of the browser tests."""

from pathlib import Path

from support import PASSWORD

from library.accounts.permissions import SYSTEM
from library.catalog import services
from library.extensions import db

DEMO_FILES = Path(__file__).resolve().parents[2] / "demo" / "files"


def add_material(org, name: str | None = None, **fields):
    """A published material of org, with a file from the demo set if a name is given."""
    upload = services.Upload.from_path(DEMO_FILES / name) if name else None
    try:
        material = services.create_material(
            SYSTEM, org, {"status": "published", "license": "CC0-1.0", **fields}, upload
        )
    finally:
        if upload:
            upload.stream.close()
    db.session.commit()
    return material


def log_in(page, url, user):
    """Sign in as a staff user through the login page, landing on the materials list."""
    page.goto(url + "/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/manage")


def no_sideways_scroll(page) -> bool:
    """Nothing wider than the screen. (A phone's window.innerWidth grows to a page too wide for
    it, so the page is measured against the screen's own width.)"""
    return page.evaluate(
        "() => document.scrollingElement.scrollWidth <= document.documentElement.clientWidth"
    )
