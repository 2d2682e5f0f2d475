"""Registering a case (收件登记): what is registered, through which channel, for whom.

A village agent registers at its village's service point (village_point), a mobile agent
on its rounds in the villages of its township (mobile_post), a township window for a
resident of any village of the county (全县域通办: a case of another township is routed
to the competent township and remembers the registering one), a park window (工业园小窗口)
likewise, a county officer at the county centre; who may use which channel is the
policy's (``engine.policy``). An item the county devolved only to some townships (事项
适用范围, the org file's ``applicability``) goes to the resident's township where it
applies there, else to the registering window's own township where it applies there;
otherwise registration is refused naming the item and the township. Everything
submitted is checked at once; every problem is reported field by field in Chinese.

The promised limit (承诺时限, the catalogue's ``limits``) of a process with a materials
check (``common_intake``) runs from acceptance: its script sets ``due_on`` when the window
accepts, so a case just registered has no due date yet. ``due_rule`` says which: the
limit, its unit and when its clock starts, in Chinese too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from engine import elements, labels
from engine.cases import CaseView
from engine.definitions.form_formats import is_valid_id_number, is_valid_uscc
from engine.errors import DataValidationError
from engine.identity import Principal
from engine.logs import get_logger
from engine.policy import registering_actor, registration_refusal
from engine.routing import Routing, competent_township, not_applicable
from processes.catalogue import Catalogue, Item
from processes.channels import CHANNELS, COUNTY_WIDE_CHANNELS, ENFORCEMENT_CHANNEL, PROXY_CHANNELS
from processes.org import AGENT_ROLES, ASSESSMENT_STATION, STATION_KINDS, Organization, OrgUnit
from processes.patterns import PHONE_RE, mask_id

log = get_logger(__name__)

if TYPE_CHECKING:
    from engine import Engine

_VILLAGE = re.compile(r"^[0-9]{12}\Z")
MAX_NAME = 50
MAX_ORGANISATION_NAME = 100
MAX_ADDRESS = 200
MAX_MATERIALS = 50
MAX_FACTS = 2000


APPLICANT_KINDS = labels.APPLICANT_KINDS  # person (自然人) · organisation (法人或其他组织)


@dataclass(frozen=True)
class Applicant:
    """Whom the case is for (申请人; 当事人 of an enforcement case): a person (name, citizen
    ID number) or an organisation (名称, 统一社会信用代码, 法定代表人), and the village
    (社区) it lives or stands in: for an enforcement case, where the violation happened."""

    name: str
    id_number: str
    village: str
    phone: str | None = None
    address: str | None = None
    kind: str = "person"
    uscc: str | None = None
    legal_representative: str | None = None

    def data(self) -> dict[str, str | None]:
        """The applicant as the case keeps it. A person's data has no ``kind`` (the shape
        of every case registered before organisations could apply, so a missing kind is
        a person); an organisation's has ``uscc`` and ``legal_representative`` instead of
        an ID number."""
        common = {"phone": self.phone, "address": self.address, "village": self.village}
        if self.kind != "organisation":
            return {"name": self.name.strip(), "id_number": self.id_number.upper(), **common}
        return {
            "kind": "organisation",
            "name": self.name.strip(),
            "uscc": (self.uscc or "").upper(),
            "legal_representative": (self.legal_representative or "").strip(),
            **common,
        }


def applicant_shown(applicant: Mapping[str, Any]) -> str:
    """A case's applicant (its ``applicant`` data) as receipts and the history name it:
    a person with the masked ID number, an organisation with its credit code (public)."""
    name = str(applicant.get("name") or "")
    if applicant.get("kind") == "organisation":
        return f"{name}（{applicant.get('uscc') or ''}）"
    return f"{name}（{mask_id(str(applicant.get('id_number') or ''))}）"


@dataclass(frozen=True)
class Registration:
    item_code: str
    applicant: Applicant
    channel: str
    agent: str | None = None
    materials: tuple[str, ...] | list[str] = field(default_factory=tuple)
    emergency: bool = False
    facts: str | None = None  # an enforcement case: the clue or facts found (案情、线索)
    place: str | None = None  # an enforcement case: where the violation happened (违法地点)


LIMIT_UNITS = labels.LIMIT_UNITS  # the units a limit counts in (工作日, 自然日)
CLOCK_STARTS = {"acceptance": "受理", "registration": "登记", "filing": "立案"}


@dataclass(frozen=True)
class DueRule:
    """When a case is due (办结时限): ``limit_days`` of ``unit`` counted from the day of
    ``starts`` (``acceptance``: the materials check accepts; ``registration``), or on the
    spot (即办: the same day), the periods the item excludes not counted (they move the
    due date when they end: ``engine.periods``). ``text`` says it in Chinese."""

    starts: str
    limit_days: int
    unit: str
    on_the_spot: bool
    text: str

    @property
    def limit_working_days(self) -> int | None:
        """The limit in working days (None: counted in calendar days)."""
        return self.limit_days if self.unit == "working_days" else None


def due_rule(item: Item, starts: str) -> DueRule:
    """The catalogue's promised limit of ``item`` with its clock starting at ``starts``."""
    start = CLOCK_STARTS[starts]
    if starts == "filing":  # 《行政处罚法》第六十条: the decision, within its limit of 立案
        text = (
            f"{start}之日起 {item.statutory_limit} 个{LIMIT_UNITS[item.limit_unit]}内作出处理决定"
        )
        return DueRule(starts, item.statutory_limit, item.limit_unit, False, text)
    if item.on_the_spot:
        text = f"即办件：{start}后当场办结"
    else:
        text = f"{start}之日起 {item.promised_limit} 个{LIMIT_UNITS[item.limit_unit]}内办结"
        if item.excluded_from_limit:
            excluded = "、".join(labels.EXCLUDED_PERIODS[p] for p in item.excluded_from_limit)
            text += f"（{excluded}不计入）"
    return DueRule(starts, item.promised_limit, item.limit_unit, item.on_the_spot, text)


def _party_errors(applicant: Applicant) -> dict[str, str]:
    """The problems of the applicant's identity: a person's name and citizen ID number
    (GB 11643), or an organisation's name, credit code (GB 32100-2015 check character)
    and legal representative."""
    errors: dict[str, str] = {}
    name = applicant.name.strip() if isinstance(applicant.name, str) else ""
    limit = MAX_ORGANISATION_NAME if applicant.kind == "organisation" else MAX_NAME
    if not name:
        errors["applicant.name"] = "必填"
    elif len(name) > limit:
        errors["applicant.name"] = f"不能超过 {limit} 个字"
    if applicant.kind not in APPLICANT_KINDS:
        errors["applicant.kind"] = "取值应为：" + "、".join(APPLICANT_KINDS)
    elif applicant.kind == "person":
        if not isinstance(applicant.id_number, str) or not applicant.id_number:
            errors["applicant.id_number"] = "必填"
        elif not is_valid_id_number(applicant.id_number):
            errors["applicant.id_number"] = "公民身份号码不正确（位数、出生日期或校验码有误）"
    else:
        if not applicant.uscc:
            errors["applicant.uscc"] = "必填"
        elif not is_valid_uscc(applicant.uscc.upper()):
            errors["applicant.uscc"] = (
                "统一社会信用代码不正确（应为 18 位，校验码符合 GB 32100-2015）"
            )
        representative = (applicant.legal_representative or "").strip()
        if not representative:
            errors["applicant.legal_representative"] = "必填"
        elif len(representative) > MAX_NAME:
            errors["applicant.legal_representative"] = f"不能超过 {MAX_NAME} 个字"
    return errors


def _clue_errors(facts: Any, place: Any, prefix: str = "") -> dict[str, str]:
    """An enforcement case is opened on what the officers found, where (立案: 案情与地点);
    ``prefix`` goes before the field names (``clue.`` for the case data's ``clue``)."""
    errors: dict[str, str] = {}
    for name, value, limit in (("facts", facts, MAX_FACTS), ("place", place, MAX_ADDRESS)):
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            errors[prefix + name] = "执法立案必填"
        elif len(text) > limit:
            errors[prefix + name] = f"不能超过 {limit} 个字"
    return errors


def _refused(what: str, errors: dict[str, str]) -> DataValidationError:
    """The refusal of ``what`` (收件登记, 发起办件) for ``errors``, field by field; one
    problem is said in the detail too (e.g. where the item applies)."""
    detail = f"{what}有 {len(errors)} 处错误"
    if len(errors) == 1:
        detail += "：" + next(iter(errors.values()))
    return DataValidationError(detail, errors)


def starting_data(
    item: Item,
    channel: str,
    *,
    emergency: bool = False,
    materials: Sequence[str] = (),
    agent: str | None = None,
) -> dict[str, Any]:
    """What a case of ``item`` starts with besides its applicant (and an enforcement case's
    clue): the item's data, the channel it came through and whether that is a proxy's
    (``via_proxy``: the processes' 是否代办 gateway), 急事急办, the materials received and
    the agent."""
    return {
        "item": item.process_data(),
        "channel": channel,
        "via_proxy": channel in PROXY_CHANNELS,
        "emergency": emergency,
        "materials": list(materials),
        "agent": agent,
    }


def channel_refusal(item: Item, channel: str) -> str | None:
    """Why a case of ``item`` cannot be opened through ``channel`` (None: it can): a staff
    item only through ``enforcement`` and nothing else through it; a yearly payout list
    only as a list (``engine.batch``)."""
    if (item.initiated_by == "staff") != (channel == ENFORCEMENT_CHANNEL):
        return (
            "该事项由执法人员依职权立案（渠道 enforcement），不能由申请人申请登记"
            if item.initiated_by == "staff"
            else "执法立案渠道只能用于由执法人员依职权立案的事项"
        )
    if item.batch is not None:  # engine.batch: one list per village and year
        return "该事项按年度发放清册办理，由村（社区）编制清册（POST /batches）"
    return None


def deciding_units(
    org: Organization, item: Item, township: OrgUnit
) -> tuple[str | None, str | None, dict[str, str]]:
    """Who decides and who assesses a case of ``item`` in ``township``: the station of the
    item's kind serving the township for a T->S item, else the item's department; the
    designated hospital serving the township for an item with the disability assessment
    (残疾评定); with the problems, on ``applicant.village``, when the township has none."""
    errors: dict[str, str] = {}
    deciding: str | None = item.department_code
    if item.station_decides:
        station = org.station_for(item.station, township.code)
        if station is None:
            kind = STATION_KINDS.get(item.station, item.station)
            errors["applicant.village"] = f"{township.name}没有负责该事项的{kind}，请到县级部门办理"
        else:
            deciding = station.code
    assessing = None
    if elements.ASSESSMENT_STEP in item.special_steps:
        hospital = org.station_for(ASSESSMENT_STATION, township.code)
        if hospital is None:
            errors["applicant.village"] = (
                f"{township.name}没有残疾评定定点医院，请联系县残联指定评定机构"
            )
        else:
            assessing = hospital.code
    return deciding, assessing, errors


def started_outside_registration(
    org: Organization, item: Item, data: Mapping[str, Any], routing: Routing
) -> tuple[dict[str, Any], Routing]:
    """A case of ``item`` started outside registration (``daiban start``, where ``data`` is
    what the caller gave and ``routing`` its township): the data registration gives every
    case (``starting_data``; the channel ``enforcement`` for a staff item, else a township
    window's, unless ``data`` names one), ``data`` taking precedence, and the units that
    decide and assess. Refused as registration refuses: a channel the item cannot come
    through, a staff item without its facts and place (``clue``), a township the item is
    not devolved to or that has no station or hospital for it."""
    default = ENFORCEMENT_CHANNEL if item.initiated_by == "staff" else "township_window"
    channel = data.get("channel", default)
    errors: dict[str, str] = {}
    if not isinstance(channel, str) or channel not in CHANNELS:
        errors["channel"] = "取值应为：" + "、".join(CHANNELS)
    elif (wrong := channel_refusal(item, channel)) is not None:
        errors["item_code"] = wrong
    elif channel == ENFORCEMENT_CHANNEL:
        clue = data.get("clue")
        clue = clue if isinstance(clue, Mapping) else {}
        errors.update(_clue_errors(clue.get("facts"), clue.get("place"), "clue."))
    township = org.units.get(routing.township or "")
    deciding: str | None = item.department_code
    assessing: str | None = None
    if township is not None and not errors:
        if not org.item_applies(item.code, township.code):
            errors["township"] = not_applicable(org, item.code, item.name, township)
        else:
            deciding, assessing, problems = deciding_units(org, item, township)
            errors.update(
                {"township" if k == "applicant.village" else k: v for k, v in problems.items()}
            )
    if errors:
        raise _refused("发起办件", errors)
    started = {**starting_data(item, channel), **data}
    return started, replace(routing, department=deciding, assessment=assessing)


class RegistrationService:
    def __init__(self, engine: Engine, catalogue: Catalogue) -> None:
        self.engine = engine
        self.catalogue = catalogue

    def register(
        self,
        principal: Principal,
        registration: Registration,
        idempotency_key: str | None = None,
        found: Mapping[str, str] | None = None,
    ) -> CaseView:
        """Check everything, route the case and start the item's process.

        ``found``: problems the caller already found in the request (its shape: a field
        missing, too long, of the wrong pattern), reported together with the engine's own,
        so that every problem is listed at once; for a field in both, the caller's reason
        (the engine saw the field's default instead of what was sent)."""
        item, routing, errors = self._check(principal, registration)
        errors.update(found or {})
        if errors or item is None or routing is None:
            log.info(
                "registration_refused",
                user=principal.user_id,
                item=registration.item_code,
                fields=",".join(sorted(errors)),
            )
            raise _refused("收件登记", errors)
        applicant = registration.applicant.data()
        data = starting_data(
            item,
            registration.channel,
            emergency=registration.emergency,
            materials=registration.materials,
            agent=registration.agent,
        )
        data["applicant"] = applicant
        if registration.channel == ENFORCEMENT_CHANNEL:
            data["clue"] = {
                "facts": (registration.facts or "").strip(),
                "place": (registration.place or "").strip(),
            }
        actor = registering_actor(principal, registration.channel, applicant_shown(applicant))
        # Keys are per caller and stored hashed: fixed length, and one caller's key never
        # finds another caller's case.
        key = (
            hashlib.sha256(f"{principal.user_id}\0{idempotency_key}".encode()).hexdigest()
            if idempotency_key
            else None
        )
        view = self.engine.cases.start(
            item.process_id,
            data,
            actor,
            item_code=item.code,
            idempotency_key=key,
            routing=routing,
        )
        log.info(
            "case_registered",
            case=view.id,
            item=item.code,
            channel=registration.channel,
            user=principal.user_id,
            unit=principal.unit,
        )
        return view

    def due_rule(self, view: CaseView) -> DueRule | None:
        """The due rule of a registered case: from 立案 for an enforcement case (the
        decision within the statutory limit), from acceptance when its process has the
        materials check (the due date is set then; a retried registration may show it),
        else from registration when the process set a due date at its start; None for a
        case of no catalogue item or a process that sets no due date."""
        item = self.catalogue.get(view.item_code or "")
        if item is None:
            return None
        compiled = self.engine.definitions.compiled(view.definition_hash)
        if elements.ENFORCEMENT in compiled.outlines:
            return due_rule(item, "filing")
        if elements.INTAKE in compiled.outlines:
            return due_rule(item, "acceptance")
        return due_rule(item, "registration") if view.due_date is not None else None

    # -- checks ------------------------------------------------------------------------
    def _check(
        self, principal: Principal, registration: Registration
    ) -> tuple[Item | None, Routing | None, dict[str, str]]:
        errors: dict[str, str] = {}
        org = self.engine.org
        item = self.catalogue.get(registration.item_code.strip().upper())
        if item is None:
            errors["item_code"] = "事项目录中没有这个事项"
        elif (wrong := channel_refusal(item, registration.channel)) is not None:
            errors["item_code"] = wrong
        applicant = registration.applicant
        errors.update(_party_errors(applicant))
        if applicant.phone and not PHONE_RE.match(applicant.phone):
            errors["applicant.phone"] = "应为 11 位手机号或 0818-1234567 式座机号"
        if applicant.address and len(applicant.address) > MAX_ADDRESS:
            errors["applicant.address"] = f"不能超过 {MAX_ADDRESS} 个字"
        village = org.units.get(applicant.village) if _VILLAGE.match(applicant.village) else None
        township = None
        if village is None or village.kind not in ("village", "community"):
            errors["applicant.village"] = "应为本县一个村（社区）的 12 位区划代码"
        else:
            township = org.township_of(village.code)
        channel = registration.channel
        registered_unit: str | None = None
        if channel not in CHANNELS:
            errors["channel"] = "取值应为：" + "、".join(CHANNELS)
        else:
            refusal = registration_refusal(org, principal, channel, applicant.village, township)
            if refusal is not None:
                errors["channel"] = refusal.message
            elif item is not None and township is not None:
                # the item's applicability (事项适用范围) decides where the case goes
                wide = channel in COUNTY_WIDE_CHANNELS
                home = township
                township = competent_township(
                    org, item.code, home, principal.unit if wide else None
                )
                if township is None:
                    errors["item_code"] = not_applicable(org, item.code, item.name, home)
                elif wide and principal.unit != township.code:
                    # registered away from the competent township: the registering window,
                    # park window or county centre keeps read access (全县域通办)
                    registered_unit = principal.unit
            if item is not None and channel in PROXY_CHANNELS and not item.proxy_allowed:
                errors.setdefault("channel", "该事项不在代办服务范围内，请到窗口办理")
        if registration.agent is not None:
            agent = org.users.get(registration.agent)
            if agent is None or not set(agent.roles) & AGENT_ROLES:
                errors["agent"] = "不是本县登记的代办员"
        if channel == ENFORCEMENT_CHANNEL:
            errors.update(_clue_errors(registration.facts, registration.place))
        if len(registration.materials) > MAX_MATERIALS:
            errors["materials"] = f"最多 {MAX_MATERIALS} 项"
        elif item is not None:
            known = {m.name for m in item.materials}
            unknown = [m for m in registration.materials if m not in known]
            if unknown:
                errors["materials"] = "不是该事项的申请材料：" + "、".join(map(str, unknown))
        deciding = assessing = None
        if item is not None and township is not None:
            deciding, assessing, problems = deciding_units(org, item, township)
            errors.update(problems)
        if errors or item is None or township is None:
            return item, None, errors
        routing = Routing(
            township=township.code,
            village=applicant.village,
            department=deciding,
            registered_unit=registered_unit,
            assessment=assessing,
        )
        return item, routing, errors
