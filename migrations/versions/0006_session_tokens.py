"""a session token per user (changed to end every session and remember-me cookie); rate limit counts shared by every worker

Revision ID: 0006_session_tokens
Revises: 0005_event_ids_bigint
Create Date: 2026-12-03 12:30:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_session_tokens'
down_revision = '0006_tracking_rates'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
    # Each existing account gets its own random token (sessions opened before end once).
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    bind = op.get_bind()
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(
            users.update().where(users.c.id == user_id).values(session_token=secrets.token_hex(16))
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)
    op.create_table('rate_limit_counts',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counts'))
    )
    with op.batch_alter_table('rate_limit_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_counts_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('rate_limit_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_counts_expires_at'))
    op.drop_table('rate_limit_counts')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_token')
