"""One list of the problem codes the API answers (``webapi.problems.CODES``): every code the
code raises is in it with its status, and the README's table of errors lists exactly it."""

from __future__ import annotations

import re
from pathlib import Path

import engine.ledger.service  # noqa: F401  (defines EngineError subclasses of its own)
from engine import EngineError
from webapi import problems
from webapi.problems import CODES

ROOT = Path(__file__).parents[2]
# ApiProblem(422, "validation_failed", …), problem(500, "internal_error", …), and
# http_problem's own `code, detail = "invalid_json", …`.
RAISED = re.compile(r"(?:ApiProblem|problem)\(\s*(\d{3}),\s*\"([a-z_]+)\"")
ASSIGNED = re.compile(r"\bcode, detail = \"([a-z_]+)\"")
README_ROW = re.compile(r"^\| (\d{3}) \| `([a-z_]+)` \| .+ \|$", re.MULTILINE)


def _subclasses(cls: type[EngineError]) -> set[type[EngineError]]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def _engine_status(error: type[EngineError]) -> int:
    return next(status for cls, status, _ in problems._ENGINE_ERRORS if issubclass(error, cls))


def test_every_code_the_api_raises_is_listed_with_its_status() -> None:
    raised: set[tuple[int, str]] = set()
    for path in (ROOT / "webapi").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        raised |= {(int(status), code) for status, code in RAISED.findall(text)}
        raised |= {(400, code) for code in ASSIGNED.findall(text)}
    raised |= {(status, code) for status, (code, _, _) in problems._HTTP_ERRORS.items()}
    raised |= set(problems._REFUSALS.values())
    raised |= {(_engine_status(cls), cls.code) for cls in {EngineError, *_subclasses(EngineError)}}
    listed = {(status, code) for code, (status, _) in CODES.items()}
    assert raised - listed == set()
    assert {"precondition_failed", "claimed", "task_closed", "json_too_deep"} <= set(CODES)
    assert all(meaning and not meaning.isascii() for _, meaning in CODES.values())


def test_the_readme_lists_every_code_in_one_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count("<!-- problem-codes -->") == 1
    table = readme.split("<!-- problem-codes -->", 1)[1].split("\n\n", 1)[0]
    rows = [(int(status), code) for status, code in README_ROW.findall(table)]
    assert len(rows) == len(set(rows))
    assert set(rows) == {(status, code) for code, (status, _) in CODES.items()}
