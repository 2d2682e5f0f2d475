"""The organisation (组织机构): county, townships, villages, county departments, grassroots
stations (基层站所: 派出所, 市场监管所, 人武部… serving one or more townships), staff.

Pure data and lookups for scoping (invariant 8) and the A/B posts (双AB岗): one YAML
file, ``processes/org/demo.yaml`` by default, validated strictly at load time; every
problem is reported at once as ``PATH:LINE: FIELD: message``. Region codes follow the
national pattern: county (6 digits) + township (3: 0xx 街道, 1xx 镇, 2xx/3xx 乡) +
village or community (3).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from processes.patterns import PHONE
from processes.resources import DEMO_ORG_FILE
from processes.yamlfile import DataFileError, field_path, line_at, load_yaml

DEMO_FILE = DEMO_ORG_FILE

ROLES = {
    "village_agent": "村代办员",
    "mobile_agent": "流动代办员",
    "township_window": "乡镇便民服务中心窗口（A岗）",
    "township_backoffice": "后台（B岗）",
    "township_leader": "乡镇分管领导",
    "county_officer": "县级部门经办人",
    "park_window": "工业园小窗口工作人员",
    "station_officer": "基层站所经办人",
    "assessment_doctor": "评定医生",
    "supervisor": "效能监督/审计",
    "designer": "流程设计员",
    "admin": "系统管理员",
}
UNIT_KINDS = {
    "county": "县",
    "township": "乡镇（街道）",
    "village": "行政村",
    "community": "社区",
    "department": "县级部门",
    "park_window": "工业园小窗口",
    "station": "基层站所",
}
# The kinds of unit a holder of each role belongs to. Mobile posts (流动代办岗) serve a
# whole township, so their holders belong to the township, not to one village.
ROLE_UNIT_KINDS: dict[str, tuple[str, ...]] = {
    "village_agent": ("village", "community"),
    "mobile_agent": ("township",),
    "township_window": ("township",),
    "township_backoffice": ("township",),
    "township_leader": ("township",),
    "county_officer": ("department",),
    # 工业园小窗口 (the "4+N" network's small window in an industrial park): its staff
    # belong to the window, a unit under the township whose park it serves.
    "park_window": ("park_window",),
    "station_officer": ("station",),
    # 残疾评定定点医院: a station of kind ``disability_assessment`` (see STATION_KINDS)
    "assessment_doctor": ("station",),
    "supervisor": ("county",),
    "designer": ("county",),
    "admin": ("county",),
}
AGENT_ROLES = frozenset({"village_agent", "mobile_agent"})
TOWNSHIP_STAFF_ROLES = frozenset({"township_window", "township_backoffice", "township_leader"})
OFFICES = {  # 三办一室: every township has these four
    "party_government": "党政综合办",
    "social_affairs": "社会事业办",
    "public_order": "社会治安办",
    "supervision": "绩效督查室",
}
TOWNSHIP_TYPES = {"0": "街道", "1": "镇", "2": "乡", "3": "乡"}
# Township groups an item's applicability names (``applicability`` in the org file): by
# the township's type (from its code) and by the 经济发达镇 reform (``reform``).
TYPE_GROUPS = {"0": "subdistrict", "1": "town", "2": "rural_township", "3": "rural_township"}
TOWNSHIP_GROUPS = {
    "subdistrict": "街道",
    "town": "镇",
    "rural_township": "乡",
    "developed_town": "经济发达镇",
}
REFORMS = {"developed_town": "经济发达镇"}
# -- Grassroots stations (基层站所) ------------------------------------------------------
# Units of a county department (or the 人武部) located in a township and serving one or
# several townships; some decide items the township only accepts (catalogue
# ``decided_at: T->S`` with ``station: KIND``). A township has at most one station of
# each kind.
STATION_KINDS = {
    "police_station": "公安派出所",
    "market_regulation": "市场监督管理所",
    "armed_forces": "人民武装部",
    "finance": "财政所",
    "judicial": "司法所",
    "forestry": "林业站",
    "agriculture": "农业技术推广站",
    "natural_resources": "自然资源所",
    # The hospital the 县残联 designates to assess disability (残疾评定定点医院, 《残疾人证
    # 管理办法》): it decides no item; its doctors (``assessment_doctor``) assess the
    # residents of the townships it serves on 残疾人证 cases (``ASSESSMENT_STATION``).
    "disability_assessment": "残疾评定定点医院",
}
ASSESSMENT_STATION = "disability_assessment"
# The kinds that decide items (catalogue ``station:``): all but the designated hospital.
DECIDING_STATION_KINDS = {k: v for k, v in STATION_KINDS.items() if k != ASSESSMENT_STATION}
# The roles that belong to a station of one kind only: a doctor to a designated hospital.
STATION_ROLES = {"assessment_doctor": ASSESSMENT_STATION}
STATION_CODE = r"[A-Z]{2,4}-\d{2,3}"  # the parent department's code, a dash, a number


@dataclass(frozen=True)
class OrgUnit:
    code: str
    name: str
    kind: str
    parent: str | None = None
    offices: tuple[str, ...] = ()
    reform: str | None = None  # a township under the 经济发达镇 reform: developed_town
    station_kind: str | None = None  # a station's kind (STATION_KINDS)
    serves: tuple[str, ...] = ()  # the townships a station serves

    @property
    def township_type(self) -> str | None:
        """街道, 镇 or 乡 for a township (from its code), else None."""
        return TOWNSHIP_TYPES.get(self.code[6:7]) if self.kind == "township" else None

    @property
    def groups(self) -> frozenset[str]:
        """The township groups (``TOWNSHIP_GROUPS``) a township belongs to: its type's and
        its reform's; none for another unit."""
        if self.kind != "township":
            return frozenset()
        found = {TYPE_GROUPS.get(self.code[6:7], ""), self.reform or ""}
        return frozenset(found - {""})


@dataclass(frozen=True)
class Applicability:
    """Items a county devolved only to some townships (事项适用范围): ``items`` apply in
    the townships of ``groups`` (``TOWNSHIP_GROUPS``) and those listed in ``townships``,
    on ``basis`` (the decision or law that devolved them so)."""

    items: tuple[str, ...]
    groups: tuple[str, ...]
    townships: tuple[str, ...]
    basis: str

    def covers(self, township: OrgUnit) -> bool:
        return bool(township.groups.intersection(self.groups)) or township.code in self.townships


@dataclass(frozen=True)
class User:
    id: str
    name: str
    roles: tuple[str, ...]
    unit: str
    office: str | None = None
    phone: str | None = None
    ab_partner: str | None = None
    stand_in: str | None = None

    @property
    def deputy(self) -> str | None:
        """Who takes over when this user is absent: the A/B partner or the agent's stand-in."""
        return self.ab_partner or self.stand_in


@dataclass(frozen=True)
class Absence:
    """A registered absence (离岗登记), both days inclusive."""

    user: str
    first_day: date
    last_day: date
    reason: str

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class Schedule:
    """A mobile post's scheduled round (定期取件/定期送件): on ``weekdays`` (ISO: 1 Monday …
    7 Sunday) the mobile agent ``agent`` goes to ``villages`` of its township, picks up
    the materials waiting there and brings the results (``engine.runs``)."""

    agent: str
    weekdays: tuple[int, ...]
    villages: tuple[str, ...]

    def runs_on(self, day: date) -> bool:
        return day.isoweekday() in self.weekdays


@dataclass(frozen=True)
class Organization:
    units: Mapping[str, OrgUnit]
    users: Mapping[str, User]
    absences: tuple[Absence, ...] = ()
    applicability: tuple[Applicability, ...] = ()
    schedules: tuple[Schedule, ...] = ()

    @cached_property
    def _children(self) -> dict[str, list[OrgUnit]]:
        children: dict[str, list[OrgUnit]] = {}
        for unit in self.units.values():
            if unit.parent is not None:
                children.setdefault(unit.parent, []).append(unit)
        return children

    @cached_property
    def _deputised(self) -> dict[str, list[User]]:
        by_deputy: dict[str, list[User]] = {}
        for user in self.users.values():
            if user.deputy is not None:
                by_deputy.setdefault(user.deputy, []).append(user)
        return by_deputy

    def with_absences(self, extra: Sequence[Absence]) -> Organization:
        """The same organisation with ``extra`` absences besides its own (the ones the
        database registers: ``engine.absences``); this one is left as it is."""
        if not extra:
            return self
        return replace(self, absences=(*self.absences, *extra))

    @property
    def county(self) -> OrgUnit:
        return next(u for u in self.units.values() if u.kind == "county")

    def of_kind(self, *kinds: str) -> list[OrgUnit]:
        return [u for u in self.units.values() if u.kind in kinds]

    def children(self, code: str, *kinds: str) -> list[OrgUnit]:
        """Direct sub-units of ``code`` (only of ``kinds`` when given)."""
        return [u for u in self._children.get(code, []) if not kinds or u.kind in kinds]

    def lineage(self, code: str) -> list[OrgUnit]:
        """The unit and its parents up to the county; empty for an unknown code."""
        chain: list[OrgUnit] = []
        unit = self.units.get(code)
        while unit is not None:
            chain.append(unit)
            unit = self.units.get(unit.parent) if unit.parent is not None else None
        return chain

    def contains(self, scope: str, code: str) -> bool:
        """Whether unit ``code`` lies within ``scope`` (a unit contains itself)."""
        return any(unit.code == scope for unit in self.lineage(code))

    def township_of(self, code: str) -> OrgUnit | None:
        """The township a township, village or community belongs to."""
        return next((u for u in self.lineage(code) if u.kind == "township"), None)

    def station_for(self, kind: str, township: str) -> OrgUnit | None:
        """The station of ``kind`` that serves ``township`` (None: there is none)."""
        return next(
            (
                u
                for u in self.units.values()
                if u.kind == "station" and u.station_kind == kind and township in u.serves
            ),
            None,
        )

    def county_department(self, code: str) -> OrgUnit | None:
        """The department of a department code or of an item code that starts with one."""
        match = re.match(r"[A-Z]{2,4}", code)
        unit = self.units.get(match.group()) if match else None
        return unit if unit is not None and unit.kind == "department" else None

    def item_rules(self, item_code: str) -> list[Applicability]:
        """The applicability rules naming ``item_code`` (none: it applies everywhere)."""
        return [rule for rule in self.applicability if item_code in rule.items]

    def item_applies(self, item_code: str, township: str) -> bool:
        """Whether the item is devolved to ``township``: no rule names it, or one covers
        the township."""
        unit = self.units.get(township)
        rules = self.item_rules(item_code)
        return not rules or (unit is not None and any(rule.covers(unit) for rule in rules))

    def townships_for(self, item_code: str) -> list[OrgUnit]:
        """The townships where ``item_code`` applies, in code order."""
        towns = sorted(self.of_kind("township"), key=lambda u: u.code)
        return [t for t in towns if self.item_applies(item_code, t.code)]

    def holders(self, role: str, code: str) -> list[User]:
        """Users holding ``role`` whose own unit contains unit ``code``."""
        return [u for u in self.users.values() if self._holds(u, role, code)]

    def staff_of(self, code: str) -> list[User]:
        """Users whose own unit is ``code``."""
        return [u for u in self.users.values() if u.unit == code]

    def is_absent(self, user_id: str, day: date) -> bool:
        return any(a.user == user_id and a.covers(day) for a in self.absences)

    def stand_in(self, user_id: str, day: date) -> User | None:
        """The A/B partner or stand-in who takes over when ``user_id`` is absent on ``day``."""
        user = self.users.get(user_id)
        if user is None or user.deputy is None or not self.is_absent(user_id, day):
            return None
        return None if self.is_absent(user.deputy, day) else self.users[user.deputy]

    def standing_in_for(self, user_id: str, day: date) -> list[User]:
        """The absent colleagues ``user_id`` takes over from on ``day``."""
        return [
            u
            for u in self._deputised.get(user_id, [])
            if (deputy := self.stand_in(u.id, day)) is not None and deputy.id == user_id
        ]

    def acts_for(self, user_id: str, role: str, code: str, day: date) -> User | None:
        """On whose behalf ``user_id`` may act on a ``role`` task of unit ``code``.

        The user itself when it holds the role there; else an absent colleague it stands
        in for that day who does (a task of the A post reaches the B post); else None.
        """
        user = self.users.get(user_id)
        if user is None:
            return None
        if self._holds(user, role, code):
            return user
        return next(
            (u for u in self.standing_in_for(user_id, day) if self._holds(u, role, code)), None
        )

    def may_act(self, user_id: str, role: str, code: str, day: date) -> bool:
        return self.acts_for(user_id, role, code, day) is not None

    def may_act_for(self, user_id: str, assignee_id: str, day: date) -> bool:
        """Whether ``user_id`` may work a task assigned to ``assignee_id`` on ``day``."""
        deputy = self.stand_in(assignee_id, day)
        return user_id == assignee_id or (deputy is not None and deputy.id == user_id)

    def _holds(self, user: User, role: str, code: str) -> bool:
        return role in user.roles and self.contains(user.unit, code)


def load_org(path: Path | None = None) -> Organization:
    """Load and validate an organisation file (default: the demo organisation); raise
    DataFileError listing every problem."""
    path = path or DEMO_FILE
    data, node = load_yaml(path)
    reader = _Reader()
    reader.read(data)
    if reader.problems:
        located = sorted(
            ((line_at(node, w), field_path(w), m) for w, m in reader.problems), key=lambda p: p[0]
        )
        raise DataFileError([f"{path}:{line}: {where}: {m}" for line, where, m in located])
    return Organization(
        reader.units,
        reader.users,
        tuple(reader.absences),
        tuple(reader.applicability),
        tuple(reader.schedules),
    )


Where = Sequence[str | int]
_NO_UNIT = OrgUnit("", "", "")
USER_ID = r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*"
HINTS = {USER_ID: "应为小写拼音，如 wang.fang", PHONE: "应为 11 位手机号或 0818-1234567 式座机号"}


class _Reader:
    """Turns the parsed YAML into units, users and absences, collecting every problem."""

    def __init__(self) -> None:
        self.problems: list[tuple[Where, str]] = []
        self.units: dict[str, OrgUnit] = {}
        self.users: dict[str, User] = {}
        self.absences: list[Absence] = []
        self.applicability: list[Applicability] = []
        self.schedules: list[Schedule] = []
        self.where: dict[str, Where] = {}  # unit code or user id -> its place in the file
        self.served: dict[tuple[str, str], str] = {}  # (station kind, township) -> station

    def fail(self, where: Where, message: str) -> None:
        self.problems.append((where, message))

    def read(self, data: Any) -> None:
        required = ("county", "departments", "townships", "users")
        top = self.fields(
            data, [], required, ("stations", "absences", "applicability", "schedules")
        )
        if top is None:
            return
        county = None
        if top.get("county") is not None:
            county = self.unit(top["county"], ["county"], "county", None, r"\d{6}")
        for where, raw in self.entries(top, "departments"):
            self.unit(raw, where, "department", county, r"[A-Z]{2,4}")
        for where, raw in self.entries(top, "townships"):
            self.township(raw, where, county)
        for where, raw in self.entries(top, "stations"):
            self.station(raw, where)
        for where, raw in self.entries(top, "users"):
            self.user(raw, where)
        for user in self.users.values():
            self.check_deputy(user)
        for where, raw in self.entries(top, "absences"):
            self.absence(raw, where)
        for where, raw in self.entries(top, "applicability"):
            self.rule(raw, where)
        for where, raw in self.entries(top, "schedules"):
            self.schedule(raw, where)

    def fields(
        self, raw: Any, where: Where, required: Sequence[str], optional: Sequence[str] = ()
    ) -> dict[str, Any] | None:
        if not isinstance(raw, dict):
            self.fail(where, "应为字段表")
            return None
        if missing := [key for key in required if raw.get(key) is None]:
            self.fail(where, "缺少必填字段：" + "、".join(missing))
        if unknown := sorted(str(k) for k in raw if k not in required and k not in optional):
            self.fail(where, "未知字段：" + "、".join(unknown))
        return raw

    def entries(
        self, raw: dict[str, Any], key: str, where: Where = ()
    ) -> Iterator[tuple[Where, Any]]:
        value = raw.get(key)
        if value is not None and not isinstance(value, list):
            self.fail([*where, key], "应为列表")
        elif value:
            yield from (([*where, key, index], item) for index, item in enumerate(value))

    def text(self, raw: dict[str, Any], key: str, where: Where, pattern: str = "") -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            hint = "（编码、电话请加引号）" if isinstance(value, int) else ""
            self.fail([*where, key], "不能为空" if isinstance(value, str) else f"应为文本{hint}")
            return None
        if pattern and not re.fullmatch(pattern, value):
            self.fail([*where, key], f"格式不正确（{HINTS.get(pattern, '应匹配 ' + pattern)}）")
        return value

    def unit(
        self, raw: Any, where: Where, kind: str, parent: str | None, pattern: str, *extra: str
    ) -> str | None:
        known = ("kind",) if kind in ("village", "community") else ()
        fields = self.fields(raw, where, ("code", "name"), (*known, *extra))
        if fields is None:
            return None
        code, name = self.text(fields, "code", where, pattern), self.text(fields, "name", where)
        if code is None:
            return None
        if code in self.units:
            self.fail([*where, "code"], f"编码 {code} 与 {field_path(self.where[code])} 重复")
            return None
        self.units[code] = OrgUnit(code, name or code, kind, parent)
        self.where[code] = where
        return code

    def township(self, raw: Any, where: Where, county: str | None) -> None:
        extra = ("offices", "villages", "reform", "park_windows")
        code = self.unit(raw, where, "township", county, r"\d{9}", *extra)
        if code is None:
            return
        kind = TOWNSHIP_TYPES.get(code[6:7])
        if county is not None and not code.startswith(county):
            self.fail([*where, "code"], f"乡镇编码应以县编码 {county} 开头")
        elif kind is None or code.endswith("000"):
            self.fail([*where, "code"], "乡镇编码后三位应为 0xx（街道）、1xx（镇）或 2xx/3xx（乡）")
        elif not self.units[code].name.endswith(kind):
            self.fail([*where, "name"], f"编码 {code} 表示{kind}，名称应以“{kind}”结尾")
        offices = self.codes(raw.get("offices"), [*where, "offices"], OFFICES, "科室")
        if offices and (missing := [f"{OFFICES[o]}（{o}）" for o in OFFICES if o not in offices]):
            self.fail([*where, "offices"], "缺少科室：" + "、".join(missing))
        reform = self.text(raw, "reform", where)
        if reform is not None and reform not in REFORMS:
            self.fail([*where, "reform"], "取值应为：" + "、".join(REFORMS))
            reform = None
        name = self.units[code].name
        self.units[code] = OrgUnit(code, name, "township", county, tuple(offices), reform)
        for where_village, village in self.entries(raw, "villages", where):
            self.village(village, where_village, code)
        for where_window, window in self.entries(raw, "park_windows", where):
            self.park_window(window, where_window, code)

    def park_window(self, raw: Any, where: Where, township: str) -> None:
        """工业园小窗口: code = the township's code + P + two digits."""
        code = self.unit(raw, where, "park_window", township, r"\d{9}P\d{2}")
        if code is not None and not code.startswith(township):
            self.fail([*where, "code"], f"工业园小窗口编码应为乡镇编码 {township} 加 P 和两位数字")

    def schedule(self, raw: Any, where: Where) -> None:
        """A mobile post's round: its agent, the weekdays, villages of its township."""
        fields = self.fields(raw, where, ("agent", "weekdays", "villages"))
        if fields is None:
            return
        agent = self.users.get(self.text(fields, "agent", where) or "")
        if agent is None or "mobile_agent" not in agent.roles:
            self.fail([*where, "agent"], "应为本县一名流动代办员（mobile_agent）的用户名")
        days = fields.get("weekdays")
        if (
            not isinstance(days, list)
            or not days
            or len(set(days)) != len(days)
            or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in days)
        ):
            self.fail([*where, "weekdays"], "应为不重复的星期几列表（1 星期一 … 7 星期日）")
            days = []
        villages = fields.get("villages")
        if not isinstance(villages, list) or not villages:
            self.fail([*where, "villages"], "应为村（社区）区划代码列表")
            villages = []
        for index, code in enumerate(villages):
            unit = self.units.get(code) if isinstance(code, str) else None
            if unit is None or unit.kind not in ("village", "community"):
                self.fail([*where, "villages", index], f"未知村（社区）{code}")
            elif agent is not None and unit.parent != agent.unit:
                self.fail([*where, "villages", index], f"{unit.name}不属于 {agent.id} 所在乡镇")
        if agent is not None and days and villages and not self.problems_at(where):
            self.schedules.append(Schedule(agent.id, tuple(sorted(days)), tuple(villages)))

    def problems_at(self, where: Where) -> bool:
        return any(tuple(w[: len(where)]) == tuple(where) for w, _ in self.problems)

    def rule(self, raw: Any, where: Where) -> None:
        """An applicability rule: items, the township groups and/or townships, the basis."""
        fields = self.fields(raw, where, ("items", "basis"), ("groups", "townships"))
        if fields is None:
            return
        items = fields.get("items")
        if (
            not isinstance(items, list)
            or not items
            or not all(isinstance(i, str) and re.fullmatch(r"[A-Z]{2,4}\d{3}", i) for i in items)
        ):
            self.fail([*where, "items"], "应为事项编码列表，如 [ZJ001, ZJ002]")
            items = []
        groups = fields.get("groups") or []
        if groups:
            groups = list(self.codes(groups, [*where, "groups"], TOWNSHIP_GROUPS, "乡镇类别"))
        towns = fields.get("townships") or []
        if not isinstance(towns, list) or not all(
            isinstance(t, str) and self.units.get(t, _NO_UNIT).kind == "township" for t in towns
        ):
            self.fail([*where, "townships"], "应为本县乡镇编码列表")
            towns = []
        if not fields.get("groups") and not fields.get("townships"):
            self.fail(where, "应填写 groups（乡镇类别）或 townships（乡镇编码）")
        basis = self.text(fields, "basis", where)
        if items and (groups or towns) and basis:
            self.applicability.append(
                Applicability(tuple(items), tuple(groups), tuple(towns), basis)
            )

    def station(self, raw: Any, where: Where) -> None:
        """A grassroots station: its department (the parent), kind and served townships."""
        if not isinstance(raw, dict):
            self.fail(where, "应为字段表")
            return
        department = self.text(raw, "department", where)
        code = self.unit(
            raw, where, "station", department, STATION_CODE, "kind", "department", "serves"
        )
        if code is None:
            return
        if department is None:
            self.fail(where, "缺少必填字段：department")
        elif self.units.get(department) is None or self.units[department].kind != "department":
            self.fail([*where, "department"], f"未知县级部门 {department}")
        elif not code.startswith(department + "-"):
            self.fail([*where, "code"], f"站所编码应以所属部门编码 {department}- 开头")
        kind = raw.get("kind")
        if kind not in STATION_KINDS:
            self.fail([*where, "kind"], "取值应为：" + "、".join(STATION_KINDS))
            kind = None
        serves: list[str] = []
        for index, township in enumerate(self.listed(raw, "serves", where)):
            unit = self.units.get(township) if isinstance(township, str) else None
            if unit is None or unit.kind != "township":
                self.fail([*where, "serves", index], f"未知乡镇编码 {township}")
                continue
            other = self.served.get((kind or "", township))
            if kind is not None and other is not None:
                self.fail([*where, "serves", index], f"{unit.name}已由 {other} 服务")
                continue
            self.served[(kind or "", township)] = code
            serves.append(township)
        name = self.units[code].name
        self.units[code] = OrgUnit(
            code, name, "station", department, (), station_kind=kind, serves=tuple(serves)
        )

    def listed(self, raw: dict[str, Any], key: str, where: Where) -> list[Any]:
        value = raw.get(key)
        if not isinstance(value, list) or not value:
            self.fail([*where, key], "应为非空列表")
            return []
        return value

    def village(self, raw: Any, where: Where, township: str) -> None:
        kind = raw.get("kind") if isinstance(raw, dict) else "village"
        if kind not in ("village", "community"):
            self.fail([*where, "kind"], "取值应为：village、community")
            kind = "village"
        code = self.unit(raw, where, kind, township, r"\d{12}")
        if code is not None and (not code.startswith(township) or code.endswith("000")):
            self.fail([*where, "code"], f"村（社区）编码应为乡镇编码 {township} 加三位非零数字")

    def user(self, raw: Any, where: Where) -> None:
        keys = ("office", "phone", "ab_partner", "stand_in")
        fields = self.fields(raw, where, ("id", "name", "roles", "unit"), keys)
        if fields is None:
            return
        user_id = self.text(fields, "id", where, USER_ID)
        if user_id is not None and user_id in self.users:
            self.fail([*where, "id"], f"用户 {user_id} 与 {field_path(self.where[user_id])} 重复")
            return
        roles = self.codes(fields.get("roles"), [*where, "roles"], ROLES, "角色")
        unit_code = self.text(fields, "unit", where)
        unit = self.units.get(unit_code or "")
        office = self.text(fields, "office", where)
        if unit is not None:
            self.check_post(unit, roles, office, where)
        elif unit_code is not None:
            self.fail([*where, "unit"], f"未知单位编码 {unit_code}")
        values = [self.text(fields, key, where, USER_ID) for key in ("ab_partner", "stand_in")]
        if user_id is None or unit_code is None:
            return
        phone = self.text(fields, "phone", where, PHONE)
        name = self.text(fields, "name", where) or user_id
        self.users[user_id] = User(user_id, name, roles, unit_code, office, phone, *values)
        self.where[user_id] = where

    def codes(
        self, raw: Any, where: Where, known: Mapping[str, str], label: str
    ) -> tuple[str, ...]:
        if not isinstance(raw, list) or not raw:
            self.fail(where, f"应为{label}列表，可选：" + "、".join(known))
            return ()
        for index, code in enumerate(raw):
            if not isinstance(code, str) or code not in known:
                self.fail([*where, index], f"未知{label} {code}，可选：" + "、".join(known))
            elif code in raw[:index]:
                self.fail([*where, index], f"{label} {code} 重复")
        return tuple(dict.fromkeys(c for c in raw if isinstance(c, str) and c in known))

    def check_post(
        self, unit: OrgUnit, roles: Sequence[str], office: str | None, where: Where
    ) -> None:
        for role in roles:
            if unit.kind not in ROLE_UNIT_KINDS[role]:
                kinds = "或".join(UNIT_KINDS[k] for k in ROLE_UNIT_KINDS[role])
                self.fail(
                    [*where, "roles"],
                    f"角色 {role}（{ROLES[role]}）应属于{kinds}，而 {unit.name} 是{UNIT_KINDS[unit.kind]}",
                )
        for role in roles if unit.kind == "station" else ():
            # a doctor works in a designated hospital, a station officer in no hospital
            wanted = STATION_ROLES.get(role)
            if (
                wanted or unit.station_kind
            ) in STATION_ROLES.values() and wanted != unit.station_kind:
                self.fail(
                    [*where, "roles"],
                    f"角色 {role}（{ROLES[role]}）与{unit.name}的站所类型不符",
                )
        if unit.kind != "township":
            if office is not None:
                self.fail([*where, "office"], "只有乡镇工作人员填写科室")
        elif office is None:
            if TOWNSHIP_STAFF_ROLES.intersection(roles):
                self.fail(where, "乡镇工作人员应填写所属科室（office）")
        elif office not in unit.offices:
            self.fail([*where, "office"], f"{unit.name}没有科室 {office}")

    def check_deputy(self, user: User) -> None:
        where = self.where[user.id]
        if user.ab_partner and user.stand_in:
            self.fail([*where, "stand_in"], "ab_partner 与 stand_in 只能填一个")
        if AGENT_ROLES.intersection(user.roles) and not user.stand_in:
            self.fail(where, "代办员应指定替岗人（stand_in）")
        key = "ab_partner" if user.ab_partner else "stand_in"
        other = self.users.get(user.deputy or "")
        if user.deputy is None:
            return
        if other is None or other.id == user.id:
            self.fail([*where, key], "不能指定本人" if other else f"未知用户 {user.deputy}")
        elif other.unit != user.unit:
            self.fail([*where, key], f"{other.id} 属于 {other.unit}，应与本人同属 {user.unit}")
        elif not set(user.roles) & set(other.roles):
            self.fail([*where, key], f"{other.id} 未担任本人的角色（{'、'.join(user.roles)}）")
        elif user.ab_partner and other.ab_partner != user.id:
            self.fail([*where, key], f"A/B 岗应互为搭档：{other.id} 的 ab_partner 不是 {user.id}")

    def absence(self, raw: Any, where: Where) -> None:
        fields = self.fields(raw, where, ("user", "from", "to", "reason"))
        if fields is None:
            return
        user = self.text(fields, "user", where)
        if user is not None and user not in self.users:
            self.fail([*where, "user"], f"未知用户 {user}")
        first, last = (self.day(fields, key, where) for key in ("from", "to"))
        if first is not None and last is not None and first > last:
            self.fail([*where, "to"], f"结束日期 {last} 早于开始日期 {first}")
        reason = self.text(fields, "reason", where)
        if user in self.users and first and last and reason and first <= last:
            self.absences.append(Absence(user, first, last, reason))

    def day(self, raw: dict[str, Any], key: str, where: Where) -> date | None:
        value = raw.get(key)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            with suppress(ValueError):
                return date.fromisoformat(value)
        if value is not None:
            self.fail([*where, key], "应为日期（YYYY-MM-DD）")
        return None
