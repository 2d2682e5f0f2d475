"""The resident's one-time rating links (好差评邀请, table ``rating_invitations``): one
row per case that waits or waited for its rating, looked up by the SHA-256 of the link's
token; the token itself is kept until the link is used. Taking it back drops the links
(residents holding one can then no longer rate; the ratings themselves are events).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from engine.store.tables import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rating_invitations",
        sa.Column(
            "case_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("cases.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("token", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("used_seq", sa.Integer(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("rating_invitations")
