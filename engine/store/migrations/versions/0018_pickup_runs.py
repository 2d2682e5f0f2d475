"""Scheduled pickup and delivery runs (定期取件/定期送件, table ``pickup_runs``): one row
per mobile agent and day, with the cases the run gathered (``engine.runs``).

Revision ID: 0018
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

from engine.store.tables import UTCDateTime

revision = "0018"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pickup_runs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("agent", sa.String(100), nullable=False),
        sa.Column("township", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("cases", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("completed_by", sa.String(100), nullable=True),
        sa.UniqueConstraint("agent", "day", name="uq_pickup_runs_agent_day"),
    )
    op.create_index("ix_pickup_runs_township", "pickup_runs", ["township"])
    op.create_index("ix_pickup_runs_day", "pickup_runs", ["day"])


def downgrade() -> None:
    op.drop_index("ix_pickup_runs_day", table_name="pickup_runs")
    op.drop_index("ix_pickup_runs_township", table_name="pickup_runs")
    op.drop_table("pickup_runs")
