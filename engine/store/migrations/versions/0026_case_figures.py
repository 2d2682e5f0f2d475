"""What each case contributes to the supervision figures (``case_figures``), kept with
every change, so that a period's figures are summed by the database. Created empty: the
engine fills the rows of the cases that have none when it starts (``engine.stats.facts``;
it needs the working calendar), and ``daiban stats --rebuild`` computes them all again.

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

from engine.store.tables import UTCDateTime

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_figures",
        sa.Column(
            "case_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("cases.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("org_unit", sa.String(64), nullable=True),
        sa.Column("village", sa.String(64), nullable=True),
        sa.Column("item_code", sa.String(100), nullable=True),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("proxy", sa.Boolean(), nullable=False),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("on_the_spot", sa.Boolean(), nullable=False),
        sa.Column("returned", sa.Boolean(), nullable=False),
        sa.Column("concluded_at", UTCDateTime(), nullable=True),
        sa.Column("supplemented", sa.Boolean(), nullable=False),
        sa.Column("first_time_right", sa.Boolean(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("completed_vs_due", sa.Integer(), nullable=True),
        sa.Column("handling_days", sa.Integer(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("due_end", UTCDateTime(), nullable=True),
        sa.Column("handed_at", UTCDateTime(), nullable=True),
        sa.Column("holding_days", sa.Integer(), nullable=True),
        sa.Column("handover_on_time", sa.Boolean(), nullable=False),
        sa.Column("rectified_at", UTCDateTime(), nullable=True),
        sa.Column("rectify_due_at", UTCDateTime(), nullable=True),
        sa.Column("intake", sa.Boolean(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=True),
        sa.Column("handed_over_at", UTCDateTime(), nullable=True),
        sa.Column("handover_due_at", UTCDateTime(), nullable=True),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.Column("rated_at", UTCDateTime(), nullable=True),
        sa.Column("rating_kind", sa.String(16), nullable=True),
        sa.Column("rating_level", sa.String(32), nullable=True),
        sa.Column("several_ratings", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_case_figures_closed_at", "case_figures", ["closed_at"])
    op.create_index("ix_case_figures_created_at", "case_figures", ["created_at"])
    op.create_index(
        "ix_case_figures_several",
        "case_figures",
        ["case_id"],
        postgresql_where=sa.text("several_ratings"),
        sqlite_where=sa.text("several_ratings"),
    )
    op.create_table(
        "figure_days",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("org_unit", sa.String(64), nullable=False),
        sa.Column("village", sa.String(64), nullable=False),
        sa.Column("item_code", sa.String(100), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("steps_done", sa.Integer(), nullable=False),
        sa.Column("steps_late", sa.Integer(), nullable=False),
        sa.Column("yellow_warnings", sa.Integer(), nullable=False),
        sa.Column("red_warnings", sa.Integer(), nullable=False),
        sa.UniqueConstraint(
            "day", "org_unit", "village", "item_code", "department", name="uq_figure_days_key"
        ),
    )
    op.create_table(
        "late_steps",
        sa.Column("task_id", sa.String(36), primary_key=True),
        sa.Column(
            "case_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("cases.id"),
            nullable=False,
        ),
        sa.Column("overdue_from", sa.Date(), nullable=False),
        sa.Column("overdue_to", sa.Date(), nullable=False),
    )
    op.create_index("ix_late_steps_case_id", "late_steps", ["case_id"])
    op.create_index("ix_late_steps_overdue_to", "late_steps", ["overdue_to"])
    # The steps open now past their due time (the figures' step overdue, the warnings).
    op.create_index(
        "ix_ready_tasks_open_due",
        "ready_tasks",
        ["due_at"],
        postgresql_where=sa.text("closed_seq IS NULL"),
        sqlite_where=sa.text("closed_seq IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_ready_tasks_open_due", table_name="ready_tasks")
    op.drop_table("late_steps")
    op.drop_table("figure_days")
    op.drop_table("case_figures")
