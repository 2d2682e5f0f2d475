"""Structured logs (engine/logs.py): key=value or JSON lines, never a number in clear."""

from __future__ import annotations

import json
import logging

import pytest

from engine.logs import JsonFormatter, PlainFormatter, configure, get_logger
from processes.patterns import mask_text, mask_value

ID_NUMBER = "11010519491231002X"
MOBILE = "13812345678"


def _record(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    (record,) = [r for r in caplog.records if r.name == "engine.cases"]
    return record


def test_an_event_is_a_name_and_key_value_pairs(caplog: pytest.LogCaptureFixture) -> None:
    log = get_logger("engine.cases")
    with caplog.at_level(logging.INFO):
        log.info("task_completed", case=12, task="t-1", actor="wang.fang", detail="两 words")
    record = _record(caplog)
    assert (
        record.getMessage() == 'task_completed case=12 task=t-1 actor=wang.fang detail="两 words"'
    )
    assert record.event == "task_completed"  # type: ignore[attr-defined]
    assert record.funcName == "test_an_event_is_a_name_and_key_value_pairs"  # the caller


def test_values_are_rendered_unambiguously(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        get_logger("engine.cases").info("x", none=None, yes=True, quote='a"b', eq="a=b", n=1.5)
    assert _record(caplog).getMessage() == 'x none=- yes=true quote="a\\"b" eq="a=b" n=1.5'


def test_no_id_number_or_phone_in_clear(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        get_logger("engine.cases").warning(
            "login_failed", user=MOBILE, note=f"身份证 {ID_NUMBER}，座机 0818-2345678"
        )
    line = _record(caplog).getMessage()
    assert MOBILE not in line and ID_NUMBER not in line and "2345678" not in line
    assert "138****5678" in line and "110105********002X" in line and "0818-***5678" in line


def test_a_lone_surrogate_is_logged_as_its_escape(caplog: pytest.LogCaptureFixture) -> None:
    """A made-up login name or address may hold a lone surrogate: every line stays valid
    UTF-8 (a test runner passing captured logs between processes, or a collector, would
    otherwise fail on it)."""
    with caplog.at_level(logging.INFO):
        get_logger("engine.cases").warning("login_failed", user="\ud800x", address="a\udfff")
    record = _record(caplog)
    line = record.getMessage()
    assert line.encode("utf-8").decode("utf-8") == line
    assert "\\ud800x" in line and "\\udfff" in line
    for formatter in (PlainFormatter(), JsonFormatter()):
        formatter.format(record).encode("utf-8")  # raises if a surrogate got through
    library = logging.LogRecord(
        "psycopg", logging.WARNING, __file__, 1, "bad %s", ("\ud800",), None
    )
    for formatter in (PlainFormatter(), JsonFormatter()):
        formatter.format(library).encode("utf-8")


def test_the_formatters_mask_other_libraries_messages_too() -> None:
    record = logging.LogRecord(
        "sqlalchemy", logging.WARNING, __file__, 1, "phone %s", (MOBILE,), None
    )
    assert MOBILE not in PlainFormatter().format(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "phone 138****5678" and line["logger"] == "sqlalchemy"


def test_json_lines_carry_the_fields(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        get_logger("engine.cases").info("case_registered", case=7, item="RS001", phone=MOBILE)
    line = json.loads(JsonFormatter().format(_record(caplog)))
    assert line["level"] == "info" and line["logger"] == "engine.cases"
    assert line["event"] == "case_registered"
    assert (line["case"], line["item"], line["phone"]) == (7, "RS001", "138****5678")
    assert line["time"].endswith("+00:00")


def test_nothing_is_formatted_below_the_level(caplog: pytest.LogCaptureFixture) -> None:
    class Loud:
        def __str__(self) -> str:
            raise AssertionError("formatted although not logged")

    with caplog.at_level(logging.WARNING):
        get_logger("engine.cases").info("quiet", value=Loud())
    assert not caplog.records


def test_configure_replaces_its_own_handler_only() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        configure("WARNING")
        configure("DEBUG", json_lines=True)
        added = [h for h in root.handlers if h not in before]
        assert len(added) == 1 and isinstance(added[0].formatter, JsonFormatter)
        assert root.level == logging.DEBUG
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
        root.setLevel(level)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"id {ID_NUMBER}.", "id 110105********002X."),
        (f"{MOBILE}", "138****5678"),
        ("0818-2345678", "0818-***5678"),
        ("order 1381234567890123", "order 1381234567890123"),  # a longer number: not a phone
        ("case 12, version 3", "case 12, version 3"),
    ],
)
def test_mask_text(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_mask_value_masks_at_any_depth() -> None:
    value = {"applicant": {"id_number": ID_NUMBER, "phones": [MOBILE, "0818-2345678"]}, "n": 3}
    assert mask_value(value) == {
        "applicant": {"id_number": "110105********002X", "phones": ["138****5678", "0818-2345678"]},
        "n": 3,
    }


def test_a_number_that_reads_as_a_phone_is_masked_too(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        get_logger("engine.cases").info("x", phone=13812345678, count=3)
    record = _record(caplog)
    assert record.getMessage() == "x phone=138****5678 count=3"
    line = json.loads(JsonFormatter().format(record))
    assert (line["phone"], line["count"]) == ("138****5678", 3)


def test_the_patterns_match_whole_values_only() -> None:
    from processes.patterns import ID_NUMBER_RE, PHONE_RE

    assert PHONE_RE.match(MOBILE) and PHONE_RE.match("0818-2345678")
    assert not PHONE_RE.match(MOBILE + "\n") and not ID_NUMBER_RE.match(ID_NUMBER + "\n")
    assert MOBILE not in mask_value(MOBILE + "\n")  # masking errs the other way
