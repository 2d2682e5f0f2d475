"""The item catalogue: the shipped data (101 devolved items + 20 proxy powers, the domain
facts they must carry) and the loader's error reporting (every problem at once, as
``PATH:LINE: FIELD: message``)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from processes.catalogue import CATALOGUE_DIR, DECISION_STEPS, Catalogue, Item, load_catalogue
from processes.yamlfile import DataFileError
from webapi.settings import Settings

PROBLEM = re.compile(r"^(?P<path>.+):(?P<line>\d+): (?P<field>\S+): (?P<message>.+)$")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE_DIR)


def named(catalogue: Catalogue, part: str) -> Item:
    """The one item whose name contains ``part``."""
    found = [item for item in catalogue if part in item.name]
    assert len(found) == 1, f"{part!r} matches {[item.name for item in found]}"
    return found[0]


# --------------------------------------------------------------------------- shipped data


def test_shipped_catalogue_loads(catalogue: Catalogue) -> None:
    assert len(catalogue) == 121


def test_default_folder_is_the_shipped_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAIBAN_CATALOGUE_DIR", raising=False)
    assert len(load_catalogue()) == 121


def test_101_devolved_items_and_20_proxy_powers(catalogue: Catalogue) -> None:
    assert catalogue.count("devolved") == 101
    assert catalogue.count("proxy") == 20


def test_devolved_items_are_accepted_in_the_township_and_decided_where_the_law_says(
    catalogue: Catalogue,
) -> None:
    """下放乡镇管理事项 are all accepted in the township (or at a village point); who decides
    is the one the law names (issue 14): the 派出所 for 户籍 and 身份证, the 市场监管所 for
    个体工商户登记, the 乡镇人武部 for 预备役登记, the county for 退役报到, the province
    (after the county's first review) for 伤残证件 and 伤残抚恤关系."""
    levels = {item.decided_at for item in catalogue if item.kind == "devolved"}
    assert levels <= {"T", "T->C", "C", "T->S", "T->C->P"}
    by_station = {i.code: i.station for i in catalogue if i.decided_at == "T->S"}
    assert by_station == {
        **dict.fromkeys(("GA003", "GA004", "GA005", "GA006", "GA007"), "police_station"),
        **dict.fromkeys(("SJ005", "SJ006", "SJ007"), "market_regulation"),
        "TY002": "armed_forces",
    }
    assert {i.code for i in catalogue if i.decided_at == "T->C->P"} == {"TY003", "TY004"}
    assert catalogue.items["TY001"].decided_at == "C"
    # A higher level decides: the township holds no power of its own over these.
    higher = ["CL00" + str(n) for n in range(2, 10)] + ["RS008", "RS009"]
    higher += ["RS014", "RS015", "RS016", "RS017", "TY001", "TY003", "TY004"]
    assert {catalogue.items[code].power for code in higher} == {"entrusted"}
    assert all(catalogue.items[code].decided_at != "T" for code in higher)


def test_proxy_powers_allow_proxy_handling(catalogue: Catalogue) -> None:
    for item in catalogue:
        if item.kind == "proxy":
            assert item.proxy_allowed and item.pickup, item.code


def test_enforcement_family(catalogue: Catalogue) -> None:
    enforcement = [item for item in catalogue if item.initiated_by == "staff"]
    assert len(enforcement) >= 5
    for item in enforcement:
        assert item.kind == "devolved", item.code
        assert item.type in ("penalty", "inspection", "enforcement_measure"), item.code
        assert not item.proxy_allowed and not item.pickup, item.code
        assert set(item.step_limits) <= {"investigation", "hearing", "execution"}, item.code
    assert {item.type for item in enforcement} >= {"penalty", "inspection"}
    # 《城乡规划法》第六十五条: 责令停止建设、限期改正、拆除 — no fine for ZF004
    remedies = {item.code: item.remedies for item in enforcement}
    assert remedies["ZF004"] == ("stop_construction", "rectify", "demolish")
    assert all(remedies[code] for code in remedies if catalogue.items[code].type == "penalty")
    assert not any(item.remedies for item in enforcement if item.type == "inspection")


def raw_items() -> list[tuple[Path, str, dict[str, object]]]:
    rows: list[tuple[Path, str, dict[str, object]]] = []
    for path in sorted(CATALOGUE_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        rows.extend((path, data["department"]["code"], raw) for raw in data["items"])
    return rows


def test_codes_are_unique_and_follow_the_department() -> None:
    rows = raw_items()
    codes = [str(raw["code"]) for _, _, raw in rows]
    assert len(codes) == 121
    assert [code for code, n in Counter(codes).items() if n > 1] == []
    for path, department, raw in rows:
        assert re.fullmatch(rf"{department}\d{{3}}", str(raw["code"])), raw["code"]
        assert path.stem.startswith(department.lower() + "_"), path.name


def test_process_ids_derive_from_codes(catalogue: Catalogue) -> None:
    for item in catalogue:
        assert item.process_id == f"item_{item.code.lower()}"
    assert len(catalogue.by_process_id()) == len(catalogue)


def test_values_are_in_chinese(catalogue: Catalogue) -> None:
    han = re.compile(r"[\u4e00-\u9fff]")
    for item in catalogue:
        texts = [item.name, item.department, item.fees, item.result_document, *item.legal_basis]
        texts += [*item.conditions, *(m.name for m in item.materials)]
        assert all(han.search(text) for text in texts), item.code


def test_limits_hang_together(catalogue: Catalogue) -> None:
    for item in catalogue:
        if item.initiated_by == "staff" and item.type != "inspection":
            # 《行政处罚法》第六十条: decided within 90 days of 立案, calendar days
            assert (item.limit_unit, item.statutory_limit) == ("calendar_days", 90), item.code
        else:
            assert item.limit_unit == "working_days", item.code
        assert item.promised_limit <= item.statutory_limit, item.code
        if item.on_the_spot:
            assert item.promised_limit == 0, item.code
        else:
            assert sum(item.step_limits.values()) <= item.promised_limit, item.code
        if item.proxy_allowed:
            assert item.step_limits.get("proxy_handover", 0) <= 3, item.code
        if item.urgent:
            assert item.step_limits.get("proxy_handover", 0) == 0, item.code
        over_limit = "county_over_limit" in item.special_steps
        for step, levels in DECISION_STEPS.items():
            if item.decided_at not in levels and not (step == "county_decision" and over_limit):
                assert step not in item.step_limits, item.code
            elif not item.on_the_spot:
                assert step in item.step_limits, item.code
        if item.public_notice_days:
            assert "public_notice" in item.excluded_from_limit, item.code


def test_every_item_has_basis_materials_and_a_result(catalogue: Catalogue) -> None:
    for item in catalogue:
        assert item.legal_basis and item.materials and item.result_document, item.code
        assert any(m.required for m in item.materials), item.code
        assert all(m.required for m in item.materials if m.tolerable), item.code


REFERENCE_NAMES = [
    "最低生活保障", "特困人员救助供养", "临时救助", "80周岁以上老年人高龄津贴发放",
    "困难残疾人生活补贴", "重度残疾人护理补贴", "孤儿救助资格认定及基本生活费发放",
    "事实无人抚养儿童认定", "自然灾害生活救助资金和物资给付",
    "城乡居民基本养老保险参保登记", "城乡居民基本养老保险费补缴申报", "城乡居民基本养老保险注销登记",
    "城乡居民基本养老保险待遇申领", "养老保险定期待遇领取资格认证", "城乡居民基本医疗保险参保登记",
    "参保信息变更登记", "医疗救助对象手工（零星）报销", "门诊慢特病病种待遇认定",
    "社会保障卡申领", "社会保障卡补领换领", "社会保障卡挂失", "社会保障卡启用",
    "就业登记", "失业登记", "就业困难人员认定", "公益性岗位申请",
    "残疾人证新办", "残疾人证换领", "残疾人证迁移", "残疾人证挂失补办", "残疾人证等级变更",
    "残疾人辅助器具适配", "无障碍改造", "残疾儿童康复训练", "残疾人教育资助",
    "生育登记", "农村部分计划生育家庭奖励扶助金", "计划生育家庭特别扶助金", "独生子女父母光荣证",
    "申领《四川省老年人优待证》", "退役报到", "预备役登记", "伤残证件换发、补发",
    "伤残抚恤关系接收、转移", "农村村民宅基地审批", "乡村建设规划许可证核发",
    "乡（镇）村公共设施、公益事业使用集体建设用地审批", "设施农业用地备案", "承包土地调整审批",
    "动物及动物产品检疫合格证核发", "畜禽养殖场、养殖小区备案", "耕地地力保护补贴", "农机购置补贴",
    "农村危房改造", "林木采伐许可证核发（县级权限）", "紧急情况林木采伐备案",
    "森林防火期内在森林防火区野外用火活动审批", "河道管理范围内有关活动审批", "水事纠纷处理",
    "临时性建筑物搭建、堆放物料、占道施工审批", "夜间建筑施工许可", "城镇污水排入排水管网许可",
    "临时便民服务摊点设置", "规范户外招牌设施设置", "建筑垃圾处理方案备案", "食品小经营店备案",
    "食品小作坊备案", "消费纠纷调解", "公共租赁住房申请资格审核认定", "住房保障家庭租赁补贴发放",
    "对公民法律援助申请的审批", "居民身份证办理", "户口迁移", "户口簿补办", "新生儿上户",
    "对未取得乡村建设规划许可证进行建设的处理", "对未经批准野外用火的处罚",
    "对农村公路路政违法的处罚", "对村镇饮用水水源保护区违法的处罚",
    "对小微生产经营单位安全生产违法的处罚", "安全生产检查", "农村自建房安全检查",
]  # fmt: skip


@pytest.mark.parametrize("name", REFERENCE_NAMES)
def test_reference_item_names_are_in_the_catalogue(catalogue: Catalogue, name: str) -> None:
    assert any(name in item.name for item in catalogue)


def test_village_proxy_items_are_proxy_powers(catalogue: Catalogue) -> None:
    for part in ("高龄津贴", "养老保险参保登记", "资格认证", "医疗保险参保登记", "社会保障卡申领",
                 "户口簿补办", "新生儿上户", "奖励扶助金", "特别扶助金"):  # fmt: skip
        assert named(catalogue, part).kind == "proxy", part


# --------------------------------------------------------------------------- domain facts


def test_minimum_living_allowance(catalogue: Catalogue) -> None:
    item = named(catalogue, "最低生活保障审核")
    assert item.decided_at == "T->C"
    assert (item.public_notice_days, item.public_notice_unit) == (7, "calendar_days")
    assert item.promised_limit == 25 and item.statutory_limit == 40
    # 民发〔2021〕57号: the county's income check and spot check, the democratic review only
    # where the survey leaves doubt, the township's opinion signed by the leader in charge.
    assert set(item.special_steps) == {
        "household_survey",
        "income_check",
        "democratic_review_optional",
        "leader_sign_off",
        "county_spot_check",
    }
    assert "public_notice" in item.excluded_from_limit


def test_extreme_poverty_support_is_like_the_allowance(catalogue: Catalogue) -> None:
    item = named(catalogue, "特困人员救助供养")
    assert item.decided_at == "T->C"
    assert (item.public_notice_days, item.public_notice_unit) == (7, "calendar_days")
    assert {"household_survey", "democratic_review"} <= set(item.special_steps)
    assert "county_decision" in item.step_limits


def test_temporary_assistance_has_an_emergency_path(catalogue: Catalogue) -> None:
    item = named(catalogue, "临时救助")
    assert "emergency_relief" in item.special_steps
    assert item.urgent and item.proxy_allowed
    assert item.step_limits.get("proxy_handover", 0) == 0


def test_disability_certificate(catalogue: Catalogue) -> None:
    new = named(catalogue, "残疾人证新办")
    assert new.decided_at == "T->C"
    assert "disability_assessment" in new.special_steps
    assert 15 <= new.promised_limit <= 20
    assert "《中华人民共和国残疾人证》" in new.result_document
    assert "disability_assessment" in named(catalogue, "残疾人证等级变更").special_steps
    for item in catalogue:
        if item.name.startswith("残疾人证"):
            assert item.decided_at == "T->C", item.name


def test_homestead_approval(catalogue: Catalogue) -> None:
    item = named(catalogue, "宅基地审批")
    assert item.decided_at == "T" and item.type == "licence"
    assert item.promised_limit == 20
    # 农经发〔2019〕6号: the planning permit with the approval, then 丈量批放 on the ground
    assert item.special_steps == ("site_survey", "joint_review", "planning_permit", "site_setout")
    assert item.result_document == "《农村宅基地批准书》"
    assert any("土地管理法" in basis for basis in item.legal_basis)


@pytest.mark.parametrize("part", ["奖励扶助金", "特别扶助金"])
def test_family_planning_rewards(catalogue: Catalogue, part: str) -> None:
    item = named(catalogue, part)
    assert item.kind == "proxy" and item.decided_at == "T->C"
    assert "proxy_handover" in item.step_limits and "county_decision" in item.step_limits
    assert (item.public_notice_days, item.public_notice_unit) == (7, "calendar_days")
    assert item.public_notice_yearly


def test_legal_aid(catalogue: Catalogue) -> None:
    item = named(catalogue, "法律援助")
    assert item.decided_at == "T->C"
    assert item.promised_limit == 7 and item.statutory_limit == 7


def test_outdoor_fire_approval(catalogue: Catalogue) -> None:
    item = named(catalogue, "野外用火活动审批")
    assert item.type == "licence" and item.decided_at == "T"
    assert 1 <= item.promised_limit <= 3 and item.statutory_limit <= 3


def test_natural_disaster_relief(catalogue: Catalogue) -> None:
    item = named(catalogue, "自然灾害生活救助")
    assert "damage_assessment" in item.special_steps
    assert item.public_notice_days > 0


def test_yearly_notices_only_on_recurring_benefits(catalogue: Catalogue) -> None:
    yearly = [item for item in catalogue if item.public_notice_yearly]
    assert len(yearly) >= 2
    assert all(item.type in ("payment", "public_service") for item in yearly)


# --------------------------------------------------------------------------- loader errors

ITEM = """\
  - code: {code}
    name: 测试事项{code}
    kind: devolved
    type: licence
    decided_at: T
    power: devolved
    legal_basis: [《中华人民共和国行政许可法》]
    conditions: [申请人符合法定条件]
    materials:
      - {{name: 申请表, required: true, form: original, copies: 1}}
      - {{name: 居民身份证, required: true, tolerable: true, form: copy, copies: 1}}
      - {{name: 其他证明材料, required: false, form: copy, copies: 1}}
    limits:
      statutory: 20
      promised: 10
      unit: working_days
      on_the_spot: false
      steps: {{intake: 1, township_review: 8, delivery: 1}}
    fees: 不收费
    result: {{document: 《测试许可证》, delivery: [window]}}
    proxy: {{allowed: false}}
"""


def department(code: str, *items: str) -> str:
    return f"department:\n  code: {code}\n  name: 县测试局\nitems:\n" + "\n".join(items)


def item(code: str, old: str = "", new: str = "") -> str:
    text = ITEM.format(code=code)
    if old:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, 1) if needle in line]
    assert len(found) == 1, (needle, found)
    return found[0]


def problems(folder: Path) -> list[str]:
    with pytest.raises(DataFileError) as info:
        load_catalogue(folder)
    assert str(info.value) == "\n".join(info.value.problems)
    return info.value.problems


def test_a_valid_file_loads(tmp_path: Path) -> None:
    write(tmp_path, "ts.yaml", department("TS", item("TS001"), item("TS002")))
    catalogue = load_catalogue(tmp_path)
    assert [i.code for i in catalogue] == ["TS001", "TS002"]
    first = catalogue.get("TS001")
    assert first is not None and first.department == "县测试局"
    assert catalogue.get("TS999") is None


def test_the_department_chooses_the_county_route_and_an_item_may_differ(
    tmp_path: Path,
) -> None:
    county = ("    decided_at: T\n", "    decided_at: T->C\n")
    own = ("    decided_at: T\n", "    decided_at: C\n    county_decision: task\n")
    text = department("TS", item("TS001", *county), item("TS002", *own), item("TS003"))
    write(
        tmp_path,
        "ts.yaml",
        text.replace("  name: 县测试局\n", "  name: 县测试局\n  county_decision: callback\n"),
    )
    routes = {i.code: (i.county_decision, i.county_route) for i in load_catalogue(tmp_path)}
    # TS003 is decided in the township: no county route at all
    assert routes == {
        "TS001": ("callback", "callback"),
        "TS002": ("task", "task"),
        "TS003": ("callback", None),
    }
    data = load_catalogue(tmp_path).items["TS001"].process_data()
    assert data["county_decision"] == "callback"  # what the case carries from registration
    write(tmp_path, "ts.yaml", department("TS", item("TS001", *county)))
    assert load_catalogue(tmp_path).items["TS001"].county_decision == "task"  # the default


def test_the_shipped_county_routes(catalogue: Catalogue) -> None:
    routes = {i.department_code: i.county_route for i in catalogue if i.county_route}
    assert {d for d, route in routes.items() if route == "callback"} == {"GA", "YB"}


def test_the_catalogue_folder_can_come_from_the_environment(tmp_path: Path) -> None:
    write(tmp_path, "ts.yaml", department("TS", item("TS001")))
    settings = Settings.from_environ({"DAIBAN_CATALOGUE_DIR": str(tmp_path)})
    assert len(load_catalogue(settings.catalogue_dir)) == 1


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    assert problems(tmp_path) == [f"{tmp_path}:0: -: 目录中没有事项文件（*.yaml）"]


# (what is broken, item text, line marker, field, message)
CASES = [
    (
        "missing required field",
        item("TS001", "    fees: 不收费\n"),
        "- code: TS001",
        "items[0]",
        "缺少必填字段：fees",
    ),
    (
        "wrong enum",
        item("TS001", "kind: devolved", "kind: delegated"),
        "kind: delegated",
        "items[0].kind",
        "取值应为：devolved、proxy",
    ),
    (
        "promised over statutory",
        item("TS001", "promised: 10", "promised: 30"),
        "promised: 30",
        "items[0].limits.promised",
        "承诺时限不能超过法定时限",
    ),
    (
        "steps over promised",
        item("TS001", "township_review: 8", "township_review: 12"),
        "township_review: 12",
        "items[0].limits.steps",
        "各环节时限之和（14）超过承诺时限（10）",
    ),
    (
        "tolerable optional material",
        item("TS001", "name: 其他证明材料, required: false,", "name: 其他证明材料, required: false, tolerable: true,"),
        "name: 其他证明材料",
        "items[0].materials[2].tolerable",
        "只有必需材料才能容缺受理",
    ),
    (
        "county step on a township item",
        item("TS001", "township_review: 8,", "township_review: 4, county_decision: 4,"),
        "county_decision: 4",
        "items[0].limits.steps.county_decision",
        "办理层级为 T 的事项没有该决定环节（county_decision）",
    ),
    (
        "enforcement open to proxy",
        item("TS001", "type: licence", "type: penalty\n    initiated_by: staff").replace(
            "proxy: {allowed: false}", "proxy: {allowed: true, pickup: [home]}"
        ),
        "proxy: {allowed: true",
        "items[0].proxy.allowed",
        "依职权发起的执法事项不能代办",
    ),
    (
        "remedies on an applicant's item",
        item("TS001", "    fees:", "    remedies: [fine]\n    fees:"),
        "remedies: [fine]",
        "items[0].remedies",
        "处理措施（remedies）只适用于依职权发起的行政处罚、行政强制事项",
    ),
    (
        "notice longer than the limit",
        item("TS001", "    fees:", "    public_notice: {days: 15, unit: working_days}\n    fees:"),
        "public_notice:",
        "items[0].public_notice.days",
        "公示期长于承诺时限，应将公示期列入 limits.excluded",
    ),
    (
        "notice excluded without a notice",
        item("TS001", "      on_the_spot: false\n", "      on_the_spot: false\n      excluded: [public_notice]\n"),
        "excluded: [public_notice]",
        "items[0].limits.excluded",
        "事项没有公示，不能把公示期间列入 limits.excluded",
    ),
    (
        "testing excluded without its step",
        item("TS001", "      on_the_spot: false\n", "      on_the_spot: false\n      excluded: [testing]\n"),
        "excluded: [testing]",
        "items[0].limits.excluded",
        "事项把 testing 列入 limits.excluded，应有同名的法定环节（special_steps）",
    ),
    (
        "code of another department",
        item("TX001"),
        "- code: TX001",
        "items[0].code",
        "事项编码应以部门编码 TS 开头",
    ),
    (
        "county route of an item the township decides",
        item("TS001", "    fees:", "    county_decision: callback\n    fees:"),
        "county_decision: callback",
        "items[0].county_decision",
        "办理层级为 T 的事项不由县级部门决定，不能指定县级决定方式",
    ),
    (
        "station item without its station",
        item("TS001", "    decided_at: T\n", "    decided_at: T->S\n"),
        "- code: TS001",  # a missing field is reported at its item
        "items[0].station",
        "由基层站所决定的事项（T->S）应写明站所类型：police_station（公安派出所）、"
        "market_regulation（市场监督管理所）、armed_forces（人民武装部）、finance（财政所）、"
        "judicial（司法所）、forestry（林业站）、agriculture（农业技术推广站）、"
        "natural_resources（自然资源所）",
    ),
    (
        "station on an item the township decides",
        item("TS001", "    decided_at: T\n", "    decided_at: T\n    station: police_station\n"),
        "station: police_station",
        "items[0].station",
        "只有由基层站所决定的事项（T->S）写明站所类型",
    ),
    (
        "unknown county route",
        item("TS001", "    decided_at: T\n", "    decided_at: C\n    county_decision: phone\n"),
        "county_decision: phone",
        "items[0].county_decision",
        "取值应为：task、callback",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "marker", "field", "message"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_each_problem_names_path_line_and_field(
    tmp_path: Path, text: str, marker: str, field: str, message: str
) -> None:
    path = write(tmp_path, "ts.yaml", department("TS", text))
    assert problems(tmp_path) == [f"{path}:{line_of(path, marker)}: {field}: {message}"]


def test_all_problems_of_all_files_come_back_at_once(tmp_path: Path) -> None:
    schema = write(
        tmp_path,
        "a_schema.yaml",
        department(
            "TA",
            item("TA001", "    fees: 不收费\n"),
            item("TA002", "kind: devolved", "kind: delegated"),
        ),
    )
    rules = write(
        tmp_path,
        "b_rules.yaml",
        department(
            "TB",
            item("TB001", "promised: 10", "promised: 30"),
            item("TB002", "township_review: 8", "township_review: 12"),
            item(
                "TB003",
                "其他证明材料, required: false,",
                "其他证明材料, required: false, tolerable: true,",
            ),
        ),
    )
    broken = write(
        tmp_path,
        "c_broken.yaml",
        department("TC", item("TC001", "name: 测试事项TC001", "name: 测试: 事项")),
    )
    first = write(tmp_path, "d_first.yaml", department("TD", item("TD001")))
    second = write(tmp_path, "e_second.yaml", department("TD", item("TD002"), item("TD001")))

    found = problems(tmp_path)
    assert found == [
        f"{schema}:{line_of(schema, '- code: TA001')}: items[0]: 缺少必填字段：fees",
        f"{schema}:{line_of(schema, 'kind: delegated')}: items[1].kind: 取值应为：devolved、proxy",
        f"{rules}:{line_of(rules, 'promised: 30')}: items[0].limits.promised: 承诺时限不能超过法定时限",
        f"{rules}:{line_of(rules, 'township_review: 12')}: items[1].limits.steps: "
        "各环节时限之和（14）超过承诺时限（10）",
        f"{rules}:{line_of(rules, 'required: false, tolerable: true')}: "
        "items[2].materials[2].tolerable: 只有必需材料才能容缺受理",
        f"{broken}:{line_of(broken, 'name: 测试: 事项')}: -: "
        "YAML 格式错误（mapping values are not allowed in this context）",
        f"{second}:{line_of(second, '- code: TD001')}: items[1].code: 事项编码 TD001 与 {first} 重复",
    ]
    for problem in found:
        assert PROBLEM.match(problem), problem


def test_problem_lines_point_into_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ts.yaml",
        department("TS", item("TS001"), item("TS002", "unit: working_days", "unit: weeks")),
    )
    [problem] = problems(tmp_path)
    match = PROBLEM.match(problem)
    assert match is not None
    assert match["path"] == str(path)
    assert match["field"] == "items[1].limits.unit"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[int(match["line"]) - 1].strip() == "unit: weeks"
