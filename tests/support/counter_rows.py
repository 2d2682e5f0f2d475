"""A row the tests of transactions write and count: a day's case counter
(``case_counters``), which nothing else reads or refers to."""

from __future__ import annotations

from sqlalchemy import TextClause, text

from engine import Engine

DAY = "20260101"


def adding(day: str = DAY) -> TextClause:
    """The INSERT of the counter of ``day``."""
    return text(
        f"INSERT INTO case_counters (region, day, last) VALUES ('000000000000', '{day}', 1)"
    )


def count(engine: Engine, day: str = DAY) -> int:
    """How many counters of ``day`` are committed, read in a unit of work of its own."""
    statement = text("SELECT count(*) FROM case_counters WHERE day = :day")
    with engine.store.unit_of_work(write=False) as uow:
        return int(uow.session.connection().execute(statement, {"day": day}).scalar_one())
