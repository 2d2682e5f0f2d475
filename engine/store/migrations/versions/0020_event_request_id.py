"""Events carry the id of the request (or command run) that appended them, as the log
lines of that request do: an operator goes from an event to its logs and back.

Not hashed, and older events have none (NULL): every hash stays as it was. Plain ADD
COLUMN (no table rebuild), so the append-only triggers on events stay.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("request_id", sa.String(64), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35, PostgreSQL): a batch rebuild would drop the triggers.
    op.execute("ALTER TABLE events DROP COLUMN request_id")
