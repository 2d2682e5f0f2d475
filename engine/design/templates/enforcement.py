"""综合行政执法 (``common_enforcement``): the administrative penalty procedure staff open.

The articles cited are of 《中华人民共和国行政处罚法》(2021) unless another law is named.
Two roads from the case an officer opens (``engine.registration``, channel
``enforcement``), chosen by the officers first (``Task_procedure``):

- 简易程序 (第五十一条、第五十二条): facts clear, a warning or a fine of at most 200 yuan
  for a person, 3000 yuan for an organisation, decided on the spot by two officers and
  served at once; the leader records it afterwards (备案, 第五十二条). A decision beyond
  those bounds goes to the leader's 立案审批 and the general procedure.
- 普通程序: 立案 (第五十四条; the 90-day limit of 第六十条 starts: ``due_on``) → 调查取证 by
  two different officers (第四十二条, 第五十五条) → 告知 the proposed decision and the rights
  (第四十四条) → 陈述申辩 or 听证 on request within 5 days (第四十五条、第六十三条、
  第六十四条; the hearing chaired by someone who did not investigate, 第六十四条(四)) →
  法制审核 (第五十八条) for serious cases and those heard, 集体讨论 (第五十七条第二款) for
  serious cases → 决定 → 送达
  within 7 days (第六十一条) → 履行 within 15 days (第六十七条) or 催告 (《行政强制法》
  第三十五条、第五十四条; for a building to be demolished, 公告 and a time to demolish it
  oneself, 第四十四条), the appeal periods waited out (复议 60 days, 诉讼 6 months:
  《行政复议法》第二十条, 《行政诉讼法》第四十六条) and 强制执行 applied for within the 3
  months after them (《行政强制法》第五十三条) → 结案.

Its 五日 and 七日 are working days (第八十五条: 不含法定节假日); the 15 days to pay and the
periods of the other laws are calendar days, a period ending on a holiday running to the
next working day. A leader may extend the 90 days while the investigation runs (reason and new date in
the history; extensions themselves are rules of the departments, e.g. 《市场监督管理行政
处罚程序规定》第六十四条). The decision offers the measures its item lists
(``item["remedies"]``, the field's ``choicesFrom``): the engine refuses any other.

Adds ``enforcement_result`` (dismissed | not_established | closed),
``procedure``, ``filed_on``, ``due_on``, ``served_on``, ``review_until``,
``appeal_until``, ``enforce_by``.
"""

from __future__ import annotations

from engine import elements
from engine.design.builder import Field, ProcessBuilder, Rule
from engine.design.templates.lanes import BACKOFFICE, LANE_LABELS, LEADER
from engine.design.templates.limits import step_limit
from processes.remedies import REMEDIES

STAFF, LEAD = BACKOFFICE, LEADER
MEASURES = ",".join(f"{code}:{name}" for code, name in REMEDIES.items())
# 第五十一条: the bounds of a fine decided on the spot, person / organisation.
ON_THE_SPOT_BOUND = '(3000 if applicant.get("kind") == "organisation" else 200)'
# 第六十条: the decision within 90 days of 立案.
DECISION_DAYS = 90
# The leader is asked to extend this many days before the 90 run out.
EXTENSION_NOTICE_DAYS = 10
# The decision meets the 90 days (engine.periods.meet): the case's warnings stop there and
# the figures count it done by then; the later steps keep their own limits (送达 7 days).
DECIDED = 'limit_met = meet_limit("decided")'


# An approved extension moves the due date and the next reminder by its days; a refused
# one asks again in EXTENSION_NOTICE_DAYS days.
EXTEND = (
    'due_on = calendar_days_after(due_on, extension_days) if extend == "approve" else due_on\n'
    'extension_ask_on = calendar_days_after(extension_ask_on, extension_days) if extend == "approve" '
    f"else calendar_days_after(today(), {EXTENSION_NOTICE_DAYS})"
)


def officers(first: str, second: str, what: str) -> tuple[list[Field], Rule]:
    """Two officers' user names, each of the case's township's staff (``people``), and
    the rule that they are different people."""
    fields = [
        Field(first, "string", f"{what}（一）用户名", True, people="township"),
        Field(second, "string", f"{what}（二）用户名", True, people="township"),
    ]
    rule = Rule(
        f"{second}_differs", second, "ne", first,
        f"{what}应为两名不同的人员（《中华人民共和国行政处罚法》第四十二条）",
    )  # fmt: skip
    return fields, rule


def enforcement() -> ProcessBuilder:
    """The procedure as one process; see the module's docstring."""
    b = ProcessBuilder(
        elements.ENFORCEMENT, "综合行政执法",
        lanes={STAFF: "乡镇综合执法人员", LEAD: LANE_LABELS[LEAD]},
    )  # fmt: skip
    b.start("Start_enforcement", "发现违法线索", STAFF)
    # The officers who found the violation choose the procedure (第五十一条: 简易程序 is
    # theirs to apply on the spot); the general one needs the leader's 立案审批.
    b.user_task("Task_procedure", "现场处置：当场处罚或报请立案", STAFF, [
        Field("procedure_choice", "enum", "适用程序", True,
              "general:报请立案（普通程序）,simple:当场作出处罚决定（简易程序）"),
        Field("proposal", "text", "承办人意见（违法事实、理由）", True),
    ], documentation="《行政处罚法》第五十一条：违法事实确凿并有法定依据，对公民处二百元以下、对法人或者其他组织"
       "处三千元以下罚款或者警告的，可以当场作出行政处罚决定；其他情形报请行政机关负责人批准立案（第五十四条）。")  # fmt: skip
    b.xor("Gateway_procedure", "适用程序", STAFF)
    b.user_task("Task_file", "立案审批（发现之日起15日内）", LEAD, [
        Field("filing", "enum", "立案意见", True, "file:立案（普通程序）,dismiss:不予立案"),
        Field("filing_reason", "text", "理由", True),
    ])  # fmt: skip
    b.xor("Gateway_file", "立案意见", LEAD)
    b.script("Script_dismissed", "不予立案", LEAD, 'enforcement_result = "dismissed"')
    b.end("End_dismissed", "不予立案", LEAD)
    b.chain("Start_enforcement", "Task_procedure", "Gateway_procedure")
    b.default("Gateway_procedure", b.flow("Gateway_procedure", "Task_file", name="报请立案"))
    b.flow("Task_file", "Gateway_file")
    b.default("Gateway_file", b.flow("Gateway_file", "Script_dismissed", name="不予立案"))
    b.chain("Script_dismissed", "End_dismissed")
    _on_the_spot(b)
    _general(b)
    _execution(b)
    return b


def _on_the_spot(b: ProcessBuilder) -> None:
    fields, rule = officers("officer_1", "officer_2", "当场执法人员")
    b.user_task("Task_on_the_spot", "当场作出行政处罚决定（简易程序）", STAFF, [
        *fields,
        Field("facts", "text", "违法事实", True),
        Field("measure", "enum", "处罚种类", True, "warning:警告,fine:罚款"),
        Field("penalty_amount", "number", "罚款金额（元）", required_when="measure:fine", min="0", max="3000"),
        Field("decision_no", "string", "当场处罚决定书编号", True),
    ], documentation="《行政处罚法》第五十一条、第五十二条：违法事实确凿并有法定依据，对公民处二百元以下、"
       "对法人或者其他组织处三千元以下罚款或者警告的，可以当场作出决定，决定书当场交付当事人。", rules=[rule])  # fmt: skip
    b.xor("Gateway_on_the_spot", "是否符合简易程序", STAFF)
    b.script("Script_on_the_spot", "当场送达", STAFF,
             f'procedure = "simple"\nserved_on = today()\ndecision = "penalty"\n{DECIDED}')  # fmt: skip
    b.flow("Gateway_procedure", "Task_on_the_spot",
           condition='procedure_choice == "simple"', name="简易程序")  # fmt: skip
    # 第五十二条: 当场作出的行政处罚决定报所属行政机关备案 — after the fact, by the leader.
    b.user_task("Task_record_on_the_spot", "当场处罚决定备案", LEAD, [
        Field("recorded_on", "date", "备案日期", True),
        Field("record_opinion", "text", "备案审查意见", True),
    ], documentation="《行政处罚法》第五十二条：执法人员当场作出的行政处罚决定，应当报所属行政机关备案。")  # fmt: skip
    b.flow("Task_on_the_spot", "Gateway_on_the_spot")
    b.flow(
        "Gateway_on_the_spot", "Script_on_the_spot", name="符合",
        condition=f'measure == "warning" or penalty_amount <= {ON_THE_SPOT_BOUND}',
    )  # fmt: skip
    # Beyond the on-the-spot bounds: no decision on the spot; the leader files the case
    # and it goes the general way.
    b.default(
        "Gateway_on_the_spot",
        b.flow("Gateway_on_the_spot", "Task_file", name="超出简易程序范围，报请立案"),
    )
    b.chain("Script_on_the_spot", "Task_record_on_the_spot", "Gateway_penalty")


HEARING_STARTS = 'limit_pause = pause_limit("hearing", None, limit_pause)'
HEARING_ENDS = (
    "limit_period = resume_limit(limit_pause, due_on, item)\n"
    'due_on = limit_period["due_after"] if limit_period else due_on\n'
    "limit_pause = None\n"
    "hearing_held = True"
)


def _general(b: ProcessBuilder) -> None:
    investigate = elements.INVESTIGATE.task
    b.script("Script_filed", "立案登记（起算九十日办案期限）", LEAD,
             f'procedure = "general"\nfiled_on = today()\ndue_on = calendar_days_after(filed_on, {DECISION_DAYS})\nlimit_pause = None\nhearing_held = False\n'
             f"extension_ask_on = calendar_days_after(filed_on, {DECISION_DAYS - EXTENSION_NOTICE_DAYS})")  # fmt: skip
    b.flow("Gateway_file", "Script_filed", condition='filing == "file"', name="立案")
    fields, rule = officers("investigator_1", "investigator_2", "调查取证执法人员")
    b.user_task(investigate, "调查取证（两名执法人员）", STAFF, [
        *fields,
        Field("facts", "text", "违法事实", True),
        Field("evidence_count", "integer", "证据件数", True, min="0"),
        Field("violation_found", "boolean", "违法事实成立", True),
        Field("serious", "boolean", "情节复杂或重大违法（须法制审核、集体讨论）", True),
    ], rules=[rule])  # fmt: skip
    b.boundary_timer(
        "Timer_investigation_late", "调查超期", investigate,
        f"deadline_working_days({step_limit('investigation', 30)})", interrupting=False,
    )  # fmt: skip
    b.user_task("Task_investigation_late", "调查超期督办", LEAD,
                [Field("escalation_note", "text", "督办意见", True)])  # fmt: skip
    b.end("End_investigation_late", "督办完成", LEAD)
    b.chain("Timer_investigation_late", "Task_investigation_late", "End_investigation_late")
    # Interrupting: the investigation is taken up again once the leader has decided, so
    # the new due date is on the case's main path (a parallel branch keeps its own data).
    b.boundary_timer(
        "Timer_extension", "办案期限将届满", investigate,
        "end_of_day(extension_ask_on)", interrupting=True,
    )  # fmt: skip
    b.user_task("Task_extend", "延长办案期限审批", LEAD, [
        Field("extend", "enum", "审批意见", True, "approve:批准延长,refuse:不予延长"),
        Field("extension_reason", "text", "理由", True),
        Field("extension_days", "integer", "延长天数（自然日）", required_when="extend:approve", min="1", max="90"),
    ], documentation="案情复杂等原因不能在九十日内作出决定的，经负责人批准延长；理由、天数与新的办案期限记入办件历史。")  # fmt: skip
    b.script("Script_extend", "记录办案期限", LEAD, EXTEND)
    b.chain("Timer_extension", "Task_extend", "Script_extend", investigate)
    b.chain("Script_filed", investigate, "Gateway_violation")
    b.xor("Gateway_violation", "违法事实是否成立", STAFF)
    b.script("Script_not_established", "撤销立案（办案期限终止）", STAFF,
             'limit_met = meet_limit("not_established")')  # fmt: skip
    b.default(
        "Gateway_violation",
        b.flow("Gateway_violation", "Script_not_established", name="不成立，撤销立案"),
    )
    b.flow("Script_not_established", "Task_close")
    b.user_task("Task_notify", "告知拟作出的处罚及陈述、申辩、听证权利", STAFF, [
        Field("proposed_decision", "text", "拟作出的处理决定及事实、理由、依据", True),
        Field("hearing_right", "boolean", "告知听证权利（较大数额罚款、没收较大数额、降低资质、责令停产停业、吊销许可证件等）", True),
        Field("notice_served_on", "date", "告知书送达日期", True),
    ])  # fmt: skip
    b.flow("Gateway_violation", "Task_notify", condition="violation_found", name="成立")
    b.receive("Receive_hearing", "等待陈述申辩或听证申请", STAFF,
              elements.HEARING_REQUESTED, "hearing_request")  # fmt: skip
    b.boundary_timer("Timer_no_hearing", "5日内未提出", "Receive_hearing",
                     "deadline_working_days(5)", interrupting=True)  # fmt: skip
    b.xor("Gateway_hearing_kind", "陈述申辩或听证", STAFF)
    b.user_task("Task_statement", "听取陈述、申辩", STAFF,
                [Field("statement_record", "text", "陈述、申辩记录及复核意见", True)],
                documentation="《行政处罚法》第四十五条：当事人有权进行陈述和申辩；行政机关必须充分听取当事人的意见，"
                "对提出的事实、理由和证据进行复核。")  # fmt: skip
    # 第六十四条(四): the hearing is chaired by a person the agency names who did not
    # investigate the case; whoever records it is that person (engine.elements
    # SEPARATED_STEPS: not one of the investigating officers).
    b.user_task("Task_hearing", "组织听证（由非本案调查人员主持）", STAFF,
                [Field("hearing_record", "text", "听证笔录", True)],
                documentation="《行政处罚法》第六十四条第四项：听证由行政机关指定的非本案调查人员主持；"
                "第六十五条：听证结束后，行政机关应当根据听证笔录作出决定。")  # fmt: skip
    # 听证 time is not counted in the 90 days where the item excludes it (limits.excluded:
    # hearing; e.g. 《市场监督管理行政处罚程序规定》第六十四条): from the request to the
    # hearing's record (engine/periods.py); a statement (陈述、申辩) stops no clock.
    b.script("Script_hearing_requested", "听证期间开始（不计入办案期限）", STAFF, HEARING_STARTS)
    b.script("Script_hearing_held", "听证期间结束", STAFF, HEARING_ENDS)
    b.xor("Gateway_serious", "是否须法制审核（重大复杂或经过听证）", STAFF)
    b.chain("Task_notify", "Receive_hearing", "Gateway_hearing_kind")
    b.flow("Gateway_hearing_kind", "Script_hearing_requested",
           condition='hearing_request["kind"] == "hearing"', name="要求听证")  # fmt: skip
    b.default(
        "Gateway_hearing_kind",
        b.flow("Gateway_hearing_kind", "Task_statement", name="陈述、申辩"),
    )
    b.chain("Script_hearing_requested", "Task_hearing", "Script_hearing_held", "Gateway_serious")
    b.flow("Task_statement", "Gateway_serious")
    b.flow("Timer_no_hearing", "Gateway_serious")
    b.user_task("Task_legal_review", "法制审核", STAFF, [
        Field("legal_reviewer", "string", "法制审核人员用户名", True, people="township"),
        Field("legal_review", "enum", "审核意见", True, "agree:同意,revise:建议补充调查"),
        Field("legal_review_notes", "text", "审核意见说明", True),
    ], documentation="《行政处罚法》第五十八条：涉及重大公共利益、直接关系当事人重大权益经过听证、"
       "案情复杂涉及多个法律关系等情形，决定前应由从事法制审核的人员审核；未经审核或审核未通过的，不得作出决定。")  # fmt: skip
    b.xor("Gateway_legal_review", "法制审核意见", STAFF)
    b.user_task("Task_collective", "负责人集体讨论", LEAD, [
        Field("discussed_on", "date", "讨论日期", True),
        Field("participants", "integer", "参加讨论的负责人人数", True, min="3"),
        Field("discussion_record", "text", "集体讨论记录及结论", True),
    ], documentation="《行政处罚法》第五十七条第二款：对情节复杂或者重大违法行为给予行政处罚，"
       "行政机关负责人应当集体讨论决定。")  # fmt: skip
    # 第五十八条: 法制审核 before deciding a serious or complex case, and a case that went
    # through a hearing (直接关系当事人或者第三人重大权益，经过听证程序的).
    b.flow("Gateway_serious", "Task_legal_review", condition="serious or hearing_held",
           name="重大复杂或经过听证")  # fmt: skip
    b.default("Gateway_serious", b.flow("Gateway_serious", "Task_decide", name="一般"))
    b.flow("Task_legal_review", "Gateway_legal_review")
    b.flow("Gateway_legal_review", "Task_collective",
           condition='legal_review == "agree" and serious', name="同意，重大复杂")  # fmt: skip
    b.flow("Gateway_legal_review", "Task_decide",
           condition='legal_review == "agree" and not serious', name="同意")  # fmt: skip
    b.default(
        "Gateway_legal_review",
        b.flow("Gateway_legal_review", investigate, name="补充调查"),
    )
    b.flow("Task_collective", "Task_decide")
    b.user_task("Task_decide", "作出处理决定", LEAD, [
        Field("decision", "enum", "处理决定", True, "penalty:作出处理决定,no_penalty:不予行政处罚"),
        Field("measure", "enum", "处理措施", required_when="decision:penalty", values=MEASURES,
              choices_from="item.remedies"),
        Field("decision_no", "string", "决定书编号", required_when="decision:penalty"),
        Field("penalty_amount", "number", "罚款金额（元）", min="0"),
        Field("rectify_by", "date", "限期改正（自行拆除）的期限", required_when="measure:rectify|demolish"),
    ])  # fmt: skip
    b.script("Script_decided", "作出决定（办案期限终止）", LEAD,
             'limit_met = meet_limit("decided" if decision == "penalty" else "not_penalised")')  # fmt: skip
    b.chain("Task_decide", "Script_decided", "Task_serve")


def _execution(b: ProcessBuilder) -> None:
    b.user_task("Task_serve", "送达决定书（7日内）", STAFF, [
        Field("served_on", "date", "送达日期", True),
        Field("service_method", "enum", "送达方式", True,
              "direct:直接送达,post:邮寄送达,electronic:电子送达,notice:公告送达"),
    ])  # fmt: skip
    b.boundary_timer("Timer_serve_late", "7日内未送达", "Task_serve",
                     f"deadline_working_days({step_limit('service', 7)})", interrupting=False)  # fmt: skip
    b.user_task(
        "Task_serve_late",
        "送达超期督办",
        LEAD,
        [Field("escalation_note", "text", "督办意见", True)],
    )
    b.end("End_serve_late", "督办完成", LEAD)
    b.chain("Timer_serve_late", "Task_serve_late", "End_serve_late")
    b.xor("Gateway_penalty", "是否需要履行", STAFF)
    b.flow("Task_serve", "Gateway_penalty")
    periods = (
        "review_until = calendar_days_after(served_on, 60)\n"
        "appeal_until = months_after(served_on, 6)\n"
        "enforce_by = months_after(appeal_until, 3)"
    )
    b.script("Script_periods", "计算复议、诉讼期限", STAFF, periods)
    b.flow(
        "Gateway_penalty", "Script_periods", name="需要履行",
        condition='decision == "penalty" and measure != "warning"',
    )  # fmt: skip
    b.default("Gateway_penalty", b.flow("Gateway_penalty", "Task_close", name="不予处罚或警告"))
    b.user_task("Task_perform", "督促履行（罚款15日内缴纳，或按期改正）", STAFF, [
        Field("performed", "boolean", "当事人已履行", True),
        Field("performance_note", "text", "履行情况", True),
    ])  # fmt: skip
    # 第六十七条: a fine is paid within 15 days of service; an order, by its own date.
    b.boundary_timer(
        "Timer_perform_late", "履行期限届满未履行", "Task_perform",
        'end_of_day(rectify_by if measure in ["rectify", "demolish"] else calendar_days_after(served_on, 15))',
        interrupting=True,
    )  # fmt: skip
    b.flow("Timer_perform_late", "Task_demand")
    b.chain("Script_periods", "Task_perform", "Gateway_performed")
    b.xor("Gateway_performed", "是否履行", STAFF)
    b.flow("Gateway_performed", "Task_close", condition="performed", name="已履行")
    b.user_task("Task_demand", "催告履行（拆除违法建筑物的，公告限期自行拆除）", STAFF, [
        Field("demand_served_on", "date", "催告书送达日期", True),
        Field("announced", "boolean", "已公告限期自行拆除（拆除违法建筑物时）", True),
        Field("demand_note", "text", "催告内容（履行期限、方式，当事人的陈述申辩权）", True),
    ], documentation="《行政强制法》第三十五条、第五十四条：申请法院强制执行前应当催告，催告书送达十日后仍未履行的方可申请；"
       "第四十四条：强制拆除违法建筑物应当公告，限期当事人自行拆除。")  # fmt: skip
    b.default("Gateway_performed", b.flow("Gateway_performed", "Task_demand", name="未履行"))
    b.user_task("Task_await_periods", "等待复议、诉讼期限届满（期间履行的登记履行）", STAFF, [
        Field("performed_late", "boolean", "当事人已履行", True),
        Field("performance_note", "text", "履行情况", True),
    ])  # fmt: skip
    b.boundary_timer(
        "Timer_periods_over", "复议、诉讼期限届满", "Task_await_periods",
        'end_of_day(appeal_until if appeal_until > calendar_days_after(demand_served_on, 10) '
        "else calendar_days_after(demand_served_on, 10))",
        interrupting=True,
    )  # fmt: skip
    b.chain("Task_demand", "Task_await_periods", "Task_close")
    b.user_task("Task_enforce", "强制执行（期限届满之日起三个月内）", LEAD, [
        Field("enforcement_route", "enum", "强制执行方式", True,
              "court:申请人民法院强制执行,own:依法律授权自行强制执行（如《城乡规划法》第六十五条拆除）"),
        Field("enforced_on", "date", "申请（执行）日期", True),
        Field("enforcement_note", "text", "执行情况", True),
    ], documentation="《行政强制法》第五十三条：当事人在法定期限内不申请行政复议或者提起行政诉讼，又不履行的，"
       "可以自期限届满之日起三个月内申请人民法院强制执行。")  # fmt: skip
    b.chain("Timer_periods_over", "Task_enforce", "Task_close")
    b.user_task(
        "Task_close", "结案归档", STAFF, [Field("closing_summary", "text", "结案报告", True)]
    )
    b.script(
        "Script_closed",
        "结案",
        STAFF,
        'enforcement_result = "closed" if procedure == "simple" or violation_found else "not_established"',
    )
    b.end("End_closed", "结案", STAFF, terminate=True)
    b.chain("Task_close", "Script_closed", "End_closed")
