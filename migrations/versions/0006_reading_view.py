"""A PDF's reading view kept beside its text

Revision ID: 0006_reading_view
Revises: 0005_event_ids_bigint
Create Date: 2026-12-03 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_reading_view'
down_revision = '0006_session_tokens'
branch_labels = None
depends_on = None


def upgrade():
    # Left empty for files already kept: the material page makes it on first view, and
    # `flask reading-views` makes all of them at once.
    op.add_column('stored_files', sa.Column('reading', sa.JSON(), nullable=True))


def downgrade():
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy of the table would be
    # refused, materials referring to it with foreign keys enforced.
    op.drop_column('stored_files', 'reading')
