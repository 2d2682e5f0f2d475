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
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("assessment_unit", sa.String(64), nullable=True))
        batch.add_column(sa.Column("assessment_since", UTCDateTime(), nullable=True))
        batch.create_index("ix_cases_assessment_unit", ["assessment_unit"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_assessment_unit")
        batch.drop_column("assessment_since")
        batch.drop_column("assessment_unit")
