"""The engine's clock on a training database: base clock plus the stored offset, read
through a loader at most once per ``ttl``; durations for ``daiban clock advance``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from engine.clock import (
    DURATION_PATTERN,
    MAX_ADVANCE,
    DatabaseClock,
    ManualClock,
    Reading,
    describe_offset,
    parse_duration,
    read_clock,
)
from engine.errors import DataValidationError, Unavailable
from engine.records import TrainingSetting

START = datetime(2026, 9, 24, 1, 0, tzinfo=UTC)


class Flag:
    """What a database would answer: its flag (None: production), and how often asked."""

    def __init__(self, setting: TrainingSetting | None = None) -> None:
        self.setting = setting
        self.reads = 0
        self.down = False

    def __call__(self) -> TrainingSetting | None:
        self.reads += 1
        if self.down:
            raise Unavailable("数据库不可用", reason="unreachable")
        return self.setting


def training(offset: int) -> TrainingSetting:
    return TrainingSetting("training", offset, START, "he.jun")


def test_a_production_database_runs_on_its_base_clock() -> None:
    base = ManualClock(START)
    clock = DatabaseClock(base, Flag())
    assert clock.now() == START
    assert clock.reading() == Reading(START, None)
    base.advance(timedelta(hours=1))
    assert clock.now() == START + timedelta(hours=1)


def test_a_training_database_adds_its_offset_and_says_so() -> None:
    clock = DatabaseClock(ManualClock(START), Flag(training(8 * 86400)))
    assert clock.reading() == Reading(START + timedelta(days=8), 8 * 86400)
    assert read_clock(clock) == clock.reading()


def test_the_flag_is_read_once_per_ttl_and_at_once_after_forget() -> None:
    flag = Flag(training(0))
    clock = DatabaseClock(ManualClock(START), flag, ttl=3600)
    for _ in range(5):
        clock.now()
    assert flag.reads == 1
    flag.setting = training(3600)  # another process advanced the clock
    assert clock.now() == START  # still the cached offset within the ttl
    clock.forget()
    assert clock.now() == START + timedelta(hours=1)
    assert flag.reads == 2


def test_a_ttl_of_zero_reads_the_flag_at_every_reading() -> None:
    flag = Flag(None)
    clock = DatabaseClock(ManualClock(START), flag, ttl=0)
    clock.now()
    flag.setting = training(60)
    assert clock.now() == START + timedelta(minutes=1)
    assert flag.reads == 2


def test_remember_takes_a_flag_this_process_wrote() -> None:
    flag = Flag(None)
    clock = DatabaseClock(ManualClock(START), flag, ttl=3600)
    assert clock.now() == START
    clock.remember(training(7200))
    assert clock.reading() == Reading(START + timedelta(hours=2), 7200)
    assert flag.reads == 1


def test_read_clock_reads_the_flag_in_the_transaction_only_on_a_training_database() -> None:
    cached, in_transaction = Flag(training(0)), Flag(training(86400))
    clock = DatabaseClock(ManualClock(START), cached, ttl=3600)
    assert read_clock(clock, in_transaction) == Reading(START + timedelta(days=1), 86400)
    assert in_transaction.reads == 1
    assert clock.reading().offset == 86400  # what the transaction read is kept
    production = DatabaseClock(ManualClock(START), Flag(None), ttl=3600)
    untouched = Flag(training(5))
    assert read_clock(production, untouched) == Reading(START, None)
    assert untouched.reads == 0  # a production change pays no read


def test_a_plain_clock_has_no_offset() -> None:
    assert read_clock(ManualClock(START), Flag(training(5))) == Reading(START, None)


def test_while_the_database_is_down_the_last_flag_stays_in_use() -> None:
    flag = Flag(training(60))
    clock = DatabaseClock(ManualClock(START), flag, ttl=0)
    assert clock.now() == START + timedelta(minutes=1)
    flag.down = True
    assert clock.now() == START + timedelta(minutes=1)
    fresh = DatabaseClock(ManualClock(START), flag, ttl=0)
    with pytest.raises(Unavailable):  # nothing read yet: the failure is the answer
        fresh.now()


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("12h", timedelta(hours=12)),
        ("8d", timedelta(days=8)),
        ("2w", timedelta(weeks=2)),
        ("8784h", MAX_ADVANCE),
        ("52w", timedelta(weeks=52)),
        ("366d", MAX_ADVANCE),
    ],
)
def test_durations(text: str, span: timedelta) -> None:
    assert parse_duration(text) == span


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("8", "格式有误"),
        ("8x", "格式有误"),
        ("-1d", "格式有误"),
        ("1.5d", "格式有误"),
        ("8d12h", "格式有误"),
        (" 1d", "格式有误"),
        ("1D", "格式有误"),
        ("08d", "格式有误"),
        ("", "格式有误"),
        ("0d", "大于 0"),
        ("367d", "不超过 366 天"),
        ("53w", "不超过 366 天"),
        ("8785h", "不超过 366 天"),
    ],
)
def test_bad_durations_name_the_field(text: str, reason: str) -> None:
    with pytest.raises(DataValidationError) as raised:
        parse_duration(text)
    assert reason in raised.value.fields["by"]


@pytest.mark.parametrize("unit", "hdw")
def test_the_published_pattern_accepts_exactly_what_is_parsed(unit: str) -> None:
    pattern = re.compile(DURATION_PATTERN)
    for number in range(0, 10000):
        text = f"{number}{unit}"
        try:
            parse_duration(text)
            parsed = True
        except DataValidationError:
            parsed = False
        assert parsed == bool(pattern.match(text)), text
    assert not pattern.match("08d") and not pattern.match("8d ")


def test_offsets_in_chinese() -> None:
    assert describe_offset(0) == "0"
    assert describe_offset(8 * 86400 + 12 * 3600) == "8 天 12 小时"
    assert describe_offset(90) == "1 分 30 秒"


def test_a_first_read_that_fails_caches_nothing() -> None:
    """Review of issue 11: a failed first read must not pass for "no flag" (a production
    clock) until ``ttl`` runs out: the next reading asks the database again."""
    flag = Flag(training(60))
    flag.down = True
    clock = DatabaseClock(ManualClock(START), flag, ttl=3600)
    with pytest.raises(Unavailable):
        clock.now()
    flag.down = False
    assert clock.reading() == Reading(START + timedelta(minutes=1), 60)
    assert flag.reads == 2
