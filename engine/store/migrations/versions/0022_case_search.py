"""办件查询 at a million cases: the last four digits of the applicant's phone on ``cases``
(filled for the cases registered before from their ``case_started`` event), and the
indexes the searches of the case list use on PostgreSQL (figures: docs/benchmarks.md):

- ``ix_cases_applicant_phone_tail``: the phone's last four digits (equality);
- ``ix_cases_created_at``: the registration dates (from/to);
- ``ix_cases_org_unit_id``, ``ix_cases_registered_unit_id``, ``ix_cases_village_id``:
  a township's or village's cases newest first (the scope and ``ORDER BY id DESC``);
- PostgreSQL only (``pg_trgm``, a trusted extension since PostgreSQL 13):
  ``ix_cases_applicant_name_trgm`` (GIN on ``lower(applicant_name)``) for a part of the
  name, ``ix_cases_applicant_id_tail_trgm`` (GIN on ``applicant_id_tail``) for the ID
  number's last 4–5 characters (``LIKE '%tail'``, which no B-tree serves). SQLite keeps
  scanning for those two (a county's SQLite database holds few cases).

Plain ADD COLUMN (no table rebuild; ``events`` is not touched). Taking it back drops the
indexes and the column (derived, filled again by the next upgrade); the extension stays.

Revision ID: 0022
Revises: 0021
"""

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

BATCH = 1000
# The rule as this revision defines it, frozen here: a later change to the live rule
# (engine.records.cases.applicant_phone_tail) must not change what this migration writes.
TAIL_LENGTH = 4
STARTS = sa.text(
    "SELECT case_id, payload FROM events WHERE seq = 1 AND type = 'case_started'"
    " AND case_id > :after ORDER BY case_id LIMIT :batch"
)
FILL = sa.text("UPDATE cases SET applicant_phone_tail = :tail WHERE id = :id")
ORDERED = {
    "ix_cases_created_at": ["created_at"],
    "ix_cases_org_unit_id": ["org_unit", "id"],
    "ix_cases_registered_unit_id": ["registered_unit", "id"],
    "ix_cases_village_id": ["village", "id"],
}

TRIGRAMS = {
    "ix_cases_applicant_name_trgm": "lower(applicant_name)",
    "ix_cases_applicant_id_tail_trgm": "applicant_id_tail",
}


def phone_tail(payload: Mapping[str, Any]) -> str | None:
    """The last digits of the applicant's phone from a start event's payload."""
    data = payload.get("data")
    applicant = data.get("applicant") if isinstance(data, Mapping) else None
    phone = applicant.get("phone") if isinstance(applicant, Mapping) else None
    digits = "".join(ch for ch in phone if "0" <= ch <= "9") if isinstance(phone, str) else ""
    return digits[-TAIL_LENGTH:] if len(digits) >= TAIL_LENGTH else None


def batches(connection: sa.Connection) -> Iterator[Sequence[sa.Row[Any]]]:
    """The first events of the cases, ``BATCH`` at a time in case order."""
    rows = connection.execute(STARTS, {"after": 0, "batch": BATCH}).all()
    while rows:
        yield rows
        rows = connection.execute(STARTS, {"after": rows[-1].case_id, "batch": BATCH}).all()


def upgrade() -> None:
    op.add_column("cases", sa.Column("applicant_phone_tail", sa.String(4), nullable=True))
    connection = op.get_bind()
    for rows in batches(connection):
        tails = [(row.case_id, phone_tail(json.loads(row.payload))) for row in rows]
        filled = [{"id": case_id, "tail": tail} for case_id, tail in tails if tail is not None]
        if filled:
            connection.execute(FILL, filled)
    op.create_index("ix_cases_applicant_phone_tail", "cases", ["applicant_phone_tail"])
    for name, columns in ORDERED.items():
        op.create_index(name, "cases", columns)
    if connection.dialect.name == "postgresql":
        # One pg_trgm per database, in ``public`` (whatever schema the tables are in), its
        # operator class named with its schema: the tables' schema need not be on a path
        # that holds the extension.
        # Two databases' migrations (or two test schemas') at once would both try to create
        # it, and the loser fails on the catalogue's unique index: one at a time.
        op.execute("SELECT pg_advisory_xact_lock(hashtext('daiban:create extension pg_trgm'))")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        found = "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
        schema = connection.execute(sa.text(found)).scalar_one()
        for name, expression in TRIGRAMS.items():
            op.create_index(
                name,
                "cases",
                [sa.text(f"{expression} {schema}.gin_trgm_ops")],
                postgresql_using="gin",
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in reversed(TRIGRAMS):
            op.drop_index(name, "cases")
    for name in reversed(ORDERED):
        op.drop_index(name, "cases")
    op.drop_index("ix_cases_applicant_phone_tail", "cases")
    op.execute("ALTER TABLE cases DROP COLUMN applicant_phone_tail")
