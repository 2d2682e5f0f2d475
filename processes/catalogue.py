"""The item catalogue (事项目录): devolved items and proxy powers, as data a county edits.

One YAML file per department in ``processes/catalogue/``, validated at load time
against ``processes/schema/catalogue.schema.json`` plus the rules that span fields
(limits that add up, materials that may be missing only when required, ...). Every
problem of every file is reported at once as ``PATH:LINE: FIELD: message``.
Nothing in the code names a specific item.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from processes import resources
from processes.org import DECIDING_STATION_KINDS
from processes.remedies import DEFAULT_REMEDIES
from processes.yamlfile import DataFileError, field_path, line_at, load_yaml

CATALOGUE_DIR = resources.CATALOGUE_DIR
SCHEMA_FILE = resources.CATALOGUE_SCHEMA

TYPE_NAMES = {
    "licence": "行政许可",
    "penalty": "行政处罚",
    "enforcement_measure": "行政强制",
    "levy": "行政征收",
    "payment": "行政给付",
    "inspection": "行政检查",
    "confirmation": "行政确认",
    "reward": "行政奖励",
    "adjudication": "行政裁决",
    "other": "其他行政权力",
    "public_service": "公共服务",
}
KIND_NAMES = {"devolved": "下放乡镇管理事项", "proxy": "下放代办服务职权"}
# How a county department decides a case handed to it (T->C and C items): one route per
# case, chosen by the department (``department.county_decision``), overridable per item.
COUNTY_BY_TASK = "task"  # its officer works the decision task in daiban
COUNTY_BY_CALLBACK = "callback"  # its own system posts the ``county_decision`` message
COUNTY_DECISION_ROUTES = {
    COUNTY_BY_TASK: "县级部门经办人在 daiban 中办理审批决定任务",
    COUNTY_BY_CALLBACK: "县级部门业务系统回传审批结果（消息 county_decision）",
}
# Who decides (``decided_at``). Township-level handling: T. A county department decides
# after the township (T->C) or alone (C). A grassroots station (基层站所) decides what the
# township or village only accepts (T->S; ``station`` names its kind). The province
# decides after the county department's first review (T->C->P).
COUNTY_LEVELS = ("T->C", "C")
BY_STATION = "T->S"
BY_PROVINCE = "T->C->P"
# Excluded periods an item's own statutory step of the same name marks (检测, 专家评审):
# an item that excludes one must have the step.
PERIOD_STEPS = ("testing", "expert_review")
TOWNSHIP_REVIEWED = ("T", "T->C")  # the township reviews before the decision or decides
# The step limit (``limits.steps``) of each deciding level and the levels that have it.
DECISION_STEPS = {
    "county_decision": (*COUNTY_LEVELS, BY_PROVINCE),
    "station_decision": (BY_STATION,),
    "province_decision": (BY_PROVINCE,),
}


@dataclass(frozen=True)
class Material:
    name: str
    required: bool
    form: str
    tolerable: bool = False
    copies: int = 1
    source: str = ""
    check: str = ""


@dataclass(frozen=True)
class BatchSpec:
    """A yearly payout list (年度发放清册, ``batch:`` in the catalogue): one case per
    ``unit`` (village) and year holds the list; each line is one beneficiary with the
    ``area_label`` measure (亩) the amount is computed from."""

    unit: str
    area_label: str
    max_lines: int


@dataclass(frozen=True)
class Item:
    """One catalogue entry (实施清单要素)."""

    code: str
    name: str
    kind: str
    type: str
    decided_at: str
    power: str
    department_code: str
    department: str
    legal_basis: tuple[str, ...]
    conditions: tuple[str, ...]
    materials: tuple[Material, ...]
    statutory_limit: int
    promised_limit: int
    limit_unit: str
    on_the_spot: bool
    step_limits: Mapping[str, int]
    fees: str
    result_document: str
    delivery: tuple[str, ...]
    proxy_allowed: bool
    pickup: tuple[str, ...]
    process_id: str
    source: str
    line: int = 0  # where the entry starts in its file
    initiated_by: str = "applicant"
    public_notice_days: int = 0
    public_notice_unit: str = "calendar_days"
    public_notice_yearly: bool = False
    special_steps: tuple[str, ...] = ()
    excluded_from_limit: tuple[str, ...] = ()
    urgent: bool = False
    online_depth: int = 1
    visits: int = 1
    appeal: str = ""
    county_decision: str = COUNTY_BY_TASK  # the route of the county's decision
    batch: BatchSpec | None = None  # a yearly payout list instead of single applications
    station: str = ""  # the kind of grassroots station deciding a T->S item
    remedies: tuple[str, ...] = ()  # an enforcement item's measures (processes.remedies)

    @property
    def type_name(self) -> str:
        return TYPE_NAMES[self.type]

    @property
    def county_decides(self) -> bool:
        """A county department decides a case of this item (T->C, C): not one decided on
        the spot, nor an enforcement case opened by staff."""
        return (
            self.decided_at in COUNTY_LEVELS
            and not self.on_the_spot
            and self.initiated_by != "staff"
        )

    @property
    def station_decides(self) -> bool:
        """A grassroots station decides a case of this item (T->S)."""
        return self.decided_at == BY_STATION and not self.on_the_spot

    @property
    def province_decides(self) -> bool:
        """The province decides a case of this item after the county's first review."""
        return self.decided_at == BY_PROVINCE and not self.on_the_spot

    @property
    def township_reviews(self) -> bool:
        """The township reviews (and for T items decides) a case of this item."""
        return (
            self.decided_at in TOWNSHIP_REVIEWED
            and not self.on_the_spot
            and self.initiated_by != "staff"
        )

    @property
    def county_route(self) -> str | None:
        """How the county decides a case of this item (``county_decision``), or None when
        no county department decides it (``county_decides``)."""
        return self.county_decision if self.county_decides else None

    def process_data(self) -> dict[str, Any]:
        """What a case of this item carries in its data as ``item`` (plain JSON)."""
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "type": self.type,
            "decided_at": self.decided_at,
            "department": self.department,
            "licence": self.type == "licence",
            "promised_limit": self.promised_limit,
            "statutory_limit": self.statutory_limit,
            "limit_unit": self.limit_unit,
            "on_the_spot": self.on_the_spot,
            "step_limits": dict(self.step_limits),
            "public_notice_days": self.public_notice_days,
            "public_notice_unit": self.public_notice_unit,
            "excluded": list(self.excluded_from_limit),
            "proxy_allowed": self.proxy_allowed,
            "pickup": list(self.pickup),
            "delivery": list(self.delivery),
            "result_document": self.result_document,
            "materials": [m.name for m in self.materials],
            "required_materials": [m.name for m in self.materials if m.required],
            "tolerable_materials": [m.name for m in self.materials if m.tolerable],
            "urgent": self.urgent,
            "county_decision": self.county_decision,
            # the shared activities branch on some (``leader_sign_off``, ``county_spot_check``)
            "special_steps": list(self.special_steps),
            "station": self.station,
            # only enforcement items carry it: other items' case data keeps its shape
            **({"remedies": list(self.remedies)} if self.remedies else {}),
        }


@dataclass
class Catalogue:
    items: dict[str, Item] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items.values())

    def __len__(self) -> int:
        return len(self.items)

    def get(self, code: str) -> Item | None:
        return self.items.get(code)

    def by_process_id(self) -> dict[str, Item]:
        return {item.process_id: item for item in self.items.values()}

    def count(self, kind: str) -> int:
        return sum(1 for item in self.items.values() if item.kind == kind)


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def default_process_id(code: str) -> str:
    return f"item_{code.lower()}"


def load_catalogue(folder: Path | None = None) -> Catalogue:
    """Load and validate every ``*.yaml`` in ``folder`` (default: the shipped catalogue);
    raise DataFileError listing all problems."""
    folder = folder or CATALOGUE_DIR
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise DataFileError([f"{folder}:0: -: 目录中没有事项文件（*.yaml）"])
    catalogue = Catalogue()
    problems: list[str] = []
    seen_process: dict[str, str] = {}
    for path in files:
        try:
            data, node = load_yaml(path)
        except DataFileError as error:
            problems.extend(error.problems)
            continue
        file_problems = [
            f"{path}:{line_at(node, where)}: {field_path(where)}: {message}"
            for where, message in _problems(data)
        ]
        problems.extend(file_problems)
        if file_problems:
            continue
        for index, raw in enumerate(data["items"]):
            item = _item(raw, data["department"], str(path), line_at(node, ["items", index]))
            where: list[str | int] = ["items", index, "code"]
            if item.code in catalogue.items:
                problems.append(
                    f"{path}:{line_at(node, where)}: {field_path(where)}: "
                    f"事项编码 {item.code} 与 {catalogue.items[item.code].source} 重复"
                )
                continue
            if item.process_id in seen_process:
                where = ["items", index, "process_id"]
                problems.append(
                    f"{path}:{line_at(node, where)}: {field_path(where)}: "
                    f"流程 id {item.process_id} 已被事项 {seen_process[item.process_id]} 使用"
                )
                continue
            seen_process[item.process_id] = item.code
            catalogue.items[item.code] = item
    if problems:
        raise DataFileError(problems)
    return catalogue


def _problems(data: Any) -> Iterator[tuple[list[str | int], str]]:
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    for error in errors:
        yield list(error.absolute_path), _schema_message(error)
    if errors:
        return
    department = data["department"]["code"]
    for index, item in enumerate(data["items"]):
        for where, message in _rules(item, department):
            yield ["items", index, *where], message


def _schema_message(error: ValidationError) -> str:
    kind = error.validator
    instance: Any = error.instance
    expected: Any = error.validator_value
    schema: Any = error.schema
    if kind == "required":
        missing = [name for name in expected if name not in instance]
        return "缺少必填字段：" + "、".join(missing)
    if kind == "additionalProperties":
        allowed = set(schema.get("properties", {}))
        return "未知字段：" + "、".join(sorted(set(instance) - allowed))
    if kind == "type":
        names = {"string": "文本", "integer": "整数", "boolean": "true 或 false", "array": "列表",
                 "object": "字段表"}  # fmt: skip
        return f"应为{names.get(str(expected), expected)}"
    if kind == "enum":
        return "取值应为：" + "、".join(map(str, expected))
    if kind in ("minimum", "maximum"):
        return f"应{'不小于' if kind == 'minimum' else '不大于'} {expected}"
    if kind == "pattern":
        return f"格式不正确（应匹配 {expected}）"
    if kind in ("minItems", "minLength"):
        return "不能为空"
    if kind == "uniqueItems":
        return "有重复的取值"
    return error.message


def _rules(item: dict[str, Any], department: str) -> Iterator[tuple[list[str | int], str]]:
    """Rules that span fields."""
    if not item["code"].startswith(department):
        yield ["code"], f"事项编码应以部门编码 {department} 开头"
    process_id = item.get("process_id")
    if process_id is not None and process_id != default_process_id(item["code"]):
        yield ["process_id"], f"流程 id 应为 {default_process_id(item['code'])}（由事项编码导出）"
    limits = item["limits"]
    if limits["promised"] > limits["statutory"]:
        yield ["limits", "promised"], "承诺时限不能超过法定时限"
    if limits["on_the_spot"] and limits["promised"] != 0:
        yield ["limits", "promised"], "即办件的承诺时限应为 0"
    if not limits["on_the_spot"] and limits["promised"] == 0:
        yield ["limits", "promised"], "承诺件的承诺时限至少 1 天"
    steps = limits["steps"]
    if not limits["on_the_spot"] and sum(steps.values()) > limits["promised"]:
        yield (
            ["limits", "steps"],
            f"各环节时限之和（{sum(steps.values())}）超过承诺时限（{limits['promised']}）",
        )
    yield from _decider_rules(item)
    for index, material in enumerate(item["materials"]):
        if material.get("tolerable") and not material["required"]:
            yield ["materials", index, "tolerable"], "只有必需材料才能容缺受理"
    proxy = item["proxy"]
    if proxy["allowed"] and not proxy.get("pickup"):
        yield ["proxy", "pickup"], "允许代办的事项应列出接件方式"
    if not proxy["allowed"] and proxy.get("pickup"):
        yield ["proxy", "pickup"], "不允许代办的事项不应列出接件方式"
    if item["kind"] == "proxy" and not proxy["allowed"]:
        yield ["proxy", "allowed"], "代办服务职权必须允许代办"
    if item.get("initiated_by") == "staff":
        if item["type"] not in ("penalty", "enforcement_measure", "inspection"):
            yield ["type"], "依职权发起的事项应为行政处罚、行政强制或行政检查"
        if proxy["allowed"]:
            yield ["proxy", "allowed"], "依职权发起的执法事项不能代办"
    if item.get("remedies") and (
        item.get("initiated_by") != "staff" or item["type"] == "inspection"
    ):
        yield ["remedies"], "处理措施（remedies）只适用于依职权发起的行政处罚、行政强制事项"
    notice = item.get("public_notice")
    counted = (
        notice and "public_notice" not in limits.get("excluded", []) and not limits["on_the_spot"]
    )
    if (
        notice
        and counted
        and notice["days"] > limits["promised"]
        and notice["unit"] == limits["unit"]
    ):
        yield ["public_notice", "days"], "公示期长于承诺时限，应将公示期列入 limits.excluded"
    if "public_notice" in limits.get("excluded", []) and not (notice and notice["days"] > 0):
        # the shared review moves the due date when its notice ends: no notice, no period
        yield ["limits", "excluded"], "事项没有公示，不能把公示期间列入 limits.excluded"
    for period in PERIOD_STEPS:
        # the item's own step marks the period (engine/design/templates/items.py)
        if period in limits.get("excluded", []) and period not in item.get("special_steps", []):
            yield (
                ["limits", "excluded"],
                f"事项把 {period} 列入 limits.excluded，应有同名的法定环节（special_steps）",
            )


def _decider_rules(item: dict[str, Any]) -> Iterator[tuple[list[str | int], str]]:
    """Who decides: the step limits and fields that belong to the deciding level."""
    level = item["decided_at"]
    # an item the township decides up to an amount has the county's step for the rest
    over_limit = "county_over_limit" in item.get("special_steps", [])
    for step, levels in DECISION_STEPS.items():
        if step == "county_decision" and over_limit:
            continue
        if step in item["limits"]["steps"] and level not in levels:
            yield ["limits", "steps", step], f"办理层级为 {level} 的事项没有该决定环节（{step}）"
    if "county_decision" in item and level not in COUNTY_LEVELS:
        yield (
            ["county_decision"],
            f"办理层级为 {level} 的事项不由县级部门决定，不能指定县级决定方式",
        )
    if level == BY_STATION and "station" not in item:
        kinds = "、".join(f"{k}（{v}）" for k, v in DECIDING_STATION_KINDS.items())
        yield ["station"], f"由基层站所决定的事项（T->S）应写明站所类型：{kinds}"
    if level != BY_STATION and "station" in item:
        yield ["station"], "只有由基层站所决定的事项（T->S）写明站所类型"


def _item(raw: dict[str, Any], department: Mapping[str, Any], source: str, line: int) -> Item:
    limits = raw["limits"]
    notice = raw.get("public_notice") or {}
    proxy = raw["proxy"]
    return Item(
        code=raw["code"],
        name=raw["name"],
        kind=raw["kind"],
        type=raw["type"],
        decided_at=raw["decided_at"],
        power=raw["power"],
        department_code=department["code"],
        department=department["name"],
        legal_basis=tuple(raw["legal_basis"]),
        conditions=tuple(raw["conditions"]),
        materials=tuple(Material(**m) for m in raw["materials"]),
        statutory_limit=limits["statutory"],
        promised_limit=limits["promised"],
        limit_unit=limits["unit"],
        on_the_spot=limits["on_the_spot"],
        step_limits=dict(limits["steps"]),
        excluded_from_limit=tuple(limits.get("excluded", ())),
        fees=raw["fees"],
        result_document=raw["result"]["document"],
        delivery=tuple(raw["result"]["delivery"]),
        proxy_allowed=proxy["allowed"],
        pickup=tuple(proxy.get("pickup", ())),
        urgent=proxy.get("urgent", False),
        process_id=raw.get("process_id") or default_process_id(raw["code"]),
        source=source,
        line=line,
        initiated_by=raw.get("initiated_by", "applicant"),
        public_notice_days=notice.get("days", 0),
        public_notice_unit=notice.get("unit", "calendar_days"),
        public_notice_yearly=notice.get("yearly", False),
        special_steps=tuple(raw.get("special_steps", ())),
        remedies=tuple(raw.get("remedies", DEFAULT_REMEDIES if raw["type"] == "penalty" else ())),
        online_depth=raw.get("online_depth", 1),
        visits=raw.get("visits", 1),
        appeal=raw.get("appeal", ""),
        county_decision=raw.get("county_decision")
        or department.get("county_decision", COUNTY_BY_TASK),
        batch=BatchSpec(**raw["batch"]) if "batch" in raw else None,
        station=raw.get("station", ""),
    )
