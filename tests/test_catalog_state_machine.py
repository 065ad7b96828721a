"""One state machine: who may move a material from which state to which, the table itself and
the same refusals through the pages, the API, the command line and the import."""

import itertools
import json

import pytest
from sqlalchemy import select
from support import bearer

from library.accounts.permissions import SYSTEM
from library.catalog import services as catalog
from library.catalog import workflow
from library.catalog.workflow import Situation
from library.errors import InvalidTransition, PermissionDenied
from library.extensions import db
from library.models import Material

ROLES = (None, "union", "editor", "reviewer", "admin")
STATES = ("draft", "in_review", "scheduled", "published", "withdrawn")
E, R, A = "editor", "reviewer", "admin"
STAFF = {E, R, A}
NOBODY: set = set()

# (from, to): (who of the material's organisation may, without review; where review is required)
RULES = {
    ("draft", "draft"): (NOBODY, NOBODY),
    ("draft", "in_review"): (STAFF, STAFF),
    ("draft", "published"): (STAFF, {R, A}),
    ("draft", "withdrawn"): (STAFF, STAFF),
    ("in_review", "draft"): (STAFF, STAFF),
    ("in_review", "in_review"): (NOBODY, NOBODY),
    ("in_review", "published"): (STAFF, {R, A}),
    ("in_review", "withdrawn"): (STAFF, STAFF),
    ("published", "draft"): (STAFF, STAFF),
    ("published", "in_review"): (NOBODY, NOBODY),  # its edits wait as a revision instead
    ("published", "published"): (NOBODY, NOBODY),
    ("published", "withdrawn"): (STAFF, STAFF),
    ("withdrawn", "draft"): (STAFF, STAFF),
    ("withdrawn", "in_review"): (STAFF, STAFF),
    ("withdrawn", "published"): (STAFF, {R, A}),
    ("withdrawn", "withdrawn"): (NOBODY, NOBODY),
    # Scheduled: let out like a publication, published by the timer at its time.
    ("draft", "scheduled"): (STAFF, {R, A}),
    ("in_review", "scheduled"): (STAFF, {R, A}),
    ("withdrawn", "scheduled"): (STAFF, {R, A}),
    ("published", "scheduled"): (NOBODY, NOBODY),
    ("scheduled", "draft"): (STAFF, STAFF),
    ("scheduled", "in_review"): (STAFF, STAFF),
    ("scheduled", "scheduled"): (NOBODY, NOBODY),
    ("scheduled", "published"): (STAFF, {R, A}),
    ("scheduled", "withdrawn"): (STAFF, STAFF),
}
# Withdrawn by an administrator: only an administrator brings it back.
ADMIN_WITHDRAWN = {
    ("withdrawn", "draft"): ({A}, {A}),
    ("withdrawn", "in_review"): ({A}, {A}),
    ("withdrawn", "published"): ({A}, {A}),
    ("withdrawn", "scheduled"): ({A}, {A}),
    ("withdrawn", "withdrawn"): (NOBODY, NOBODY),
}


def expected(role, own, requires_review, state, target, by_admin) -> str:
    """What the product says: 'ok', 'forbidden' (no say over the material) or 'refused'."""
    if role not in STAFF or not (own or role == A):
        return "forbidden"
    table = ADMIN_WITHDRAWN if by_admin else RULES
    return "ok" if role in table[(state, target)][requires_review] else "refused"


def outcome(situation: Situation, target: str) -> str:
    try:
        workflow.check(situation, target)
    except PermissionDenied:
        return "forbidden"
    except InvalidTransition:
        return "refused"
    return "ok"


def cases():
    for role, own, review, (state, target) in itertools.product(
        ROLES, (True, False), (False, True), RULES
    ):
        yield role, own, review, state, target, False
        if state == "withdrawn":
            yield role, own, review, state, target, True


def test_every_role_state_and_target_follows_the_table():
    checked, wrong = 0, []
    for role, own, review, state, target, by_admin in cases():
        got = outcome(Situation(role, own, review, state, by_admin), target)
        want = expected(role, own, review, state, target, by_admin)
        checked += 1
        if got != want:
            wrong.append(f"{role} own={own} review={review} {state}->{target} admin={by_admin}")
            wrong[-1] += f": got {got}, wanted {want}"
    assert checked == 5 * 2 * 2 * (25 + 5)
    assert not wrong, "\n".join(wrong)


def test_an_admin_withdrawal_is_refused_with_its_reason():
    s = Situation("editor", True, False, "withdrawn", withdrawn_by_admin=True)
    with pytest.raises(InvalidTransition) as refused:
        workflow.check(s, "published")
    assert "quản trị viên" in refused.value.message


def test_publishing_where_review_is_required_submits_instead(make_org, make_user, make_material):
    org = make_org(code="ldld", name="Liên đoàn", requires_review=True)
    draft = make_material(org=org, status="draft")
    assert workflow.resolve(make_user("editor", org), draft, "published") == "in_review"
    assert workflow.resolve(make_user("reviewer", org), draft, "published") == "published"


# --- the same refusals through every way in ------------------------------------------------


@pytest.fixture
def withdrawn_by_admin(make_org, make_user, make_material):
    """A material of an organisation without review, withdrawn by an administrator."""
    org = make_org(code="so-a", name="Sở A")
    material = make_material(org=org, title="Thu hồi bởi quản trị viên")
    catalog.withdraw_material(make_user("admin"), material, "Sai số liệu")
    db.session.commit()
    return material


def _status(material_id) -> str:
    db.session.expire_all()
    return db.session.get(Material, material_id).status


def test_page_publish_button_refuses_an_admin_withdrawal(
    client, login, make_user, withdrawn_by_admin
):
    login(make_user("editor", withdrawn_by_admin.organisation))
    answer = client.post(
        f"/manage/materials/{withdrawn_by_admin.id}/publish", follow_redirects=True
    )
    assert "chỉ quản trị viên mới có thể đưa lại lên mạng" in answer.text
    assert _status(withdrawn_by_admin.id) == "withdrawn"


def test_page_publish_button_restores_for_an_administrator(
    client, login, make_user, withdrawn_by_admin
):
    login(make_user("admin"))
    client.post(f"/manage/materials/{withdrawn_by_admin.id}/publish")
    assert _status(withdrawn_by_admin.id) == "published"


def test_editor_restores_its_own_withdrawal(client, login, make_user, make_material, make_org):
    org = make_org(code="so-a", name="Sở A")
    editor = make_user("editor", org)
    material = make_material(org=org)
    login(editor)
    client.post(f"/manage/materials/{material.id}/withdraw", data={"reason": "Nhầm"})
    assert _status(material.id) == "withdrawn"
    client.post(f"/manage/materials/{material.id}/publish")
    assert _status(material.id) == "published"


def test_api_refuses_an_admin_withdrawal_with_a_json_error(client, make_user, withdrawn_by_admin):
    headers = bearer(make_user("editor", withdrawn_by_admin.organisation))
    answer = client.patch(
        f"/api/v1/materials/{withdrawn_by_admin.id}", json={"status": "published"}, headers=headers
    )
    assert answer.status_code == 409
    assert answer.json["error"] == "invalid_state"
    assert "chỉ quản trị viên" in answer.json["message"]
    assert _status(withdrawn_by_admin.id) == "withdrawn"
    admin = bearer(make_user("admin"))
    answer = client.patch(
        f"/api/v1/materials/{withdrawn_by_admin.id}", json={"status": "published"}, headers=admin
    )
    assert answer.status_code == 200 and answer.json["status"] == "published"


def test_api_still_refuses_editing_a_withdrawn_material(client, make_user, withdrawn_by_admin):
    answer = client.patch(
        f"/api/v1/materials/{withdrawn_by_admin.id}",
        json={"title": "Tiêu đề mới"},
        headers=bearer(make_user("admin")),
    )
    assert answer.status_code == 409 and answer.json["error"] == "invalid_state"


def test_command_line_refuses_an_admin_withdrawal_for_an_editor(
    runner, make_user, withdrawn_by_admin
):
    editor = make_user("editor", withdrawn_by_admin.organisation)
    args = ["material-status", str(withdrawn_by_admin.id), "published"]
    result = runner.invoke(args=[*args, "--as", editor.email])
    assert result.exit_code != 0 and "chỉ quản trị viên" in result.output
    assert _status(withdrawn_by_admin.id) == "withdrawn"
    result = runner.invoke(args=args)  # the machine's administrator
    assert result.exit_code == 0, result.output
    assert _status(withdrawn_by_admin.id) == "published"


def test_command_line_publishing_submits_where_review_is_required(
    runner, make_org, make_user, make_material
):
    org = make_org(code="ldld", name="Liên đoàn", requires_review=True)
    material = make_material(org=org, status="draft")
    editor = make_user("editor", org)
    result = runner.invoke(
        args=["material-status", str(material.id), "published", "--as", editor.email]
    )
    assert result.exit_code == 0, result.output
    assert _status(material.id) == "in_review"
    result = runner.invoke(args=["material-status", str(material.id), "draft", "--as", "x@y.vn"])
    assert result.exit_code != 0 and "Không có người dùng" in result.output


def _manifest(tmp_path, org_code, n=2):
    lines = [
        {
            "external_id": f"m{i}",
            "organisation": org_code,
            "title": f"Tài liệu nhập {i}",
            "kind": "legal_digest",
            "areas": ["politics-law"],
            "license": "gov-work",
            "body": "Điều 1.",
            "status": "published",
        }
        for i in range(n)
    ]
    path = tmp_path / "manifest.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    return path


def test_import_as_an_editor_submits_where_review_is_required(
    runner, tmp_path, make_org, make_user
):
    org = make_org(code="ldld", name="Liên đoàn", requires_review=True)
    editor = make_user("editor", org)
    result = runner.invoke(
        args=["import-materials", str(_manifest(tmp_path, "ldld")), "--as", editor.email]
    )
    assert result.exit_code == 0, result.output
    statuses = db.session.scalars(select(Material.status)).all()
    assert statuses == ["in_review", "in_review"]


def test_import_as_an_editor_of_another_organisation_is_refused(
    runner, tmp_path, make_org, make_user
):
    make_org(code="so-a", name="Sở A")
    outsider = make_user("editor", make_org(code="so-b", name="Sở B"))
    result = runner.invoke(
        args=["import-materials", str(_manifest(tmp_path, "so-a")), "--as", outsider.email]
    )
    assert "từ chối 2" in result.output
    assert db.session.scalar(select(Material.id)) is None


def test_import_by_the_machine_publishes_at_once(runner, tmp_path, make_org):
    make_org(code="ldld", name="Liên đoàn", requires_review=True)
    result = runner.invoke(args=["import-materials", str(_manifest(tmp_path, "ldld", 1))])
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(Material.status)).all() == ["published"]


def test_withdrawal_by_the_command_line_counts_as_an_administrators(
    make_org, make_user, make_material
):
    org = make_org(code="so-a", name="Sở A")
    material = make_material(org=org)
    catalog.change_status(SYSTEM, material, "withdrawn", "Hết hiệu lực")
    db.session.commit()
    with pytest.raises(InvalidTransition):
        catalog.change_status(make_user("reviewer", org), material, "published")
