"""Closed tasks stay in the index with the event that closed them.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ready_tasks") as batch:
        batch.add_column(sa.Column("closed_seq", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ready_tasks") as batch:
        batch.drop_column("closed_seq")
