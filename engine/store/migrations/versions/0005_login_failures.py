"""Failed logins per user, and until when the user's password login is locked.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from engine.store.tables import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_passwords") as batch:
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_passwords") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
