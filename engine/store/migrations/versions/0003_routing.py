"""Case numbers and routing: village, department, registering unit, county hand-over time.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from engine.store.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("case_number", sa.String(40), nullable=True))
        batch.add_column(sa.Column("village", sa.String(64), nullable=True))
        batch.add_column(sa.Column("department", sa.String(64), nullable=True))
        batch.add_column(sa.Column("registered_unit", sa.String(64), nullable=True))
        batch.add_column(sa.Column("county_since", UTCDateTime(), nullable=True))
        batch.create_index("ix_cases_case_number", ["case_number"], unique=True)
        batch.create_index("ix_cases_village", ["village"])
        batch.create_index("ix_cases_department", ["department"])
        batch.create_index("ix_cases_registered_unit", ["registered_unit"])
    op.create_table(
        "case_counters",
        sa.Column("region", sa.String(12), primary_key=True),
        sa.Column("day", sa.String(8), primary_key=True),
        sa.Column("last", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("case_counters")
    with op.batch_alter_table("cases") as batch:
        for index in ("ix_cases_case_number", "ix_cases_village", "ix_cases_department", "ix_cases_registered_unit"):
            batch.drop_index(index)
        for column in ("case_number", "village", "department", "registered_unit", "county_since"):
            batch.drop_column(column)
