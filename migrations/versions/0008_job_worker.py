"""The worker process that took a media job

Revision ID: 0008_job_worker
Revises: 0007_jobs
Create Date: 2026-12-04 01:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_job_worker"
down_revision = "0007_jobs"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("media_jobs") as batch_op:
        batch_op.add_column(
            sa.Column("worker", sa.String(length=120), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("media_jobs") as batch_op:
        batch_op.drop_column("worker")
