"""Events record the role and org unit the actor acted in (hashed when present).

Plain ADD COLUMN (no table rebuild), so the append-only triggers on events stay.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("actor_role", sa.String(40), nullable=True))
    op.add_column("events", sa.Column("actor_unit", sa.String(40), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35, PostgreSQL): a batch rebuild would drop the triggers.
    op.execute("ALTER TABLE events DROP COLUMN actor_unit")
    op.execute("ALTER TABLE events DROP COLUMN actor_role")
