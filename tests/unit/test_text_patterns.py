"""The "not blank" pattern the schemas publish (ledger, absences, case search) means what
the server checks, in Python's regexes and in ECMA's (which clients and schemathesis read
it as)."""

from __future__ import annotations

import re
import sys

from webapi.schemas.common import NOT_BLANK


def test_blank_is_exactly_what_str_isspace_calls_space() -> None:
    pattern = re.compile(NOT_BLANK)
    disagree = [
        hex(c)
        for c in range(sys.maxunicode + 1)
        if (pattern.match(chr(c)) is None) != chr(c).isspace()
    ]
    assert disagree == []


def test_the_pattern_uses_no_class_escape_that_differs_between_dialects() -> None:
    # \s, \S, \w, \d, \b mean other sets in Python and ECMA regexes
    assert not re.search(r"\\[sSwWdDbB]", NOT_BLANK)
    assert re.match(NOT_BLANK, " \u3000\x1e") is None
    assert re.match(NOT_BLANK, " \u3000说明") is not None


def test_phone_and_id_patterns_take_ascii_digits_only() -> None:
    from processes.patterns import ID_NUMBER_RE, PHONE_RE

    assert PHONE_RE.match("13800000000") and not PHONE_RE.match("1３８００００００００")
    assert ID_NUMBER_RE.match("11010519491231002X")
    assert not ID_NUMBER_RE.match("11010519491231002٣")  # an Arabic-Indic digit
