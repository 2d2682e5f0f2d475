"""Every code a person may read has a Chinese name (engine/labels.py): the sets of codes are
taken from the code and data that write them, not from a second hand-kept list."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from engine import labels, steps
from engine.ledger import lifecycle
from engine.runtime.case import CANCELLED, COMPLETED, OPEN, STATE_CHANGING
from engine.stats import GROUPINGS, RATING_LEVELS, Figures
from processes.channels import CHANNEL_ROLES, CHANNELS
from processes.org import ROLE_UNIT_KINDS, ROLES
from processes.resources import BPMN_DIR
from tests.support.shipped import shipped_catalogue

ENGINE = Path(labels.__file__).parent


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def written_event_types() -> set[str]:
    """The event types the engine's source writes: ``seal(type="…")``,
    ``EventInput(seq, "…", …)``, ``changes.apply(case_id, "…", …)``,
    ``changes.note(case_id, "…", …)`` and ``changes.follow(record, events, payloads, "…", …)``."""
    found: set[str] = set()
    for path in ENGINE.rglob("*.py"):
        if {"design", "migrations"} & set(path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else None
            callee = callee or (node.func.id if isinstance(node.func, ast.Name) else None)
            if callee == "seal":
                found.update(
                    value
                    for k in node.keywords
                    if k.arg == "type" and (value := _literal(k.value)) is not None
                )
            elif callee in ("EventInput", "apply", "note", "follow") and len(node.args) > 1:
                value = _literal(node.args[3 if callee == "follow" else 1])
                if value is not None and re.fullmatch(r"[a-z]+_[a-z_]+", value):
                    found.add(value)
    return found


def test_every_event_type_the_engine_writes_has_a_name() -> None:
    written = written_event_types() | STATE_CHANGING | set(steps.WARNING_EVENTS)
    assert {"case_started", "incident", "task_claimed", "warning_red"} <= written  # the scan works
    assert written == set(labels.EVENT_TYPES), "an event type without a name, or a stale name"
    assert all(name.strip() for name in labels.EVENT_TYPES.values())


def test_case_statuses_roles_channels_and_messages_have_names() -> None:
    assert set(labels.CASE_STATUSES) == {OPEN, COMPLETED, CANCELLED}
    assert set(ROLE_UNIT_KINDS) == set(labels.ROLES) == set(ROLES)
    assert set(CHANNEL_ROLES) == set(labels.CHANNELS) == set(CHANNELS)
    assert set(CHANNEL_ROLES.values()) <= set(ROLES)
    declared = {
        match
        for path in BPMN_DIR.rglob("*.bpmn")
        for match in re.findall(
            r'<bpmn:message\b[^>]*\bname="([^"]+)"', path.read_text(encoding="utf-8")
        )
    }
    assert declared, "the library declares no message"
    assert declared <= set(labels.MESSAGES), "a message of the library without a name"


def test_every_catalogue_code_has_a_name() -> None:
    catalogue = shipped_catalogue()
    assert {i.decided_at for i in catalogue} <= set(labels.DECIDED_AT)
    assert {i.limit_unit for i in catalogue} <= set(labels.LIMIT_UNITS)
    assert {i.public_notice_unit for i in catalogue if i.public_notice_days} <= set(
        labels.LIMIT_UNITS
    )
    assert {i.kind for i in catalogue} <= set(labels.KIND_NAMES)
    assert {i.type for i in catalogue} <= set(labels.TYPE_NAMES)


def test_every_ledger_code_has_a_name() -> None:
    assert set(lifecycle.AFTER) == set(labels.ENTRY_TYPES)
    assert set(lifecycle.ACTIONS) < set(labels.ENTRY_TYPES)
    assert set(lifecycle.AFTER.values()) == set(labels.ISSUE_STATUSES)
    levels = set(lifecycle.NEXT_LEVEL) | set(lifecycle.NEXT_LEVEL.values())
    assert levels == set(labels.ISSUE_LEVELS)


def test_every_figure_has_a_name_kind_and_definition() -> None:
    shown = Figures(ledger_recorded=0, ledger_resolved=0).as_dict()
    assert set(shown) == set(labels.FIGURES), "a figure without a name, or a stale name"
    for code, figure in labels.FIGURES.items():
        assert figure.name and figure.description, code
        assert figure.kind in labels.FIGURE_KINDS, code
        value = shown[code]
        if figure.kind == "levels":
            assert isinstance(value, dict) and tuple(value) == RATING_LEVELS
        elif figure.kind == "rate":
            assert figure.nullable and value is None  # no denominator
        elif not figure.nullable:
            assert isinstance(value, int), code
    assert len({f.name for f in labels.FIGURES.values()}) == len(labels.FIGURES)
    assert tuple(labels.RATING_LEVELS) == RATING_LEVELS
    assert tuple(labels.GROUPINGS) == GROUPINGS


def test_every_table_is_listed_and_readable() -> None:
    assert labels.TABLES["event_types"] is labels.EVENT_TYPES
    for table, names in labels.TABLES.items():
        assert names, table
        for code, name in names.items():
            assert re.search(r"[\u4e00-\u9fff]", name), (table, code, name)  # Chinese
    assert labels.name_of(labels.CASE_STATUSES, "open") == "在办"
    assert labels.name_of(labels.CASE_STATUSES, "newer_status") == "newer_status"
    assert labels.name_of(labels.CASE_STATUSES, None) is None
    assert labels.choices({"a": "甲", "b": "乙"}) == "a 甲 · b 乙"
