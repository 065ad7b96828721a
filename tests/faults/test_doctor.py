"""`flask doctor` finds what is wrong, repairs what it can and fails on what it cannot."""

import shutil
from pathlib import Path

from sqlalchemy import update

from library.extensions import db
from library.models import Material
from library.search.backends import get_backend
from library.storage import get_storage

from .faults_support import CONSISTENT, consistency, library_with_files


def test_a_healthy_library_passes(app, runner, make_material):
    library_with_files(make_material, 1)
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "Mọi thứ nhất quán" in result.output
    assert "PROBLEM" not in result.output


def test_index_missing_or_out_of_step_is_rebuilt(app, runner, make_material):
    made = library_with_files(make_material, 1)
    # A title changed behind the index's back, and a draft that slipped into it.
    db.session.execute(update(Material).where(Material.id == made[0].id).values(title="Đổi tên"))
    db.session.commit()
    get_backend().index([{"id": 99999, "title": "Bản nháp lạc vào chỉ mục"}])
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "1 not published (99999)" in result.output
    assert f"1 outdated ({made[0].id})" in result.output
    assert "index rebuilt" in result.output
    assert consistency(app) == CONSISTENT
    # Then the whole index folder is gone.
    get_backend().close()
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert consistency(app) == CONSISTENT


def test_orphan_files_quarantined_thumbnails_remade_stale_uploads_deleted(
    app, runner, make_material
):
    library_with_files(make_material, 1)
    root = Path(app.config["UPLOAD_FOLDER"])
    orphan = root / "ab" / ("ab" + "0" * 62 + ".pdf")
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"%PDF-1.4 left by a crash")
    (root / "tmp").mkdir(exist_ok=True)
    (root / "tmp" / "upload-crashed").write_bytes(b"half an upload")
    thumbs = [p for p in (root / "derived").rglob("list.webp")]
    assert thumbs
    thumbs[0].unlink()
    # Young files are left alone by default (an upload may still be saving them)...
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert orphan.exists()
    # ...and handled once they are old enough.
    result = runner.invoke(args=["doctor", "--grace-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert not orphan.exists()
    quarantined = list((root / "quarantine").rglob(orphan.name))
    assert len(quarantined) == 1 and quarantined[0].read_bytes() == b"%PDF-1.4 left by a crash"
    assert thumbs[0].is_file()
    assert consistency(app) == CONSISTENT


def test_a_lost_file_is_reported_and_fails_the_exit_code(app, runner, make_material):
    made = library_with_files(make_material, 1)
    poster = made[0]
    storage = get_storage()
    storage.path(storage.key_for(poster.file.sha256, poster.file.extension)).unlink()
    leaflet = made[1]
    path = storage.path(storage.key_for(leaflet.file.sha256, leaflet.file.extension))
    path.write_bytes(path.read_bytes() + b"tampered")
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1, result.output
    assert f"materials [{poster.id}] is missing" in result.output
    assert f"materials [{leaflet.id}] is altered" in result.output
    assert "Còn 2 vấn đề" in result.output
    check = runner.invoke(args=["doctor", "--check-only"])
    assert check.exit_code == 1
