"""The string formats of form fields: what a date, a phone number, a citizen ID number and
a unified social credit code look like, as JSON Schema ``pattern`` + named ``format``.

Each format is published twice in a task's form schema (``engine.definitions.forms``):

- a ``pattern`` (ECMA-262, ASCII classes only, so any JSON Schema validator in any
  language reads it the same) for the shape a client can check while the user types;
- a named ``format`` (``date``, ``cn-phone``, ``cn-id-number``, ``cn-uscc``) for what a
  pattern cannot express: a real calendar date, the GB 11643 check digit, the
  GB 32100-2015 check character. The server checks formats with these very functions
  (``FORMAT_CHECKER``); a client may register its own for the names.

A pattern here never accepts what its format refuses in shape, and every check refuses a
trailing newline (Python's ``$`` admits one, ECMA-262's does not: the format check makes
the server agree with JavaScript).

It also holds what every JSON Schema the engine publishes shares — task forms and message
payloads (``engine.messages``) alike: the dialect, the pattern of storable text and enum
choices as ``oneOf`` of ``const`` + Chinese ``title``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from jsonschema import FormatChecker

from processes.patterns import PHONE as PHONE_SHAPE

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# Text that no database column can store (U+0000, lone UTF-16 surrogates): the API
# refuses it in any JSON body (``webapi.json_body``), so every published schema excludes it.
STORABLE_TEXT = "^[^\\u0000\\ud800-\\udfff]*$"


def one_of(choices: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    """Enum values (value, Chinese label) as the members of a JSON Schema ``oneOf``."""
    return [{"const": value, "title": label} for value, label in choices]


DATE = "date"
PHONE = "cn-phone"
ID_NUMBER = "cn-id-number"
USCC = "cn-uscc"

DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# A mobile number (11 digits from 1) or a landline with its area code (0818-1234567,
# the hyphen optional): the rule of ``processes.patterns.PHONE``.
PHONE_PATTERN = f"^(?:{PHONE_SHAPE})$"
# GB 11643: 6-digit region, birth date (YYYYMMDD, born 1800–2099), 3-digit sequence, check
# character (0–9 or X; a lower-case x is accepted and stored upper-cased).
ID_NUMBER_PATTERN = (
    "^[0-9]{6}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]$"
)
# GB 32100-2015: 18 characters from the code's 31 (digits and capitals but I, O, S, V, Z):
# registration authority, organisation type, 6-digit region, 9-character organisation
# code, check character.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_PATTERN = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"

_DATE_RE = re.compile(DATE_PATTERN[1:-1], re.ASCII)
_PHONE_RE = re.compile(PHONE_PATTERN[1:-1], re.ASCII)
_ID_RE = re.compile(ID_NUMBER_PATTERN[1:-1], re.ASCII)
_USCC_RE = re.compile(USCC_PATTERN[1:-1], re.ASCII)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def is_date(value: str) -> bool:
    """``YYYY-MM-DD``, a real calendar date."""
    if not _DATE_RE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_phone(value: str) -> bool:
    return _PHONE_RE.fullmatch(value) is not None


def id_check_character(first17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character of 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_id_number(value: str) -> bool:
    """GB 11643 18-character citizen ID: its shape, a real birth date and the check digit."""
    value = value.upper()
    if not _ID_RE.fullmatch(value):
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return id_check_character(value[:17]) == value[17]


def uscc_check_character(first17: str) -> str:
    """The GB 32100-2015 check character of a code's first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(value: str) -> bool:
    """GB 32100-2015 unified social credit code: its shape and its check character."""
    return _USCC_RE.fullmatch(value) is not None and uscc_check_character(value[:17]) == value[17]


# Every format the forms publish, by name: the one definition both validators use.
CHECKS: dict[str, Callable[[str], bool]] = {
    DATE: is_date,
    PHONE: is_phone,
    ID_NUMBER: is_valid_id_number,
    USCC: is_valid_uscc,
}


def _string_format(check: Callable[[str], bool]) -> Callable[[Any], bool]:
    """A format applies to strings only; the field's ``type`` refuses the rest."""
    return lambda value: not isinstance(value, str) or check(value)


# The same checks as any JSON Schema validator takes them (fastjsonschema's ``formats``).
STRING_FORMATS: dict[str, Callable[[Any], bool]] = {
    name: _string_format(check) for name, check in CHECKS.items()
}


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    for name, check in STRING_FORMATS.items():
        checker.checks(name)(check)
    return checker


FORMAT_CHECKER = _format_checker()
