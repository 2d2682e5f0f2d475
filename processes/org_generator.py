"""The full county shape for load tests, and writing an organisation as YAML.

``generate_county()`` builds Qu County's 2017 shape (60 townships, 456 villages, 111
communities) with the posts every township and village needs; ``to_yaml()`` writes any
organisation in the format ``load_org`` reads (the one of ``processes/org/demo.yaml``).
Command line: ``python -m processes.org_generator generate --out FILE``. (Here, not in
``processes.org``: the loader needs none of this, and so does not import it.)
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from processes.org import (
    ASSESSMENT_STATION,
    DEMO_FILE,
    OFFICES,
    TOWNSHIP_TYPES,
    Absence,
    Applicability,
    Organization,
    OrgUnit,
    User,
    load_org,
)

SYLLABLES = "青龙凤石河金竹新民和平安乐丰兴华光明福寿永宁双桥回春星云鹤柏松林清溪望江"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华兰萍红鹏辉斌宇浩凯健俊帆旭宁婷琳雪梅波"
# Communities cluster in 街道 and 镇 (town seats); villages spread evenly.
COMMUNITY_WEIGHT = {"0": 6.0, "1": 2.0, "2": 1.0}


def generate_county(
    townships: int = 60, villages: int = 456, communities: int = 111, seed: int = 0
) -> Organization:
    """A deterministic county of this shape: window A post, back-office B post (A/B
    partners) and a leader per township; two agents standing in for each other per village;
    per township a 派出所, a 市场监督管理所 and a 人民武装部 with one officer each
    (``GENERATED_STATIONS``, for the departments the demo has); one designated hospital
    (残疾评定定点医院) for every township, with two doctors (A/B posts)."""
    if townships < 1 or villages < 0 or communities < 0:
        raise ValueError("townships must be at least 1, villages and communities at least 0")
    rng = random.Random(seed)
    demo = load_org(DEMO_FILE)
    county = demo.county
    units = {county.code: county} | {u.code: u for u in demo.of_kind("department")}
    users = {
        u.id: u
        for u in demo.users.values()
        if u.unit == county.code or units.get(u.unit, county).kind == "department"
    }
    codes = _township_codes(county.code, townships)
    weights = [rng.uniform(0.5, 1.5) for _ in codes]
    village_counts = _spread(villages, weights)
    community_counts = _spread(
        communities, [w * COMMUNITY_WEIGHT[c[6]] for w, c in zip(weights, codes, strict=True)]
    )
    names = _Names(rng)
    for code, n_villages, n_communities in zip(
        codes, village_counts, community_counts, strict=True
    ):
        if n_villages + n_communities > 999:
            raise ValueError(f"township {code} would have more than 999 villages and communities")
        name = names.place("", TOWNSHIP_TYPES[code[6]])
        units[code] = OrgUnit(code, name, "township", county.code, tuple(OFFICES))
        users.update(_township_staff(code, names))
        for station in _stations(units, code, name):
            units[station.code] = station
            users.update(_station_officer(station.code, names))
        kinds = ["community"] * n_communities + ["village"] * n_villages
        for index, unit_kind in enumerate(kinds, start=1):
            village = f"{code}{index:03d}"
            name = names.place(code, "社区" if unit_kind == "community" else "村")
            units[village] = OrgUnit(village, name, unit_kind, code)
            users.update(_village_agents(village, names))
    if "CL" in units:  # one designated hospital (残疾评定定点医院) for the whole county
        hospital = OrgUnit(
            "CL-01",
            "县人民医院（残疾评定定点医院）",
            "station",
            "CL",
            station_kind=ASSESSMENT_STATION,
            serves=tuple(codes),
        )
        units[hospital.code] = hospital
        first, second = "doctor.cl_01_a", "doctor.cl_01_b"
        role = ("assessment_doctor",)
        users[first] = User(first, names.person(), role, hospital.code, ab_partner=second)
        users[second] = User(second, names.person(), role, hospital.code, ab_partner=first)
    return Organization(units, users)


# The stations every generated township has: kind, department, name suffix.
GENERATED_STATIONS = (
    ("police_station", "GA", "派出所"),
    ("market_regulation", "SJ", "市场监督管理所"),
    ("armed_forces", "RW", "人民武装部"),
)


def _stations(units: dict[str, OrgUnit], township: str, name: str) -> list[OrgUnit]:
    """The township's own stations, numbered in their department in township order."""
    found = []
    for kind, department, suffix in GENERATED_STATIONS:
        if department not in units:
            continue
        number = 1 + sum(
            1 for u in units.values() if u.kind == "station" and u.parent == department
        )
        code = f"{department}-{number:02d}"
        found.append(
            OrgUnit(
                code,
                name + suffix,
                "station",
                department,
                (),
                station_kind=kind,
                serves=(township,),
            )
        )
    return found


def _station_officer(code: str, names: _Names) -> dict[str, User]:
    id_ = f"officer.{code.lower().replace('-', '_')}"
    return {id_: User(id_, names.person(), ("station_officer",), code)}


def _township_codes(county: str, townships: int) -> list[str]:
    subdistricts, towns = townships // 20, townships // 2
    rest = townships - subdistricts - towns
    if rest > 199:
        raise ValueError("at most 99 街道, 99 镇 and 199 乡 fit the region code")
    return (
        [f"{county}{n:03d}" for n in range(1, subdistricts + 1)]
        + [f"{county}{n:03d}" for n in range(101, towns + 101)]
        + [f"{county}{n:03d}" for n in range(201, rest + 201)]
    )


def _spread(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders round up)."""
    shares = [total * w / sum(weights) for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: counts[i] - shares[i])
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


class _Names:
    """Unique place names (per parent) and Chinese personal names from one random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[tuple[str, str]] = set()

    def place(self, parent: str, suffix: str) -> str:
        while True:
            name = "".join(self.rng.sample(SYLLABLES, 2)) + suffix
            if (parent, name) not in self.used:
                self.used.add((parent, name))
                return name

    def person(self) -> str:
        given = "".join(self.rng.choices(GIVEN, k=self.rng.choice((1, 2))))
        return self.rng.choice(SURNAMES) + given

    def phone(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}"


def _township_staff(code: str, names: _Names) -> dict[str, User]:
    window, backoffice, leader = (f"{post}.{code}" for post in ("window", "backoffice", "leader"))
    posts = [  # id, roles, office, A/B partner
        (window, ("township_window",), "social_affairs", backoffice),
        (backoffice, ("township_backoffice", "township_window"), "social_affairs", window),
        (leader, ("township_leader",), "party_government", None),
    ]
    return {
        id_: User(id_, names.person(), roles, code, office, ab_partner=partner)
        for id_, roles, office, partner in posts
    }


def _village_agents(code: str, names: _Names) -> dict[str, User]:
    pair = (f"agent.{code}", f"agent.{code}.b")
    return {
        id_: User(
            id_, names.person(), ("village_agent",), code, phone=names.phone(), stand_in=other
        )
        for id_, other in (pair, pair[::-1])
    }


def to_yaml(org: Organization, header: str = "") -> str:
    """The organisation in the format ``load_org`` reads."""
    data = {
        "county": _unit(org.county),
        "departments": [_unit(u) for u in org.of_kind("department")],
        "townships": [_township(org, t) for t in org.of_kind("township")],
        "stations": [_station(s) for s in org.of_kind("station")],
        "users": [_user(u) for u in org.users.values()],
        "absences": [_absence(a) for a in org.absences],
    }
    if org.applicability:
        data["applicability"] = [_rule(rule) for rule in org.applicability]
    if org.schedules:
        data["schedules"] = [
            {"agent": s.agent, "weekdays": list(s.weekdays), "villages": list(s.villages)}
            for s in org.schedules
        ]
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when built with it
    text = yaml.dump(
        data, Dumper=dumper, allow_unicode=True, sort_keys=False, default_flow_style=None, width=200
    )
    return "".join(f"# {line}\n" for line in header.splitlines()) + text


def _township(org: Organization, township: OrgUnit) -> dict[str, Any]:
    data = _unit(township) | {"offices": list(township.offices)}
    if township.reform is not None:
        data["reform"] = township.reform
    data["villages"] = [_unit(v) for v in org.children(township.code, "village", "community")]
    if windows := org.children(township.code, "park_window"):
        data["park_windows"] = [_unit(w) for w in windows]
    return data


def _rule(rule: Applicability) -> dict[str, Any]:
    data: dict[str, Any] = {"items": list(rule.items)}
    if rule.groups:
        data["groups"] = list(rule.groups)
    if rule.townships:
        data["townships"] = list(rule.townships)
    return data | {"basis": rule.basis}


def _unit(unit: OrgUnit) -> dict[str, Any]:
    kind = {"kind": unit.kind} if unit.kind in ("village", "community") else {}
    return {"code": unit.code, "name": unit.name} | kind


def _station(unit: OrgUnit) -> dict[str, Any]:
    return _unit(unit) | {
        "kind": unit.station_kind,
        "department": unit.parent,
        "serves": list(unit.serves),
    }


def _user(user: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": user.id,
        "name": user.name,
        "roles": list(user.roles),
        "unit": user.unit,
    }
    optional = {"office": user.office, "phone": user.phone, "ab_partner": user.ab_partner, "stand_in": user.stand_in}  # fmt: skip
    return data | {key: value for key, value in optional.items() if value is not None}


def _absence(absence: Absence) -> dict[str, Any]:
    return {"user": absence.user, "from": absence.first_day, "to": absence.last_day, "reason": absence.reason}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m processes.org_generator", description="组织机构数据工具"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="生成全县规模的组织机构（用于压力测试）")
    generate.add_argument("--out", required=True, type=Path, help="写入的 YAML 文件")
    generate.add_argument("--townships", type=int, default=60)
    generate.add_argument("--villages", type=int, default=456)
    generate.add_argument("--communities", type=int, default=111)
    generate.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        org = generate_county(args.townships, args.villages, args.communities, args.seed)
    except ValueError as error:
        parser.error(str(error))
    header = (
        f"Generated by python -m processes.org_generator generate --townships {args.townships} "
        f"--villages {args.villages} --communities {args.communities} --seed {args.seed}\n"
        "Load-test data in the format of processes/org/demo.yaml; do not edit by hand."
    )
    args.out.write_text(to_yaml(org, header), encoding="utf-8")
    print(
        f"{args.out}: {len(org.of_kind('township'))} 个乡镇（街道）、{len(org.of_kind('village'))} 个行政村、"
        f"{len(org.of_kind('community'))} 个社区、{len(org.users)} 名用户"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
