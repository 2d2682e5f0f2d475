"""Events carry the task, message name and intake decision their payload names, as
columns the figures and warnings select on (instead of substrings of the JSON).

Plain ADD COLUMN (no table rebuild), so the append-only triggers on events stay. The
columns are derived from the payload, not hashed, so filling them in for the events
written before leaves every hash as it was: the triggers that refuse UPDATE are lifted
for that one backfill, inside this migration's transaction, and restored before it ends.

Revision ID: 0009
Revises: 0008
"""

import json

import sqlalchemy as sa
from alembic import op

from engine.store.events import derived_columns

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 5000
SQLITE_NO_UPDATE = (
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
)
# Only events of these types, or naming a task id somewhere, can carry a value.
CANDIDATES = sa.text(
    "SELECT id, type, payload FROM events WHERE id > :after"
    " AND (type IN ('message_received', 'task_completed') OR payload LIKE :names_task)"
    " ORDER BY id LIMIT :batch"
)
FILL = sa.text(
    "UPDATE events SET task_id = :task_id, message_name = :message_name,"
    " intake_decision = :intake_decision WHERE id = :id"
)


def upgrade() -> None:
    op.add_column("events", sa.Column("task_id", sa.String(36), nullable=True))
    op.add_column("events", sa.Column("message_name", sa.String(100), nullable=True))
    op.add_column("events", sa.Column("intake_decision", sa.String(40), nullable=True))
    op.create_index("ix_events_task_id", "events", ["task_id"])
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER events_no_update")
    else:
        op.execute("ALTER TABLE events DISABLE TRIGGER events_append_only")
    after = 0
    while True:
        rows = connection.execute(
            CANDIDATES, {"after": after, "batch": BATCH, "names_task": '%"task_id"%'}
        ).all()
        if not rows:
            break
        filled = []
        for row in rows:
            columns = derived_columns(row.type, json.loads(row.payload))
            if any(columns.values()):
                filled.append({"id": row.id, **columns})
        if filled:
            connection.execute(FILL, filled)
        after = rows[-1].id
    if sqlite:
        op.execute(SQLITE_NO_UPDATE)
    else:
        op.execute("ALTER TABLE events ENABLE TRIGGER events_append_only")


def downgrade() -> None:
    op.drop_index("ix_events_task_id", "events")
    # Plain DROP COLUMN (SQLite >= 3.35, PostgreSQL): a batch rebuild would drop the triggers.
    for column in ("intake_decision", "message_name", "task_id"):
        op.execute(f"ALTER TABLE events DROP COLUMN {column}")
