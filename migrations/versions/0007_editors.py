"""A material's scheduled publication time

Revision ID: 0007_editors
Revises: 0007_admin
Create Date: 2026-12-03 15:10:00

"""
from alembic import op
import sqlalchemy as sa

import library.models.base


# revision identifiers, used by Alembic.
revision = '0007_editors'
down_revision = '0007_admin'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'materials',
        sa.Column('publish_at', library.models.base.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index(op.f('ix_materials_publish_at'), 'materials', ['publish_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_materials_publish_at'), table_name='materials')
    op.drop_column('materials', 'publish_at')
