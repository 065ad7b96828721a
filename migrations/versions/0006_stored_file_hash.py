"""the hash of a stored file's bytes, apart from the upload's

Revision ID: 0006_stored_file_hash
Revises: 0005_event_ids_bigint
Create Date: 2026-12-03 11:50:00

A file cleaned on upload (an image's metadata, a PDF's scripts removed) is kept under the hash
of the upload but holds other bytes. Existing rows get the hash of the file on disk; a file
missing from the upload folder keeps the upload's hash (`flask doctor` reports it missing).
"""

import hashlib
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = "0006_stored_file_hash"
down_revision = "0005_event_ids_bigint"
branch_labels = None
depends_on = None

CHUNK = 1024 * 1024


def _hash_on_disk(root: Path, sha256: str, extension: str) -> str:
    """The hash of the kept file (named as library.storage names it), else the upload's."""
    path = root / sha256[:2] / f"{sha256}.{extension}"
    if not path.is_file():
        return sha256
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def upgrade():
    # Added NOT NULL with a default in one step: SQLite cannot make a column NOT NULL later
    # without copying the table, which its foreign keys (materials.file_id) forbid once rows exist.
    op.add_column(
        "stored_files",
        sa.Column("stored_sha256", sa.String(length=64), nullable=False, server_default=""),
    )
    connection = op.get_bind()
    files = sa.table(
        "stored_files",
        sa.column("id", sa.Integer),
        sa.column("sha256", sa.String),
        sa.column("extension", sa.String),
        sa.column("stored_sha256", sa.String),
    )
    root = Path(current_app.config["UPLOAD_FOLDER"])
    rows = connection.execute(sa.select(files.c.id, files.c.sha256, files.c.extension)).all()
    for file_id, sha256, extension in rows:
        connection.execute(
            files.update()
            .where(files.c.id == file_id)
            .values(stored_sha256=_hash_on_disk(root, sha256, extension))
        )
    if connection.dialect.name == "postgresql":
        # Every new row names its hash; the default only served the rows above.
        op.alter_column("stored_files", "stored_sha256", server_default=None)


def downgrade():
    op.drop_column("stored_files", "stored_sha256")  # (SQLite 3.35+ drops a column in place)
