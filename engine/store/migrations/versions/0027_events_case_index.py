"""Drop ``ix_events_case_id``: the unique constraint on ``(case_id, seq)`` is an index
that begins with ``case_id`` and answers every query by case, so the second index only
cost a write with every event appended (and its pages in every commit).

Revision ID: 0027
Revises: 0026
"""

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_events_case_id", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_case_id", "events", ["case_id"])
