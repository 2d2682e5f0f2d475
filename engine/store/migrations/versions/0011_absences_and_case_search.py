"""The absence register (离岗登记, table ``absences``) and what the case list searches by
(办件查询): the applicant's name and the last six characters of the applicant's ID number
on ``cases``, indexed, filled for the cases registered before from their ``case_started``
event (the start data the case keeps in its hash-chained history).

Plain ADD COLUMN on ``cases`` (no table rebuild; ``events`` is not touched, so its
append-only triggers and hashes stay). Taking it back drops the register with its rows
and the two columns (they are derived, and filled again by the next upgrade).

Revision ID: 0011
Revises: 0010
"""

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from alembic import op

from engine.store.tables import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 1000
# The rule as this revision defines it, frozen here: a later change to the live rule
# (engine.records.cases.applicant_keys) must not change what this migration writes.
NAME_LENGTH, TAIL_LENGTH = 100, 6
STARTS = sa.text(
    "SELECT case_id, payload FROM events WHERE seq = 1 AND type = 'case_started'"
    " AND case_id > :after ORDER BY case_id LIMIT :batch"
)
FILL = sa.text("UPDATE cases SET applicant_name = :name, applicant_id_tail = :tail WHERE id = :id")


def applicant_keys(payload: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The applicant's name and ID number's last characters from a start event's payload."""
    data = payload.get("data")
    applicant = data.get("applicant") if isinstance(data, Mapping) else None
    if not isinstance(applicant, Mapping):
        return None, None
    name, number = applicant.get("name"), applicant.get("id_number")
    name = name.strip()[:NAME_LENGTH] if isinstance(name, str) else ""
    tail = number.strip().upper()[-TAIL_LENGTH:] if isinstance(number, str) else ""
    return name or None, tail or None


def upgrade() -> None:
    op.create_table(
        "absences",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("user_id", sa.String(100), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_by", sa.String(100), nullable=True),
        sa.CheckConstraint("first_day <= last_day", name="ck_absences_period"),
    )
    op.create_index("ix_absences_user_id", "absences", ["user_id"])
    op.create_index("ix_absences_last_day", "absences", ["last_day"])
    op.add_column("cases", sa.Column("applicant_name", sa.String(100), nullable=True))
    op.add_column("cases", sa.Column("applicant_id_tail", sa.String(6), nullable=True))
    op.create_index("ix_cases_applicant_name", "cases", ["applicant_name"])
    op.create_index("ix_cases_applicant_id_tail", "cases", ["applicant_id_tail"])
    connection = op.get_bind()
    after = 0
    while True:
        rows = connection.execute(STARTS, {"after": after, "batch": BATCH}).all()
        if not rows:
            break
        filled = []
        for row in rows:
            name, tail = applicant_keys(json.loads(row.payload))
            if name is not None or tail is not None:
                filled.append({"id": row.case_id, "name": name, "tail": tail})
        if filled:
            connection.execute(FILL, filled)
        after = rows[-1].case_id


def downgrade() -> None:
    op.drop_index("ix_cases_applicant_id_tail", "cases")
    op.drop_index("ix_cases_applicant_name", "cases")
    # Plain DROP COLUMN (SQLite >= 3.35, PostgreSQL), as 0009 and 0010 do.
    for column in ("applicant_id_tail", "applicant_name"):
        op.execute(f"ALTER TABLE cases DROP COLUMN {column}")
    op.drop_index("ix_absences_last_day", "absences")
    op.drop_index("ix_absences_user_id", "absences")
    op.drop_table("absences")
