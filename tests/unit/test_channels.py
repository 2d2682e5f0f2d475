"""Channels in the organisation file (docs/channels.md): park windows, the 经济发达镇 reform,
item applicability per township and the mobile posts' schedules; the lanes of proxy tasks."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from engine import elements
from engine.routing import competent_township, not_applicable, task_lane
from processes.catalogue import Catalogue
from processes.channels import CHANNEL_ROLES, CHANNELS
from processes.org import (
    ROLES,
    TOWNSHIP_GROUPS,
    Absence,
    Applicability,
    Organization,
    load_org,
)
from processes.yamlfile import DataFileError

QINGSI, SANHUI, QUJIANG, TUXI = "511725201", "511725104", "511725001", "511725103"


@pytest.fixture(scope="module")
def demo() -> Organization:
    return load_org()


def test_every_channel_has_a_role(demo: Organization) -> None:
    assert set(CHANNEL_ROLES) == set(CHANNELS)
    assert set(CHANNEL_ROLES.values()) <= set(ROLES)
    window = demo.units["511725104P01"]
    assert (window.kind, window.parent, window.name) == ("park_window", SANHUI, "三汇工业园小窗口")
    assert demo.township_of(window.code) == demo.units[SANHUI]
    assert {u.id for u in demo.staff_of(window.code)} == {"ren.jie", "shu.yan"}


def test_township_groups(demo: Organization) -> None:
    groups = {code: demo.units[code].groups for code in (QINGSI, SANHUI, QUJIANG, TUXI)}
    assert groups == {
        QINGSI: {"rural_township"},
        SANHUI: {"town", "developed_town"},
        QUJIANG: {"subdistrict"},
        TUXI: {"town"},
    }
    assert set().union(*groups.values()) == set(TOWNSHIP_GROUPS)


def test_applicability_names_catalogue_items(demo: Organization, catalogue: Catalogue) -> None:
    """Every item an applicability rule names is in the catalogue, and has a basis."""
    for rule in demo.applicability:
        assert all(catalogue.get(code) is not None for code in rule.items), rule.items
        assert rule.basis.startswith("《")
    assert [t.code for t in demo.townships_for("ZJ002")] == [QUJIANG, SANHUI]
    assert len(demo.townships_for("MZ001")) == len(demo.of_kind("township"))


def test_county_wide_handling_goes_where_the_item_applies(demo: Organization) -> None:
    qingsi, sanhui = demo.units[QINGSI], demo.units[SANHUI]
    assert competent_township(demo, "MZ001", qingsi, SANHUI) == qingsi  # applies at home
    assert competent_township(demo, "ZJ001", qingsi, None) is None  # a village point
    assert competent_township(demo, "ZJ001", qingsi, SANHUI) == sanhui  # 三汇镇's window
    assert competent_township(demo, "ZJ001", qingsi, "511725104P01") == sanhui  # its park
    assert competent_township(demo, "ZJ001", qingsi, TUXI) is None  # an ordinary 镇
    assert not_applicable(demo, "ZJ001", "夜间建筑施工许可", qingsi) == (
        "“夜间建筑施工许可”（ZJ001）未下放到青丝乡，只能在渠江街道、三汇镇办理"
    )
    nowhere = replace(demo, applicability=(Applicability(("ZJ001",), (), (), "某决定"),))
    assert not_applicable(nowhere, "ZJ001", "夜间建筑施工许可", qingsi) == (
        "“夜间建筑施工许可”（ZJ001）未下放到青丝乡，本县没有乡镇承接该事项"
    )


def test_proxy_lanes_follow_the_channel_and_the_pickup_mode() -> None:
    entrust, handover = elements.ENTRUST, elements.HANDOVER
    home, window = elements.HOME_DELIVERY, elements.WINDOW_PICKUP
    agent = "village_agent"

    def lane(task: elements.TaskRef, **data: str) -> str | None:
        return task_lane("township_window" if task == window else agent, *task, data)

    assert lane(entrust, channel="village_point") == agent
    assert lane(entrust, channel="mobile_post") == "mobile_agent"
    assert lane(handover, channel="mobile_post", pickup_mode="home") == "mobile_agent"
    assert lane(handover, channel="village_point", pickup_mode="home") == agent
    assert lane(handover, channel="village_point", pickup_mode="scheduled") == "mobile_agent"
    assert lane(home, channel="mobile_post") == "mobile_agent"
    assert lane(home, channel="village_point") == agent
    assert lane(window, channel="mobile_post") == "township_window"
    # a village task of an item's own process stays in the village
    assert (
        task_lane(agent, "Process_MZ001", "Task_democratic_review", {"channel": "mobile_post"})
        == agent
    )


def test_the_organisation_with_absences_keeps_its_channel_blocks(demo: Organization) -> None:
    away = Absence("he.ping", dt.date(2026, 9, 25), dt.date(2026, 9, 25), "年休假")
    current = demo.with_absences([away])
    assert (current.applicability, current.schedules) == (demo.applicability, demo.schedules)
    assert current.is_absent("he.ping", dt.date(2026, 9, 25))


def test_schedules(demo: Organization) -> None:
    he_ping = next(s for s in demo.schedules if s.agent == "he.ping")
    assert he_ping.weekdays == (2, 5)
    assert [he_ping.runs_on(dt.date(2026, 9, d)) for d in (24, 25, 29)] == [False, True, True]


BAD = """\
county: {code: "511725", name: 渠县}
departments: [{code: MZ, name: 县民政局}]
townships:
  - code: "511725201"
    name: 青丝乡
    offices: [party_government, social_affairs, public_order, supervision]
    reform: special_zone
    villages: [{code: "511725201001", name: 青丝社区, kind: community}]
    park_windows: [{code: "511725201W1", name: 小窗口}]
  - code: "511725202"
    name: 丰乐乡
    offices: [party_government, social_affairs, public_order, supervision]
    villages: [{code: "511725202001", name: 丰乐社区, kind: community}]
users:
  - {id: he.ping, name: 何平, roles: [mobile_agent], unit: "511725201", stand_in: luo.yong}
  - {id: luo.yong, name: 罗勇, roles: [mobile_agent], unit: "511725201", stand_in: he.ping}
  - {id: wang.fang, name: 王芳, roles: [township_window], unit: "511725201", office: social_affairs}
applicability:
  - {items: [ZJ001], groups: [metropolis], basis: 某文件}
  - {items: [zj1], townships: ["511725201"], basis: 某文件}
  - {items: [ZJ002], basis: 某文件}
schedules:
  - {agent: wang.fang, weekdays: [2], villages: ["511725201001"]}
  - {agent: he.ping, weekdays: [0, 8], villages: ["511725201001"]}
  - {agent: he.ping, weekdays: [3], villages: ["511725202001"]}
"""


def test_the_channel_blocks_are_validated(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_org(path)
    found = [p.split(": ", 1)[1] for p in caught.value.problems]
    assert found == [
        "townships[0].reform: 取值应为：developed_town",
        "townships[0].park_windows[0].code: 格式不正确（应匹配 \\d{9}P\\d{2}）",
        "applicability[0].groups[0]: 未知乡镇类别 metropolis，可选：" + "、".join(TOWNSHIP_GROUPS),
        "applicability[1].items: 应为事项编码列表，如 [ZJ001, ZJ002]",
        "applicability[2]: 应填写 groups（乡镇类别）或 townships（乡镇编码）",
        "schedules[0].agent: 应为本县一名流动代办员（mobile_agent）的用户名",
        "schedules[1].weekdays: 应为不重复的星期几列表（1 星期一 … 7 星期日）",
        "schedules[2].villages[0]: 丰乐社区不属于 he.ping 所在乡镇",
    ]
