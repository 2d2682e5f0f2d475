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
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 5000
# The columns as this revision defines them, frozen here: a later change to the live
# derivation (engine/store/events.py) or to the table model must not change what this
# migration writes on an old database.
LENGTHS = {"task_id": 36, "message_name": 100, "intake_decision": 40}


def derived_columns(event_type: str, payload: Mapping[str, Any]) -> dict[str, str | None]:
    """What ``engine.store.events.derived_columns`` gave when this revision was written."""
    data = payload.get("data") if event_type == "task_completed" else None
    found = {
        "task_id": payload.get("task_id"),
        "message_name": payload.get("name") if event_type == "message_received" else None,
        "intake_decision": data.get("intake_decision") if isinstance(data, Mapping) else None,
    }
    return {
        name: value if isinstance(value, str) and len(value) <= LENGTHS[name] else None
        for name, value in found.items()
    }

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
