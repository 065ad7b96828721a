"""Who withdrew a material; edits of published materials waiting for review

Revision ID: 0006_pending_revisions
Revises: 0005_event_ids_bigint
Create Date: 2026-12-03 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import library.models.base


# revision identifiers, used by Alembic.
revision = '0006_pending_revisions'
down_revision = '0006_stored_file_hash'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (SQLite too): rebuilding the table would trip over what refers to it.
    op.add_column('materials', sa.Column('withdrawn_by_admin', sa.Boolean(), nullable=False,
                                         server_default=sa.false()))
    # Materials already withdrawn: an administrator's (or the command line's) withdrawal in the
    # audit trail keeps them for administrators to restore.
    op.execute(
        "UPDATE materials SET withdrawn_by_admin = true WHERE status = 'withdrawn' AND id IN ("
        " SELECT a.object_id FROM audit_entries a LEFT JOIN users u ON u.id = a.user_id"
        " WHERE a.object_type = 'material' AND a.action = 'withdraw'"
        " AND (a.user_id IS NULL OR u.role = 'admin'))"
    )
    op.create_table(
        'pending_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('material_id', sa.Integer(), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('review_comment', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', library.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['material_id'], ['materials.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['file_id'], ['stored_files.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('material_id'),
    )


def downgrade():
    op.drop_table('pending_revisions')
    op.drop_column('materials', 'withdrawn_by_admin')
