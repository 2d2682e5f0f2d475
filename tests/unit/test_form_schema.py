"""A task's form as a complete JSON Schema, and the server validating with that very schema.

Was: the published schema ignored ``requiredWhen`` (``{"intake_decision": "refuse"}``
passed it, the server answered 422 ``refuse_reason 必填``), enum values had no labels,
phone and ID numbers no pattern or format, and the server checked forms with code of its
own. Now a client validating with the published document alone (any JSON Schema 2020-12
validator, the formats registered) accepts and refuses what the server does.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from lxml import etree

from engine import SourceFile, lint
from engine.definitions import form_formats as formats
from engine.definitions.form_bounds import MAX_TEXT, SAFE_INTEGER
from engine.definitions.forms import DIALECT, Form, read_form
from tests.support.bounded_form import bpmn

INTAKE = """\
          <daiban:field name="intake_decision" label="受理意见" type="enum" required="true"
              values="accept:受理,accept_with_pledge:容缺受理,supplement:一次性告知补正,refuse:不予受理"/>
          <daiban:field name="missing_materials" label="需补正或容缺的材料" type="text"
              requiredWhen="intake_decision:supplement|accept_with_pledge"/>
          <daiban:field name="pledge_days" label="容缺材料补交期限（工作日）" type="integer"
              min="1" max="30" requiredWhen="intake_decision:accept_with_pledge"/>
          <daiban:field name="refuse_reason" label="不予受理理由" type="text"
              requiredWhen="intake_decision:refuse"/>"""

EVERY_TYPE = """\
          <daiban:field name="name" label="姓名" type="string" required="true" maxLength="20"/>
          <daiban:field name="note" label="备注" type="text" description="可写明特殊情况"/>
          <daiban:field name="count" label="件数" type="integer" min="0" max="99" required="true"/>
          <daiban:field name="amount" label="金额（元）" type="number" min="0"/>
          <daiban:field name="agreed" label="已同意" type="boolean"/>
          <daiban:field name="on" label="日期" type="date"/>
          <daiban:field name="phone" label="联系电话" type="phone"/>
          <daiban:field name="id" label="公民身份号码" type="id_number"/>
          <daiban:field name="uscc" label="统一社会信用代码" type="uscc"/>
          <daiban:field name="start" label="开始日期" type="date"/>
          <daiban:field name="end" label="结束日期" type="date"/>
          <daiban:field name="originals" label="其中原件件数" type="integer" min="0"/>
          <daiban:rule id="end_after_start" field="end" check="ge" other="start"
              message="结束日期不能早于开始日期"/>
          <daiban:rule id="originals_within_count" field="originals" check="le" other="count"
              message="其中原件件数不能多于件数"/>"""

ID_NUMBER = "11010519491231002X"
USCC = "91350100M000100Y43"
CJK = re.compile(r"[\u4e00-\u9fff]")


def form_of(fields: str) -> Form:
    root = etree.fromstring(bpmn(fields))
    task = root.find(".//{http://www.omg.org/spec/BPMN/20100524/MODEL}userTask")
    assert task is not None
    form, issues = read_form(task)
    assert [i.message for i in issues] == [] and form is not None
    return form


def client_errors(form: Form, body: Any) -> list[str]:
    """What a client validating with the published schema alone finds wrong."""
    validator = jsonschema.Draft202012Validator(
        form.to_json_schema(), format_checker=formats.FORMAT_CHECKER
    )
    return [error.message for error in validator.iter_errors(body)]


# The schema


def test_the_schema_is_draft_2020_12_closed_and_every_field_is_titled_and_described() -> None:
    form = form_of(EVERY_TYPE)
    schema = form.to_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert schema["required"] == ["name", "count"]
    for name, prop in schema["properties"].items():
        assert CJK.search(prop["title"]) and CJK.search(prop["description"]), name
    props = schema["properties"]
    assert props["name"]["description"] == "必填；单行文本，最多 20 字。"
    assert props["name"]["minLength"] == 1 and props["name"]["maxLength"] == 20
    assert props["note"]["description"] == f"可写明特殊情况；选填；多行文本，最多 {MAX_TEXT} 字。"
    assert "minLength" not in props["note"]
    assert props["count"] | {"description": ""} == {
        "title": "件数",
        "description": "",
        "type": "integer",
        "minimum": 0,
        "maximum": 99,
    }
    assert props["amount"]["description"] == "选填；数值（可带小数），不小于 0。"
    assert props["amount"]["maximum"] == SAFE_INTEGER


def test_enum_values_are_one_of_const_with_chinese_titles() -> None:
    prop = form_of(INTAKE).to_json_schema()["properties"]["intake_decision"]
    assert prop["type"] == "string"
    assert prop["oneOf"] == [
        {"const": "accept", "title": "受理"},
        {"const": "accept_with_pledge", "title": "容缺受理"},
        {"const": "supplement", "title": "一次性告知补正"},
        {"const": "refuse", "title": "不予受理"},
    ]
    assert "enum" not in prop


def test_formats_are_named_with_a_pattern() -> None:
    props = form_of(EVERY_TYPE).to_json_schema()["properties"]
    assert (props["on"]["format"], props["on"]["pattern"]) == ("date", formats.DATE_PATTERN)
    assert props["phone"]["format"] == "cn-phone"
    assert props["id"]["format"] == "cn-id-number"
    assert props["uscc"]["format"] == "cn-uscc"
    for name in ("phone", "id", "uscc", "on"):
        pattern = props[name]["pattern"]
        # ECMA-262 and Python alike: anchored, ASCII classes (Python's \d is any digit)
        assert pattern.startswith("^") and pattern.endswith("$") and "\\d" not in pattern
    assert re.search(props["id"]["pattern"], ID_NUMBER)
    assert re.search(props["uscc"]["pattern"], USCC)
    assert props["id"]["minLength"] == props["id"]["maxLength"] == 18
    for text in ("name", "note"):
        assert props[text]["pattern"] == "^[^\\u0000\\ud800-\\udfff]*$"


def test_required_when_is_if_then_and_an_absent_field_requires_nothing() -> None:
    form = form_of(INTAKE)
    schema = form.to_json_schema()
    assert schema["required"] == ["intake_decision"]
    assert schema["allOf"][2] == {
        "if": {
            "properties": {"intake_decision": {"enum": ["refuse"]}},
            "required": ["intake_decision"],
        },
        "then": {"required": ["refuse_reason"], "properties": {"refuse_reason": {"minLength": 1}}},
    }
    assert schema["allOf"][1]["then"] == {"required": ["pledge_days"]}
    described = schema["properties"]["missing_materials"]["description"]
    assert described.startswith("“受理意见”为“一次性告知补正”或“容缺受理”时必填")
    # What the issue found: the schema now refuses what the server refuses.
    assert client_errors(form, {"intake_decision": "refuse"}) == [
        "'refuse_reason' is a required property"
    ]
    assert form.validate({"intake_decision": "refuse"})[1] == {"refuse_reason": "必填"}
    assert form.validate({"intake_decision": "refuse", "refuse_reason": ""})[1] == {
        "refuse_reason": "必填"
    }
    assert form.validate({"intake_decision": "accept_with_pledge"})[1] == {
        "missing_materials": "必填",
        "pledge_days": "必填",
    }
    assert form.validate({"intake_decision": "accept"}) == ({"intake_decision": "accept"}, {})
    # The decision absent: only it is missing (the ``if`` needs it present to hold).
    assert client_errors(form, {}) == ["'intake_decision' is a required property"]
    assert form.validate({})[1] == {"intake_decision": "必填"}
    # A wrong decision requires nothing more either.
    assert form.validate({"intake_decision": "maybe"})[1] == {
        "intake_decision": "取值应为：accept（受理）、accept_with_pledge（容缺受理）、"
        "supplement（一次性告知补正）、refuse（不予受理）"
    }


# Validation: the same schema, Chinese reasons, every error at once


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("name", 5, "应为文本"),
        ("name", "", "必填"),
        ("name", "长" * 21, "过长（最多 20 字）"),
        ("name", "a\x00b", "不能包含 NUL 字符（U+0000）"),
        ("name", "a\ud800b", "含有孤立的 UTF-16 代理项（如 \\ud800），不是有效的 Unicode 文本"),
        ("count", "3", "应为整数"),
        ("count", True, "应为整数"),
        ("count", 1.5, "应为整数"),
        ("count", -1, "不能小于 0"),
        ("count", 100, "不能大于 99"),
        ("amount", "1", "应为数字"),
        ("amount", float("nan"), "应为有限的数值"),
        ("amount", float("inf"), "应为有限的数值"),
        ("amount", -0.01, "不能小于 0"),
        ("agreed", "true", "应为是或否（true/false）"),
        ("on", "2026-02-30", "应为日期（YYYY-MM-DD）"),
        ("on", "20260201", "应为日期（YYYY-MM-DD）"),
        ("on", "", "应为日期（YYYY-MM-DD）"),
        ("phone", "1380000000", "电话号码格式不正确"),
        ("phone", "13800000000\n", "电话号码格式不正确"),
        ("phone", "１３８００００００００", "电话号码格式不正确"),  # full-width digits
        ("phone", "1٣800000000", "电话号码格式不正确"),  # an Arabic-Indic digit
        ("id", "110105194912310021", "公民身份号码不正确（位数、出生日期或校验码有误）"),
        ("id", "110105194902300023", "公民身份号码不正确（位数、出生日期或校验码有误）"),
        ("id", ID_NUMBER + "\n", "公民身份号码不正确（位数、出生日期或校验码有误）"),
        ("uscc", "91350100M000100Y44", "统一社会信用代码不正确（18 位，字母大写，含校验码）"),
        ("uscc", "91350100m000100y43", "统一社会信用代码不正确（18 位，字母大写，含校验码）"),
        ("uscc", "91350100I000100Y43", "统一社会信用代码不正确（18 位，字母大写，含校验码）"),
        ("extra", 1, "表单中没有这个字段"),
    ],
)
def test_each_wrong_value_is_refused_with_its_reason(field: str, value: Any, reason: str) -> None:
    form = form_of(EVERY_TYPE)
    clean, errors = form.validate({"name": "张三", "count": 3, field: value})
    assert errors == {field: reason}
    assert field not in clean and set(clean) == {"name", "count"} - {field}
    if isinstance(value, float) and not math.isfinite(value):
        return  # not JSON
    assert client_errors(form, {"name": "张三", "count": 3, field: value})  # the schema agrees


def test_every_error_is_reported_at_once() -> None:
    form = form_of(EVERY_TYPE)
    clean, errors = form.validate({"count": 100, "on": "昨天", "id": "1", "x": 1, "y": None})
    assert errors == {
        "name": "必填",
        "count": "不能大于 99",
        "on": "应为日期（YYYY-MM-DD）",
        "id": "公民身份号码不正确（位数、出生日期或校验码有误）",
        "x": "表单中没有这个字段",
        "y": "表单中没有这个字段",
    }
    assert clean == {}


def test_data_that_is_not_an_object_is_refused_as_a_whole() -> None:
    form = form_of(INTAKE)
    assert form.validate(["accept"]) == ({}, {"(表单)": "应为 JSON 对象"})  # type: ignore[arg-type]
    assert form.to_json_schema()["x-daiban-rules"] == []  # no rules: an empty list


def test_valid_values_are_converted_as_the_process_stores_them() -> None:
    form = form_of(EVERY_TYPE)
    body = {
        "name": "张三",
        "note": "",  # an optional field left empty is left out
        "count": 2.0,  # JSON Schema's integers include 2.0
        "amount": 0,
        "agreed": False,
        "on": "2024-02-29",
        "phone": "0818-2345678",
        "id": ID_NUMBER.lower(),
        "uscc": USCC,
    }
    assert client_errors(form, body) == []
    clean, errors = form.validate(body)
    assert errors == {}
    assert clean == {k: v for k, v in body.items() if k != "note"} | {"count": 2, "id": ID_NUMBER}
    assert isinstance(clean["count"], int)


# Rules: cross-field checks, published and enforced


def test_rules_are_published_and_enforced_when_both_fields_are_valid() -> None:
    form = form_of(EVERY_TYPE)
    assert form.to_json_schema()["x-daiban-rules"] == [
        {
            "id": "end_after_start",
            "fields": ["end", "start"],
            "check": "ge",
            "message": "结束日期不能早于开始日期",
        },
        {
            "id": "originals_within_count",
            "fields": ["originals", "count"],
            "check": "le",
            "message": "其中原件件数不能多于件数",
        },
    ]
    base = {"name": "张三", "count": 3}
    assert form.validate({**base, "start": "2026-05-02", "end": "2026-05-01"})[1] == {
        "end": "结束日期不能早于开始日期"
    }
    assert form.validate({**base, "start": "2026-05-01", "end": "2026-05-01"})[1] == {}
    assert form.validate({**base, "originals": 4})[1] == {"originals": "其中原件件数不能多于件数"}
    clean, errors = form.validate({**base, "originals": 3, "start": "2026-05-01"})
    assert errors == {} and clean["originals"] == 3  # ``end`` absent: that rule waits
    # A field already wrong is reported for itself, the rule does not add to it.
    assert form.validate({**base, "originals": 4, "end": "昨天", "start": "2026-05-01"})[1] == {
        "originals": "其中原件件数不能多于件数",
        "end": "应为日期（YYYY-MM-DD）",
    }
    # The published schema alone accepts what only the rule refuses: the client reads
    # ``x-daiban-rules`` for those.
    assert client_errors(form, {**base, "originals": 4}) == []


# The formats


def test_id_number_and_credit_code_check_characters() -> None:
    assert formats.is_valid_id_number(ID_NUMBER) and formats.is_valid_id_number(ID_NUMBER.lower())
    assert formats.id_check_character(ID_NUMBER[:17]) == "X"
    assert not formats.is_valid_id_number("11010519491231002")
    for code in (USCC, "91110000600037341L"):
        assert formats.is_valid_uscc(code)
        assert formats.uscc_check_character(code[:17]) == code[17]
    assert not formats.is_valid_uscc("911100006000373410")
    assert formats.is_date("2024-02-29") and not formats.is_date("2023-02-29")


# Lint of forms


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ('<daiban:field name="a" type="string"/>', "表单字段“a”缺少 label（中文标题）"),
        (
            '<daiban:field name="a" label="甲" type="enum" values="x:一,x:二"/>',
            "枚举字段“a”的取值重复：x",
        ),
        ('<daiban:field name="a" label="甲" type="text" values="x"/>', "values 只适用于 enum 字段"),
        (
            '<daiban:field name="a" label="甲" type="text" requiredWhen="b:x"/>',
            "表单字段“a”的 requiredWhen 引用的字段“b”不在表单中",
        ),
        (
            '<daiban:field name="b" label="乙" type="boolean"/>'
            '<daiban:field name="a" label="甲" type="text" requiredWhen="b:true"/>',
            "requiredWhen 只能依赖 enum 字段（“b”是 boolean）",
        ),
        (
            '<daiban:field name="b" label="乙" type="enum" values="x,y"/>'
            '<daiban:field name="a" label="甲" type="text" requiredWhen="b:z"/>',
            "表单字段“a”的 requiredWhen 取值“z”不是“b”的选项（x、y）",
        ),
        (
            '<daiban:field name="a" label="甲" type="text" required="true" requiredWhen="a:x"/>',
            "已是必填（required），不应再写 requiredWhen",
        ),
        ("<daiban:note/>", "表单中只能有 daiban:field 和 daiban:rule，不能有“note”"),
        (
            '<daiban:field name="a" label="甲" type="integer"/>'
            '<daiban:rule id="r" field="a" check="le" other="b" message="甲不能大于乙"/>',
            "表单规则“r”的 other“b”不在表单中",
        ),
        (
            '<daiban:field name="a" label="甲" type="integer"/><daiban:field name="b" label="乙" type="integer"/>'
            '<daiban:rule id="r" field="a" check="before" other="b" message="甲不能大于乙"/>',
            "表单规则“r”的 check“before”未知，可用：lt, le, gt, ge",
        ),
        (
            '<daiban:field name="a" label="甲" type="integer"/><daiban:field name="b" label="乙" type="integer"/>'
            '<daiban:rule id="r" field="a" check="le" other="b"/>',
            "表单规则“r”缺少 message",
        ),
        (
            '<daiban:field name="a" label="甲" type="integer"/><daiban:field name="b" label="乙" type="date"/>'
            '<daiban:rule id="r" field="a" check="le" other="b" message="甲不能晚于乙"/>',
            "只能比较两个数值字段（integer、number）或两个日期字段（date），不能比较 date、integer",
        ),
        (
            '<daiban:field name="a" label="甲" type="text"/><daiban:field name="b" label="乙" type="text"/>'
            '<daiban:rule id="r" field="a" check="le" other="b" message="甲不能大于乙"/>',
            "不能比较 text",
        ),
        (
            '<daiban:field name="a" label="甲" type="integer"/><daiban:field name="b" label="乙" type="integer"/>'
            '<daiban:rule id="r" field="a" check="le" other="b" message="一"/>'
            '<daiban:rule id="r" field="b" check="ge" other="a" message="二"/>',
            "表单规则“r”重复",
        ),
    ],
)
def test_lint_refuses_a_malformed_form(tmp_path: Path, fields: str, message: str) -> None:
    path = tmp_path / "form.bpmn"
    path.write_bytes(bpmn(f"          {fields}"))
    problems = [str(p) for p in lint([SourceFile(str(path), path.read_bytes())]).problems]
    assert any(f"{path}:" in p and message in p for p in problems), problems


def test_an_empty_string_is_no_answer_only_for_an_optional_text() -> None:
    """Review of issue 11 (docs/designing-processes.md said any optional field sent as
    ``""`` counts as not given): only a text field; for a number, a date or a choice ``""``
    is a wrong value, refused by the published schema and the server alike."""
    form = form_of(INTAKE)
    body = {"intake_decision": "accept", "missing_materials": ""}
    assert client_errors(form, body) == []
    assert form.validate(body) == ({"intake_decision": "accept"}, {})
    body = {"intake_decision": "accept", "pledge_days": ""}
    assert client_errors(form, body) != []
    assert form.validate(body) == ({"intake_decision": "accept"}, {"pledge_days": "应为整数"})
    assert form.validate({"intake_decision": "accept", "pledge_days": None})[1] == {
        "pledge_days": "应为整数"
    }
