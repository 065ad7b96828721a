"""Browser tests: Debian's Chromium driven by Playwright against the app on a real port."""

import pytest
from playwright.sync_api import sync_playwright
from support import served

from library.extensions import db

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36",
}


@pytest.fixture
def live_app(make_app, request):
    """The app served on a free loopback port, in a thread, for the length of a test (settings
    changed by an indirect parameter: a dict)."""
    app = make_app(SERVER_NAME=None, **getattr(request, "param", {}))
    with served(app) as base:
        # E-mailed links take the configured address, never the request's.
        app.config["PUBLIC_BASE_URL"] = base
        with app.app_context():
            yield app, base
            db.session.remove()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE, locale="vi-VN")
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    yield context.new_page()
    context.close()
