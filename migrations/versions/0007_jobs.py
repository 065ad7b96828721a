"""Media jobs done after an upload, and the light renditions of videos and audio

Revision ID: 0007_jobs
Revises: 0007_captions
Create Date: 2026-12-03 15:30:00

"""
from alembic import op
import sqlalchemy as sa

import library.models.base


# revision identifiers, used by Alembic.
revision = '0007_jobs'
down_revision = '0007_captions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'media_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=40), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('created_at', library.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', library.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('file_id', 'kind'),
    )
    with op.batch_alter_table('media_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_media_jobs_status'), ['status'], unique=False)
    op.create_table(
        'renditions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=20), nullable=False),
        sa.Column('mime_type', sa.String(length=80), nullable=False),
        sa.Column('extension', sa.String(length=10), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('width', sa.Integer(), nullable=True),
        sa.Column('height', sa.Integer(), nullable=True),
        sa.Column('bitrate', sa.Integer(), nullable=False),
        sa.Column('created_at', library.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('file_id', 'name'),
    )


def downgrade():
    op.drop_table('renditions')
    with op.batch_alter_table('media_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_media_jobs_status'))
    op.drop_table('media_jobs')
