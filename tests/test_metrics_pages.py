"""Dashboards and the administrator's pages: who sees what, forms, CSRF, small screens."""

import re
from datetime import UTC, date, datetime

import pytest
from agents import CHROME_ANDROID
from sqlalchemy import func, select

from library.accounts.permissions import SYSTEM
from library.extensions import db
from library.metrics.rollup import rollup_day
from library.metrics.services import Scope, dashboard, scope_for
from library.models import OfflineSession, Setting
from library.sharing import services as sharing
from library.tracking.services import record_event

NOON = datetime(2026, 5, 4, 5, 0, tzinfo=UTC)


@pytest.fixture
def people(make_user, make_org):
    """An administrator, an editor of a department, a union officer, and an enterprise."""
    dept = make_org(code="so-ldtbxh", name="Sở Lao động")
    union = make_org(code="ldld-tinh", name="Liên đoàn Lao động tỉnh", type_="union")
    firm = make_org(code="cty-giay", name="Công ty Giày", type_="enterprise", workers=300)
    sharing.set_served_enterprises(SYSTEM, union, [firm.code])
    db.session.commit()
    return {
        "admin": make_user("admin", email="quantri@thuvien.vn"),
        "editor": make_user("editor", dept, email="bientap@thuvien.vn"),
        "union": make_user("union", union, email="congdoan@thuvien.vn"),
        "firm": firm,
        "dept": dept,
    }


def test_anonymous_visitors_are_sent_to_login(client):
    answer = client.get("/metrics/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


@pytest.mark.parametrize("role", ["admin", "editor", "union"])
def test_staff_see_a_dashboard(client, login, people, role):
    login(people[role])
    page = client.get("/metrics/?year=2026")
    assert page.status_code == 200 and "Số liệu sử dụng năm 2026" in page.text


def test_an_editor_sees_only_the_materials_of_the_organisation(app, people, make_material):
    mine = make_material(people["dept"], title="Tài liệu của Sở")
    other = make_material(title="Tài liệu của Sở khác")
    for material in (mine, other):
        record_event(material.id, "view", "c1", CHROME_ANDROID, now=NOON)
    rollup_day(date(2026, 5, 4))
    board = dashboard(scope_for(people["editor"]), 2026)
    assert [m.title for m, _views in board.top] == ["Tài liệu của Sở"]
    assert len(dashboard(Scope(), 2026).top) == 2


def test_a_union_officer_sees_what_was_credited_to_the_union(app, people, make_material):
    material = make_material()
    record_event(
        material.id, "view", "c1", CHROME_ANDROID, "zalo", people["union"].organisation_id, now=NOON
    )
    record_event(material.id, "view", "c2", CHROME_ANDROID, now=NOON)
    rollup_day(date(2026, 5, 4))
    board = dashboard(scope_for(people["union"]), 2026)
    assert board.top[0][1] == 1


def test_a_union_officer_sees_the_visits_credited_to_the_enterprises_it_serves(
    app, people, make_material, make_org
):
    material = make_material()
    elsewhere = make_org(code="cty-det", name="Công ty Dệt", type_="enterprise", workers=500)
    for visitor, org in (("c1", people["firm"]), ("c2", people["firm"]), ("c3", elsewhere)):
        record_event(material.id, "view", visitor, CHROME_ANDROID, "zalo", org.id, now=NOON)
    rollup_day(date(2026, 5, 4))
    board = dashboard(scope_for(people["union"]), 2026)
    assert board.top[0][1] == 2  # Công ty Giày's two, not Công ty Dệt's


def test_the_dashboard_draws_charts_and_tables(client, login, people, make_material):
    material = make_material()
    record_event(material.id, "view", "c1", CHROME_ANDROID, "facebook", now=NOON)
    rollup_day(date(2026, 5, 4))
    db.session.commit()
    page = login(people["admin"]).get("/metrics/?year=2026").text
    assert page.count("<svg") == 2 and "<table>" in page
    assert "style=" not in page and "<script>" not in page  # the CSP allows neither


def test_reach_and_workforce_pages_are_for_administrators(client, login, people):
    login(people["editor"])
    assert client.get("/metrics/reach").status_code == 403
    assert client.get("/metrics/workforce").status_code == 403
    assert client.get("/metrics/report?year=2026").status_code == 403


def test_the_reach_page_explains_how_online_reach_is_estimated(client, login, people):
    page = login(people["admin"]).get("/metrics/reach?year=2026").text
    assert "một lần mỗi ngày" in page and "mục tiêu 2025" in page


def test_the_administrator_records_the_workforce(client, login, people):
    login(people["admin"])
    answer = client.post("/metrics/workforce", data=_workforce_form(people, total="25000"))
    assert answer.status_code == 302
    assert db.session.get(Setting, "workforce_total").value == "25000"


def _workforce_form(people, total):
    data = {"total": total, f"org-{people['firm'].id}": "300"}
    targets = {
        "politics-law": (70, 90),
        "vocational-skills": (50, 75),
        "life-skills": (50, 75),
        "digital-skills": (40, 65),
        "learning-model": (30, 50),
    }
    for code, (t2025, t2030) in targets.items():
        data[f"{code}-2025"], data[f"{code}-2030"] = t2025, t2030
    return data


def test_a_bad_workforce_is_refused_in_vietnamese_and_nothing_is_saved(client, login, people):
    login(people["admin"])
    answer = client.post("/metrics/workforce", data=_workforce_form(people, total="-1"))
    assert answer.status_code == 422 and "Cần một số nguyên từ 0" in answer.text
    assert db.session.get(Setting, "workforce_total") is None


def test_a_union_officer_logs_a_session_through_the_form(client, login, people):
    login(people["union"])
    data = {
        "held_on": "2026-05-04",
        "organisation_id": str(people["firm"].id),
        "areas": ["life-skills"],
        "attendees": "120",
        "note": "Nói chuyện an toàn giao thông",
    }
    assert client.post("/metrics/sessions", data=data).status_code == 302
    assert db.session.scalar(select(OfflineSession.attendees)) == 120


def test_a_session_with_too_many_attendees_gets_a_clear_message(client, login, people):
    login(people["union"])
    data = {
        "held_on": "2026-05-04",
        "organisation_id": str(people["firm"].id),
        "areas": ["life-skills"],
        "attendees": "301",
    }
    answer = client.post("/metrics/sessions", data=data)
    assert answer.status_code == 422 and "vượt quá số lao động" in answer.text
    assert db.session.scalar(select(func.count()).select_from(OfflineSession)) == 0


def test_a_union_officer_logs_sessions_only_for_the_enterprises_it_serves(
    client, login, people, make_org
):
    other = make_org(code="cty-det", name="Công ty Dệt", type_="enterprise", workers=500)
    login(people["union"])
    form = client.get("/metrics/sessions")
    assert "Công ty Giày" in form.text and "Công ty Dệt" not in form.text
    data = {
        "held_on": "2026-05-04",
        "organisation_id": str(other.id),
        "areas": ["life-skills"],
        "attendees": "40",
    }
    assert client.post("/metrics/sessions", data=data).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(OfflineSession)) == 0


def test_a_union_serving_no_enterprise_is_told_whom_to_ask(client, login, make_user, make_org):
    union = make_org(code="cdcs-moi", name="Công đoàn mới", type_="union")
    login(make_user("union", union))
    page = client.get("/metrics/sessions")
    assert page.status_code == 200
    assert "chưa được gắn với doanh nghiệp nào; hãy liên hệ quản trị viên" in page.text


def test_an_editor_cannot_log_sessions(client, login, people):
    login(people["editor"])
    assert client.get("/metrics/sessions").status_code == 403


def test_the_workforce_form_needs_its_csrf_token(make_app, people):
    form = _workforce_form(people, total="100")  # read in the test's own app context
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        login_page = client.get("/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        client.post(
            "/login",
            data={
                "email": "quantri@thuvien.vn",
                "password": "mat-khau-thu-nghiem",
                "csrf_token": token,
            },
        )
        answer = client.post("/metrics/workforce", data=form)
        assert answer.status_code == 400
        assert db.session.get(Setting, "workforce_total") is None
        db.session.remove()
        db.engine.dispose()


def test_the_dashboard_css_lets_tables_scroll_on_a_360px_phone(app):
    from pathlib import Path

    css = (Path(app.static_folder) / "css" / "metrics.css").read_text()
    assert ".table-wrap { overflow-x: auto; }" in css and "width: 100%" in css


@pytest.mark.parametrize(
    "path", ["/metrics/reach?year=2026", "/metrics/workforce", "/metrics/sessions"]
)
def test_the_administrator_pages_open(client, login, people, path):
    assert login(people["admin"]).get(path).status_code == 200
