"""Personal data the county handles, recognised in one place: the phone and citizen ID
number patterns, and how each is masked when shown to someone who may not see it whole.

Used by forms and registration (validation), the org file (validation), the audit views
(masking) and the logs (never a number in clear).
"""

from __future__ import annotations

import re
from typing import Any

# A mobile number (11 digits from 1) or a landline with its area code (0818-1234567,
# the hyphen optional).
PHONE = r"1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8}"
PHONE_RE = re.compile(rf"^(?:{PHONE})\Z")  # \Z: no trailing newline
# GB 11643 citizen ID number: 17 digits and a check character (shape only; forms check
# the birth date and the check digit).
ID_NUMBER = r"[0-9]{17}[0-9Xx]"
ID_NUMBER_RE = re.compile(rf"^{ID_NUMBER}\Z")
_MOBILE_RE = re.compile(r"^1[0-9]{10}$")  # masking: lenient, a trailing newline too
# Anywhere inside a longer text (a log line, a free-text field): digit runs not part of
# a longer run.
_IN_TEXT = re.compile(
    rf"(?<![0-9A-Za-z])(?:{ID_NUMBER}|1[0-9]{{10}}|0[0-9]{{2,3}}-[0-9]{{7,8}})(?![0-9A-Za-z])"
)


def mask_id(value: str) -> str:
    """``110105********002X``: region code and the last four characters stay visible."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """``138****1234`` for a mobile number; a landline keeps its area code and last four."""
    if len(value) <= 7:
        return "*" * len(value)
    if "-" in value:
        area, _, number = value.partition("-")
        return f"{area}-{'*' * max(len(number) - 4, 0)}{number[-4:]}"
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_account(value: str) -> str:
    """``***************0011``: a bank (一卡通) account keeps its last four digits."""
    return "*" * max(len(value) - 4, 0) + value[-4:]


def mask_value(value: Any) -> Any:
    """``value`` (JSON-like) with every string that is a citizen ID number or a mobile
    number masked, at any depth, and every ``account`` (a payout list's 一卡通 account)."""
    if isinstance(value, dict):
        return {
            k: mask_account(v) if k == "account" and isinstance(v, str) else mask_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    if isinstance(value, str):
        if ID_NUMBER_RE.match(value):
            return mask_id(value)
        if _MOBILE_RE.match(value):
            return mask_phone(value)
    return value


def mask_text(text: str) -> str:
    """``text`` with every ID number, mobile number or landline inside it masked."""

    def masked(found: re.Match[str]) -> str:
        number = found.group(0)
        return mask_id(number) if len(number) == 18 else mask_phone(number)

    return _IN_TEXT.sub(masked, text)
