"""Tables of the engine (SQLAlchemy 2 typed mappings)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
    null,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, on every backend (SQLite drops zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class DefinitionFileRow(Base):
    __tablename__ = "definition_files"
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(String(500))
    xml: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProcessVersionRow(Base):
    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_id", "version"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    files: Mapped[str] = mapped_column(Text)  # JSON list of [path, hash]
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deployed_by: Mapped[str] = mapped_column(String(100))


def postgresql_only(index: Index) -> Index:
    """An index only PostgreSQL has (its migration creates it there alone): SQLite's
    schema comparison leaves it out (``engine.store.repository.schema_differences``)."""
    index.info["postgresql_only"] = True
    return index.ddl_if(dialect="postgresql")


class CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_case_number", "case_number", unique=True),
        # 办件查询 (migration 0022): registration dates (the figures' periods too), a
        # township's or village's cases newest first, and the part of a name and the ID
        # number's last 4–5 characters (pg_trgm).
        Index("ix_cases_created_at", "created_at"),
        Index("ix_cases_org_unit_id", "org_unit", "id"),
        Index("ix_cases_registered_unit_id", "registered_unit", "id"),
        Index("ix_cases_village_id", "village", "id"),
        postgresql_only(
            Index(
                "ix_cases_applicant_name_trgm",
                func.lower(literal_column("applicant_name")).label("lower_name"),
                postgresql_using="gin",
                postgresql_ops={"lower_name": "gin_trgm_ops"},
            )
        ),
        postgresql_only(
            Index(
                "ix_cases_applicant_id_tail_trgm",
                "applicant_id_tail",
                postgresql_using="gin",
                postgresql_ops={"applicant_id_tail": "gin_trgm_ops"},
            )
        ),
        # The figures read the cases alive in a period (migration 0023).
        Index("ix_cases_closed_at", "closed_at"),
        # A part of a name shorter than pg_trgm's three characters (migration 0025).
        postgresql_only(
            Index(
                "ix_cases_applicant_name_chars",
                func.string_to_array(func.lower(literal_column("applicant_name")), null()),
                postgresql_using="gin",
            )
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    definition_hash: Mapped[str] = mapped_column(ForeignKey("process_versions.hash"))
    status: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    item_code: Mapped[str | None] = mapped_column(String(100), index=True)
    org_unit: Mapped[str | None] = mapped_column(String(64), index=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    has_incident: Mapped[bool] = mapped_column(Boolean, default=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    case_number: Mapped[str | None] = mapped_column(String(40))
    village: Mapped[str | None] = mapped_column(String(64), index=True)
    department: Mapped[str | None] = mapped_column(String(64), index=True)
    registered_unit: Mapped[str | None] = mapped_column(String(64), index=True)
    county_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # 残疾评定 (migration 0019): the designated hospital and when its assessment opened.
    assessment_unit: Mapped[str | None] = mapped_column(String(64), index=True)
    assessment_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The case's limit met (migration 0024): an enforcement case's decision.
    limit_met_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # 办件查询 (migration 0011): set when the case starts, from its applicant.
    applicant_name: Mapped[str | None] = mapped_column(String(100), index=True)
    applicant_id_tail: Mapped[str | None] = mapped_column(String(6), index=True)
    applicant_phone_tail: Mapped[str | None] = mapped_column(String(4), index=True)


_UNCLAIMED = "closed_seq IS NULL AND claimed_by IS NULL"
_HELD = "closed_seq IS NULL AND claimed_by IS NOT NULL"


class ReadyTaskRow(Base):
    __tablename__ = "ready_tasks"
    __table_args__ = (
        Index("ix_ready_tasks_lane_org", "lane", "org_unit"),
        # The work queue's (migration 0021): open rows only, in due order.
        Index(
            "ix_ready_tasks_open_post",
            "lane",
            "org_unit",
            "due_at",
            postgresql_where=text(_UNCLAIMED),
            sqlite_where=text(_UNCLAIMED),
        ),
        Index(
            "ix_ready_tasks_open_due",
            "due_at",
            postgresql_where=text("closed_seq IS NULL"),
            sqlite_where=text("closed_seq IS NULL"),
        ),
        Index(
            "ix_ready_tasks_open_holder",
            "claimed_by",
            "due_at",
            postgresql_where=text(_HELD),
            sqlite_where=text(_HELD),
        ),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    spec_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(500))
    process_id: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(200))
    org_unit: Mapped[str | None] = mapped_column(String(64))
    created_seq: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    # Set when the task is done or gone: racing callers then learn it was closed (409), not
    # that it never existed (404).
    closed_seq: Mapped[int | None] = mapped_column(Integer)


class EventRow(Base):
    """Append-only: database triggers refuse UPDATE and DELETE (see the migration)."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        # The figures count a period's events of a few types (warnings; migration 0023).
        Index("ix_events_type_at", "type", "at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))  # indexed by (case_id, seq)
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    on_behalf_of: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as stored
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    state_digest: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(40))
    actor_unit: Mapped[str | None] = mapped_column(String(40))
    # Derived from the payload and not hashed (``engine.store.events.derived_columns``):
    # what the figures and the warnings select on.
    task_id: Mapped[str | None] = mapped_column(String(36), index=True)
    message_name: Mapped[str | None] = mapped_column(String(100))
    intake_decision: Mapped[str | None] = mapped_column(String(40))
    # Hashed when set (migration 0010): seconds a training database's clock was ahead.
    clock_offset: Mapped[int | None] = mapped_column(BigInteger)
    # Not hashed (migration 0020): the request that wrote the event, as in the logs.
    request_id: Mapped[str | None] = mapped_column(String(64))


class CaseFigureRow(Base):
    """What each case contributes to the supervision figures, kept in the transaction of
    every change that alters it (``engine.stats.facts``; migration 0026): the figures of
    a period sum these rows in the database instead of reading each case's tasks."""

    __tablename__ = "case_figures"
    __table_args__ = (
        Index("ix_case_figures_closed_at", "closed_at"),
        Index("ix_case_figures_created_at", "created_at"),
        Index(
            "ix_case_figures_several",
            "case_id",
            postgresql_where=text("several_ratings"),
            sqlite_where=text("several_ratings"),
        ),
    )
    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id"), primary_key=True, autoincrement=False
    )
    # The case row's groups and lifetime, copied: a period's sums read this table alone.
    org_unit: Mapped[str | None] = mapped_column(String(64))
    village: Mapped[str | None] = mapped_column(String(64))
    item_code: Mapped[str | None] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    proxy: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    on_the_spot: Mapped[bool] = mapped_column(Boolean, default=False)
    returned: Mapped[bool] = mapped_column(Boolean, default=False)
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    supplemented: Mapped[bool] = mapped_column(Boolean, default=False)
    first_time_right: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The completion's day against the due date: -1 before, 0 on it, 1 after; None
    # without a due date.
    completed_vs_due: Mapped[int | None] = mapped_column(Integer)
    handling_days: Mapped[int | None] = mapped_column(Integer)  # accepted and completed
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the limit runs
    due_end: Mapped[datetime | None] = mapped_column(UTCDateTime())  # end of the due date
    handed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # by the proxy agent
    holding_days: Mapped[int | None] = mapped_column(Integer)
    handover_on_time: Mapped[bool] = mapped_column(Boolean, default=False)
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rectify_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The milestones the values above are derived from, kept so that a change updates
    # them from the tasks it opened and closed, without reading the case's task index.
    intake: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handover_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The case's rating, when it has one: when, how it counts (link: genuine; entered:
    # from paper or the pad; upheld: genuine, its appeal upheld) and its level ("invalid"
    # for none known). A case rated more than once keeps none here (``several_ratings``):
    # its ratings are read from its events.
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating_kind: Mapped[str | None] = mapped_column(String(16))
    rating_level: Mapped[str | None] = mapped_column(String(32))
    several_ratings: Mapped[bool] = mapped_column(Boolean, default=False)


class FigureDayRow(Base):
    """Per Beijing day and case group (township, village, item, department; "" for none):
    the steps done that day, how many of them at or after their due time, and the yellow
    and red warnings raised — added to in the transaction that does the step or raises
    the warning (``engine.stats.facts``; migration 0026)."""

    __tablename__ = "figure_days"
    __table_args__ = (
        UniqueConstraint(
            "day", "org_unit", "village", "item_code", "department", name="uq_figure_days_key"
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    org_unit: Mapped[str] = mapped_column(String(64))
    village: Mapped[str] = mapped_column(String(64))
    item_code: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(64))
    steps_done: Mapped[int] = mapped_column(Integer, default=0)
    steps_late: Mapped[int] = mapped_column(Integer, default=0)
    yellow_warnings: Mapped[int] = mapped_column(Integer, default=0)
    red_warnings: Mapped[int] = mapped_column(Integer, default=0)


class LateStepRow(Base):
    """A step that was still open past its due time at the end of some days before it
    was done or withdrawn: the first and last of those days (both inclusive; migration
    0026). The steps still open are read from the task index."""

    __tablename__ = "late_steps"
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    overdue_from: Mapped[date] = mapped_column(Date)
    overdue_to: Mapped[date] = mapped_column(Date, index=True)


class PasswordRow(Base):
    __tablename__ = "user_passwords"
    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    hash: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LoginThrottleRow(Base):
    """A failed-login counter: per (account, address) pair, per address or per account
    (engine/login_policy.py). Names that are no account are counted like accounts."""

    __tablename__ = "login_throttles"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[str | None] = mapped_column(String(100), index=True)
    address: Mapped[str | None] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer)
    reset_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TokenRow(Base):
    """Bearer tokens: only a SHA-256 of the token is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(String(100), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CaseCounterRow(Base):
    """The daily sequence behind case numbers (region code + date + sequence)."""

    __tablename__ = "case_counters"
    region: Mapped[str] = mapped_column(String(12), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class LedgerIssueRow(Base):
    """A resident's issue in the village ledger (问题台账). ``level``, ``status`` and
    ``department`` are derived from its entries and kept in step with them."""

    __tablename__ = "ledger_issues"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    village: Mapped[str] = mapped_column(String(64), index=True)
    township: Mapped[str] = mapped_column(String(64), index=True)
    department: Mapped[str | None] = mapped_column(String(64), index=True)
    level: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    resident_name: Mapped[str] = mapped_column(String(100))
    resident_phone: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seq: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class LedgerEntryRow(Base):
    """Append-only: database triggers refuse UPDATE and DELETE (see the migration)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("issue_id", "seq"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("ledger_issues.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))  # where the issue is after this entry
    department: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text)


class LedgerCounterRow(Base):
    """The daily sequence behind issue numbers (village code + date + sequence)."""

    __tablename__ = "ledger_counters"
    village: Mapped[str] = mapped_column(String(12), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class DatabaseSettingRow(Base):
    """The database's flag for training or demos (at most one row, id 1; none on a
    production database) and its clock's offset (``engine.training``)."""

    __tablename__ = "database_settings"
    __table_args__ = (CheckConstraint("id = 1", name="ck_database_settings_one_row"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    mode: Mapped[str] = mapped_column(String(16))
    clock_offset: Mapped[int] = mapped_column(BigInteger)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    flagged_by: Mapped[str] = mapped_column(String(100))
    advanced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    advanced_by: Mapped[str | None] = mapped_column(String(100))


class AbsenceRow(Base):
    """A registered absence (离岗登记, ``engine.absences``), both days inclusive; ended
    early (返岗) by ``returned_on``, the first day back, with who recorded it and when."""

    __tablename__ = "absences"
    __table_args__ = (CheckConstraint("first_day <= last_day", name="ck_absences_period"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(100), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    returned_on: Mapped[date | None] = mapped_column(Date)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by: Mapped[str | None] = mapped_column(String(100))


class RatingInvitationRow(Base):
    """A case's one-time rating link (``engine.ratings``): looked up by the token's hash;
    the token itself is kept only until the link is used (it is printed and sent again
    until then)."""

    __tablename__ = "rating_invitations"
    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id"), primary_key=True, autoincrement=False
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_seq: Mapped[int | None] = mapped_column(Integer)


class NoticeRow(Base):
    """The notice outbox (短信通知, ``engine.notices``): written in the transaction of the
    event that causes each notice, worked through by the sender (``daiban worker``)."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_due", "state", "next_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    event_seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    idempotency_id: Mapped[str] = mapped_column(String(120), unique=True)
    # Erased once the notice is sent; the masked form stays for the list.
    phone: Mapped[str | None] = mapped_column(String(32))
    phone_masked: Mapped[str] = mapped_column(String(32))
    params: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PickupRunRow(Base):
    """A mobile post's scheduled round (定期取件/定期送件, ``engine.runs``): one per agent
    and day (the key that makes the worker's run idempotent), with the cases it gathered
    (JSON list: case, task, kind, village, case number)."""

    __tablename__ = "pickup_runs"
    __table_args__ = (UniqueConstraint("agent", "day", name="uq_pickup_runs_agent_day"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agent: Mapped[str] = mapped_column(String(100))
    township: Mapped[str] = mapped_column(String(64), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16))
    cases: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(100))
