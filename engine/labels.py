"""The Chinese name of every code a person may read (programs use the codes).

One place: case statuses, history event types (warnings and incidents included), message
names, the issue ledger's statuses, levels, entry types, categories and sources, rating
levels, the groupings and every supervision figure, where an item is decided and how its
limits count, and — re-exported from where they are defined — roles, kinds of unit,
registration channels and the kinds and types of item (``processes``), and where an
absence comes from and stands (``engine.records``). Org units, items and
people are named by their own data (``unit_name``; the catalogue; the organisation).

Every answer that shows a code puts its name beside it: ``status`` + ``status_name``,
``type`` + ``type_name``, ``role`` + ``role_name``, ``org_unit`` + ``org_unit_name`` …
(``tests/unit/test_labels.py`` checks that every code the engine can write has a name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine import elements
from engine.records.absences import ABSENCE_SOURCES, ABSENCE_STATUSES
from engine.records.runs import RUN_KINDS, RUN_STATUSES
from processes.catalogue import COUNTY_DECISION_ROUTES, KIND_NAMES, TYPE_NAMES
from processes.channels import CHANNELS
from processes.org import ROLES, STATION_KINDS, TOWNSHIP_GROUPS, UNIT_KINDS, Organization
from processes.remedies import REMEDIES

__all__ = [
    "ABSENCE_SOURCES",
    "ABSENCE_STATUSES",
    "APPLICANT_KINDS",
    "BATCH_LINE_STATUSES",
    "BATCH_STEPS",
    "CASE_STATUSES",
    "CHANNELS",
    "DECIDED_AT",
    "DOCUMENT_KINDS",
    "ENTRY_TYPES",
    "EVENT_FIELDS",
    "EVENT_FIELD_VALUES",
    "EVENT_TYPES",
    "EXCLUDED_PERIODS",
    "FIGURES",
    "FIGURE_KINDS",
    "GROUPINGS",
    "ISSUE_CATEGORIES",
    "ISSUE_LEVELS",
    "ISSUE_SOURCES",
    "ISSUE_STATUSES",
    "KIND_NAMES",
    "LIMIT_MET_REASONS",
    "LIMIT_UNITS",
    "MATERIAL_FORMS",
    "MESSAGES",
    "RANKING_MEASURES",
    "RATING_CHANNELS",
    "RATING_LEVELS",
    "RATING_REASONS",
    "REGISTRATION_FIELDS",
    "REGISTRATION_VALUES",
    "REMEDIES",
    "ROLES",
    "RUN_KINDS",
    "RUN_STATUSES",
    "STATION_KINDS",
    "TABLES",
    "TOWNSHIP_GROUPS",
    "TYPE_NAMES",
    "UNIT_KINDS",
    "Figure",
    "choices",
    "name_of",
    "unit_name",
]

# A case's status (办件状态): the process is running, has ended, or was cancelled.
CASE_STATUSES = {"open": "在办", "completed": "已办结", "cancelled": "已撤件"}

# The events of a case's history (engine/runtime/case.py STATE_CHANGING, the incident of
# engine/cases/changes.py, the warnings of engine/steps.py).
EVENT_TYPES = {
    "case_started": "收件登记",
    "task_completed": "办理任务",
    "task_claimed": "认领任务",
    "task_released": "放弃认领",
    "task_assigned": "指派任务",
    "message_received": "收到消息",
    "timers_fired": "时限到期",
    "case_cancelled": "撤件",
    "incident": "流程异常",
    "warning_yellow": "黄牌预警",
    "warning_red": "红牌预警",
    "rating_appealed": "评价申诉",
    "rating_appeal_decided": "评价申诉裁定",
    "document_issued": "出具文书",
    "attachment_added": "上传材料附件",
    "batch_lines_added": "清册添加名单",
    "batch_line_struck": "核减清册名单",
    "batch_line_corrected": "更正清册名单",
    "batch_payments_recorded": "登记一卡通发放结果",
    "due_date_extended": "扣除不计时期间，顺延期限",
    "limit_met": "已作出决定，办案期限计算终止",
}

# How a catalogue material is handed in (processes/catalogue.py Material.form).
MATERIAL_FORMS = {
    "original": "原件",
    "copy": "复印件",
    "original_and_copy": "原件及复印件",
    "electronic": "电子材料",
}

# The documents printed from a case (文书, engine/documents/kinds.py).
DOCUMENT_KINDS = {
    "receipt": "收件回执",
    "entrustment": "代办委托书",
    "handover": "材料交接单",
    "acceptance": "受理通知书",
    "supplement": "补正材料通知书（一次性告知书）",
    "refusal": "不予受理通知书",
    "completion": "办结通知书",
    "service_record": "送达回证",
}

# The messages the shared activities wait for (engine/elements.py).
MESSAGES = {
    elements.COUNTY_DECISION: "县级部门办理结果",
    elements.MATERIALS_RESUBMITTED: "申请人补正材料",
    elements.PLEDGE_FULFILLED: "申请人补交容缺材料",
    elements.PUBLIC_NOTICE_OBJECTION: "公示异议",
    elements.HEARING_REQUESTED: "陈述申辩或听证申请",
    elements.RATING: "办事评价",
    elements.BATCH_OBJECTION: "清册公示异议",
}

# A line of a yearly payout list (发放清册, engine/batch): where it stands.
BATCH_LINE_STATUSES = {
    "listed": "在册",
    "objected": "公示有异议",
    "struck": "已核减",
    "paid": "已发放",
    "failed": "发放失败",
}
# Where a payout list stands: the step open now (engine/batch).
BATCH_STEPS = {
    "compile": "村级编制",
    "review": "乡镇审核",
    "post": "张贴公示",
    "notice": "公示期间",
    "approval": "县级审批",
    "payment": "“一卡通”发放",
    "publish": "公布结果",
    "done": "已办结",
    "cancelled": "已撤件",
}

# The issue ledger (问题台账, engine/ledger).
ISSUE_STATUSES = {"open": "办理中", "answered": "已答复", "resolved": "已解决"}
ISSUE_LEVELS = {"village": "村（社区）", "township": "乡镇", "county": "县级部门"}
ENTRY_TYPES = {
    "recorded": "登记",
    "answer": "答复群众",
    "transfer": "转办",
    "resolve": "办结",
    "reopen": "重新办理",
}
ISSUE_CATEGORIES = {  # 下组“三听”: 工作情况、产业发展难题、困难群众民生
    "livelihood": "民生保障",
    "industry": "产业发展",
    "infrastructure": "基础设施",
    "land": "土地林地",
    "dispute": "矛盾纠纷",
    "environment": "环境卫生",
    "policy": "政策咨询",
    "other": "其他",
}
ISSUE_SOURCES = {
    "meeting": "碰头会",
    "visit": "走访",
    "phone": "来电",
    "window": "代办点窗口",
    "courtyard": "院坝会",
    "other": "其他",
}

# A resident's rating of a case (办事评价), best first (engine/stats RATING_LEVELS).
RATING_LEVELS = {
    "very_satisfied": "非常满意",
    "satisfied": "满意",
    "basic": "基本满意",
    "dissatisfied": "不满意",
    "very_dissatisfied": "非常不满意",
}
# How a rating reached the case (engine/ratings.py): only the resident's link is genuine.
RATING_CHANNELS = {
    "link": "群众本人（评价链接）",
    "paper": "纸质评价表（工作人员录入）",
    "pad": "窗口评价器（工作人员录入）",
}
# The reasons a resident gives for a bad rating (不满意、非常不满意), to choose from.
RATING_REASONS = {
    "slow": "办理时间长",
    "many_trips": "多次跑腿",
    "attitude": "服务态度不好",
    "unclear": "告知不清楚、不一次性",
    "materials": "要求的材料多",
    "result": "对办理结果不满意",
    "other": "其他",
}

# Who applies (engine/registration.py): a person, or a legal person or other organisation.
APPLICANT_KINDS = {"person": "自然人", "organisation": "法人或其他组织"}

# The catalogue (processes/catalogue.py): kinds and types of item, where an item is decided,
# how its limits are counted.
DECIDED_AT = {
    "T": "乡镇办结",
    "T->C": "乡镇受理、县级部门决定",
    "C": "县级部门办理",
    "T->S": "乡镇（村）受理、基层站所决定",
    "T->C->P": "乡镇受理、县级部门初审、省级部门决定",
}
LIMIT_UNITS = {"working_days": "工作日", "calendar_days": "自然日"}

# The periods a limit does not count (catalogue ``limits.excluded``, engine/periods.py).
EXCLUDED_PERIODS = {
    "public_notice": "公示期间",
    "supplement": "补正材料期间",
    "hearing": "听证期间",
    "testing": "检验检测期间",
    "expert_review": "专家评审期间",
    "assessment": "鉴定评估期间",
}

# Why a case's limit was met (engine/periods.py MET_REASONS, event ``limit_met``).
LIMIT_MET_REASONS = {
    "decided": "作出行政处罚决定",
    "not_penalised": "作出不予行政处罚决定",
    "not_established": "违法事实不成立，撤销立案",
}

# How supervision figures are grouped (engine/stats GROUPINGS).
GROUPINGS = {
    "county": "全县",
    "township": "乡镇",
    "village": "村（社区）",
    "item": "事项",
    "department": "县级部门",
    "kind": "事项类别（下放/代办）",
}

# What the townships are ranked by (engine/reports MEASURES).
RANKING_MEASURES = {"satisfaction": "满意率", "on_time": "按期办结率"}

# What a case records at registration (engine/registration.py: the ``data`` of its
# ``case_started`` event), by the field's path in that data (``applicant.id_number``).
REGISTRATION_FIELDS = {
    "item": "事项",
    "item.code": "事项编码",
    "item.name": "事项名称",
    "item.kind": "事项类别",
    "item.type": "事项类型",
    "item.decided_at": "办理层级",
    "item.department": "主管部门",
    "item.licence": "行政许可事项",
    "item.promised_limit": "承诺时限",
    "item.statutory_limit": "法定时限",
    "item.limit_unit": "时限单位",
    "item.on_the_spot": "即办件",
    "item.step_limits": "环节时限",
    "item.public_notice_days": "公示期",
    "item.public_notice_unit": "公示期单位",
    "item.excluded": "不计入办理时限的期间",
    "item.proxy_allowed": "可代办",
    "item.pickup": "代办接件方式",
    "item.delivery": "结果送达方式",
    "item.result_document": "办理结果",
    "item.materials": "申请材料",
    "item.required_materials": "必交材料",
    "item.tolerable_materials": "可容缺材料",
    "item.urgent": "急事急办事项",
    "item.county_decision": "县级部门决定方式",
    "item.remedies": "处理措施",
    "item.station": "决定站所类型",
    "applicant": "申请人",
    "applicant.name": "姓名",
    "applicant.id_number": "公民身份号码",
    "applicant.kind": "申请人类型",
    "applicant.uscc": "统一社会信用代码",
    "applicant.legal_representative": "法定代表人（负责人）",
    "applicant.phone": "联系电话",
    "applicant.address": "住址",
    "applicant.village": "所在村（社区）",
    "channel": "收件渠道",
    "via_proxy": "代办件",
    "emergency": "急事急办",
    "materials": "收件材料",
    "agent": "代办员",
}

# The codes among them, by path: code -> name.
REGISTRATION_VALUES: dict[str, Mapping[str, str]] = {
    "channel": CHANNELS,
    "applicant.kind": APPLICANT_KINDS,
    "item.kind": KIND_NAMES,
    "item.type": TYPE_NAMES,
    "item.decided_at": DECIDED_AT,
    "item.limit_unit": LIMIT_UNITS,
    "item.public_notice_unit": LIMIT_UNITS,
    "item.excluded": EXCLUDED_PERIODS,
    "item.county_decision": COUNTY_DECISION_ROUTES,
    "item.station": STATION_KINDS,
}

# What an event records beside the data submitted (engine/cases: the registration's
# process and routing, the task acted on, the message's name, the cancellation's reason,
# an incident's failed action, a warning's task and due time), by path.
EVENT_FIELDS = {
    "process_id": "流程",
    "definition_hash": "流程版本（哈希）",
    "data": "提交的数据",
    "item_code": "事项编码",
    "org_unit": "承办乡镇",
    "routing": "承办单位",
    "routing.township": "承办乡镇",
    "routing.village": "所在村（社区）",
    "routing.department": "县级部门",
    "routing.registered_unit": "收件单位",
    "task_id": "任务编号",
    "acting_for": "代岗所代的人",
    "user": "指派给",
    "name": "名称",
    "payload": "消息内容",
    "reason": "撤件原因",
    "action": "出错的操作",
    "action_payload": "出错操作的数据",
    "error": "错误",
    "code": "错误代码",
    "element_id": "出错的流程元素",
    "spec_id": "环节",
    "due_at": "环节时限",
    "due_date": "办结期限",
    "rating_channel": "评价渠道",
    "rating_seq": "所申诉的评价（事件序号）",
    "appeal_reason": "申诉理由",
    "appeal_seq": "所裁定的申诉（事件序号）",
    "upheld": "申诉是否成立",
    "opinion": "裁定意见",
    "kind": "文书种类",
    "document_id": "文书编号",
    "files": "文件",
    "files.sha256": "SHA-256",
    "files.name": "文件名",
    "files.size": "大小（字节）",
    "attachment_id": "附件编号",
    "material": "材料",
    "media_type": "文件类型",
    "size": "大小（字节）",
    "note": "备注",
    "lines": "清册名单",
    "lines.no": "序号",
    "lines.name": "姓名",
    "lines.id_number": "公民身份号码",
    "lines.account": "“一卡通”账号",
    "lines.area": "面积（亩）",
    "lines.amount": "金额（元）",
    "line": "清册序号",
    "results": "发放结果",
    "results.line": "清册序号",
    "results.paid": "是否发放成功",
    "results.reason": "失败原因",
    "period": "不计入办理时限的期间",
    "period_from": "期间开始日（不计入）",
    "period_to": "期间结束日",
    "excluded_days": "扣除天数",
    "limit_unit": "时限单位",
    "old_due_date": "原办结期限",
    "new_due_date": "顺延后的办结期限",
    "tasks": "顺延的环节",
    "tasks.task_id": "任务编号",
    "tasks.spec_id": "环节",
    "tasks.old_due_at": "原环节时限",
    "tasks.new_due_at": "顺延后的环节时限",
    "met_by": "办案期限终止的事由",
    "met_on": "作出决定之日",
    "in_time": "是否在办案期限内",
}

# The codes among them, by path (a message's ``name``, an incident's ``action``).
EVENT_FIELD_VALUES: dict[str, Mapping[str, str]] = {
    "name": MESSAGES,
    "action": EVENT_TYPES,
    "rating_channel": RATING_CHANNELS,
    "kind": DOCUMENT_KINDS,
    "period": EXCLUDED_PERIODS,
    "limit_unit": LIMIT_UNITS,
    "met_by": LIMIT_MET_REASONS,
}


FIGURE_KINDS = ("count", "rate", "days", "levels")


@dataclass(frozen=True)
class Figure:
    """A supervision figure (docs/supervision.md): its name, what it is and how to show
    it. ``kind``: ``count`` (a number of cases, steps, warnings or ratings), ``rate`` (a
    share from 0 to 1, null without a denominator), ``days`` (working days), ``levels``
    (a count per rating level)."""

    name: str
    description: str
    kind: str
    nullable: bool = False


def _count(name: str, description: str, *, nullable: bool = False) -> Figure:
    return Figure(name, description, "count", nullable)


def _rate(name: str, description: str) -> Figure:
    return Figure(name, f"{description}（无分母时为 null）", "rate", True)


def _days(name: str, description: str, *, mean: bool = False) -> Figure:
    suffix = "（无办件时为 null）" if mean else ""
    return Figure(name, description + suffix, "days", mean)


# Every figure of a report, in the order a report shows them (engine/stats Figures.as_dict).
FIGURES: dict[str, Figure] = {
    "registered": _count("收件数", "统计期内登记的办件"),
    "proxy_cases": _count("代办件数", "统计期内登记、经村（社区）代办的办件"),
    "accepted": _count("受理数", "统计期内受理（含容缺受理）的办件"),
    "on_the_spot": _count("即办件数", "受理数中的即办件"),
    "on_the_spot_share": _rate("即办件占比", "即办件数 / 受理数"),
    "returned": _count("退件数", "受理数中因容缺承诺未履行而退办的办件"),
    "return_rate": _rate("退件率", "退件数 / 受理数"),
    "intake_concluded": _count("受理审查完结数", "统计期内受理、不予受理或补正逾期的办件"),
    "first_time_right": _count("一次性通过数", "受理审查完结数中未经补正即受理的办件"),
    "first_time_right_rate": _rate("一次性通过率", "一次性通过数 / 受理审查完结数"),
    "supplemented": _count("补正件数", "受理审查完结数中出具过一次性告知补正通知书的办件"),
    "supplement_rate": _rate("补正率", "补正件数 / 受理审查完结数"),
    "completed": _count(
        "办结数", "统计期内办结（结果送达，或受理后办理终结；执法案件为作出处理决定）的办件"
    ),
    "completed_with_due_date": _count("有承诺期限的办结数", "办结数中有承诺期限的办件"),
    "on_time": _count("按期办结数", "办结日不晚于承诺期限"),
    "on_time_rate": _rate("按期办结率", "按期办结数 / 有承诺期限的办结数"),
    "early": _count("提前办结数", "办结日早于承诺期限"),
    "early_rate": _rate("提前办结率", "提前办结数 / 有承诺期限的办结数"),
    "overdue_completed": _count("超期办结数", "办结日晚于承诺期限"),
    "overdue_open": _count("超期未办结数", "统计期末仍未办结且已过承诺期限"),
    "overdue": _count("超期件数", "超期办结数 + 超期未办结数"),
    "overdue_rate": _rate("超期率", "超期件数 / (有承诺期限的办结数 + 超期未办结数)"),
    "handling_days": _days("办理时长合计", "受理次日至办结日的工作日，按计入办理时长的办结件合计"),
    "handling_cases": _count("计入办理时长的办结数", "统计期内办结且曾受理的办件"),
    "avg_handling_days": _days(
        "平均办理时长", "办理时长合计 / 计入办理时长的办结数（工作日）", mean=True
    ),
    "steps_done": _count("有时限环节完成数", "有环节时限的环节（任务）完成数"),
    "step_overdue_done": _count("环节超期完成数", "完成时已过环节时限"),
    "step_overdue_open": _count("环节超期未完成数", "统计期末仍未完成且已过环节时限"),
    "step_overdue": _count("环节超期数", "环节超期完成数 + 环节超期未完成数"),
    "handed_over": _count("代办移交数", "统计期内由村（社区）移交乡镇的代办件"),
    "handover_on_time": _count("按时移交数", "在移交时限（3 个工作日，急件当日）内移交"),
    "handover_on_time_rate": _rate("按时移交率", "按时移交数 / 代办移交数"),
    "village_holding_days": _days("村级停留时间合计", "代办员收件至移交乡镇的工作日合计"),
    "avg_village_holding_days": _days(
        "平均村级停留时间", "村级停留时间合计 / 代办移交数（工作日）", mean=True
    ),
    "yellow_warnings": _count("黄牌预警数", "统计期内发出的黄牌预警"),
    "red_warnings": _count("红牌预警数", "统计期内发出的红牌预警"),
    "ratings": _count(
        "评价数", "统计期内群众本人通过评价链接提交的评价（不含工作人员录入的和申诉成立的）"
    ),
    "ratings_by_level": Figure("各等级评价数", "各评价等级的评价数", "levels"),
    "satisfied": _count("满意数", "非常满意、满意、基本满意的评价"),
    "satisfaction_rate": _rate("满意率", "满意数 / 评价数"),
    "bad_ratings": _count("差评数", "不满意、非常不满意的评价"),
    "rectified": _count("差评整改数", "统计期末前已回访整改的差评"),
    "rectified_on_time": _count("按期整改数", "15 个工作日内整改的差评"),
    "rectification_rate": _rate("差评整改率", "差评整改数 / 差评数"),
    "entered_ratings": _count(
        "录入评价数", "统计期内工作人员录入的纸质、评价器评价（另列，不计入评价数和满意率）"
    ),
    "appeal_upheld_ratings": _count(
        "申诉成立评价数", "统计期内群众本人的评价中经申诉裁定成立的（另列，不计入评价数和满意率）"
    ),
    "ledger_recorded": _count(
        "问题台账登记数",
        "统计期内登记的问题（按事项、部门分组或筛选、县级部门查看时为 null）",
        nullable=True,
    ),
    "ledger_resolved": _count("问题台账解决数", "其中统计期末已解决的问题", nullable=True),
    "ledger_resolution_rate": _rate("问题台账解决率", "问题台账解决数 / 问题台账登记数"),
}

# Every table by the name of what it names: for clients that fetch them all, and the test.
TABLES: dict[str, Mapping[str, str]] = {
    "case_statuses": CASE_STATUSES,
    "event_types": EVENT_TYPES,
    "messages": MESSAGES,
    "roles": ROLES,
    "unit_kinds": UNIT_KINDS,
    "station_kinds": STATION_KINDS,
    "channels": CHANNELS,
    "issue_statuses": ISSUE_STATUSES,
    "issue_levels": ISSUE_LEVELS,
    "entry_types": ENTRY_TYPES,
    "issue_categories": ISSUE_CATEGORIES,
    "issue_sources": ISSUE_SOURCES,
    "rating_levels": RATING_LEVELS,
    "rating_channels": RATING_CHANNELS,
    "rating_reasons": RATING_REASONS,
    "item_kinds": KIND_NAMES,
    "item_types": TYPE_NAMES,
    "decided_at": DECIDED_AT,
    "limit_units": LIMIT_UNITS,
    "groupings": GROUPINGS,
    "ranking_measures": RANKING_MEASURES,
    "figures": {code: figure.name for code, figure in FIGURES.items()},
    "absence_sources": ABSENCE_SOURCES,
    "absence_statuses": ABSENCE_STATUSES,
    "batch_line_statuses": BATCH_LINE_STATUSES,
    "batch_steps": BATCH_STEPS,
    # channels (docs/channels.md): scheduled runs, township groups of item applicability
    "run_statuses": RUN_STATUSES,
    "run_kinds": RUN_KINDS,
    "township_groups": TOWNSHIP_GROUPS,
}


def name_of(table: Mapping[str, str], code: str | None) -> str | None:
    """The name of ``code`` in ``table``; the code itself if the table has none (a code
    written by a newer version), None for no code."""
    if code is None:
        return None
    return table.get(code, code)


def unit_name(org: Organization, code: str | None) -> str | None:
    """The name of an org unit (county, township, village, department); None for no code
    or a unit the organisation no longer has."""
    if code is None:
        return None
    unit = org.units.get(code)
    return unit.name if unit is not None else None


def choices(table: Mapping[str, str]) -> str:
    """``code 名称 · code 名称 …``: the codes of a table, for a field's description."""
    return " · ".join(f"{code} {name}" for code, name in table.items())
