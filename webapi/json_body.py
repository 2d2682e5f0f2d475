"""Reading a JSON request body with hard limits, so hostile JSON is a 4xx, never a 500.

Python's ``json`` accepts what RFC 8259 leaves open and what our code cannot handle:
nesting as deep as its C recursion allows (100,000 levels end in ``RecursionError``),
integers of any length (past 4,300 digits ``int`` refuses to convert them, below that
every later ``str()`` of them costs quadratic time), ``NaN`` and ``Infinity`` (not JSON),
and strings with lone UTF-16 surrogates (``"\\ud800"``: not Unicode, so no database can
store them). Every JSON body the API reads goes through :func:`read_json`, which refuses
them all:

- nesting deeper than ``MAX_DEPTH``: 400 ``json_too_deep``, found by a scan of the raw
  text *before* parsing (no recursion, so the parser never goes deeper than the limit);
- a number literal longer than ``MAX_NUMBER_CHARS`` characters or not finite
  (``1e999``): 400 ``json_number_too_large``, checked on the literal before it is
  converted;
- ``NaN``, ``Infinity``, ``-Infinity``: 400 ``invalid_json``;
- a string (value or key) with U+0000 or a lone surrogate: 422 ``validation_failed``
  naming each field, as for NUL characters in query parameters (``webapi.arguments``).

Malformed JSON still raises ``json.JSONDecodeError``, which the callers report as
400 ``invalid_json``; the size limit is ``MAX_CONTENT_LENGTH`` (413, ``request_body``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from itertools import accumulate
from typing import Any, NoReturn

from webapi.problems import ApiProblem

MAX_DEPTH = 32
MAX_NUMBER_CHARS = 40
NUL_REASON = "不能包含 NUL 字符（U+0000）"
SURROGATE_REASON = "含有孤立的 UTF-16 代理项（如 \\ud800），不是有效的 Unicode 文本"
ROOT = "(请求体)"

# The scans below work on the raw UTF-8 bytes with C-speed bytes operations (no regex, no
# per-character Python): JSON's syntax is ASCII, and no byte of a multi-byte UTF-8
# character is ASCII.
#
# Brackets outside strings: escaped backslashes, then escaped quotes removed; every byte
# but quotes and brackets deleted; what lies between quotes is string content.
_NOT_KEPT = bytes(b for b in range(256) if b not in b'"[]{}')
_SQUARE = bytes.maketrans(b"{}", b"[]")  # objects and arrays nest alike
_STEP = tuple(1 if b in b"[" else -1 if b in b"]" else 0 for b in range(256))
_TOO_MANY_OPEN = b"[" * (MAX_DEPTH + 1)
# Any number literal longer than MAX_NUMBER_CHARS has a run of that many digits: found as
# a run of zeros once every digit is a zero.
_ZEROS = bytes.maketrans(b"123456789", b"0" * 9)
_DIGIT_RUN = b"0" * MAX_NUMBER_CHARS
# Only an escape can put U+0000 or a surrogate into a parsed string (raw control
# characters are invalid JSON, and the body was decoded as strict UTF-8).
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_SURROGATE = re.compile("[\ud800-\udfff]")


def read_json(data: bytes | str) -> Any:
    """The JSON value of a request body, or an ``ApiProblem`` naming what is wrong."""
    if isinstance(data, str):
        raw, text = data.encode("utf-8", "surrogatepass"), data
    else:
        raw = data
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise json.JSONDecodeError(
                f"not UTF-8: {error.reason}", data.decode("utf-8", "replace"), error.start
            ) from error
    if too_deep(raw):
        _too_deep()
    # Only a body with a long run of digits has every integer literal looked at.
    long_digits = _DIGIT_RUN in raw.translate(_ZEROS)
    try:
        value = json.loads(
            text,
            parse_int=_integer if long_digits else None,
            parse_float=_float,
            parse_constant=_not_a_number,
        )
    except RecursionError:  # the scan cannot miss a valid deep body; this is a last guard
        _too_deep()
    if _SUSPECT_ESCAPE.search(raw):
        found = list(bad_text(value))
        if found:
            raise ApiProblem(
                422,
                "validation_failed",
                f"请求数据有 {len(found)} 处错误，见 errors",
                errors=[{"field": f, "in": "body", "reason": r} for f, r in found],
            )
    return value


def too_deep(raw: bytes) -> bool:
    """Whether the arrays and objects of a JSON text (UTF-8) nest deeper than
    ``MAX_DEPTH``, from its brackets outside string literals, without recursion.

    Each pass deletes the innermost ``[]`` pairs, so a valid text at most ``MAX_DEPTH``
    deep is gone after that many passes, and ``MAX_DEPTH + 1`` opening brackets in a row
    prove it deeper (deleting balanced pairs never deepens what is left): C-speed bytes
    operations for every valid body. Only a malformed text undecided by them has its
    depth counted bracket by bracket (some 50 ms for 1 MiB).
    """
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = b"".join(unescaped.translate(_SQUARE, _NOT_KEPT).split(b'"')[::2])
    if brackets.count(b"[") <= MAX_DEPTH:  # the usual body
        return False
    left = brackets
    for _ in range(MAX_DEPTH):
        if _TOO_MANY_OPEN in left:
            return True
        shorter = left.replace(b"[]", b"")
        if not shorter:
            return False
        if len(shorter) == len(left):
            break
        left = shorter
    return max(accumulate(map(_STEP.__getitem__, brackets))) > MAX_DEPTH


def bad_text(value: Any) -> Iterator[tuple[str, str]]:
    """``(field, reason)`` for every string in ``value`` (keys too) that holds U+0000 or a
    lone surrogate; the field is the dotted path of object keys (list items share their
    list's path). Iterative: the depth of ``value`` does not matter."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            reason = text_problem(item)
            if reason:
                yield path or ROOT, reason
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                name = _printable(str(key))
                child_path = f"{path}.{name}" if path else name
                reason = text_problem(str(key))
                if reason:
                    yield child_path, reason
                else:
                    stack.append((child, child_path))
        elif isinstance(item, list | tuple):
            stack.extend((child, path) for child in reversed(item))


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None."""
    if "\x00" in text:
        return NUL_REASON
    if _SURROGATE.search(text):
        return SURROGATE_REASON
    return None


def _printable(name: str) -> str:
    """A field name fit for a JSON answer (its NUL and surrogates escaped)."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", name.replace("\x00", "\\u0000"))


def _integer(literal: str) -> int:
    if len(literal) > MAX_NUMBER_CHARS:
        _number_too_large()
    return int(literal)


def _float(literal: str) -> float:
    number = float(literal) if len(literal) <= MAX_NUMBER_CHARS else math.inf
    if not math.isfinite(number):
        _number_too_large()
    return number


def _too_deep() -> NoReturn:
    raise ApiProblem(
        400,
        "json_too_deep",
        f"请求体嵌套过深：JSON 对象和数组最多嵌套 {MAX_DEPTH} 层",
        max_depth=MAX_DEPTH,
    )


def _number_too_large() -> NoReturn:
    raise ApiProblem(
        400,
        "json_number_too_large",
        f"请求体中的数字过长或超出范围：最多 {MAX_NUMBER_CHARS} 个字符，且须为有限值",
        max_number_chars=MAX_NUMBER_CHARS,
    )


def _not_a_number(literal: str) -> NoReturn:
    raise ApiProblem(
        400, "invalid_json", f"请求体不是有效的 JSON：{literal} 不是 JSON 数值（RFC 8259）"
    )
