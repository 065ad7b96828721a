"""64-bit event ids on PostgreSQL

Revision ID: 0005_event_ids_bigint
Revises: 0004_sharing
Create Date: 2026-11-22 22:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_event_ids_bigint'
down_revision = '0004_sharing'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite's INTEGER PRIMARY KEY is already 64-bit: nothing to do there.
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.alter_column('events', 'id', type_=sa.BigInteger(), existing_type=sa.Integer(),
                    existing_nullable=False)
    op.execute('ALTER SEQUENCE IF EXISTS events_id_seq AS bigint')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('ALTER SEQUENCE IF EXISTS events_id_seq AS integer')
    op.alter_column('events', 'id', type_=sa.Integer(), existing_type=sa.BigInteger(),
                    existing_nullable=False)
