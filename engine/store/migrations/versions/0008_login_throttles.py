"""Failed-login counters per (account, address) pair, per address and per account; the
per-user count and lock of 0005 are replaced by them and dropped.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from engine.store.tables import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("user_id", sa.String(100), nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("reset_at", UTCDateTime(), nullable=False),
        sa.Column("last_success_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_login_throttles_user_id", "login_throttles", ["user_id"])
    op.create_index("ix_login_throttles_reset_at", "login_throttles", ["reset_at"])
    # user_passwords has no triggers, so SQLite's batch rebuild loses nothing.
    with op.batch_alter_table("user_passwords") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")


def downgrade() -> None:
    with op.batch_alter_table("user_passwords") as batch:
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", UTCDateTime(), nullable=True))
    op.drop_table("login_throttles")
