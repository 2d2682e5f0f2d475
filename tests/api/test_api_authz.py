"""The authorization matrix: every role against every endpoint, in and out of scope.

Objects are cases (and their open task) in 青丝乡's village 511725201001, in its other
village 511725201002, at 青丝乡's window (A post) and back office (B post), in 丰乐乡
(registered by its window and by a village agent), registered by 青丝乡's window for a
resident of 丰乐乡 (全县域通办), handed to the county departments MZ and RS, handed to
青丝派出所 (a grassroots station, GA-01), and handed by 县残联 to 县人民医院 (the designated
hospital serving 青丝乡, CL-01) for its disability assessment.

What the matrix says (DESIGN invariant 8): out of scope is 404 (problem+json) for reads
and writes alike, and nothing changes; in scope a read is 200 and a write either succeeds
or fails for a domain reason (403 wrong role, 409 not your task or read-only, 422), never
404; supervisors, designers and administrators read the whole county and may change
nothing. Every endpoint of the app must appear here (``test_every_endpoint_is_covered``).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree
from werkzeug.test import TestResponse

from engine import Actor, Engine
from engine.absences import NewAbsence
from engine.definitions.form_formats import id_check_character
from engine.identity import Principal
from engine.ledger.service import LedgerService
from engine.policy import sees_issue
from engine.records import LedgerQuery, LedgerScope, RunRecord
from engine.simulate import fill_form
from processes.org import ROLES, load_org
from processes.patterns import mask_id
from tests.support.api import shared_app, shared_tokens
from tests.support.databases import Databases
from tests.support.module_fixtures import module_engine
from tests.support.paths import BPMN, SAMPLE

API = "/api/v1"
ID = "11010519491231002X"
TODAY = "2026-09-24"
PROBLEM = "application/problem+json"

# -- the objects ----------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A kind of case: who registers it, for which village, and the task it waits at."""

    item: str
    registrar: str
    channel: str
    village: str
    task: str  # the spec id of its one open task
    assignee: str  # who a township leader would assign that task to


OBJECTS: dict[str, Kind] = {
    # 青丝乡 (511725201)
    "village_001": Kind(
        "MZ004", "tan.xiaoyan", "village_point", "511725201001", "Task_entrust", "jiang.wei"
    ),
    "village_002": Kind(
        "MZ004", "deng.ming", "village_point", "511725201002", "Task_entrust", "li.guihua"
    ),
    "window_a": Kind(
        "MZ004", "wang.fang", "township_window", "511725201003", "Task_check_materials", "liu.yang"
    ),
    "backoffice_b": Kind(
        "MZ004",
        "wang.fang",
        "township_window",
        "511725201003",
        "Task_backoffice_review",
        "yang.fan",
    ),
    # 丰乐乡 (511725202)
    "fengle_window": Kind(
        "MZ004", "pan.hong", "township_window", "511725202002", "Task_check_materials", "yu.liang"
    ),
    "fengle_village": Kind(
        "MZ004", "cai.ping", "village_point", "511725202003", "Task_entrust", "wei.na"
    ),
    # registered by 青丝乡's window for a resident of 丰乐乡: routed to 丰乐乡
    "county_wide": Kind(
        "MZ004", "wang.fang", "township_window", "511725202003", "Task_check_materials", "yu.liang"
    ),
    # handed to the county: 县民政局 (a 青丝乡 case) and 县人社局 (a 丰乐乡 case)
    "handed_mz": Kind(
        "MZ004", "wang.fang", "township_window", "511725201003", "Task_county_decision", "peng.li"
    ),
    "handed_rs": Kind(
        "RS002", "pan.hong", "township_window", "511725202002", "Task_county_decision", "tang.jian"
    ),
    # handed to a grassroots station: 户口登记项目变更更正 of a 青丝乡 resident, decided by
    # 青丝派出所 (GA-01), not by the county police bureau
    "handed_station": Kind(
        "GA007", "wang.fang", "township_window", "511725201003", "Task_station_decision", "wen.tao"
    ),
    # 残疾人证新办 of a 青丝乡 resident at its assessment: 县残联 issued the form, the
    # designated hospital serving 青丝乡 (县人民医院, CL-01) assesses
    "handed_hospital": Kind(
        "CL001",
        "wang.fang",
        "township_window",
        "511725201003",
        "Task_disability_assessment",
        "luo.bin",
    ),
}

# -- the endpoints on an object, in the column order of MATRIX --------------------------

OBJECT_ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("case", "GET", "/api/v1/cases/<int:case_id>"),
    ("cancel", "POST", "/api/v1/cases/<int:case_id>/cancel"),
    ("message", "POST", "/api/v1/cases/<int:case_id>/messages/county_decision"),
    ("task", "GET", "/api/v1/tasks/<task_id>"),
    ("claim", "POST", "/api/v1/tasks/<task_id>/claim"),
    ("unclaim", "POST", "/api/v1/tasks/<task_id>/unclaim"),
    ("assign", "POST", "/api/v1/tasks/<task_id>/assign"),
    ("complete", "POST", "/api/v1/tasks/<task_id>/complete"),
)
COLUMNS = [name for name, _, _ in OBJECT_ENDPOINTS]

# -- the matrix ----------------------------------------------------------------------
# Expected status per object, columns:
#          case cancel message | task claim unclaim assign complete
# ``message`` is the county's decision (county_decision): only the department's officers.
# A user not listed for an object gets OUT: the object does not exist for them.
OUT = "404 404 404 | 404 404 404 404 404"
READ_ONLY = "200 403 403 | 200 403 403 403 403"  # sees it, may change nothing
ACTS = "200 200 403 | 200 403 403 403 403"  # may act on the case, the task is not theirs
HOLDS = "200 200 403 | 200 200 200 403 200"  # ... and holds the task's post
LEADS = "200 200 403 | 200 403 403 200 403"  # township leader: assigns the task
# County officer of the department: may post the decision, but MZ and RS decide by their
# task in daiban (their catalogue route), so the case does not wait for a callback (409).
DECIDES = "200 200 409 | 200 200 200 403 200"

MATRIX: dict[str, dict[str, str]] = {
    "tan.xiaoyan": {  # village agent, 青丝社区 511725201001
        "village_001": HOLDS,
    },
    "deng.ming": {  # village agent, 新民村 511725201002
        "village_002": HOLDS,
    },
    "he.ping": {  # mobile agent of 青丝乡: the whole township
        "village_001": ACTS,
        "village_002": ACTS,
        "window_a": ACTS,
        "backoffice_b": ACTS,
        "county_wide": READ_ONLY,
        "handed_mz": ACTS,
        "handed_station": ACTS,
        "handed_hospital": ACTS,
    },
    "wang.fang": {  # 青丝乡 window, A post
        "village_001": ACTS,
        "village_002": ACTS,
        "window_a": HOLDS,
        "backoffice_b": ACTS,
        "county_wide": READ_ONLY,  # registered it for another township
        "handed_mz": ACTS,
        "handed_station": ACTS,
        "handed_hospital": ACTS,
    },
    "liu.yang": {  # 青丝乡 back office, B post (and window)
        "village_001": ACTS,
        "village_002": ACTS,
        "window_a": HOLDS,
        "backoffice_b": HOLDS,
        "county_wide": READ_ONLY,
        "handed_mz": ACTS,
        "handed_station": ACTS,
        "handed_hospital": ACTS,
    },
    "chen.jing": {  # 青丝乡 township leader
        "village_001": LEADS,
        "village_002": LEADS,
        "window_a": LEADS,
        "backoffice_b": LEADS,
        "county_wide": READ_ONLY,
        "handed_mz": ACTS,  # the department's task is not the township's to assign
        "handed_station": ACTS,  # nor the station's: the leader cannot decide or assign it
        "handed_hospital": ACTS,
    },
    "deng.hui": {  # county officer, 县民政局 (MZ): only what was handed to MZ
        "handed_mz": DECIDES,
    },
    "tang.jian": {  # county officer, 县人社局 (RS)
        "handed_rs": DECIDES,
    },
    "li.jing": {  # station officer, 青丝派出所 (GA-01): only what was handed to the station;
        # it decides by its task, never by the county's callback message (403)
        "handed_station": HOLDS,
    },
    "shu.ping": {},  # station officer, 渠江派出所 (GA-02): nothing of 青丝乡's
    # 县残联 (CL): the case is its own (it decides the card), the assessment is not: it
    # cannot claim or complete the hospital's task; no callback is awaited (409)
    "feng.qin": {"handed_hospital": "200 200 409 | 200 403 403 403 403"},
    "gao.min": {  # doctor of 县人民医院 (CL-01): only the cases handed to it for assessment;
        # the card is the 残联's, so never its callback message (403)
        "handed_hospital": HOLDS,
    },
    "xie.yun": {},  # doctor of 县中医医院 (CL-02, serving 丰乐乡): nothing of 青丝乡's
    "yang.kai": {},  # county officer, 县公安局 (GA): the station decides, not the bureau
    "sun.hong": dict.fromkeys(OBJECTS, READ_ONLY),  # supervisor: the county, read-only
    "lin.tao": {},  # designer: processes, not residents' cases
    "he.jun": {},  # admin: accounts, not residents' cases
    "pan.hong": {  # 丰乐乡 window
        "fengle_window": HOLDS,
        "fengle_village": ACTS,
        "county_wide": HOLDS,  # routed to 丰乐乡
        "handed_rs": ACTS,
    },
    "cai.ping": {  # village agent, 丰乐乡 桂花村 511725202003
        "fengle_village": HOLDS,
        "county_wide": ACTS,  # a resident of her village
    },
    # 三汇工业园小窗口 (park window under 三汇镇): sees only what it registered
    # (tests/api/test_api_channels.py), none of these
    "ren.jie": {},
}
USERS = list(MATRIX)


def expected(user: str, kind: str, column: str) -> int:
    codes = MATRIX[user].get(kind, OUT).replace("|", " ").split()
    return int(codes[COLUMNS.index(column)])


def sees(user: str, kind: str) -> bool:
    return expected(user, kind, "case") == 200


def holds(user: str, kind: str) -> bool:
    return expected(user, kind, "claim") == 200


# The other messages (one operation each) and a name no process may wait for
# (test_other_messages_follow_the_case_rights): a valid body, none of the objects waits.
OTHER_MESSAGES: dict[str, dict[str, Any]] = {
    "materials_resubmitted": {"materials": ["户口簿"]},
    "pledge_fulfilled": {},
    "public_notice_objection": {"content": "收入情况不实"},
    "hearing_requested": {"kind": "hearing"},
    "batch_objection": {"line": 1, "content": "面积不实"},
}
UNDEFINED_MESSAGE = ("POST", "/api/v1/cases/<int:case_id>/messages/<name>")
RATING_MESSAGE = ("POST", "/api/v1/cases/<int:case_id>/messages/rating")
MESSAGE_ENDPOINTS = {
    ("POST", f"/api/v1/cases/<int:case_id>/messages/{name}") for name in OTHER_MESSAGES
} | {UNDEFINED_MESSAGE, RATING_MESSAGE}

# 好差评 (test_ratings_follow_the_case_rights; tests/api/test_api_ratings.py): the rating
# message is the resident's alone (403 resident_only to every member of staff who sees the
# case); reading a case's ratings follows the case column; entering one from paper the
# cancel column (then 409: no object waits for a rating); appealing the township staff of
# the case's own township (409: nothing rated), ruling the supervisor (409: no appeal).
RATINGS = "/api/v1/cases/<int:case_id>/ratings"
RATING_ENDPOINTS = {
    ("GET", RATINGS),
    ("POST", RATINGS),
    ("POST", f"{RATINGS}/appeal"),
    ("POST", f"{RATINGS}/appeal/decision"),
}
APPEALING_ROLES = {"township_window", "township_backoffice", "township_leader"}

# -- endpoints without an object -------------------------------------------------------
# The same for every signed-in user, except where EXCEPTIONS says otherwise.
EVERYONE: dict[tuple[str, str], int] = {
    ("GET", "/api/v1/auth/me"): 200,
    ("POST", "/api/v1/auth/logout"): 204,
    ("GET", "/api/v1/items"): 200,
    ("GET", "/api/v1/items/<code>"): 200,
    ("GET", "/api/v1/units"): 200,
    ("GET", "/api/v1/definitions"): 200,
    ("GET", "/api/v1/definitions/<process_id>"): 200,
    ("GET", "/api/v1/definitions/<process_id>/<int:version>"): 200,
    ("POST", "/api/v1/definitions"): 403,
}
EXCEPTIONS: dict[tuple[str, str, str], int] = {
    ("lin.tao", "POST", "/api/v1/definitions"): 201,  # the designer deploys
}
# Scoped lists: checked against MATRIX by test_case_list_is_scoped / test_queue_is_scoped.
LISTS = {("GET", "/api/v1/cases"), ("GET", "/api/v1/tasks")}
# Registration (POST /cases): who may register for whom, through which channel.
REGISTRATIONS: list[tuple[str, str, str, int]] = [
    ("tan.xiaoyan", "village_point", "511725201001", 201),
    ("tan.xiaoyan", "village_point", "511725201002", 422),  # another village
    ("tan.xiaoyan", "village_point", "511725202003", 422),  # another township
    ("tan.xiaoyan", "township_window", "511725201001", 422),  # not her channel
    ("he.ping", "mobile_post", "511725201002", 201),
    ("he.ping", "mobile_post", "511725202003", 422),
    ("wang.fang", "township_window", "511725201003", 201),
    ("wang.fang", "township_window", "511725202003", 201),  # 全县域通办
    ("wang.fang", "village_point", "511725201001", 422),
    ("liu.yang", "township_window", "511725201002", 201),
    ("chen.jing", "township_window", "511725201002", 422),
    ("deng.hui", "county_centre", "511725201001", 201),
    ("tang.jian", "village_point", "511725201001", 422),
    ("li.jing", "township_window", "511725201001", 422),  # a station registers nothing
    ("gao.min", "township_window", "511725201001", 422),  # nor does a designated hospital
    ("sun.hong", "county_centre", "511725201001", 422),
    ("lin.tao", "township_window", "511725201001", 422),
    ("he.jun", "county_centre", "511725201001", 422),
    ("pan.hong", "township_window", "511725201001", 201),
    ("cai.ping", "village_point", "511725202003", 201),
    ("cai.ping", "village_point", "511725201001", 422),
    # 工业园小窗口 (三汇镇's park window): any village of the county, its own channel only
    ("ren.jie", "industrial_park_window", "511725201003", 201),
    ("ren.jie", "industrial_park_window", "511725104003", 201),
    ("ren.jie", "township_window", "511725104003", 422),
    ("wang.fang", "industrial_park_window", "511725201003", 422),
]
CREATE = ("POST", "/api/v1/cases")
REGISTERED = "registered"  # the kind of the cases test_registration makes
# Without a token: public endpoints and what they answer; every other one answers 401.
PUBLIC: dict[tuple[str, str], int] = {
    ("GET", "/api/v1/health"): 200,
    ("GET", "/api/v1/health/live"): 200,
    ("GET", "/api/v1/health/ready"): 200,
    # Prometheus metrics: loopback (the test client's address) and an allow-list only
    # (tests/api/test_observability.py); not part of the API, so not in its document
    ("GET", "/metrics"): 200,
    # 办件进度查询: no account; without its parameters 422 (tests/api/test_api_public_progress.py)
    ("GET", "/api/v1/public/progress"): 422,
    ("POST", "/api/v1/auth/login"): 401,  # wrong password: login itself needs no token
    ("GET", "/api/v1/openapi.json"): 200,
    ("GET", "/api/docs"): 200,
    ("GET", "/api/docs/assets/<path:filename>"): 200,
    # the case diagram page holds no data: its script reads the case with the user's token
    ("GET", "/cases/<int:case_id>/diagram"): 200,
    ("GET", "/viewer/assets/<path:filename>"): 200,
    # the process viewer page likewise: its script reads the BPMN with the user's token
    ("GET", "/definitions/<process_id>/<int:version>/diagram"): 200,
    # the web console: static files; every page reads and writes through the API
    ("GET", "/"): 200,
    ("GET", "/console/<path:filename>"): 200,
    # the public progress page (办件进度查询): static files; its script asks the API
    ("GET", "/progress"): 200,
    ("GET", "/progress/assets/<path:filename>"): 200,
    # 好差评 by the one-time link: an unknown link 404, a rating without a body 422
    # (tests/api/test_api_ratings.py); the rating page: static files
    ("GET", "/api/v1/public/ratings/<token>"): 404,
    ("POST", "/api/v1/public/ratings/<token>"): 422,
    ("GET", "/rating"): 200,
    ("GET", "/rating/assets/<path:filename>"): 200,
}

# -- the issue ledger (问题台账, 三转): its own objects and matrix ------------------------
# Issues recorded in 青丝社区 511725201001 and held at the village, passed to 青丝乡, or
# passed on to 县民政局 (MZ); and one recorded in 丰乐乡's 桂花村 511725202003.
LEDGER_KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # kind: (recorder, village, transfers made after recording, as department or "")
    "issue_village": ("tan.xiaoyan", "511725201001", ()),
    "issue_township": ("tan.xiaoyan", "511725201001", ("",)),
    "issue_county": ("tan.xiaoyan", "511725201001", ("", "MZ")),
    "issue_fengle": ("cai.ping", "511725202003", ()),
}
LEDGER_ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("issue", "GET", "/api/v1/ledger/<int:issue_id>"),
    ("answer", "POST", "/api/v1/ledger/<int:issue_id>/answer"),
    ("transfer", "POST", "/api/v1/ledger/<int:issue_id>/transfer"),
    ("resolve", "POST", "/api/v1/ledger/<int:issue_id>/resolve"),
    ("reopen", "POST", "/api/v1/ledger/<int:issue_id>/reopen"),
)
LEDGER_COLUMNS = [name for name, _, _ in LEDGER_ENDPOINTS]
# Columns: issue answer transfer resolve reopen. Every object is open, so reopen is 409
# (invalid_state) even for who holds it; a county department cannot transfer further.
ISSUE_OUT = "404 404 404 404 404"
ISSUE_SEES = "200 403 403 403 403"  # in scope, held elsewhere (not_held_here) or read-only
ISSUE_HOLDS = "200 200 200 200 409"
ISSUE_HOLDS_COUNTY = "200 200 409 200 409"
_QINGSI_STAFF = {
    "issue_village": ISSUE_SEES,
    "issue_township": ISSUE_HOLDS,
    "issue_county": ISSUE_SEES,
}
LEDGER_MATRIX: dict[str, dict[str, str]] = {
    "tan.xiaoyan": {
        "issue_village": ISSUE_HOLDS,
        "issue_township": ISSUE_SEES,
        "issue_county": ISSUE_SEES,
    },
    "deng.ming": {},  # another village of 青丝乡
    "he.ping": _QINGSI_STAFF,  # the mobile post is township staff
    "wang.fang": _QINGSI_STAFF,
    "liu.yang": _QINGSI_STAFF,
    "chen.jing": _QINGSI_STAFF,
    "deng.hui": {"issue_county": ISSUE_HOLDS_COUNTY},  # 县民政局
    "tang.jian": {},  # 县人社局: nothing was passed to it
    "li.jing": {},  # stations: no ledger issue is passed to them
    "shu.ping": {},
    "yang.kai": {},  # 县公安局: nothing was passed to it
    "feng.qin": {},  # 县残联: nothing was passed to it
    "gao.min": {},  # designated hospitals: no ledger issue is passed to them
    "xie.yun": {},
    "sun.hong": dict.fromkeys(LEDGER_KINDS, ISSUE_SEES),  # supervisor: all, read-only
    "lin.tao": {},  # designers and administrators: no ledger
    "he.jun": {},
    "pan.hong": {"issue_fengle": ISSUE_SEES},
    "cai.ping": {"issue_fengle": ISSUE_HOLDS},
    "ren.jie": {},  # the park window keeps no ledger
}
# Recording (POST /ledger): a village agent, for its own village only (else 422 village).
LEDGER_CREATE = ("POST", "/api/v1/ledger")
LEDGER_LIST = ("GET", "/api/v1/ledger")
LEDGER_RECORDINGS: list[tuple[str, str, int]] = [
    ("tan.xiaoyan", "511725201001", 201),
    ("tan.xiaoyan", "511725201002", 422),
    ("deng.ming", "511725201002", 201),
    ("cai.ping", "511725202003", 201),
    ("cai.ping", "511725201001", 422),
    *((user, "511725201001", 422) for user in ("he.ping", "wang.fang", "chen.jing")),
    *((user, "511725201001", 422) for user in ("deng.hui", "sun.hong", "lin.tao", "he.jun")),
    ("pan.hong", "511725202003", 422),
]
LEDGER_COVERED = {(m, r) for _, m, r in LEDGER_ENDPOINTS} | {LEDGER_CREATE, LEDGER_LIST}

# -- auditing a case (history, state after an event, verify, diagram) --------------------
# Read-only views of a case: whoever sees the case (the ``case`` column) may audit it; ID
# numbers in the data are masked unless the caller may act on the case (``cancel``).
AUDIT_ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("GET", "/api/v1/cases/<int:case_id>/history"),
    ("GET", "/api/v1/cases/<int:case_id>/state"),
    ("GET", "/api/v1/cases/<int:case_id>/verify"),
    ("GET", "/api/v1/cases/<int:case_id>/diagram"),
)

# -- documents (文书) ---------------------------------------------------------------------
# Whoever sees the case may list and print its documents (the ``case`` column); the first
# print of a document issues it (``document_issued`` in the case's history), once.
DOCUMENT_ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("GET", "/api/v1/cases/<int:case_id>/documents"),
    ("GET", "/api/v1/cases/<int:case_id>/documents/<document_id>"),
)

# -- scanned materials (材料附件) ----------------------------------------------------------
# The list as the ``case`` column; attaching as ``cancel``, and also the window that
# registered the case for another township (county_wide); opening a scan as ``cancel``
# (test_attachments_follow_the_case_rights).
ATTACHMENT_ENDPOINTS = {
    ("GET", "/api/v1/cases/<int:case_id>/attachments"),
    ("POST", "/api/v1/cases/<int:case_id>/attachments"),
    ("GET", "/api/v1/cases/<int:case_id>/attachments/<int:attachment_id>"),
}
REGISTERING_UNIT = "511725201"  # 青丝乡, whose window registered the county_wide case

# -- supervision figures (效能监督统计) ---------------------------------------------------
# Scoped like cases (what each user's figures cover: tests/api/test_api_stats.py); designers
# and administrators have no figures (403); every other user 200.
STATS = ("GET", "/api/v1/stats")
# The park window (工业园小窗口) registers for townships and handles none: no figures; nor
# does a designated hospital (it assesses, the 残联's figures count the case).
STATS_REFUSED = {"lin.tao", "he.jun", "ren.jie", "gao.min", "xie.yun"}

# -- reports (报表) -----------------------------------------------------------------------
# The monthly tables are scoped like the figures (designers and administrators 403, a
# township outside one's scope 404: tests/api/test_api_reports.py); the townships'
# ranking is the supervisor's alone (everyone else 403).
REPORTS_MONTHLY = ("GET", "/api/v1/reports/monthly")
REPORTS_RANKING = ("GET", "/api/v1/reports/ranking")
RANKING_READER = "sun.hong"
# A village's contact card (联系卡): scoped like the figures, by village (another
# township's village 404; designers and administrators 403).
CONTACT_CARD = ("GET", "/api/v1/reports/contact-cards/<village>.pdf")

# -- process-mining exports (XES, OCEL 2.0) ---------------------------------------------
# Scoped like the case list (test_exports_are_scoped, and tests/api/test_api_exports.py);
# designers and administrators are refused (403), as for the figures.
EXPORTS = {("GET", "/api/v1/audit/export.xes"), ("GET", "/api/v1/audit/export.ocel.json")}
EXPORTS_REFUSED = {"lin.tao", "he.jun"}

# -- the clock of a training or demo database (培训时钟) ----------------------------------
# The administrator alone (test_clock_by_role); the matrix's database is a production one,
# so even the administrator's advance is refused (409 not_training_database).
CLOCK = {("GET", "/api/v1/admin/clock"), ("POST", "/api/v1/admin/clock/advance")}
CLOCK_KEEPER = "he.jun"

# -- people, accounts and the absence register (人员、账号、离岗登记) -----------------------
# The administrator keeps everyone, a township leader the people of its township (both
# list them, register and end their absences); anyone else is refused (403). Another
# township's absence is out of a leader's scope (404), another township's person is no
# one to register for (422 ``user``). Accounts (a password reset, revoking a user's
# tokens) are the administrator's alone; one's own password needs only the old one.
PEOPLE_LISTS = {("GET", "/api/v1/users"), ("GET", "/api/v1/absences")}
PEOPLE_KEEPERS: dict[str, str | None] = {"he.jun": None, "chen.jing": "511725201"}
ABSENCE_CREATE = ("POST", "/api/v1/absences")
ABSENCE_END = ("POST", "/api/v1/absences/<int:absence_id>/end")
ACCOUNTS = {
    ("POST", "/api/v1/users/<user_id>/password"),
    ("POST", "/api/v1/users/<user_id>/revoke"),
}
ACCOUNT_KEEPER = "he.jun"
OWN_PASSWORD = ("POST", "/api/v1/auth/password")
# Whose absences the matrix registers: people of no object of MATRIX (a mobile agent of
# 青丝乡, a village agent of 丰乐乡), on days no test works on, withdrawn at once.
QINGSI_PERSON, FENGLE_PERSON = "luo.yong", "wei.na"
ABSENT_DAY = "2026-11-02"

# -- the notice outbox (短信通知) --------------------------------------------------------
# The administrator alone lists notices and sends a dead one again (test_notices_by_role).
NOTICES = {("GET", "/api/v1/notices"), ("POST", "/api/v1/notices/<int:notice_id>/retry")}
NOTICE_KEEPER = "he.jun"

# -- scheduled pickup and delivery runs (定期取件/定期送件) --------------------------------
# Seen by the mobile agents and township staff of the run's township and the supervisor
# (others 403; another township's run 404); completed by its township's mobile agents
# (test_runs_by_role; tests/api/test_api_runs.py walks a run).
RUNS = {
    ("GET", "/api/v1/runs"),
    ("GET", "/api/v1/runs/<int:run_id>"),
    ("POST", "/api/v1/runs/<int:run_id>/complete"),
}
RUN_SEERS = {"he.ping", "wang.fang", "liu.yang", "chen.jing", "sun.hong"}  # a 青丝乡 run
RUN_OTHER_TOWNSHIP = {"pan.hong"}  # 丰乐乡's window: runs, but not this one

# -- yearly payout lists (年度发放清册; tests/api/test_api_batches.py) ---------------------
# A list of 青丝社区 511725201001 while the village compiles it (test_batches_by_role):
# read like the village's cases (the case column of village_001); its lines changed by
# the village's agent and the township's window and back office, 403 to others who see it;
# payment results 409 (not the payment step) to the back office, 403 to others; a list
# opened by who may change lines (403 to everyone else: the village is not theirs).
BATCHES = "/api/v1/batches"
BATCH_ENDPOINTS = {
    ("POST", BATCHES),
    ("GET", f"{BATCHES}/<int:case_id>"),
    ("GET", f"{BATCHES}/<int:case_id>/lines"),
    ("POST", f"{BATCHES}/<int:case_id>/lines"),
    ("POST", f"{BATCHES}/<int:case_id>/lines/<int:line>/strike"),
    ("POST", f"{BATCHES}/<int:case_id>/lines/<int:line>/correct"),
    ("POST", f"{BATCHES}/<int:case_id>/payments"),
}
BATCH_WRITERS = {"tan.xiaoyan", "wang.fang", "liu.yang"}

COVERED = (
    {(method, rule) for _, method, rule in OBJECT_ENDPOINTS}
    | set(EVERYONE)
    | LISTS
    | {CREATE}
    | set(PUBLIC)
    | LEDGER_COVERED
    | set(AUDIT_ENDPOINTS)
    | set(DOCUMENT_ENDPOINTS)
    | ATTACHMENT_ENDPOINTS
    | MESSAGE_ENDPOINTS
    | RATING_ENDPOINTS
    | {STATS}
    | {REPORTS_MONTHLY, REPORTS_RANKING, CONTACT_CARD}
    | EXPORTS
    | CLOCK
    | PEOPLE_LISTS
    | {ABSENCE_CREATE, ABSENCE_END, OWN_PASSWORD}
    | ACCOUNTS
    | NOTICES
    | BATCH_ENDPOINTS
    | RUNS
)

# -- fixtures --------------------------------------------------------------------------


@dataclass(frozen=True)
class Obj:
    kind: str
    case_id: int
    task_id: str
    lane: str


class World:
    """The engine, the app and every case made here, with the kind it was made as."""

    def __init__(self, engine: Engine, client: FlaskClient, tokens: dict[str, str]) -> None:
        self.engine = engine
        self.client = client
        self.tokens = tokens
        self.kinds: dict[int, str] = {}

    def outside(self, user: str, case_ids: Iterable[int]) -> list[int]:
        """Those of the cases ``user`` must not see (test_registration's are not judged)."""
        return [
            case
            for case in case_ids
            if self.kinds.get(case) != REGISTERED and not sees(user, self.kinds.get(case, "?"))
        ]

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def register(self, user: str, item: str, channel: str, village: str) -> TestResponse:
        return self.client.post(
            f"{API}/cases",
            json={
                "item_code": item,
                "applicant": {
                    "name": "张三",
                    "id_number": ID,
                    "phone": "13800001234",
                    "address": "一组 1 号",
                    "village": village,
                },
                "channel": channel,
                "materials": [],
            },
            headers=self.headers(user),
        )

    def make(self, kind: str) -> Obj:
        """A new case of ``kind``, driven to its task (set-up goes through the engine)."""
        spec = OBJECTS[kind]
        response = self.register(spec.registrar, spec.item, spec.channel, spec.village)
        assert response.status_code == 201, response.get_json()
        case_id = response.get_json()["id"]
        self.kinds[case_id] = kind
        cases = self.engine.cases
        view = cases.get(case_id)
        while not any(t.spec_id == spec.task for t in view.tasks):
            assert view.tasks, f"{kind}: stuck before {spec.task}"
            task = view.tasks[0]
            form = self.engine.definitions.compiled(view.definition_hash).form(
                task.process_id, task.spec_id
            )
            view = cases.complete_task(
                case_id, task.id, fill_form(form, {}, TODAY), Actor(f"setup.{task.lane}", task.lane)
            )
        (task,) = view.tasks
        assert task.lane is not None
        return Obj(kind, case_id, task.id, task.lane)

    def state(self, obj: Obj) -> tuple[Any, ...]:
        """What a write would change: the case row's version, history length and status,
        and the open tasks with their holders."""
        record = self.engine.cases.record(obj.case_id)
        tasks = sorted((t.id, t.claimed_by) for t in self.engine.cases.task_index(obj.case_id))
        return record.version, record.last_seq, record.status, tasks

    def form_data(self, obj: Obj) -> dict[str, Any]:
        """Valid data for the object's task: a refusal is never a validation failure."""
        record = self.engine.cases.record(obj.case_id)
        task = self.engine.cases.task(obj.task_id)
        form = self.engine.definitions.compiled(record.definition_hash).form(
            task.process_id, task.spec_id
        )
        return fill_form(form, {}, TODAY)

    def call(
        self, user: str, column: str, obj: Obj, data: dict[str, Any] | None = None
    ) -> TestResponse:
        """``user`` calls the endpoint of ``column`` on ``obj`` with a valid body."""
        client, headers = self.client, self.headers(user)
        case, task = f"{API}/cases/{obj.case_id}", f"{API}/tasks/{obj.task_id}"
        if column == "case":
            return client.get(case, headers=headers)
        if column == "cancel":
            return client.post(f"{case}/cancel", json={"reason": "申请人撤回"}, headers=headers)
        if column == "message":
            decision = {"approved": True, "opinion": "准予"}
            return client.post(f"{case}/messages/county_decision", json=decision, headers=headers)
        if column == "task":
            return client.get(task, headers=headers)
        if column in ("claim", "unclaim"):
            return client.post(f"{task}/{column}", headers=headers)
        if column == "assign":
            body = {"user": OBJECTS[obj.kind].assignee}
            return client.post(f"{task}/assign", json=body, headers=headers)
        assert column == "complete"
        data = self.form_data(obj) if data is None else data
        return client.post(f"{task}/complete", json=data, headers=headers)


ITEMS = sorted({OBJECTS[k].item.lower() for k in OBJECTS})
clock, engine = module_engine(
    (BPMN / "common", *(BPMN / "items" / f"item_{i}.bpmn" for i in [*ITEMS, "nl007"]))
)


@pytest.fixture(scope="module")
def world(engine: Engine, databases: Databases) -> World:
    client = shared_app(databases, engine).test_client()
    return World(engine, client, shared_tokens(databases, engine))


@pytest.fixture(scope="module")
def shared(world: World) -> dict[str, Obj]:
    """One case of each kind that no test changes (a write expected to succeed gets its own)."""
    return {kind: world.make(kind) for kind in OBJECTS}


def assert_not_found(response: TestResponse) -> None:
    assert response.status_code == 404, response.get_json()
    assert response.mimetype == PROBLEM
    assert response.get_json()["code"] == "not_found"


# -- the matrix itself ---------------------------------------------------------------


def test_the_matrix_covers_every_role_and_kind() -> None:
    org = load_org()
    roles = {role for user in USERS for role in org.users[user].roles}
    assert roles == set(ROLES)
    for user, row in MATRIX.items():
        assert set(row) <= set(OBJECTS), user
    for kind in OBJECTS:
        assert any(holds(user, kind) for user in USERS), f"nobody in the matrix works {kind}"


def test_every_endpoint_is_covered(world: World) -> None:
    """An endpoint the matrix does not know fails here: add it to the matrix."""
    routes = {
        (method, rule.rule)
        for rule in world.client.application.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    assert routes - COVERED == set(), "endpoints missing from the authorization matrix"
    assert COVERED - routes == set(), "the matrix lists endpoints the app does not have"
    documented = world.client.get(f"{API}/openapi.json").get_json()["paths"]
    for method, rule in routes - set(PUBLIC):
        path = rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        operation = documented[path][method.lower()]
        assert operation.get("security") == [{"bearerAuth": []}], (method, rule)
        assert "401" in operation["responses"], (method, rule)


CELLS = [(user, kind, column) for user in USERS for kind in OBJECTS for column in COLUMNS]


@pytest.mark.parametrize(("user", "kind", "column"), CELLS, ids=["-".join(c) for c in CELLS])
def test_matrix(world: World, shared: dict[str, Obj], user: str, kind: str, column: str) -> None:
    status = expected(user, kind, column)
    writes = column not in ("case", "task")
    succeeds = writes and status < 300
    obj = world.make(kind) if succeeds else shared[kind]
    if column == "unclaim" and succeeds:
        world.engine.cases.claim(obj.case_id, obj.task_id, Actor(user, obj.lane))
    before = world.state(obj)
    response = world.call(user, column, obj)
    after = world.state(obj)
    assert response.status_code == status, response.get_json()
    if status == 404:
        assert_not_found(response)
    if status >= 400:
        assert response.mimetype == PROBLEM
        assert after == before, "a refused request changed the case"
        return
    if succeeds:
        assert after[1] == before[1] + 1, "one event per successful write"
    body = response.get_json()
    read_only = expected(user, kind, "cancel") != 200
    if column == "case":
        assert body["id"] == obj.case_id and body["read_only"] is read_only
        shown = body["applicant"]["id_number"]
        assert shown == (mask_id(ID) if read_only else ID)
    elif column == "task":
        assert body["id"] == obj.task_id and body["may_act"] is holds(user, kind)
    elif column == "cancel":
        assert body["status"] == "cancelled"
    elif column == "claim":
        assert body["claimed_by"] == user
    elif column == "unclaim":
        assert body["claimed_by"] is None
    elif column == "assign":
        assert body["claimed_by"] == OBJECTS[kind].assignee
    elif column == "message":
        assert "county_decision" not in body["waiting_messages"]
    else:
        assert column == "complete"
        assert obj.task_id not in {t.id for t in world.engine.cases.task_index(obj.case_id)}


AUDIT_CELLS = [(user, kind) for user in USERS for kind in OBJECTS]


@pytest.mark.parametrize(("user", "kind"), AUDIT_CELLS, ids=["-".join(c) for c in AUDIT_CELLS])
def test_audit_views_follow_the_case_column(
    world: World, shared: dict[str, Obj], user: str, kind: str
) -> None:
    obj = shared[kind]
    status = expected(user, kind, "case")
    masked = expected(user, kind, "cancel") != 200
    for _, rule in AUDIT_ENDPOINTS:
        response = world.client.get(_concrete(rule, obj), headers=world.headers(user))
        assert response.status_code == status, (rule, response.get_json())
        if status == 404:
            assert_not_found(response)
            continue
        body = response.get_json()
        assert body["case_id"] == obj.case_id
        if rule.endswith("/history"):
            assert body["masked"] is masked
            shown = body["events"][0]["data"]["data"]["applicant"]["id_number"]
            assert shown == (mask_id(ID) if masked else ID)


@pytest.mark.parametrize(("user", "kind"), AUDIT_CELLS, ids=["-".join(c) for c in AUDIT_CELLS])
def test_documents_follow_the_case_column(
    world: World, shared: dict[str, Obj], user: str, kind: str
) -> None:
    obj = shared[kind]
    status = expected(user, kind, "case")
    for _, rule in DOCUMENT_ENDPOINTS:
        response = world.client.get(_concrete(rule, obj), headers=world.headers(user))
        assert response.status_code == status, (rule, response.get_json())
        if status == 404:
            assert_not_found(response)
        elif rule.endswith("<document_id>"):
            assert response.mimetype == "application/pdf"
        else:
            assert response.get_json()["documents"][0]["document_id"] == "receipt-1"


@pytest.mark.parametrize(("user", "kind"), AUDIT_CELLS, ids=["-".join(c) for c in AUDIT_CELLS])
def test_attachments_follow_the_case_rights(
    world: World, shared: dict[str, Obj], user: str, kind: str
) -> None:
    """Nothing is written: the upload names no material of the item (422 once allowed),
    the download a scan the case does not have (404 naming it once allowed)."""
    obj = shared[kind]
    base = f"{API}/cases/{obj.case_id}/attachments"
    headers = world.headers(user)
    listed = world.client.get(base, headers=headers)
    assert listed.status_code == expected(user, kind, "case")
    if listed.status_code == 404:
        assert_not_found(listed)
    acts = expected(user, kind, "cancel") == 200
    registered_here = (
        kind == "county_wide" and world.engine.org.users[user].unit == REGISTERING_UNIT
    )
    upload = world.client.post(
        base,
        data={"material": "不是材料", "file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")},
        content_type="multipart/form-data",
        headers=headers,
    )
    want = 404 if listed.status_code == 404 else 422 if acts or registered_here else 403
    assert upload.status_code == want, upload.get_json()
    opened = world.client.get(f"{base}/1", headers=headers)
    assert opened.status_code == (404 if listed.status_code == 404 or acts else 403)
    if acts:
        assert "材料附件" in opened.get_json()["detail"]


@pytest.mark.parametrize(("user", "kind"), AUDIT_CELLS, ids=["-".join(c) for c in AUDIT_CELLS])
def test_other_messages_follow_the_case_rights(
    world: World, shared: dict[str, Obj], user: str, kind: str
) -> None:
    """Every other message as the cancel column: out of scope 404, read-only 403, else
    the case's state decides (409: none of the objects waits for these); a name the
    library does not define is 404 for everyone. Nothing changes."""
    obj = shared[kind]
    case, headers = f"{API}/cases/{obj.case_id}", world.headers(user)
    status = {404: 404, 403: 403}.get(expected(user, kind, "cancel"), 409)
    before = world.state(obj)
    for name, payload in OTHER_MESSAGES.items():
        response = world.client.post(f"{case}/messages/{name}", json=payload, headers=headers)
        assert response.status_code == status, (name, response.get_json())
        assert response.mimetype == PROBLEM
    undefined = world.client.post(f"{case}/messages/go", json={}, headers=headers)
    assert_not_found(undefined)
    assert world.state(obj) == before


@pytest.mark.parametrize(("user", "kind"), AUDIT_CELLS, ids=["-".join(c) for c in AUDIT_CELLS])
def test_ratings_follow_the_case_rights(
    world: World, shared: dict[str, Obj], user: str, kind: str
) -> None:
    """The rating message, the case's ratings, entering, appealing and ruling: out of scope
    404; otherwise the role decides (403), then the case's state (409). Nothing changes."""
    obj = shared[kind]
    case, headers = f"{API}/cases/{obj.case_id}", world.headers(user)
    sees, acts = expected(user, kind, "case") == 200, expected(user, kind, "cancel") == 200
    township_staff = bool(APPEALING_ROLES & set(world.engine.org.users[user].roles))
    before = world.state(obj)
    calls = [
        (f"{case}/messages/rating", {"level": "satisfied"}, 403),
        (f"{case}/ratings", {"level": 4, "channel": "paper"}, 409 if acts else 403),
        (f"{case}/ratings/appeal", {"reason": "恶意差评"}, 409 if acts and township_staff else 403),
        (
            f"{case}/ratings/appeal/decision",
            {"upheld": True, "opinion": "成立"},
            409 if user == "sun.hong" else 403,
        ),
    ]
    for path, body, status in calls:
        response = world.client.post(path, json=body, headers=headers)
        if not sees:
            assert_not_found(response)
            continue
        assert response.status_code == status, (path, response.get_json())
        assert response.mimetype == PROBLEM
        if path.endswith("/messages/rating"):
            assert response.get_json()["code"] == "resident_only"
    shown = world.client.get(f"{case}/ratings", headers=headers)
    if not sees:
        assert_not_found(shown)
    else:
        assert shown.status_code == 200, shown.get_json()
        assert shown.get_json() == {"waiting": False, "invitation_url": None, "ratings": []}
    assert world.state(obj) == before


def test_nonexistent_objects_look_like_out_of_scope_ones(
    world: World, shared: dict[str, Obj]
) -> None:
    """A case or task outside the caller's scope answers exactly like one that does not
    exist, so neither can be probed."""
    ghost = Obj("village_001", 999_999_999, "00000000-0000-5000-8000-000000000000", "x")
    real = shared["village_001"]
    data = world.form_data(real)
    for column in COLUMNS:
        missing = world.call("tan.xiaoyan", column, ghost, data)
        hidden = world.call("cai.ping", column, real)
        assert_not_found(missing)
        assert_not_found(hidden)
        assert set(missing.get_json()) == set(hidden.get_json()), column
        assert missing.get_json()["title"] == hidden.get_json()["title"], column


def test_closed_tasks_stay_hidden_out_of_scope(world: World) -> None:
    """A task just completed answers 409 in scope (a conflict, not a miss) and 404 outside."""
    obj = world.make("village_001")
    done = world.call("tan.xiaoyan", "complete", obj)
    assert done.status_code == 200, done.get_json()
    before = world.state(obj)
    for column in ("claim", "unclaim", "complete"):
        response = world.call("tan.xiaoyan", column, obj)
        assert response.status_code == 409, (column, response.get_json())
        assert response.get_json()["code"] == "task_closed"
        for outsider in ("cai.ping", "pan.hong", "deng.hui"):
            assert_not_found(world.call(outsider, column, obj))
    for column in ("task", "assign"):
        for user in ("tan.xiaoyan", "chen.jing", "cai.ping"):
            assert_not_found(world.call(user, column, obj))
    assert world.state(obj) == before


# -- lists -----------------------------------------------------------------------------


@pytest.mark.parametrize("user", USERS)
def test_case_list_is_scoped(world: World, shared: dict[str, Obj], user: str) -> None:
    """GET /cases lists every case the user sees and nothing else (every page)."""
    listed: list[int] = []
    page = 1
    while True:
        response = world.client.get(
            f"{API}/cases?page_size=100&page={page}", headers=world.headers(user)
        )
        assert response.status_code == 200
        body = response.get_json()
        listed += [c["id"] for c in body["items"]]
        if len(body["items"]) < 100:
            break
        page += 1
    assert len(listed) == len(set(listed)) == body["total"]
    assert world.outside(user, listed) == [], f"{user} lists cases outside its scope"
    visible = {obj.case_id for kind, obj in shared.items() if sees(user, kind)}
    assert visible <= set(listed)
    assert ID not in response.get_data(as_text=True)


@pytest.mark.parametrize("user", USERS)
def test_queue_is_scoped(world: World, shared: dict[str, Obj], user: str) -> None:
    """GET /tasks holds the tasks of the posts the user holds, never one out of scope."""
    response = world.client.get(f"{API}/tasks", headers=world.headers(user))
    assert response.status_code == 200
    listed = {t["id"]: t["case_id"] for t in response.get_json()["items"]}
    assert world.outside(user, listed.values()) == [], f"{user}'s queue has tasks out of scope"
    mine = {obj.task_id for kind, obj in shared.items() if holds(user, kind)}
    others = {obj.task_id for kind, obj in shared.items() if not holds(user, kind)}
    assert mine <= set(listed)
    assert others.isdisjoint(listed)


# -- endpoints without an object -------------------------------------------------------


def _sample_upload() -> dict[str, Any]:
    """The sample processes: not deployed here, so a designer's upload is a new version."""
    paths = sorted(SAMPLE.glob("*.bpmn"))
    return {"files": [(io.BytesIO(path.read_bytes()), path.name) for path in paths]}


GLOBAL_CELLS = [(user, method, rule) for user in USERS for method, rule in EVERYONE]


@pytest.mark.parametrize(
    ("user", "method", "rule"),
    GLOBAL_CELLS,
    ids=[f"{u}-{m} {r}" for u, m, r in GLOBAL_CELLS],
)
def test_endpoints_without_objects(world: World, user: str, method: str, rule: str) -> None:
    status = EXCEPTIONS.get((user, method, rule), EVERYONE[(method, rule)])
    engine = world.engine
    versions = len(engine.definitions.versions())
    token = engine.identity.issue_token(user).token  # logout revokes it
    headers = {"Authorization": f"Bearer {token}"}
    path = (
        rule.replace("<code>", "MZ004")
        .replace("<process_id>", "item_mz004")
        .replace("<int:version>", "1")
    )
    if method == "GET":
        response = world.client.get(path, headers=headers)
    elif rule.endswith("/definitions"):
        response = world.client.post(
            path, data=_sample_upload(), content_type="multipart/form-data", headers=headers
        )
    else:
        response = world.client.post(path, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    if rule.endswith("/definitions") and method == "POST":
        deployed = len(engine.definitions.versions()) - versions
        assert deployed == (2 if status == 201 else 0), "only the designer deploys"
    if status >= 400:
        assert response.mimetype == PROBLEM
    if rule.endswith("/me"):
        assert response.get_json()["id"] == user
    if rule.endswith("/logout"):
        after = world.client.get(f"{API}/auth/me", headers=headers)
        assert after.status_code == 401


@pytest.mark.parametrize(
    ("user", "channel", "village", "status"),
    REGISTRATIONS,
    ids=[f"{u}-{c}-{v}" for u, c, v, _ in REGISTRATIONS],
)
def test_registration(world: World, user: str, channel: str, village: str, status: int) -> None:
    """Registering is scoped by channel: a refusal (422 ``channel``) creates nothing."""
    everything = world.client.get(f"{API}/cases", headers=world.headers("sun.hong"))
    before = everything.get_json()["total"]
    response = world.register(user, "MZ004", channel, village)
    assert response.status_code == status, response.get_json()
    if status == 201:
        world.kinds[response.get_json()["id"]] = REGISTERED
    else:
        assert [e["field"] for e in response.get_json()["errors"]] == ["channel"]
    after = world.client.get(f"{API}/cases", headers=world.headers("sun.hong"))
    assert after.get_json()["total"] == before + (status == 201)


# -- without a token -------------------------------------------------------------------


def _concrete(rule: str, obj: Obj) -> str:
    if rule.startswith("/viewer/assets/"):
        return "/viewer/assets/viewer/diagram.js"
    if rule.startswith("/console/"):
        return "/console/js/app.js"
    if rule.startswith("/progress/assets/"):
        return "/progress/assets/progress.js"
    if rule.startswith("/rating/assets/"):
        return "/rating/assets/rating.js"
    return (
        rule.replace("<int:case_id>", str(obj.case_id))
        .replace("<task_id>", obj.task_id)
        .replace("<name>", "go")
        .replace("<code>", "MZ004")
        .replace("<process_id>", "item_mz004")
        .replace("<int:version>", "1")
        .replace("<int:issue_id>", "1")
        .replace("<int:absence_id>", "1")
        .replace("<int:notice_id>", "1")
        .replace("<int:attachment_id>", "1")
        .replace("<int:line>", "1")
        .replace("<int:run_id>", "1")
        .replace("<user_id>", "wang.fang")
        .replace("<document_id>", "receipt-1")
        .replace("<village>", "511725201001")
        .replace("<path:filename>", "swagger-ui-bundle.js")
    )


@pytest.mark.parametrize(
    ("method", "rule"), sorted(COVERED), ids=[f"{m} {r}" for m, r in sorted(COVERED)]
)
def test_without_a_token(world: World, shared: dict[str, Obj], method: str, rule: str) -> None:
    obj = shared["village_001"]
    before = world.state(obj)
    path = _concrete(rule, obj)
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        if method == "GET":
            response = world.client.get(path, headers=headers)
        elif rule.endswith("/definitions"):
            response = world.client.post(
                path, data=_sample_upload(), content_type="multipart/form-data", headers=headers
            )
        elif rule.endswith("/login"):
            credentials = {"user": "tan.xiaoyan", "password": "not-her-password"}
            response = world.client.post(path, json=credentials, headers=headers)
        else:
            response = world.client.post(path, json={}, headers=headers)
        response.close()  # the docs assets are sent as open files
        status = PUBLIC.get((method, rule), 401)
        assert response.status_code == status, (headers, response.get_data(as_text=True)[:300])
        if status == 401:
            assert response.mimetype == PROBLEM
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert world.state(obj) == before


# -- the issue ledger ------------------------------------------------------------------


def ledger_expected(user: str, kind: str, column: str) -> int:
    codes = LEDGER_MATRIX[user].get(kind, ISSUE_OUT).split()
    return int(codes[LEDGER_COLUMNS.index(column)])


def test_the_ledger_matrix_covers_every_user() -> None:
    assert set(LEDGER_MATRIX) == set(USERS)
    for kind in LEDGER_KINDS:
        assert any(ledger_expected(u, kind, "answer") == 200 for u in USERS), kind


def make_issue(world: World, kind: str) -> int:
    """A new issue of ``kind`` (recorded over HTTP, passed on through the engine)."""
    recorder, village, transfers = LEDGER_KINDS[kind]
    response = world.client.post(
        f"{API}/ledger", json=_issue_body(village), headers=world.headers(recorder)
    )
    assert response.status_code == 201, response.get_json()
    issue_id: int = response.get_json()["id"]
    ledger = LedgerService(world.engine.store, world.engine.clock, world.engine.org)
    holders = {"": recorder, "MZ": "wang.fang"}
    for department in transfers:
        user = world.engine.org.users[holders[department]]
        holder = Principal(user.id, user.name, frozenset(user.roles), user.unit)
        ledger.transfer(holder, issue_id, "转办", department or None)
    return issue_id


def _issue_body(village: str) -> dict[str, Any]:
    return {
        "village": village,
        "resident": {"name": "张三", "phone": "13800001234"},
        "category": "infrastructure",
        "content": "村道塌方",
        "source": "visit",
    }


def issue_state(world: World, issue_id: int) -> tuple[Any, ...]:
    ledger = LedgerService(world.engine.store, world.engine.clock, world.engine.org)
    view = ledger.issue(issue_id)
    return view.issue.status, view.issue.level, view.issue.last_seq, len(view.entries)


@pytest.fixture(scope="module")
def shared_issues(world: World) -> dict[str, int]:
    return {kind: make_issue(world, kind) for kind in LEDGER_KINDS}


LEDGER_CELLS = [(u, k, c) for u in USERS for k in LEDGER_KINDS for c in LEDGER_COLUMNS]


@pytest.mark.parametrize(
    ("user", "kind", "column"), LEDGER_CELLS, ids=["-".join(c) for c in LEDGER_CELLS]
)
def test_ledger_matrix(
    world: World, shared_issues: dict[str, int], user: str, kind: str, column: str
) -> None:
    status = ledger_expected(user, kind, column)
    succeeds = column != "issue" and status < 300
    issue_id = make_issue(world, kind) if succeeds else shared_issues[kind]
    path = f"{API}/ledger/{issue_id}"
    before = issue_state(world, issue_id)
    if column == "issue":
        response = world.client.get(path, headers=world.headers(user))
    else:
        body = {"note": "情况说明"}
        if column == "transfer" and kind == "issue_township":
            body["department"] = "MZ"
        response = world.client.post(f"{path}/{column}", json=body, headers=world.headers(user))
    after = issue_state(world, issue_id)
    assert response.status_code == status, response.get_json()
    if status == 404:
        assert_not_found(response)
    if status >= 400:
        assert response.mimetype == PROBLEM
        assert after == before, "a refused request changed the issue"
        return
    body = response.get_json()
    assert body["id"] == issue_id
    if succeeds:
        assert after[2] == before[2] + 1 == len(body["entries"]), "one entry per write"
        assert body["entries"][-1]["actor"] == user
    else:
        holds = ledger_expected(user, kind, "answer") == 200
        assert body["read_only"] is not holds
        assert (body["resident_phone"] == "13800001234") is holds


@pytest.mark.parametrize("user", USERS)
def test_ledger_list_is_scoped(world: World, shared_issues: dict[str, int], user: str) -> None:
    """GET /ledger lists the user's issues, and only those, with phones masked."""
    listed: list[int] = []
    page = 1
    while True:
        response = world.client.get(
            f"{API}/ledger?page_size=100&page={page}", headers=world.headers(user)
        )
        assert response.status_code == 200
        body = response.get_json()
        listed += [i["id"] for i in body["items"]]
        assert "13800001234" not in response.get_data(as_text=True)
        if len(body["items"]) < 100:
            break
        page += 1
    assert len(listed) == len(set(listed)) == body["total"]
    ledger = LedgerService(world.engine.store, world.engine.clock, world.engine.org)
    org_user = world.engine.org.users[user]
    principal = Principal(user, org_user.name, frozenset(org_user.roles), org_user.unit)
    for issue_id in listed:
        assert sees_issue(principal, ledger.issue(issue_id).issue), (user, issue_id)
    visible = {
        i for kind, i in shared_issues.items() if ledger_expected(user, kind, "issue") == 200
    }
    assert visible <= set(listed)
    assert not (set(shared_issues.values()) - visible) & set(listed)


@pytest.mark.parametrize(
    ("user", "village", "status"),
    LEDGER_RECORDINGS,
    ids=[f"{u}-{v}" for u, v, _ in LEDGER_RECORDINGS],
)
def test_ledger_recording(world: World, user: str, village: str, status: int) -> None:
    ledger = LedgerService(world.engine.store, world.engine.clock, world.engine.org)
    before = ledger.search(LedgerScope(everything=True), LedgerQuery())[1]
    response = world.client.post(
        f"{API}/ledger", json=_issue_body(village), headers=world.headers(user)
    )
    assert response.status_code == status, response.get_json()
    if status != 201:
        assert response.mimetype == PROBLEM
        assert [e["field"] for e in response.get_json()["errors"]] == ["village"]
    after = ledger.search(LedgerScope(everything=True), LedgerQuery())[1]
    assert after == before + (status == 201)


# -- supervision figures ---------------------------------------------------------------


@pytest.mark.parametrize("user", USERS)
def test_stats_by_role(world: World, shared: dict[str, Obj], user: str) -> None:
    """Designers and administrators are refused; everyone else gets the figures of its
    own township (the supervisor: all of them)."""
    response = world.client.get(f"{API}/stats?group_by=township", headers=world.headers(user))
    if user in STATS_REFUSED:
        assert response.status_code == 403, response.get_json()
        assert response.mimetype == PROBLEM and response.get_json()["code"] == "forbidden"
        return
    assert response.status_code == 200, response.get_json()
    listed = [g["unit"] for g in response.get_json()["groups"]]
    if user == "sun.hong":
        assert len(listed) == len(world.engine.org.of_kind("township"))
    elif world.engine.org.users[user].unit.isdigit():
        assert listed == [world.engine.org.users[user].unit[:9]], user


# -- reports -----------------------------------------------------------------------------


@pytest.mark.parametrize("user", USERS)
def test_reports_by_role(world: World, user: str) -> None:
    """The monthly workbook for everyone with figures (its own township's tables, another
    township 404); the ranking for the supervisor alone; a village's contact card for
    whoever's figures cover the village."""
    headers = world.headers(user)
    workbook = world.client.get(f"{API}/reports/monthly?month=2026-11", headers=headers)
    ranking = world.client.get(f"{API}/reports/ranking?period=2026-11", headers=headers)
    if user in STATS_REFUSED:
        assert workbook.status_code == 403, workbook.get_json()
        assert workbook.mimetype == PROBLEM and workbook.get_json()["code"] == "forbidden"
    else:
        assert workbook.status_code == 200, workbook.get_json()
        unit = world.engine.org.users[user].unit
        if user != "sun.hong" and unit.isdigit():
            other = "511725202" if unit[:9] != "511725202" else "511725201"
            elsewhere = world.client.get(
                f"{API}/reports/monthly?month=2026-11&township={other}", headers=headers
            )
            assert elsewhere.status_code == 404, elsewhere.get_json()
    cards = {
        village: world.client.get(f"{API}/reports/contact-cards/{village}.pdf", headers=headers)
        for village in ("511725201001", "511725202001")  # 青丝社区, 丰乐社区
    }
    for village, card in cards.items():
        if user in STATS_REFUSED:
            assert card.status_code == 403 and card.get_json()["code"] == "forbidden"
            continue
        unit = world.engine.org.users[user].unit
        sees = user == "sun.hong" or (unit.isdigit() and village.startswith(unit))
        assert card.status_code == (200 if sees else 404), (user, village, card.get_json())
    if user == RANKING_READER:
        assert ranking.status_code == 200, ranking.get_json()
    else:
        assert ranking.status_code == 403, ranking.get_json()
        assert ranking.mimetype == PROBLEM and ranking.get_json()["code"] == "forbidden"


# -- process-mining exports ------------------------------------------------------------


@pytest.mark.parametrize("user", USERS)
def test_exports_are_scoped(world: World, shared: dict[str, Obj], user: str) -> None:
    """The XES export holds every case the user sees and nothing else; designers and
    administrators are refused."""
    response = world.client.get(f"{API}/audit/export.xes", headers=world.headers(user))
    if user in EXPORTS_REFUSED:
        assert response.status_code == 403, response.get_json()
        assert response.mimetype == PROBLEM and response.get_json()["code"] == "forbidden"
        return
    assert response.status_code == 200
    document = etree.fromstring(response.get_data())
    exported = [
        int(trace.find("int[@key='case_id']").get("value"))  # type: ignore[union-attr]
        for trace in document.iter("trace")
    ]
    assert world.outside(user, exported) == [], f"{user} exports cases outside its scope"
    visible = {obj.case_id for kind, obj in shared.items() if sees(user, kind)}
    assert visible <= set(exported)
    assert ID not in response.get_data(as_text=True)


# -- the training clock ----------------------------------------------------------------


@pytest.mark.parametrize("user", USERS)
def test_clock_by_role(world: World, user: str) -> None:
    """Only the administrator sees or moves the clock; on this production database even
    its advance is refused, and the clock stays the system clock."""
    headers = world.headers(user)
    shown = world.client.get(f"{API}/admin/clock", headers=headers)
    moved = world.client.post(f"{API}/admin/clock/advance", json={"by": "8d"}, headers=headers)
    if user != CLOCK_KEEPER:
        for response in (shown, moved):
            assert response.status_code == 403, response.get_json()
            assert response.mimetype == PROBLEM and response.get_json()["code"] == "forbidden"
    else:
        assert shown.status_code == 200 and shown.get_json()["mode"] == "production"
        assert moved.status_code == 409 and moved.mimetype == PROBLEM
        assert moved.get_json()["code"] == "not_training_database"
    assert world.engine.clock.now() == world.engine.wall_clock.now()


# -- people, accounts and the absence register ------------------------------------------


@pytest.mark.parametrize("user", USERS)
def test_people_lists_by_role(world: World, user: str) -> None:
    """The administrator lists everyone, a township leader its township's people and their
    absences; anyone else is refused."""
    org = world.engine.org
    keeps = user in PEOPLE_KEEPERS
    township = PEOPLE_KEEPERS.get(user)
    for _, path in sorted(PEOPLE_LISTS):
        response = world.client.get(
            f"{path}?page_size=100&{'all=true' if 'absences' in path else ''}",
            headers=world.headers(user),
        )
        if not keeps:
            assert response.status_code == 403, response.get_json()
            assert response.mimetype == PROBLEM and response.get_json()["code"] == "forbidden"
            continue
        assert response.status_code == 200, response.get_json()
        listed = [i["user" if "absences" in path else "id"] for i in response.get_json()["items"]]
        assert listed, path
        if township is not None:
            assert all(org.contains(township, org.users[u].unit) for u in listed), path
        elif path.endswith("/users"):
            assert response.get_json()["total"] == len(org.users)


def _register(world: World, user: str, person: str) -> TestResponse:
    body = {"user": person, "from": ABSENT_DAY, "to": ABSENT_DAY, "reason": "外出培训"}
    return world.client.post(ABSENCE_CREATE[1], json=body, headers=world.headers(user))


def _end(world: World, user: str, absence_id: int) -> TestResponse:
    path = ABSENCE_END[1].replace("<int:absence_id>", str(absence_id))
    return world.client.post(path, json={"on": ABSENT_DAY}, headers=world.headers(user))


@pytest.mark.parametrize("user", USERS)
def test_absences_by_role(world: World, user: str) -> None:
    """Registering and ending absences: the keepers for their people (a registration
    withdrawn at once, so no other test sees it), 422 for a person out of a leader's
    township, 404 for an absence there, 403 for everyone else; a refusal stores nothing."""
    absences = world.engine.absences
    admin = Principal("he.jun", "何军", frozenset({"admin"}), "511725")
    for person in (QINGSI_PERSON, FENGLE_PERSON):
        township = PEOPLE_KEEPERS.get(user)
        response = _register(world, user, person)
        if user not in PEOPLE_KEEPERS:
            assert response.status_code == 403 and response.get_json()["code"] == "forbidden"
        elif township is not None and not person_in(world, person, township):
            assert response.status_code == 422, response.get_json()
            assert [e["field"] for e in response.get_json()["errors"]] == ["user"]
        else:
            assert response.status_code == 201, response.get_json()
            withdrawn = _end(world, user, response.get_json()["id"])
            assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
        # an absence someone else registered (the administrator, through the engine)
        view = absences.register(
            admin, NewAbsence(person, date(2026, 11, 2), date(2026, 11, 2), "外出培训")
        )
        assert view.id is not None
        ended = _end(world, user, view.id)
        if user not in PEOPLE_KEEPERS:
            assert ended.status_code == 403 and ended.get_json()["code"] == "forbidden"
        elif township is not None and not person_in(world, person, township):
            assert_not_found(ended)
        else:
            assert ended.status_code == 200, ended.get_json()
        if ended.status_code != 200:
            absences.end(admin, view.id, date(2026, 11, 2))
    registered, _ = absences.find(admin, everything=True, limit=1000)
    assert all(v.status == "withdrawn" for v in registered if v.source == "register")


def person_in(world: World, person: str, township: str) -> bool:
    org = world.engine.org
    return org.contains(township, org.users[person].unit)


@pytest.mark.parametrize("user", USERS)
def test_accounts_by_role(world: World, user: str) -> None:
    """Only the administrator resets a password or revokes a user's tokens."""
    for _, rule in sorted(ACCOUNTS):
        response = world.client.post(
            rule.replace("<user_id>", "zhou.jie"), headers=world.headers(user)
        )
        if user == ACCOUNT_KEEPER:
            assert response.status_code == 200, response.get_json()
            assert response.get_json()["user"] == "zhou.jie"
        else:
            assert response.status_code == 403, response.get_json()
            assert response.mimetype == PROBLEM and response.get_json()["code"] == "forbidden"


@pytest.mark.parametrize("user", USERS)
def test_notices_by_role(world: World, user: str) -> None:
    """Only the administrator sees the notice outbox or sends a notice again (the matrix's
    notices are pending: a retry is 409; one that does not exist 404)."""
    headers = world.headers(user)
    listed = world.client.get(f"{API}/notices?page_size=100", headers=headers)
    missing = world.client.post(f"{API}/notices/999999/retry", headers=headers)
    if user != NOTICE_KEEPER:
        for response in (listed, missing):
            assert response.status_code == 403, response.get_json()
            assert response.mimetype == PROBLEM and response.get_json()["code"] == "forbidden"
        return
    assert listed.status_code == 200, listed.get_json()
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    for notice in listed.get_json()["items"]:
        assert "****" in notice["phone"]
        retried = world.client.post(f"{API}/notices/{notice['id']}/retry", headers=headers)
        assert retried.status_code == 409 and retried.get_json()["code"] == "invalid_state"


@pytest.fixture(scope="module")
def qingsi_run(world: World) -> int:
    """A run of 青丝乡's mobile post (何平), as the worker makes one."""
    day = world.engine.runs.today()
    run = RunRecord(0, "he.ping", "511725201", day, "open", (), world.engine.clock.now())
    with world.engine.store.unit_of_work(operation="run_created") as uow:
        run_id = uow.runs.add(run)
        uow.commit()
    assert run_id is not None
    return run_id


@pytest.mark.parametrize("user", USERS)
def test_runs_by_role(world: World, qingsi_run: int, user: str) -> None:
    """The township's runs: its mobile agents and staff and the supervisor see them;
    only its mobile agents complete one (tried here on a run that does not exist)."""
    headers = world.headers(user)
    listed = world.client.get(f"{API}/runs", headers=headers)
    one = world.client.get(f"{API}/runs/{qingsi_run}", headers=headers)
    complete = world.client.post(f"{API}/runs/{qingsi_run}/complete", headers=headers)
    missing = world.client.post(f"{API}/runs/999999/complete", headers=headers)
    if user not in RUN_SEERS | RUN_OTHER_TOWNSHIP:
        for response in (listed, one, complete, missing):
            assert response.status_code == 403, response.get_json()
            assert response.get_json()["code"] == "forbidden"
        return
    assert listed.status_code == 200, listed.get_json()
    ids = [r["id"] for r in listed.get_json()["items"]]
    assert (qingsi_run in ids) is (user in RUN_SEERS)
    assert missing.status_code == 404
    if user in RUN_OTHER_TOWNSHIP:
        assert (one.status_code, complete.status_code) == (404, 404)
        return
    assert one.status_code == 200, one.get_json()
    if user == "he.ping":  # the township's mobile agent (the only one in USERS)
        assert complete.status_code == 200, complete.get_json()
    else:
        assert complete.status_code == 403, complete.get_json()
        assert complete.get_json()["code"] == "forbidden"


@pytest.mark.parametrize("user", USERS)
def test_own_password_by_role(world: World, user: str) -> None:
    """Anyone signed in may change its own password, with the old one (none is right
    here: the matrix's users have tokens, no password)."""
    response = world.client.post(
        OWN_PASSWORD[1],
        json={"old_password": "not-the-password", "new_password": "a-new-password-1"},
        headers=world.headers(user),
        environ_base={"REMOTE_ADDR": f"10.0.0.{USERS.index(user) + 1}"},  # a desk each
    )
    assert response.status_code == 422, response.get_json()
    assert [e["field"] for e in response.get_json()["errors"]] == ["old_password"]


# -- yearly payout lists -----------------------------------------------------------------


def _resident(n: int) -> str:
    first = f"51172519800101{n:03d}"
    return first + id_check_character(first)


@pytest.fixture(scope="module")
def shared_batch(world: World) -> int:
    body = {"item_code": "NL007", "village": "511725201001", "year": 2026, "rate": "100"}
    response = world.client.post(f"{API}/batches", json=body, headers=world.headers("tan.xiaoyan"))
    assert response.status_code == 201, response.get_json()
    case_id = int(response.get_json()["id"])
    world.kinds[case_id] = "village_001"  # seen as 青丝社区's cases are (the scoping tests)
    return case_id


@pytest.mark.parametrize("user", USERS)
def test_batches_by_role(world: World, shared_batch: int, user: str) -> None:
    n = USERS.index(user)
    base, headers = f"{API}/batches/{shared_batch}", world.headers(user)
    seen = expected(user, "village_001", "case")
    write = 404 if seen == 404 else 200 if user in BATCH_WRITERS else 403
    assert world.client.get(base, headers=headers).status_code == seen
    assert world.client.get(f"{base}/lines", headers=headers).status_code == seen
    line = {"name": "李四", "id_number": _resident(n), "account": "6217000000000001", "area": "1"}
    added = world.client.post(f"{base}/lines", json={"lines": [line]}, headers=headers)
    assert added.status_code == write, added.get_json()
    totals = added.get_json()["totals"] if write == 200 else {"lines": 1, "struck": 0}
    no = totals["lines"] + totals["struck"]  # the line just added
    calls = [
        (f"{base}/lines/{no}/correct", {"reason": "经核实无误"}, write),
        (f"{base}/lines/{no}/strike", {"reason": "重复申报"}, write),
        (f"{base}/payments", {"results": [{"line": 1, "paid": True}]},
         404 if seen == 404 else 409 if user == "liu.yang" else 403),
    ]  # fmt: skip
    for path, body, status in calls:
        response = world.client.post(path, json=body, headers=headers)
        assert response.status_code == status, (path, response.get_json())
        if status >= 400:
            assert response.mimetype == PROBLEM
    body = {"item_code": "NL007", "village": "511725201001", "year": 2000 + n, "rate": "10"}
    opened = world.client.post(f"{API}/batches", json=body, headers=headers)
    assert opened.status_code == (201 if user in BATCH_WRITERS else 403), opened.get_json()
    if opened.status_code == 201:
        world.kinds[int(opened.get_json()["id"])] = "village_001"
