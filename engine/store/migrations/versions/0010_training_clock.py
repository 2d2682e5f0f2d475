"""Training and demo databases: the flag and the clock's offset (``database_settings``,
at most one row), and the offset each event was written with (``events.clock_offset``,
hashed when set, so the events written before keep their hashes).

Plain ADD COLUMN (no table rebuild), so the append-only triggers on events stay.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from engine.store.tables import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("clock_offset", sa.BigInteger(), nullable=True))
    op.create_table(
        "database_settings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("clock_offset", sa.BigInteger(), nullable=False),
        sa.Column("flagged_at", UTCDateTime(), nullable=False),
        sa.Column("flagged_by", sa.String(100), nullable=False),
        sa.Column("advanced_at", UTCDateTime(), nullable=True),
        sa.Column("advanced_by", sa.String(100), nullable=True),
        sa.CheckConstraint("id = 1", name="ck_database_settings_one_row"),
    )


def downgrade() -> None:
    # Events written on a training clock hash their offset: without the column they would
    # no longer verify. Such a database stays at 0010 (a training database is never real).
    written = op.get_bind().execute(
        sa.text("SELECT COUNT(*) FROM events WHERE clock_offset IS NOT NULL")
    ).scalar()
    if written:
        raise RuntimeError(
            f"本数据库有 {written} 个事件按培训时钟记录（clock_offset 计入哈希），"
            "降级到 0009 会使其无法校验；培训或演示库不能降级"
        )
    op.drop_table("database_settings")
    # Plain DROP COLUMN (SQLite >= 3.35, PostgreSQL): a batch rebuild would drop the triggers.
    op.execute("ALTER TABLE events DROP COLUMN clock_offset")
