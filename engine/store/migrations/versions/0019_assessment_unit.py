"""残疾评定定点医院: the designated hospital that assesses a 残疾人证 case, and when its
assessment task first opened (its doctors see the case from then on).

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

from engine.store.tables import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of ``cases``: other tables' foreign keys point at it)
    op.add_column("cases", sa.Column("assessment_unit", sa.String(64), nullable=True))
    op.add_column("cases", sa.Column("assessment_since", UTCDateTime(), nullable=True))
    op.create_index("ix_cases_assessment_unit", "cases", ["assessment_unit"])


def downgrade() -> None:
    op.drop_index("ix_cases_assessment_unit", "cases")
    # Plain DROP COLUMN (SQLite >= 3.35, PostgreSQL), as 0009–0011 do.
    for column in ("assessment_since", "assessment_unit"):
        op.execute(f"ALTER TABLE cases DROP COLUMN {column}")
