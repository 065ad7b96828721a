"""Behind a reverse proxy: its X-Forwarded-* headers count only when PROXY_FIX says so."""

import pytest
from agents import CHROME_ANDROID
from sqlalchemy import func, select

from library.extensions import db
from library.models import Event

PROXY = "10.0.0.5"  # the reverse proxy: every request reaches the app from it


def _views() -> int:
    return db.session.scalar(select(func.count()).select_from(Event).where(Event.event == "view"))


def _visit(client, material, forwarded_for: str, **headers):
    return client.get(
        f"/materials/{material.id}",
        headers={"User-Agent": CHROME_ANDROID, "X-Forwarded-For": forwarded_for, **headers},
        environ_base={"REMOTE_ADDR": PROXY},
    )


@pytest.fixture
def material(make_material):
    return make_material()


def test_without_the_setting_a_forged_forwarded_address_changes_nothing(make_app, material):
    app = make_app()
    client = app.test_client(use_cookies=False)
    with app.app_context():
        for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
            assert _visit(client, material, forged).status_code == 200
        # One visitor (the connecting address): one counted view, not three.
        assert _views() == 1
        answer = _visit(client, material, "4.4.4.4", **{"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" not in answer.headers
        db.session.remove()


def test_behind_a_trusted_proxy_each_forwarded_address_is_a_visitor(make_app, material):
    app = make_app(PROXY_FIX=1)
    client = app.test_client(use_cookies=False)
    with app.app_context():
        for address in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
            assert _visit(client, material, address).status_code == 200
        assert _views() == 3
        # Only the address the trusted proxy added counts, not one the client put before it.
        _visit(client, material, "9.9.9.9, 1.1.1.1")
        assert _views() == 3
        answer = _visit(client, material, "5.5.5.5", **{"X-Forwarded-Proto": "https"})
        assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
        db.session.remove()
