"""Message payload schemas (engine/messages.py): what the engine accepts is what the schema
says, each refusal names the field in Chinese, and every message of the library has one."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from engine import elements, messages
from engine.definitions.compiler import SourceFile, lint
from engine.errors import DataValidationError, NotFound
from tests.support.paths import BPMN


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Valid values of a message schema, from its keywords (the ones engine/messages.py
    uses), bounds included; ``if``/``then`` by filtering with the schema itself.

    (hypothesis-jsonschema 0.23 fails on objects with the installed hypothesis: it calls
    ``many.more()``, gone from hypothesis' internals.)"""
    if "oneOf" in schema:
        return st.sampled_from([choice["const"] for choice in schema["oneOf"]])
    kind = schema["type"]
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "string":
        low, high = schema.get("minLength", 0), schema["maxLength"]
        storable = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))
        return st.text(storable, min_size=low, max_size=min(high, 40)) | st.text(
            storable, min_size=high, max_size=high
        )
    if kind == "array":
        item, most = from_schema(schema["items"]), schema["maxItems"]
        return st.lists(item, max_size=min(most, 4)) | st.lists(item, min_size=most, max_size=most)
    assert kind == "object", schema
    members = {name: from_schema(sub) for name, sub in schema["properties"].items()}
    required = set(schema.get("required", []))
    strategy = st.fixed_dictionaries(
        {n: m for n, m in members.items() if n in required},
        optional={n: m for n, m in members.items() if n not in required},
    )
    return strategy.filter(Draft202012Validator(schema).is_valid)


def refused(name: str, payload: Any) -> dict[str, str]:
    with pytest.raises(DataValidationError) as caught:
        messages.validate_payload(name, payload)
    assert caught.value.code == "validation_failed"
    return caught.value.fields


def test_every_message_of_the_library_has_a_valid_2020_12_schema() -> None:
    assert set(messages.SCHEMAS) == set(elements.MESSAGES)
    for name, schema in messages.SCHEMAS.items():
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == messages.DIALECT
        assert schema["additionalProperties"] is False and schema["title"], name
        for field, sub in schema["properties"].items():
            assert sub["title"] and sub.get("description"), (name, field)
            if sub["type"] == "string":
                assert sub.get("maxLength") or sub.get("oneOf"), (name, field)


def test_the_rating_in_the_wrong_shape_names_both_fields() -> None:
    assert refused("rating", {"rating": "satisfied"}) == {
        "level": "必填",
        "rating": messages.UNKNOWN_FIELD,
    }
    reason = refused("rating", {"level": "great"})["level"]
    assert reason.startswith("取值应为：very_satisfied（非常满意）、satisfied（满意）")
    assert messages.validate_payload("rating", {"level": "basic", "comment": "还行"}) == {
        "level": "basic",
        "comment": "还行",
    }


def test_rating_levels_are_the_ones_the_figures_count() -> None:
    from engine.stats.figures import RATING_LEVELS

    choices = messages.SCHEMAS["rating"]["properties"]["level"]["oneOf"]
    assert tuple(c["const"] for c in choices) == RATING_LEVELS == messages.RATING_LEVELS


def test_a_county_refusal_needs_its_reasons() -> None:
    assert refused("county_decision", {"approved": False}) == {"opinion": "必填"}
    assert refused("county_decision", {"approved": False, "opinion": ""}) == {"opinion": "不能为空"}
    assert refused("county_decision", {"approved": "yes"}) == {
        "approved": "应为是或否（true/false）"
    }
    assert messages.validate_payload("county_decision", {"approved": True}) == {"approved": True}


@pytest.mark.parametrize(
    ("name", "payload", "expected"),
    [
        ("hearing_requested", {"kind": "听证"}, {"kind": "取值应为：statement（陈述、申辩）、hearing（要求举行听证）"}),
        ("public_notice_objection", {}, {"content": "必填"}),
        ("public_notice_objection", {"content": "x" * 2001}, {"content": "不能超过 2000 个字"}),
        ("public_notice_objection", {"content": "a\x00b"}, {"content": "不能包含 NUL 字符（U+0000）或孤立的 UTF-16 代理项"}),
        ("materials_resubmitted", {"materials": ["身份证", "", 3]}, {"materials.1": "不能为空", "materials.2": "应为文本"}),
        ("pledge_fulfilled", {"materials": ["x"] * 51}, {"materials": "不能超过 50 项"}),
        ("pledge_fulfilled", [], {messages.ROOT: "应为 JSON 对象"}),
    ],
)  # fmt: skip
def test_each_wrong_field_is_named_with_a_chinese_reason(
    name: str, payload: Any, expected: dict[str, str]
) -> None:
    assert refused(name, payload) == expected


def test_a_message_the_library_does_not_define_does_not_exist() -> None:
    with pytest.raises(NotFound, match="没有名为“go”的消息"):
        messages.validate_payload("go", {})


@pytest.mark.parametrize("name", elements.MESSAGES)
def test_every_body_valid_by_the_schema_is_accepted(name: str) -> None:
    @settings(
        max_examples=30,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(from_schema(messages.SCHEMAS[name]))
    def accepted(payload: dict[str, Any]) -> None:
        assert messages.validate_payload(name, payload) == payload

    accepted()


@pytest.mark.parametrize("name", elements.MESSAGES)
def test_every_member_the_schema_does_not_know_is_refused(name: str) -> None:
    @settings(max_examples=15, derandomize=True, deadline=None)
    @given(from_schema(messages.SCHEMAS[name]), st.text(min_size=1, max_size=20))
    def refused_extra(payload: dict[str, Any], extra: str) -> None:
        if extra in messages.SCHEMAS[name]["properties"]:
            return
        assert refused(name, {**payload, extra: 1}).get(extra) == messages.UNKNOWN_FIELD

    refused_extra()


def test_lint_refuses_a_message_without_a_schema() -> None:
    path = BPMN / "common" / "common_evaluation.bpmn"
    source = path.read_bytes()
    renamed = source.replace(b'name="rating"', b'name="rated"', 1)
    assert renamed != source
    problems = lint([SourceFile(str(path), renamed)]).problems
    found = [p for p in problems if p.element_id == "Message_rating"]
    assert len(found) == 1 and "消息“rated”没有定义消息内容格式" in found[0].message
    assert lint([SourceFile(str(path), source)]).ok
