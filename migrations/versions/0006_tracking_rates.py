"""tracking: rate windows of visitors and networks (faster than people are: robots)

Revision ID: 0006_tracking_rates
Revises: 0005_event_ids_bigint
Create Date: 2026-12-03 12:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_tracking_rates"
down_revision = "0006_pending_revisions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rate_windows",
        sa.Column("key", sa.String(length=48), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("ends_ms", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "seconds", name=op.f("pk_rate_windows")),
    )
    with op.batch_alter_table("rate_windows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_windows_ends_ms"), ["ends_ms"], unique=False)


def downgrade():
    with op.batch_alter_table("rate_windows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_windows_ends_ms"))
    op.drop_table("rate_windows")
