"""An organisation's code is found whatever the case it is typed in, at every entry point.

Codes are stored lower-case (`flask create-org SVHTT` makes `svhtt`); the command line, the
administrators' pages, import manifests, the API and its filters all find `SVHTT` again.
"""

import json

from sqlalchemy import select
from support import PASSWORD, bearer

from library.extensions import db
from library.models import Material, Organisation, User

NEW = {
    "title": "Quy định về an toàn lao động",
    "kind": "legal_digest",
    "areas": ["politics-law"],
    "license": "gov-work",
    "body": "Người lao động được trang bị bảo hộ.",
    "status": "published",
}


def _ok(result):
    assert result.exit_code == 0, result.output
    return result.output


def test_a_user_is_made_for_an_organisation_named_as_it_was_created(runner):
    _ok(
        runner.invoke(
            args=["create-org", "SVHTT", "Sở Văn hóa và Thể thao", "--type", "department"]
        )
    )
    args = ["create-user", "bientap@svhtt.vn", "--role", "editor", "--org", "SVHTT"]
    _ok(runner.invoke(args=[*args, "--password-stdin"], input=PASSWORD + "\n"))
    user = db.session.scalar(select(User).where(User.email == "bientap@svhtt.vn"))
    assert user.organisation.code == "svhtt"
    refused = runner.invoke(args=["create-org", "Svhtt", "Sở khác", "--type", "department"])
    assert refused.exit_code != 0 and "đã được dùng" in refused.output


def test_a_union_is_attached_to_enterprises_named_in_capitals(runner, make_org):
    make_org(code="ldld-tinh", name="Liên đoàn Lao động tỉnh", type_="union")
    make_org(code="cty-may", name="Công ty May", type_="enterprise", workers=300)
    output = _ok(runner.invoke(args=["union-enterprises", "LDLD-TINH", "CTY-MAY"]))
    assert "ldld-tinh phục vụ: cty-may" in output


def test_an_import_finds_the_organisation_of_each_line_and_of_org(runner, make_org, tmp_path):
    make_org(code="so-ldtbxh")
    make_org(code="so-gddt", name="Sở Giáo dục và Đào tạo")
    lines = [
        {**NEW, "external_id": "a", "title": "Có tổ chức", "organisation": "SO-LDTBXH"},
        {**NEW, "external_id": "b", "title": "Theo --org"},
    ]
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines))
    output = _ok(runner.invoke(args=["import-materials", "--org", "So-GDDT", str(manifest)]))
    assert "đã nhập 2" in output and "từ chối 0" in output
    owners = {m.title: m.organisation.code for m in db.session.scalars(select(Material))}
    assert owners == {"Có tổ chức": "so-ldtbxh", "Theo --org": "so-gddt"}


def test_the_organisation_page_refuses_a_code_taken_in_other_letters(client, login, make_user):
    login(make_user("admin"))
    form = {"code": "SVHTT", "name": "Sở Văn hóa và Thể thao", "type": "department"}
    assert client.post("/admin/organisations", data=form).status_code == 302
    again = client.post("/admin/organisations", data={**form, "code": "svhtt"})
    assert again.status_code == 422 and "Mã này đã được dùng" in again.text
    codes = db.session.scalars(select(Organisation.code)).all()
    assert codes.count("svhtt") == 1 and "SVHTT" not in codes


def test_the_api_writes_for_and_filters_by_a_code_in_any_case(client, make_user, make_org):
    make_org(code="so-gddt", name="Sở Giáo dục và Đào tạo")
    headers = bearer(make_user("admin"))
    made = client.post(
        "/api/v1/materials", headers=headers, json={**NEW, "organisation": "SO-GDDT"}
    )
    assert made.status_code == 201, made.json
    assert made.json["organisation"] == "so-gddt"
    listed = client.get("/api/v1/materials", query_string={"org": "So-Gddt"}).json["results"]
    assert [m["title"] for m in listed] == [NEW["title"]]
    found = client.get("/api/v1/search", query_string={"q": "an toàn", "org": "SO-GDDT"})
    assert found.status_code == 200, found.json
    assert [r["title"] for r in found.json["results"]] == [NEW["title"]]
