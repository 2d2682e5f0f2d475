"""The notice outbox (短信通知, table ``notices``): one row per notice to a resident,
written in the transaction of the event that causes it and worked through by the sender
(``daiban worker``). A new table only; taking it back drops it with its rows (notices
not sent by then are lost, which is why a downgrade is for development only).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from engine.store.tables import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column(
            "case_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("cases.id"),
            nullable=False,
        ),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("idempotency_id", sa.String(120), nullable=False, unique=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("phone_masked", sa.String(32), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_notices_case_id", "notices", ["case_id"])
    op.create_index("ix_notices_kind", "notices", ["kind"])
    op.create_index("ix_notices_due", "notices", ["state", "next_at"])


def downgrade() -> None:
    op.drop_index("ix_notices_due", "notices")
    op.drop_index("ix_notices_kind", "notices")
    op.drop_index("ix_notices_case_id", "notices")
    op.drop_table("notices")
