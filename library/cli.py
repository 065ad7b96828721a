"""The `flask` commands; each one calls the same services as the pages."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from library import copying
from library.accounts import services as accounts
from library.accounts.permissions import SYSTEM
from library.areas import ensure_areas
from library.catalog import kept_files
from library.catalog import services as catalog
from library.catalog.importer import count_lines, import_manifest
from library.catalog.services import make_missing_reading_views
from library.errors import DomainError
from library.extensions import db
from library.search import indexing
from library.sharing import demo as sharing_demo
from library.sharing import services as sharing

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"


# Every command of the library, registered on the app's `flask` group by register(). An AppGroup
# pushes the app context around each command, so a command runs the same under `flask`, under
# app.test_cli_runner() and from any other click caller.
commands = AppGroup("library")


def register(app) -> None:
    from library.metrics.cli import metrics

    for command in commands.commands.values():
        app.cli.add_command(command)
    app.cli.add_command(metrics)


def _fail(err: DomainError):
    details = "; ".join(f"{k}: {v}" for k, v in err.errors.items())
    raise click.ClickException(f"{err.message} {details}".strip())


def prepare_database() -> None:
    """Bring the schema to the newest migration and make sure the five areas exist."""
    upgrade()
    ensure_areas()
    db.session.commit()


@commands.command("init-db")
def init_db():
    """Create or upgrade the database (migrations) and the five learning areas."""
    prepare_database()
    click.echo("Cơ sở dữ liệu đã sẵn sàng.")


@commands.command("reading-views")
def reading_views():
    """Make the reading view of every PDF kept before reading views existed."""
    made = make_missing_reading_views()
    db.session.commit()
    click.echo(f"Đã tạo {made} bản đọc.")


@commands.command("create-org")
@click.argument("code")
@click.argument("name")
@click.option(
    "--type", "type_", type=click.Choice(["department", "union", "enterprise"]), required=True
)
@click.option("--workers", type=int, default=None, help="Registered workforce (enterprises).")
@click.option("--requires-review", is_flag=True, help="Materials need a reviewer's approval.")
def create_org(code, name, type_, workers, requires_review):
    """Create an organisation."""
    try:
        org = accounts.create_organisation(SYSTEM, code, name, type_, workers, requires_review)
    except DomainError as err:
        _fail(err)
    db.session.commit()
    click.echo(f"Đã tạo tổ chức {org.code}: {org.name}")


@commands.command("union-enterprises")
@click.argument("union_code")
@click.argument("enterprise_codes", nargs=-1)
@click.option("--show", is_flag=True, help="Only list the enterprises the union serves.")
def union_enterprises(union_code, enterprise_codes, show):
    """Attach a union to exactly the enterprises given (its officers credit only those)."""
    union = accounts.find_organisation(union_code)
    if union is None:
        raise click.ClickException(f"Không có tổ chức {union_code}")
    if not show:
        try:
            sharing.set_served_enterprises(SYSTEM, union, enterprise_codes)
        except DomainError as err:
            _fail(err)
        db.session.commit()
    served = sharing.served_enterprises(union)
    click.echo(f"{union.code} phục vụ: " + (", ".join(e.code for e in served) or "(chưa có)"))


@commands.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "reviewer", "editor", "union"]), required=True)
@click.option("--org", "org_code", default=None, help="Organisation code.")
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email, role, org_code, name, password_stdin):
    """Create a user; the password is prompted for, or read from standard input."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(SYSTEM, email, password, role, org_code, name)
    except DomainError as err:
        _fail(err)
    db.session.commit()
    click.echo(f"Đã tạo tài khoản {user.email} ({user.role})")


@commands.command("create-token")
@click.argument("email")
@click.option("--name", default="cli")
def create_token(email, name):
    """Print a new API token for a user (shown once)."""
    try:
        token = accounts.create_token(accounts.find_user(email), name)
    except DomainError as err:
        _fail(err)
    db.session.commit()
    click.echo(token)


def _actor(email: str | None):
    """The user a command acts as (--as), held to that user's rights; else the system."""
    if not email:
        return SYSTEM
    try:
        return accounts.find_user(email)
    except DomainError as err:
        _fail(err)


AS_OPTION = click.option(
    "--as", "as_email", default=None, help="Act as this user, with that user's rights."
)


@commands.command("material-status")
@click.argument("material_id", type=int)
@click.argument("status", type=click.Choice(["draft", "published", "withdrawn"]))
@click.option("--reason", default="", help="Why the material is withdrawn.")
@AS_OPTION
def material_status(material_id, status, reason, as_email):
    """Publish (or submit for review), return to draft or withdraw a material."""
    actor = _actor(as_email)
    try:
        material = catalog.change_status(actor, catalog.get_material(material_id), status, reason)
    except DomainError as err:
        _fail(err)
    db.session.commit()
    click.echo(f"tài liệu {material.id}: {material.status}")


@commands.command("publish-scheduled")
def publish_scheduled():
    """Publish the scheduled materials whose time has come (run every few minutes by a timer);
    also delete the upload form's kept files past their time."""
    published = catalog.publish_scheduled()
    db.session.commit()
    kept_files.sweep()
    for material in published:
        click.echo(f"tài liệu {material.id}: published")
    click.echo(f"{len(published)} tài liệu đã xuất bản theo lịch hẹn")


@commands.command("import-materials")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_code", default=None, help="Organisation for lines that name none.")
@click.option("--dry-run", is_flag=True, help="Check every line, change nothing.")
@AS_OPTION
def import_materials(manifest: Path, org_code, dry_run, as_email):
    """Import materials from a JSON Lines or CSV manifest."""
    actor = _actor(as_email)
    default_org = None
    if org_code:
        default_org = accounts.find_organisation(org_code)
        if default_org is None:
            raise click.ClickException(f"Không có tổ chức {org_code}")
    report = _run_import(actor, manifest, default_org, dry_run)
    for number, reason in report.rejected:
        click.echo(f"dòng {number}: bị từ chối: {reason}", err=True)
    for material_id, reason in report.unlinked:
        click.echo(f"tài liệu {material_id}: không liên kết tài liệu thay thế: {reason}", err=True)
    verb = "sẽ nhập" if dry_run else "đã nhập"
    click.echo(
        f"{verb} {report.created}, bỏ qua (đã có) {report.skipped}, từ chối {len(report.rejected)}"
    )


def _run_import(actor, manifest: Path, default_org, dry_run: bool):
    total = count_lines(manifest)
    session = db.session()
    # Index the whole import in a few large writes rather than one per material.
    indexing.defer_indexing(session)
    with click.progressbar(length=total, label="Nhập tài liệu", file=sys.stderr) as bar:
        report = import_manifest(actor, manifest, default_org, dry_run, progress=bar.update)
    with click.progressbar(
        length=report.created, label="Cập nhật chỉ mục tìm kiếm", file=sys.stderr
    ) as bar:
        indexing.flush_deferred(session, progress=bar.update)
    return report


@commands.group("search")
def search_group():
    """The search index."""


@search_group.command("reindex")
def reindex():
    """Rebuild the search index from the database (searches keep working meanwhile)."""
    total = indexing.count_published()
    with click.progressbar(length=total, label="Dựng lại chỉ mục", file=sys.stderr) as bar:
        count = indexing.reindex(progress=bar.update)
    click.echo(f"Chỉ mục tìm kiếm có {count} tài liệu.")


@commands.command("copy-library")
@click.option(
    "--from",
    "source_url",
    default=None,
    help="Database URL to copy from (default: this app's database).",
)
@click.option(
    "--to", "target_url", required=True, help="Empty database URL, e.g. postgresql+psycopg://..."
)
def copy_library(source_url, target_url):
    """Copy a whole library (every table) into an empty database, then compare the counts."""
    source_url = source_url or current_app.config["SQLALCHEMY_DATABASE_URI"]
    click.echo(f"{copying.safe_url(source_url)} → {copying.safe_url(target_url)}")
    try:
        total = sum(copying.plan(source_url, target_url).values())
        with click.progressbar(length=total, label="Sao chép thư viện", file=sys.stderr) as bar:
            counts = copying.copy_library(source_url, target_url, progress=bar.update)
    except copying.CopyRefused as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"{'bảng':<28}{'nguồn':>12}{'đích':>12}")
    for count in counts:
        mark = "" if count.matches else "  KHÔNG KHỚP"
        click.echo(f"{count.table:<28}{count.source:>12}{count.target:>12}{mark}")
    wrong = [c.table for c in counts if not c.matches]
    if wrong:
        raise click.ClickException("Số dòng không khớp ở các bảng: " + ", ".join(wrong))
    click.echo(
        f"Đã sao chép {sum(c.target for c in counts)} dòng. Tệp tải lên nằm ngoài cơ sở dữ liệu: "
        "dùng lại cùng thư mục UPLOAD_FOLDER; sau khi chuyển, chạy `flask search reindex`."
    )


@commands.command("doctor")
@click.option("--check-only", is_flag=True, help="Report, repair nothing.")
@click.option(
    "--grace-minutes",
    type=float,
    default=10,
    show_default=True,
    help="Leave files younger than this alone (an upload or rebuild may still be running).",
)
def doctor_command(check_only, grace_minutes):
    """Check database, search index and files and their agreement; repair what can be."""
    from library import doctor

    def say(message):
        click.echo(message, err=True)

    report = doctor.run(repair=not check_only, grace=grace_minutes * 60, say=say)
    for finding in report.findings:
        action = f" → {finding.action}" if finding.action else ""
        click.echo(f"[{finding.part}] {finding.status}: {finding.message}{action}")
    checked = ", ".join(f"{k} {v}" for k, v in report.checked.items())
    click.echo(f"Đã kiểm tra: {checked or 'không có gì'}.")
    if report.ok:
        click.echo(f"Mọi thứ nhất quán (đã sửa {len(report.repaired)} điểm).")
        return
    click.echo(f"Còn {len(report.problems)} vấn đề không tự sửa được.", err=True)
    sys.exit(1)


@commands.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
def backup_command(dest):
    """Write a consistent snapshot (database, files, manifest) into the folder DEST."""
    from library import backup

    try:
        manifest = backup.backup(dest, say=lambda m: click.echo(m, err=True))
    except DomainError as err:
        _fail(err)
    counts = manifest["counts"]
    click.echo(
        f"Đã sao lưu vào {dest}: {counts['materials']} tài liệu, {counts['users']} tài khoản, "
        f"{counts['events']} sự kiện, {counts['files']} tệp."
    )


@commands.command("restore")
@click.argument("snapshot", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore_command(snapshot):
    """Bring a snapshot back into an empty library (files checked, index rebuilt)."""
    from library import backup

    try:
        manifest = backup.restore(snapshot, say=lambda m: click.echo(m, err=True))
    except DomainError as err:
        _fail(err)
    counts = manifest["counts"]
    click.echo(
        f"Đã khôi phục từ {snapshot}: {counts['materials']} tài liệu, {counts['files']} tệp; "
        "chỉ mục tìm kiếm đã dựng lại."
    )


DEMO_ORGANISATIONS = [
    ("so-vhttdl", "Sở Văn hóa, Thể thao và Du lịch", "department", None),
    ("so-gddt", "Sở Giáo dục và Đào tạo", "department", None),
    ("so-ldtbxh", "Sở Lao động - Thương binh và Xã hội", "department", None),
    ("so-tttt", "Sở Thông tin và Truyền thông", "department", None),
    ("ldld-tinh", "Liên đoàn Lao động tỉnh", "union", None),
    ("cty-may-hoa-lu", "Công ty TNHH May Hoa Lư", "enterprise", 1200),
    ("cty-giay-tam-diep", "Công ty CP Giày Tam Điệp", "enterprise", 2500),
]
# The demo's editor and reviewer work here: its materials wait for review before publication.
DEMO_REVIEWED = "so-ldtbxh"
DEMO_EDITOR = "bientap@demo.thuvien.vn"
DEMO_PASSWORD = "thuvien-demo-2026"
DEMO_USERS = [
    ("admin@demo.thuvien.vn", "admin", None),
    ("bientap@demo.thuvien.vn", "editor", "so-ldtbxh"),
    ("duyet@demo.thuvien.vn", "reviewer", "so-ldtbxh"),
    ("congdoan@demo.thuvien.vn", "union", "ldld-tinh"),
]


@commands.command("seed-demo")
@click.option(
    "--with-activity",
    is_flag=True,
    help="Also add six months of invented use, only into a library without any usage figure.",
)
def seed_demo(with_activity):
    """Load the demo organisations, accounts and materials (safe to run again)."""
    prepare_database()
    for code, name, type_, workers in DEMO_ORGANISATIONS:
        if not accounts.find_organisation(code):
            reviewed = code == DEMO_REVIEWED
            accounts.create_organisation(SYSTEM, code, name, type_, workers, reviewed)
    for email, role, org in DEMO_USERS:
        try:
            accounts.find_user(email)
        except DomainError:
            accounts.create_user(SYSTEM, email, DEMO_PASSWORD, role, org)
    db.session.commit()
    from library import demo_media

    made = demo_media.build(
        DEMO_DIR / "made.json", Path(current_app.instance_path) / "demo-made", say=click.echo
    )
    created = skipped = rejected = 0
    for manifest in (DEMO_DIR / "manifest.jsonl", made):
        report = _run_import(SYSTEM, manifest, None, dry_run=False)
        created, skipped = created + report.created, skipped + report.skipped
        rejected += len(report.rejected)
        for number, reason in report.rejected:
            click.echo(f"  {manifest.name}, dòng {number}: {reason}", err=True)
    click.echo(f"Tài liệu mẫu: đã nhập {created}, đã có {skipped}, từ chối {rejected}")
    # Imported by the editor, as an editor would submit them: they wait for the reviewer.
    waiting = _run_import(accounts.find_user(DEMO_EDITOR), DEMO_DIR / "waiting.jsonl", None, False)
    click.echo(f"Tài liệu mẫu chờ duyệt: đã nhập {waiting.created}, đã có {waiting.skipped}")
    click.echo(f"Bộ sưu tập mẫu: {sharing_demo.seed()}")
    click.echo(
        f"Tài khoản mẫu (mật khẩu {DEMO_PASSWORD}): "
        + ", ".join(f"{e} ({r})" for e, r, _ in DEMO_USERS)
    )
    if with_activity:
        _seed_activity()
    current_app.logger.info("demo content loaded")


def _seed_activity() -> None:
    """The demo's six months of use, so the dashboards have figures (never into real ones)."""
    from library.metrics import demo as metrics_demo
    from library.models.base import utcnow
    from library.tracking.services import local_time

    if metrics_demo.has_usage():
        click.echo("Hoạt động mẫu: thư viện đã có số liệu sử dụng, không thêm gì.")
        return
    with click.progressbar(
        length=2 * metrics_demo.DAYS, label="Tạo hoạt động mẫu", file=sys.stderr
    ) as bar:
        added = metrics_demo.seed_activity(local_time(utcnow()).date(), progress=bar.update)
    db.session.commit()
    if not added["added"]:
        click.echo("Hoạt động mẫu: không có tài liệu mẫu đã xuất bản, không thêm gì.")
        return
    click.echo(
        f"Hoạt động mẫu: {added['events']} sự kiện từ {added['first_day']:%d/%m/%Y} đến "
        f"{added['last_day']:%d/%m/%Y}, {added['robot_hits']} lượt máy tự động (tính riêng), "
        f"{added['sessions']} buổi sinh hoạt trực tiếp, tổng số lao động {added['workforce']}."
    )
