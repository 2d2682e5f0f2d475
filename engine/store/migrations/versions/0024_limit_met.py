"""The case's limit met (``engine.periods.meet``): when an enforcement case's decision was
made (《行政处罚法》第六十条), so that its warnings stop and the figures count it done by
then. Filled from the cases' ``limit_met`` events, so a database taken back and migrated
again has the same values.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

from engine.store.tables import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of ``cases``: other tables' foreign keys point at it)
    op.add_column("cases", sa.Column("limit_met_at", UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE cases SET limit_met_at = (SELECT min(events.at) FROM events "
        "WHERE events.case_id = cases.id AND events.type = 'limit_met') "
        "WHERE EXISTS (SELECT 1 FROM events "
        "WHERE events.case_id = cases.id AND events.type = 'limit_met')"
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35, PostgreSQL), as 0009–0011 do.
    op.execute("ALTER TABLE cases DROP COLUMN limit_met_at")
