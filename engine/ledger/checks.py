"""What a valid issue and a valid entry are: the categories and sources a village agent
chooses from, the length limits, the note every entry needs and where a transfer may go.

Each check returns every problem at once, field by field (``{"field": "message"}``); the
service raises ``DataValidationError`` with them. Whether the caller may record for a
village is the policy's (``engine.policy.recording_refusal``).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.identity import Principal
from engine.labels import ISSUE_CATEGORIES as CATEGORIES
from engine.labels import ISSUE_SOURCES as SOURCES
from engine.policy import recording_refusal
from engine.records import IssueRecord
from processes.org import Organization
from processes.patterns import PHONE_RE

MAX_NAME = 50
MAX_CONTENT = 2000
MAX_NOTE = 1000


@dataclass(frozen=True)
class NewIssue:
    """What a village agent records."""

    village: str
    resident_name: str
    category: str
    content: str
    source: str
    resident_phone: str | None = None


def check_new(org: Organization, principal: Principal, new: NewIssue) -> dict[str, str]:
    """The problems of a new issue recorded by ``principal``."""
    errors: dict[str, str] = {}
    village = org.units.get(new.village)
    if village is None or village.kind not in ("village", "community"):
        errors["village"] = "应为本县一个村（社区）的 12 位区划代码"
    elif (refusal := recording_refusal(principal, new.village)) is not None:
        errors["village"] = refusal.message
    name = new.resident_name.strip()
    if not name:
        errors["resident.name"] = "必填"
    elif len(name) > MAX_NAME:
        errors["resident.name"] = f"不能超过 {MAX_NAME} 个字"
    phone = (new.resident_phone or "").strip()
    if phone and not PHONE_RE.match(phone):
        errors["resident.phone"] = "应为 11 位手机号或 0818-1234567 式座机号"
    if new.category not in CATEGORIES:
        errors["category"] = "取值应为：" + "、".join(CATEGORIES)
    content = new.content.strip()
    if not content:
        errors["content"] = "必填：群众反映的问题"
    elif len(content) > MAX_CONTENT:
        errors["content"] = f"不能超过 {MAX_CONTENT} 个字"
    if new.source not in SOURCES:
        errors["source"] = "取值应为：" + "、".join(SOURCES)
    return errors


def check_entry(
    org: Organization, issue: IssueRecord, action: str, note: str, department: str | None
) -> dict[str, str]:
    """The problems of the note and department of an ``action`` on ``issue``."""
    errors = check_note(note)
    if action == "transfer":
        errors.update(check_transfer(org, issue, department))
    elif department is not None:
        errors["department"] = "只有转办到县级部门时填写"
    return errors


def check_note(note: str) -> dict[str, str]:
    text = note.strip()
    if not text:
        return {"note": "必填：答复、转办或办结情况，或群众不满意的原因"}
    if len(text) > MAX_NOTE:
        return {"note": f"不能超过 {MAX_NOTE} 个字"}
    return {}


def check_transfer(org: Organization, issue: IssueRecord, department: str | None) -> dict[str, str]:
    if issue.level == "village":
        if department is not None:
            return {"department": "村上不能解决的事项转乡上，不直接转县级部门"}
        return {}
    if issue.level != "township":
        return {}
    if not department:
        return {"department": "必填：乡镇转县级部门时须指定承办部门"}
    unit = org.units.get(department)
    if unit is None or unit.kind != "department":
        return {"department": "不是本县的县级部门代码"}
    return {}
