"""Initial schema: definitions, cases, ready tasks, append-only events.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from engine.store.tables import BigId, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
]
POSTGRES_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION daiban_events_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'events are append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
    "FOR EACH ROW EXECUTE FUNCTION daiban_events_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "definition_files",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("xml", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "process_versions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("process_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("deployed_at", UTCDateTime(), nullable=False),
        sa.Column("deployed_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("process_id", "version"),
    )
    op.create_index("ix_process_versions_process_id", "process_versions", ["process_id"])
    op.create_table(
        "cases",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("uid", sa.String(64), nullable=False, unique=True),
        sa.Column("process_id", sa.String(200), nullable=False),
        sa.Column(
            "definition_hash",
            sa.String(64),
            sa.ForeignKey("process_versions.hash"),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("snapshot", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("item_code", sa.String(100), nullable=True),
        sa.Column("org_unit", sa.String(64), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("next_timer_at", UTCDateTime(), nullable=True),
        sa.Column("has_incident", sa.Boolean(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True, unique=True),
    )
    for column in ("process_id", "status", "item_code", "org_unit", "next_timer_at"):
        op.create_index(f"ix_cases_{column}", "cases", [column])
    op.create_table(
        "ready_tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", BigId, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("spec_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("process_id", sa.String(200), nullable=False),
        sa.Column("lane", sa.String(200), nullable=True),
        sa.Column("org_unit", sa.String(64), nullable=True),
        sa.Column("created_seq", sa.Integer(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(100), nullable=True),
    )
    op.create_index("ix_ready_tasks_case_id", "ready_tasks", ["case_id"])
    op.create_index("ix_ready_tasks_lane_org", "ready_tasks", ["lane", "org_unit"])
    op.create_table(
        "events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_id", BigId, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("on_behalf_of", sa.String(200), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("state_digest", sa.String(64), nullable=True),
        sa.UniqueConstraint("case_id", "seq"),
    )
    op.create_index("ix_events_case_id", "events", ["case_id"])
    triggers = SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRES_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
        op.execute("DROP FUNCTION IF EXISTS daiban_events_append_only()")
    for table in ("events", "ready_tasks", "cases", "process_versions", "definition_files"):
        op.drop_table(table)
