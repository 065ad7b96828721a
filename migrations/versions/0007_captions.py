"""Captions of a video or an audio, on a material and on an edit waiting for review

Revision ID: 0007_captions
Revises: 0007_editors
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_captions'
down_revision = '0007_editors'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('materials', 'pending_revisions'):
        if op.get_bind().dialect.name == 'sqlite':
            # A plain ADD COLUMN with its reference inline: SQLite cannot add a constraint
            # later, and rebuilding the tables would trip over what refers to them.
            op.execute(f'ALTER TABLE {table} ADD COLUMN captions_file_id INTEGER '
                       f'REFERENCES stored_files (id)')
        else:
            op.add_column(table, sa.Column('captions_file_id', sa.Integer(), nullable=True))
            op.create_foreign_key(f'fk_{table}_captions_file_id_stored_files', table, 'stored_files',
                                  ['captions_file_id'], ['id'])
    op.create_index('ix_materials_captions_file_id', 'materials', ['captions_file_id'])


def downgrade():
    op.drop_index('ix_materials_captions_file_id', table_name='materials')
    for table in ('pending_revisions', 'materials'):
        op.drop_column(table, 'captions_file_id')
