"""The command line: set-up commands and the bulk import."""

import csv
import json

import click
import pytest
from databases import dialect
from sqlalchemy import func, select
from support import FIXTURES, PASSWORD, pdf_bytes, stored_files

from library.accounts.permissions import SYSTEM
from library.catalog.services import withdraw_material
from library.extensions import db
from library.models import Material, Organisation, User
from library.search import indexing
from library.search.backends import get_backend
from library.search.base import SearchQuery
from library.search.querying import search_summaries


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_init_db_is_safe_to_run_twice(runner):
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["init-db"]).exit_code == 0


def test_create_org_user_and_token(runner, client):
    result = runner.invoke(
        args=[
            "create-org",
            "cty-giay",
            "Công ty CP Giày Tam Điệp",
            "--type",
            "enterprise",
            "--workers",
            "2500",
        ]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "create-user",
            "bientap@giay.vn",
            "--role",
            "editor",
            "--org",
            "cty-giay",
            "--password-stdin",
        ],
        input="mat-khau-rat-dai\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.organisation.workers == 2500
    token = runner.invoke(args=["create-token", "bientap@giay.vn"]).output.strip()
    response = client.post(
        "/api/v1/materials",
        headers={"Authorization": f"Bearer {token}"},
        data={
            "title": "x",
            "kind": "legal_digest",
            "areas": "life-skills",
            "license": "CC0-1.0",
            "body": "x",
        },
    )
    assert response.status_code == 201


def test_create_user_with_an_unknown_organisation_fails_clearly(runner):
    result = runner.invoke(
        args=["create-user", "a@b.vn", "--role", "editor", "--org", "khong-co", "--password-stdin"],
        input="mat-khau-rat-dai\n",
    )
    assert result.exit_code != 0
    assert "Không có tổ chức" in result.output


@pytest.fixture
def manifest(tmp_path, make_org):
    make_org(code="so-ldtbxh")
    folder = tmp_path / "import"
    folder.mkdir()
    (folder / "to-gap.pdf").write_bytes(pdf_bytes(2))
    (folder / "gia.pdf").write_text("<html>không phải PDF</html>")
    lines = [
        {
            "external_id": "a1",
            "organisation": "so-ldtbxh",
            "title": "Tờ gấp tiền lương",
            "summary": "Tiền lương tối thiểu vùng",
            "kind": "leaflet",
            "areas": ["politics-law"],
            "license": "gov-work",
            "tags": ["tiền lương"],
            "file": "to-gap.pdf",
        },
        {
            "external_id": "a2",
            "organisation": "so-ldtbxh",
            "title": "Video kỹ năng",
            "kind": "video",
            "areas": ["life-skills"],
            "license": "CC-BY-4.0",
            "video_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        },
        {
            "external_id": "a3",
            "organisation": "so-ldtbxh",
            "title": "Không có lĩnh vực",
            "kind": "legal_digest",
            "areas": [],
            "license": "gov-work",
            "body": "x",
        },
        {
            "external_id": "a4",
            "organisation": "so-ldtbxh",
            "title": "Tệp giả",
            "kind": "leaflet",
            "areas": ["life-skills"],
            "license": "CC0-1.0",
            "file": "gia.pdf",
        },
        {
            "external_id": "a5",
            "organisation": "so-ldtbxh",
            "title": "Ra ngoài thư mục",
            "kind": "leaflet",
            "areas": ["life-skills"],
            "license": "CC0-1.0",
            "file": "../../etc/passwd",
        },
    ]
    path = folder / "manifest.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n{oops\n")
    return path


def test_import_lists_rejected_lines_and_imports_the_rest(runner, manifest, app):
    result = runner.invoke(args=["import-materials", str(manifest)])
    assert result.exit_code == 0, result.output
    assert "đã nhập 2" in result.output and "từ chối 4" in result.output
    assert "dòng 3" in result.output and "lĩnh vực" in result.output
    assert "dòng 4" in result.output and "dòng 5" in result.output and "dòng 6" in result.output
    assert "Nhập tài liệu" in result.output  # the progress bar
    assert count(Material) == 2
    assert len([p for p in stored_files(app) if p.suffix == ".pdf"]) == 1


def test_import_run_again_skips_what_is_there(runner, manifest):
    runner.invoke(args=["import-materials", str(manifest)])
    result = runner.invoke(args=["import-materials", str(manifest)])
    assert "đã nhập 0, bỏ qua (đã có) 2" in result.output
    assert count(Material) == 2


def test_import_skips_a_file_already_in_the_library_under_another_id(runner, manifest):
    runner.invoke(args=["import-materials", str(manifest)])
    lines = manifest.read_text().splitlines()
    first = json.loads(lines[0])
    first["external_id"] = "khac"
    manifest.write_text(json.dumps(first, ensure_ascii=False) + "\n")
    result = runner.invoke(args=["import-materials", str(manifest)])
    assert "bỏ qua (đã có) 1" in result.output
    assert count(Material) == 2


def test_import_dry_run_changes_nothing(runner, manifest, app):
    result = runner.invoke(args=["import-materials", "--dry-run", str(manifest)])
    assert "sẽ nhập 2" in result.output
    assert count(Material) == 0
    assert stored_files(app) == []


def test_import_reads_csv_with_semicolon_separated_areas(runner, tmp_path, make_org):
    make_org(code="so-gddt", name="Sở Giáo dục và Đào tạo")
    path = tmp_path / "ds.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, ["title", "kind", "areas", "license", "body", "organisation"])
        writer.writeheader()
        writer.writerow(
            {
                "title": "Học tập suốt đời",
                "kind": "legal_digest",
                "areas": "learning-model;life-skills",
                "license": "CC0-1.0",
                "body": "Công dân học tập",
                "organisation": "so-gddt",
            }
        )
    result = runner.invoke(args=["import-materials", str(path)])
    assert "đã nhập 1" in result.output, result.output
    material = db.session.scalar(select(Material))
    assert material.area_codes == ["life-skills", "learning-model"]


def test_import_links_a_successor_named_later_in_the_manifest(runner, tmp_path, make_org):
    make_org(code="so-ldtbxh")
    base = {
        "organisation": "so-ldtbxh",
        "kind": "legal_digest",
        "areas": ["politics-law"],
        "license": "gov-work",
        "body": "x",
    }
    lines = [
        {**base, "external_id": "cu", "title": "Cũ", "superseded_by": "moi"},
        {**base, "external_id": "moi", "title": "Mới"},
    ]
    path = tmp_path / "m.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines))
    runner.invoke(args=["import-materials", str(path)])
    old = db.session.scalar(select(Material).where(Material.external_id == "cu"))
    assert old.superseded_by.title == "Mới"


def test_import_real_fixture_pdf_with_vietnamese_file_name(runner, tmp_path, make_org):
    make_org(code="so-ldtbxh")
    source = FIXTURES / "Nghị định 145／2020／NĐ-CP.pdf"
    (tmp_path / source.name).write_bytes(source.read_bytes())
    line = {
        "organisation": "so-ldtbxh",
        "title": "Nghị định 145/2020/NĐ-CP",
        "kind": "legal_digest",
        "areas": ["politics-law"],
        "license": "gov-work",
        "file": source.name,
    }
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False))
    result = runner.invoke(args=["import-materials", str(path)])
    assert "đã nhập 1" in result.output, result.output
    assert db.session.scalar(select(Organisation)).code == "so-ldtbxh"


def test_migrations_match_the_models(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_a_bulk_import_is_searchable_right_after(runner, client, tmp_path, make_org):
    make_org(code="so-ldtbxh")
    lines = [
        {
            "organisation": "so-ldtbxh",
            "title": f"Quy định về tiền lương số {n}",
            "kind": "legal_digest",
            "areas": ["politics-law"],
            "license": "gov-work",
            "body": "Tiền lương tối thiểu vùng",
        }
        for n in range(600)
    ]
    path = tmp_path / "m.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines))
    result = runner.invoke(args=["import-materials", str(path)])
    assert "đã nhập 600" in result.output, result.output
    assert client.get("/api/v1/search?q=tien+luong").json["total"] == 600
    # The import's single pending note is gone: results come from the index again.
    assert get_backend().pending_ids() == frozenset()


def test_during_a_bulk_import_every_hit_is_checked(app, make_material):
    leaflet = make_material(title="Tờ rơi tiền lương")
    session = db.session()
    indexing.defer_indexing(session)
    backend = get_backend()
    assert backend.pending_ids() is None  # the index lags the import until flushed
    withdraw_material(SYSTEM, leaflet, "")
    db.session.commit()
    assert search_summaries(SearchQuery(text="tien luong"))[1] == []
    indexing.flush_deferred(session)
    assert backend.pending_ids() == frozenset()
    assert search_summaries(SearchQuery(text="tien luong"))[0].total == 0


def _command_paths(group, prefix=()):
    """The argument lists naming every command and subcommand of a click group."""
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _command_paths(command, (*prefix, name))


def test_every_command_shows_its_help_through_the_test_runner(make_app):
    app = make_app()  # no app context pushed: app.test_cli_runner() as Flask documents it
    runner = app.test_cli_runner()
    paths = list(_command_paths(app.cli))
    assert ("search", "reindex") in paths and ("metrics", "rollup") in paths
    for path in paths:
        result = runner.invoke(args=[*path, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, (path, result.output)


def test_each_family_of_commands_runs_through_the_test_runner(
    make_app, tmp_path, empty_database_url
):
    """A real run of every kind of command, without pushing an app context by hand."""
    app = make_app()
    runner = app.test_cli_runner()

    def run(*args, input=None):
        result = runner.invoke(args=list(args), input=input)
        assert result.exit_code == 0, (args, result.output, result.exception)
        return result.output

    run("init-db")
    run("db", "current")
    run("create-org", "so-ldtbxh", "Sở Lao động", "--type", "department")
    run("create-org", "ldld-tinh", "Liên đoàn Lao động tỉnh", "--type", "union")
    run("create-org", "cty-may", "Công ty May", "--type", "enterprise", "--workers", "300")
    run("union-enterprises", "ldld-tinh", "cty-may")
    args = ["create-user", "bientap@thuvien.vn", "--role", "editor", "--org", "so-ldtbxh"]
    run(*args, "--password-stdin", input=PASSWORD + "\n")
    token = run("create-token", "bientap@thuvien.vn").strip()
    line = {
        "title": "Tiền lương tối thiểu vùng",
        "kind": "legal_digest",
        "areas": ["politics-law"],
        "license": "gov-work",
        "body": "Mức lương tối thiểu vùng áp dụng từ năm 2026.",
    }
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps(line, ensure_ascii=False))
    assert "đã nhập 1" in run("import-materials", "--org", "so-ldtbxh", str(manifest))
    assert "có 1 tài liệu" in run("search", "reindex")
    run("metrics", "rollup")
    run("doctor", "--check-only")
    if dialect() == "sqlite":
        run("backup", str(tmp_path / "snapshot"))
    else:  # a server database is backed up with its own tool, and the command says so
        refused = runner.invoke(args=["backup", str(tmp_path / "snapshot")])
        assert refused.exit_code == 1 and "pg_dump" in refused.output
    run("copy-library", "--to", empty_database_url)
    client = app.test_client()
    found = client.get("/api/v1/search?q=luong+toi+thieu").json
    assert [r["title"] for r in found["results"]] == [line["title"]]
    made = client.post(
        "/api/v1/materials",
        headers={"Authorization": f"Bearer {token}"},
        json={**line, "title": "Mới"},
    )
    assert made.status_code == 201, made.json
