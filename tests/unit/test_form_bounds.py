"""Form field bounds: integers and numbers have a range, texts a maximum length, declared
on the field or by default; the server enforces exactly what the task's published JSON
Schema says (``tests/api/test_api_form_bounds.py``), and lint refuses malformed bounds as
PATH:LINE: ELEMENT_ID: message.

Was: an integer form field had no upper bound (2**70 was stored).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine import SourceFile, lint
from engine.definitions.form_bounds import MAX_TEXT, SAFE_INTEGER, Bounds
from engine.definitions.forms import Form, FormField, read_form
from tests.support.bounded_form import BOUNDED, bpmn

# Reading and linting


def _form(fields: str) -> tuple[Form | None, list[str]]:
    root = etree.fromstring(bpmn(fields))
    task = root.find(".//{http://www.omg.org/spec/BPMN/20100524/MODEL}userTask")
    assert task is not None
    form, issues = read_form(task)
    return form, [i.message for i in issues]


def test_declared_and_default_bounds() -> None:
    form, issues = _form(BOUNDED.replace(' maxLength="10000"', ' maxLength="2000"'))
    assert issues == [] and form is not None
    limits = {f.name: f.limits for f in form.fields}
    assert limits["households"] == Bounds(1, 200)
    assert limits["income"] == Bounds(0, 99999.5)
    assert limits["signer"] == Bounds(max_length=8)
    assert limits["count"] == Bounds(-SAFE_INTEGER, SAFE_INTEGER)
    assert limits["share"] == Bounds(-0.5, SAFE_INTEGER)
    assert limits["title"] == Bounds(max_length=500)
    assert limits["opinion"] == Bounds(max_length=MAX_TEXT)
    assert limits["summary"] == Bounds(max_length=2000)
    # Fields made in code (no bounds given) have the defaults of their type.
    assert FormField("n", "integer").limits == Bounds(-SAFE_INTEGER, SAFE_INTEGER)
    assert FormField("d", "date").limits == Bounds()
    schema = form.to_json_schema()["properties"]
    assert schema["households"] == {
        "title": "户数",
        "description": "选填；整数，1 至 200。",
        "type": "integer",
        "minimum": 1,
        "maximum": 200,
    }
    assert schema["count"]["maximum"] == 2**53 - 1 and schema["count"]["minimum"] == -(2**53 - 1)
    assert schema["signer"]["maxLength"] == 8 and schema["opinion"]["maxLength"] == MAX_TEXT


def test_the_stored_2_to_the_70_is_refused() -> None:
    form = Form((FormField("count", "integer"),))
    clean, errors = form.validate({"count": 2**70})
    assert errors == {"count": f"不能大于 {SAFE_INTEGER}"} and clean == {}
    assert form.validate({"count": SAFE_INTEGER}) == ({"count": SAFE_INTEGER}, {})
    assert form.validate({"count": -SAFE_INTEGER - 1})[1] == {"count": f"不能小于 {-SAFE_INTEGER}"}
    number = Form((FormField("x", "number"),))
    assert number.validate({"x": float("inf")})[1] == {"x": "应为有限的数值"}
    assert number.validate({"x": float("nan")})[1] == {"x": "应为有限的数值"}
    assert number.validate({"x": 1e300})[1] == {"x": f"不能大于 {SAFE_INTEGER}"}


MALFORMED = [
    ('type="integer" min="10" max="1"', "min（10）大于 max（1）"),
    ('type="integer" min="ten"', "min（“ten”）应为整数"),
    ('type="integer" max="1.5"', "max（“1.5”）应为整数"),
    ('type="number" min="NaN"', "min（“NaN”）应为数值"),
    ('type="number" max="1e999"', "超出允许范围"),
    ('type="integer" max="9007199254740992"', "超出允许范围"),
    ('type="number" min="2.5" max="-2.5"', "min（2.5）大于 max（-2.5）"),
    ('type="string" min="1"', "min 只适用于 integer、number 字段"),
    ('type="date" max="3"', "max 只适用于 integer、number 字段"),
    ('type="integer" maxLength="3"', "maxLength 只适用于 string、text 字段"),
    ('type="string" maxLength="0"', "maxLength（“0”）应为 1–10000 的整数"),
    ('type="text" maxLength="10001"', "应为 1–10000 的整数"),
    ('type="text" maxLength="many"', "应为 1–10000 的整数"),
]


@pytest.mark.parametrize(("attributes", "message"), MALFORMED)
def test_lint_refuses_malformed_bounds(tmp_path: Path, attributes: str, message: str) -> None:
    path = tmp_path / "bounded.bpmn"
    path.write_bytes(bpmn(f'          <daiban:field name="f" label="字段" {attributes}/>'))
    problems = [str(p) for p in lint([SourceFile(str(path), path.read_bytes())]).problems]
    line = 1 + bpmn("FIELD_LINE").decode().splitlines().index("FIELD_LINE")
    expected = f"{path}:{line}: Task_fill: 表单字段“f”的"
    assert any(p.startswith(expected) and message in p for p in problems), problems
