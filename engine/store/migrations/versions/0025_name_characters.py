"""A part of an applicant's name shorter than three characters (a surname, a given name
of one or two characters) found by an index on PostgreSQL: ``pg_trgm`` (migration 0022)
needs three characters, so such a search read the whole table until it had enough
matches. A GIN index on the name's characters (``string_to_array(lower(name), NULL)``)
gives the rows holding them; the LIKE beside it keeps their order exact. SQLite keeps
its LIKE alone.

Revision ID: 0025
Revises: 0024
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

NAME = "ix_cases_applicant_name_chars"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX {NAME} ON cases USING gin "
            "(string_to_array(lower(applicant_name::text), NULL))"
        )
        # The expression's statistics now (which characters are common): without them
        # the planner takes a common surname for a rare one and sorts every match of it
        # for a page it would find first by walking the cases backwards.
        op.execute("ANALYZE cases")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(NAME, "cases")
