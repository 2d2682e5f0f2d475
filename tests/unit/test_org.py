"""The organisation: demo data, scoping lookups, A/B posts and absences, the county
generator, and strict validation of organisation files."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from processes.org import (
    DEMO_FILE,
    OFFICES,
    TOWNSHIP_STAFF_ROLES,
    Absence,
    Organization,
    OrgUnit,
    User,
    load_org,
)
from processes.org_generator import generate_county, to_yaml
from processes.yamlfile import DataFileError
from webapi.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
D = dt.date
QINGSI = "511725201"


@pytest.fixture(scope="module")
def demo() -> Organization:
    return load_org()


@pytest.fixture(scope="module")
def county() -> Organization:
    return generate_county()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(DataFileError) as caught:
        load_org(path)
    return caught.value.problems


# --------------------------------------------------------------------------- demo


def test_demo_is_the_default_file_and_env_overrides_it(demo: Organization, tmp_path: Path) -> None:
    assert load_org(DEMO_FILE) == demo
    missing = tmp_path / "missing.yaml"
    settings = Settings.from_environ({"DAIBAN_ORG_FILE": str(missing)})
    with pytest.raises(DataFileError) as caught:
        load_org(settings.org_file)
    assert caught.value.problems == [f"{missing}:0: -: 无法读取文件（No such file or directory）"]


def test_demo_shape(demo: Organization) -> None:
    assert (demo.county.code, demo.county.name) == ("511725", "渠县")
    townships = {t.name: t for t in demo.of_kind("township")}
    assert len(townships) >= 4
    assert townships["青丝乡"].code == QINGSI
    assert {t.township_type for t in townships.values()} == {"街道", "镇", "乡"}
    for township in townships.values():
        assert 3 <= len(demo.children(township.code, "village", "community")) <= 6
        assert township.offices == tuple(OFFICES)
    for role in ("supervisor", "designer", "admin"):
        assert demo.holders(role, "511725")


def test_demo_has_every_department_the_catalogue_uses(demo: Organization) -> None:
    used = {"MZ", "RS", "CL", "ZR", "NL"}
    for path in (ROOT / "processes" / "catalogue").glob("*.yaml"):
        used.add(yaml.safe_load(path.read_text(encoding="utf-8"))["department"]["code"])
    departments = {u.code for u in demo.of_kind("department")}
    assert used <= departments
    for code in departments:
        assert demo.holders("county_officer", code), code


def test_qingsi_offices_and_ab_posts(demo: Organization) -> None:
    qingsi = demo.units[QINGSI]
    assert [OFFICES[o] for o in qingsi.offices] == [
        "党政综合办",
        "社会事业办",
        "社会治安办",
        "绩效督查室",
    ]
    staff = [u for u in demo.staff_of(QINGSI) if TOWNSHIP_STAFF_ROLES.intersection(u.roles)]
    assert len(staff) == 14
    assert {u.office for u in staff} == set(OFFICES)
    for user in staff:  # 双AB岗: every duty has two named people
        partner = demo.users[user.ab_partner or ""]
        assert partner.ab_partner == user.id
        assert set(user.roles) & set(partner.roles)
    for role in TOWNSHIP_STAFF_ROLES:
        assert len(demo.holders(role, QINGSI)) >= 2, role


def test_every_qingsi_village_has_agents_with_stand_ins(demo: Organization) -> None:
    villages = demo.children(QINGSI, "village", "community")
    for village in villages:
        agents = demo.holders("village_agent", village.code)
        assert agents, village.name
        for agent in agents:
            stand_in = demo.users[agent.stand_in or ""]
            assert stand_in.unit == village.code and "village_agent" in stand_in.roles
    mobile = demo.holders("mobile_agent", villages[0].code)
    assert len(mobile) >= 1 and all(m.unit == QINGSI for m in mobile)


# --------------------------------------------------------------------------- scoping


def test_containment(demo: Organization) -> None:
    village, other_village = "511725201001", "511725202003"
    assert demo.contains("511725", QINGSI)
    assert demo.contains("511725", village)
    assert demo.contains("511725", "MZ")
    assert demo.contains(QINGSI, village)
    assert demo.contains(village, village)
    assert not demo.contains(QINGSI, other_village)
    assert not demo.contains(village, QINGSI)
    assert not demo.contains(QINGSI, "MZ")
    assert not demo.contains("MZ", village)
    assert not demo.contains(QINGSI, "511725201999")  # unknown unit
    assert not demo.contains("511725999", village)  # unknown scope
    assert [u.code for u in demo.lineage(village)] == [village, QINGSI, "511725"]


def test_township_of_and_county_department(demo: Organization) -> None:
    assert demo.township_of("511725201001") == demo.units[QINGSI]
    assert demo.township_of(QINGSI) == demo.units[QINGSI]
    assert demo.township_of("511725") is None
    assert demo.township_of("MZ") is None
    assert demo.township_of("nowhere") is None
    mz = demo.county_department("MZ")
    assert mz is not None and mz.name == "县民政局"
    assert demo.county_department("MZ001") == mz  # an item code
    assert demo.county_department("XYZ") is None
    assert demo.county_department(QINGSI) is None


def test_holders_are_scoped(demo: Organization) -> None:
    window = {u.id for u in demo.holders("township_window", "511725201003")}
    assert {"wang.fang", "liu.yang"} <= window
    assert all(demo.users[u].unit == QINGSI for u in window)
    assert {u.id for u in demo.holders("village_agent", "511725201003")} == {"he.dong", "xiang.lan"}
    assert demo.holders("village_agent", QINGSI) == []  # agents work in their village only
    assert {u.id for u in demo.holders("county_officer", "MZ")} == {"deng.hui", "peng.li"}
    assert demo.may_act("wang.fang", "township_window", "511725201003", D(2026, 9, 24))
    assert not demo.may_act("pan.hong", "township_window", "511725201003", D(2026, 9, 24))
    assert not demo.may_act("wang.fang", "township_leader", QINGSI, D(2026, 9, 24))
    assert not demo.may_act("nobody", "township_window", QINGSI, D(2026, 9, 24))


# --------------------------------------------------------------------------- absences


def test_absence_hands_over_to_the_partner_on_the_absent_days_only(demo: Organization) -> None:
    assert demo.absences == (Absence("wang.fang", D(2026, 9, 28), D(2026, 9, 30), "年休假"),)
    for day in (D(2026, 9, 27), D(2026, 10, 1)):
        assert not demo.is_absent("wang.fang", day)
        assert demo.stand_in("wang.fang", day) is None
        assert demo.standing_in_for("liu.yang", day) == []
        assert not demo.may_act_for("liu.yang", "wang.fang", day)
    for day in (D(2026, 9, 28), D(2026, 9, 29), D(2026, 9, 30)):
        assert demo.is_absent("wang.fang", day)
        assert demo.stand_in("wang.fang", day) == demo.users["liu.yang"]
        assert demo.standing_in_for("liu.yang", day) == [demo.users["wang.fang"]]
        assert demo.may_act_for("liu.yang", "wang.fang", day)
        assert not demo.may_act_for("zhang.min", "wang.fang", day)
    assert demo.may_act_for("wang.fang", "wang.fang", D(2026, 9, 24))
    assert demo.stand_in("liu.yang", D(2026, 9, 29)) is None  # present


def small_org(*absences: Absence) -> Organization:
    township = OrgUnit(QINGSI, "青丝乡", "township", "511725", tuple(OFFICES))
    units = {"511725": OrgUnit("511725", "渠县", "county"), QINGSI: township}
    a = User("a.post", "甲", ("township_window", "township_backoffice"), QINGSI, "social_affairs", ab_partner="b.post")  # fmt: skip
    b = User("b.post", "乙", ("township_window",), QINGSI, "social_affairs", ab_partner="a.post")
    return Organization(units, {a.id: a, b.id: b}, absences)


def test_the_b_post_acts_for_an_absent_a_post_in_its_roles() -> None:
    away = Absence("a.post", D(2026, 10, 8), D(2026, 10, 9), "出差")
    org = small_org(away)
    assert org.acts_for("b.post", "township_backoffice", QINGSI, D(2026, 10, 7)) is None
    assert (
        org.acts_for("b.post", "township_backoffice", QINGSI, D(2026, 10, 8)) == org.users["a.post"]
    )
    assert org.acts_for("b.post", "township_window", QINGSI, D(2026, 10, 8)) == org.users["b.post"]
    assert org.may_act("b.post", "township_backoffice", QINGSI, D(2026, 10, 9))
    assert not org.may_act("b.post", "township_leader", QINGSI, D(2026, 10, 9))


def test_no_stand_in_when_both_partners_are_away() -> None:
    org = small_org(
        Absence("a.post", D(2026, 10, 8), D(2026, 10, 9), "出差"),
        Absence("b.post", D(2026, 10, 9), D(2026, 10, 9), "病假"),
    )
    assert org.stand_in("a.post", D(2026, 10, 8)) == org.users["b.post"]
    assert org.stand_in("a.post", D(2026, 10, 9)) is None
    assert org.acts_for("b.post", "township_backoffice", QINGSI, D(2026, 10, 9)) is None


# --------------------------------------------------------------------------- generator


def test_generator_has_the_county_shape(county: Organization) -> None:
    assert len(county.of_kind("township")) == 60
    assert len(county.of_kind("village")) == 456
    assert len(county.of_kind("community")) == 111
    for township in county.of_kind("township"):
        posts = {u.id: u.roles for u in county.staff_of(township.code)}
        assert posts == {
            f"window.{township.code}": ("township_window",),
            f"backoffice.{township.code}": ("township_backoffice", "township_window"),
            f"leader.{township.code}": ("township_leader",),
        }
        window = county.users[f"window.{township.code}"]
        assert county.users[window.ab_partner or ""].ab_partner == window.id
    for village in county.of_kind("village", "community"):
        agents = county.staff_of(village.code)
        assert sorted(u.stand_in or "" for u in agents) == sorted(u.id for u in agents)
        assert len(agents) == 2
    assert {u.code for u in county.of_kind("department")} == {
        u.code for u in load_org().of_kind("department")
    }


def test_generator_is_deterministic_and_parameterised() -> None:
    assert generate_county(5, 20, 4, seed=7) == generate_county(5, 20, 4, seed=7)
    assert generate_county(5, 20, 4, seed=7) != generate_county(5, 20, 4, seed=8)
    small = generate_county(townships=3, villages=10, communities=0)
    assert [len(small.of_kind(k)) for k in ("township", "village", "community")] == [3, 10, 0]
    with pytest.raises(ValueError):
        generate_county(townships=0)


def test_generated_yaml_round_trips(county: Organization, tmp_path: Path) -> None:
    path = write(tmp_path, to_yaml(county, "header"))
    assert load_org(path) == county
    assert load_org(write(tmp_path, to_yaml(load_org()))) == load_org()  # absences too


def test_generate_command(county: Organization, tmp_path: Path) -> None:
    out = tmp_path / "county.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "processes.org_generator", "generate", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "60 个乡镇（街道）、456 个行政村、111 个社区" in done.stdout
    assert out.read_text(encoding="utf-8").startswith("# Generated by python -m processes.org")
    assert load_org(out) == county


# --------------------------------------------------------------------------- validation

BROKEN = """\
county: {code: "511725", name: 渠县}
departments:
  - {code: MZ, name: 县民政局}
  - {code: MZ, name: 县民政局重复}
  - {code: mz1, name: 小写}
townships:
  - code: "511725201"
    name: 青丝乡
    offices: [party_government, social_affairs, public_order]
    villages:
      - {code: "511725201001", name: 青丝社区, kind: community}
      - {code: "511725202001", name: 错位村, kind: village}
      - {code: "511725201002", name: 无类村, kind: hamlet}
  - code: "511725101"
    name: 名为乡
    offices: [party_government, social_affairs, public_order, supervision, canteen]
  - {code: 511725102, name: 未加引号镇, offices: [party_government, social_affairs, public_order, supervision]}
users:
  - {id: wang.fang, name: 王芳, roles: [township_window], unit: "511725201", office: social_affairs, ab_partner: li.juan}
  - {id: li.juan, name: 李娟, roles: [township_leader], unit: "511725201", office: social_affairs, ab_partner: zhao.gang}
  - {id: zhao.gang, name: 赵刚, roles: [township_leader], unit: "511725201", office: party_government}
  - {id: Bad Id, name: 坏, roles: [wizard], unit: "511725201", office: kitchen}
  - {id: agent.a, name: 代办甲, roles: [village_agent], unit: "511725201"}
  - {id: agent.b, name: 代办乙, roles: [village_agent], unit: "511725201001", stand_in: nobody}
  - {id: wang.fang, name: 又一个王芳, roles: [supervisor], unit: "511725"}
  - {id: officer, name: 经办人, roles: [county_officer], unit: XX, phone: "12345"}
  - {id: chen.jing, name: 陈静, roles: [supervisor], unit: "511725", office: social_affairs, extra: 1}
absences:
  - {user: ghost, from: 2026-09-28, to: 2026-09-30, reason: 年休假}
  - {user: zhao.gang, from: 2026-10-05, to: 2026-10-01, reason: 倒序}
  - {user: zhao.gang, from: 明天, to: 2026-10-01}
"""


def test_validation_reports_every_problem_with_path_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, BROKEN)
    problems = problems_of(path)
    expected = [
        "4: departments[1].code: 编码 MZ 与 departments[0] 重复",
        "5: departments[2].code: 格式不正确",
        "9: townships[0].offices: 缺少科室：绩效督查室（supervision）",
        "12: townships[0].villages[1].code: 村（社区）编码应为乡镇编码 511725201 加三位非零数字",
        "13: townships[0].villages[2].kind: 取值应为：village、community",
        "15: townships[1].name: 编码 511725101 表示镇，名称应以“镇”结尾",
        "16: townships[1].offices[4]: 未知科室 canteen",
        "17: townships[2].code: 应为文本（编码、电话请加引号）",
        "19: users[0].ab_partner: li.juan 未担任本人的角色（township_window）",
        "20: users[1].ab_partner: A/B 岗应互为搭档：zhao.gang 的 ab_partner 不是 li.juan",
        "22: users[3].id: 格式不正确",
        "22: users[3].roles[0]: 未知角色 wizard",
        "22: users[3].office: 青丝乡没有科室 kitchen",
        "23: users[4].roles: 角色 village_agent（村代办员）应属于行政村或社区，而 青丝乡 是乡镇（街道）",
        "23: users[4]: 代办员应指定替岗人（stand_in）",
        "24: users[5].stand_in: 未知用户 nobody",
        "25: users[6].id: 用户 wang.fang 与 users[0] 重复",
        "26: users[7].unit: 未知单位编码 XX",
        "26: users[7].phone: 格式不正确",
        "27: users[8]: 未知字段：extra",
        "27: users[8].office: 只有乡镇工作人员填写科室",
        "29: absences[0].user: 未知用户 ghost",
        "30: absences[1].to: 结束日期 2026-10-01 早于开始日期 2026-10-05",
        "31: absences[2]: 缺少必填字段：reason",
        "31: absences[2].from: 应为日期（YYYY-MM-DD）",
    ]
    for part in expected:
        line, rest = part.split(": ", 1)
        assert any(p.startswith(f"{path}:{line}: {rest}") for p in problems), (part, problems)
    assert len(problems) == len(expected), "\n".join(problems)
    lines = [int(p.split(":")[1]) for p in problems]
    assert lines == sorted(lines)


def test_structural_problems_do_not_stop_the_rest(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "county: {code: '5117', name: 渠县}\n"
        "departments: {MZ: 县民政局}\n"
        "townships:\n"
        "  - 青丝乡\n"
        "  - {code: '511725999', name: 某乡, offices: [party_government, social_affairs, public_order, supervision]}\n"
        "users: []\n"
        "color: red\n",
    )
    assert problems_of(path) == [
        f"{path}:1: -: 未知字段：color",
        f"{path}:1: county.code: 格式不正确（应匹配 \\d{{6}}）",
        f"{path}:2: departments: 应为列表",
        f"{path}:4: townships[0]: 应为字段表",
        f"{path}:5: townships[1].code: 乡镇编码后三位应为 0xx（街道）、1xx（镇）或 2xx/3xx（乡）",
    ]


def test_yaml_errors_and_empty_files(tmp_path: Path) -> None:
    path = write(tmp_path, "county: [unclosed\n")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:2: -: YAML 格式错误")
    path = write(tmp_path, "")
    assert problems_of(path) == [f"{path}:0: -: 应为字段表"]
    path = write(tmp_path, "county: {code: '511725', name: 渠县}\n")
    assert problems_of(path) == [f"{path}:1: -: 缺少必填字段：departments、townships、users"]


# --------------------------------------------------------------------------- stations


def test_demo_stations_serve_the_townships(demo: Organization) -> None:
    """Every demo township has its 派出所, 市场监督管理所 and 人民武装部, each with an officer;
    a rural 派出所 may serve two townships (青丝派出所: 青丝乡 and 丰乐乡)."""
    for township in demo.of_kind("township"):
        for kind in ("police_station", "market_regulation", "armed_forces"):
            station = demo.station_for(kind, township.code)
            assert station is not None, (kind, township.name)
            assert demo.holders("station_officer", station.code), station.code
    qingsi = demo.station_for("police_station", QINGSI)
    assert qingsi is not None and qingsi.code == "GA-01" and qingsi.parent == "GA"
    assert demo.station_for("police_station", "511725202") == qingsi
    assert demo.station_for("finance", "511725202") is None  # 青丝乡财政所 serves 青丝乡 only
    # A station officer holds its role in its station only: not in a township it serves.
    assert [u.id for u in demo.holders("station_officer", "GA-01")] == ["li.jing", "wen.tao"]
    assert demo.holders("station_officer", QINGSI) == []
    assert demo.township_of("GA-01") is None


def test_the_generated_county_has_three_stations_per_township(county: Organization) -> None:
    stations = [s for s in county.of_kind("station") if s.station_kind != "disability_assessment"]
    assert len(stations) == 3 * 60
    assert all(len(s.serves) == 1 and county.holders("station_officer", s.code) for s in stations)
    # and one designated hospital (残疾评定定点医院) for all 60, with two doctors
    hospital = county.station_for("disability_assessment", county.of_kind("township")[-1].code)
    assert hospital is not None and len(hospital.serves) == 60
    assert len(county.holders("assessment_doctor", hospital.code)) == 2


STATIONS_BROKEN = """\
county: {code: "511725", name: 渠县}
departments:
  - {code: GA, name: 县公安局}
townships:
  - {code: "511725201", name: 青丝乡, offices: [party_government, social_affairs, public_order, supervision]}
stations:
  - {code: GA-01, name: 青丝派出所, kind: police_station, department: GA, serves: ["511725201"]}
  - {code: GA-02, name: 又一个派出所, kind: police_station, department: GA, serves: ["511725201", "511725999"]}
  - {code: SJ-01, name: 市场监管所, kind: market, department: SJ, serves: []}
  - {code: GA-03, name: 无部门所, kind: judicial, serves: ["511725201"]}
users:
  - {id: li.jing, name: 李警, roles: [station_officer], unit: GA-01}
  - {id: wang.fang, name: 王芳, roles: [station_officer], unit: "511725201", office: social_affairs}
"""


def test_station_validation(tmp_path: Path) -> None:
    path = write(tmp_path, STATIONS_BROKEN)
    assert [p.removeprefix(f"{path}:") for p in problems_of(path)] == [
        "8: stations[1].serves[0]: 青丝乡已由 GA-01 服务",
        "8: stations[1].serves[1]: 未知乡镇编码 511725999",
        "9: stations[2].department: 未知县级部门 SJ",
        "9: stations[2].kind: 取值应为：police_station、market_regulation、armed_forces、finance、"
        "judicial、forestry、agriculture、natural_resources、disability_assessment",
        "9: stations[2].serves: 应为非空列表",
        "10: stations[3]: 缺少必填字段：department",
        "13: users[1].roles: 角色 station_officer（基层站所经办人）应属于基层站所，而 青丝乡 是乡镇（街道）",
    ]


# ------------------------------------------------------- designated hospitals (残疾评定)


def test_every_demo_township_has_a_designated_hospital_with_doctors(demo: Organization) -> None:
    """The 县残联's designated hospitals (残疾评定定点医院) are stations of kind
    ``disability_assessment``: 县人民医院 serves four townships, 县中医医院 丰乐乡."""
    for township in demo.of_kind("township"):
        hospital = demo.station_for("disability_assessment", township.code)
        assert hospital is not None and hospital.parent == "CL", township.name
        assert demo.holders("assessment_doctor", hospital.code), hospital.code
    renmin = demo.station_for("disability_assessment", QINGSI)
    assert renmin is not None and renmin.code == "CL-01"
    assert [u.id for u in demo.holders("assessment_doctor", "CL-01")] == ["gao.min", "luo.bin"]
    assert demo.users["gao.min"].ab_partner == "luo.bin"
    assert demo.station_for("disability_assessment", "511725202").code == "CL-02"  # type: ignore[union-attr]


HOSPITAL_BROKEN = """\
county: {code: "511725", name: 渠县}
departments:
  - {code: CL, name: 县残联}
  - {code: GA, name: 县公安局}
townships:
  - {code: "511725201", name: 青丝乡, offices: [party_government, social_affairs, public_order, supervision]}
stations:
  - {code: CL-01, name: 县人民医院, kind: disability_assessment, department: CL, serves: ["511725201"]}
  - {code: GA-01, name: 青丝派出所, kind: police_station, department: GA, serves: ["511725201"]}
users:
  - {id: gao.min, name: 高敏, roles: [assessment_doctor], unit: CL-01}
  - {id: li.jing, name: 李警, roles: [assessment_doctor], unit: GA-01}
  - {id: wen.tao, name: 文涛, roles: [station_officer], unit: CL-01}
  - {id: wang.fang, name: 王芳, roles: [assessment_doctor], unit: "511725201", office: social_affairs}
"""


def test_a_doctor_belongs_to_a_designated_hospital_and_nobody_else_does(tmp_path: Path) -> None:
    path = write(tmp_path, HOSPITAL_BROKEN)
    assert [p.removeprefix(f"{path}:") for p in problems_of(path)] == [
        "12: users[1].roles: 角色 assessment_doctor（评定医生）与青丝派出所的站所类型不符",
        "13: users[2].roles: 角色 station_officer（基层站所经办人）与县人民医院的站所类型不符",
        "14: users[3].roles: 角色 assessment_doctor（评定医生）应属于基层站所，而 青丝乡 是乡镇（街道）",
    ]
