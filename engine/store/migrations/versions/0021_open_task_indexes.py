"""The work queue reads open tasks only: partial indexes on ``ready_tasks`` that hold the
open rows alone — unclaimed tasks by post (lane, org unit) and claimed tasks by holder,
each in due order — so a queue costs what is open, not the township's whole task history
(closed rows stay in the table: a racing caller learns a task was closed, 409, not 404).

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

UNCLAIMED = "closed_seq IS NULL AND claimed_by IS NULL"
HELD = "closed_seq IS NULL AND claimed_by IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_ready_tasks_open_post",
        "ready_tasks",
        ["lane", "org_unit", "due_at"],
        postgresql_where=sa.text(UNCLAIMED),
        sqlite_where=sa.text(UNCLAIMED),
    )
    op.create_index(
        "ix_ready_tasks_open_holder",
        "ready_tasks",
        ["claimed_by", "due_at"],
        postgresql_where=sa.text(HELD),
        sqlite_where=sa.text(HELD),
    )


def downgrade() -> None:
    op.drop_index("ix_ready_tasks_open_holder", "ready_tasks")
    op.drop_index("ix_ready_tasks_open_post", "ready_tasks")
