"""The figures of a period read only that period's rows: the cases alive in it (registered
before its end, not closed before its start) through indexes on ``created_at`` (made by
0022 for the case search) and ``closed_at``, and the period's events of a type (the
warnings) through one on (``type``, ``at``) — not every task and event of the county's
history.

Revision ID: 0023
Revises: 0022
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_closed_at", "cases", ["closed_at"])
    op.create_index("ix_events_type_at", "events", ["type", "at"])


def downgrade() -> None:
    op.drop_index("ix_events_type_at", "events")
    op.drop_index("ix_cases_closed_at", "cases")
