"""Process-mining exports: XES (IEEE 1849-2016) and OCEL 2.0 JSON of real case histories.

A set of cases is walked through real item processes (a proxy item with claims, a missed
handover deadline and its warnings, a supplement, a leader's assignment, the county's
decision by its task and a rating; a devolved window item with a released claim; a
cancelled case; a case of another township, still open). The XES export must load in
PM4Py (a test dependency only: PM4Py is AGPL) with the expected traces, events and
columns, and validate against the standard's XML schema.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from engine.clock import SHANGHAI
from engine.exports.common import (
    CaseHistory,
    ExportSource,
    activities,
    history_of,
    xml_text,
)
from engine.exports.ocel import ocel_chunks, write_ocel
from engine.exports.xes import attr, write_xes, xes_chunks
from engine.records import CaseFilter, CaseScope
from tests.support.databases import Databases
from tests.support.exports_world import XSD, Cases, exports_world
from webapi.cli import main

EVERYTHING = CaseScope(everything=True)
# PM4Py advises installing its optional fast reader, and greets on import: not our warnings.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:pm4py.*")


@pytest.fixture(scope="module")
def world(databases: Databases) -> Iterator[Cases]:
    with exports_world(databases) as found:
        yield found


def export(world: Cases, scope: CaseScope = EVERYTHING, **where: Any) -> bytes:
    out = io.BytesIO()
    source = ExportSource(world.engine.store, scope, CaseFilter(**where))
    write_xes(source, out, org=world.engine.org)
    return out.getvalue()


def read_xes(data: bytes, tmp_path: Path) -> Any:
    """The log as PM4Py reads it (a pandas DataFrame). PM4Py is imported here, not at the
    top, so that ``bench/export_bench.py`` can use this module's data set without it."""
    import pm4py

    path = tmp_path / "log.xes"
    path.write_bytes(data)
    return pm4py.read_xes(str(path))


def reference(world: Cases, case_id: int) -> CaseHistory:
    """A case's history as the auditor reads it, case by case (not batched)."""
    record, entries = world.engine.audit.history(case_id)
    with world.engine.store.unit_of_work(write=False) as uow:
        (row,) = [c for c in uow.exports.cases(EVERYTHING, CaseFilter(), case_id - 1, 1)]
    assert row.id == record.id
    return CaseHistory(row, entries)


# -- XES ------------------------------------------------------------------------------


def test_xes_loads_in_pm4py(world: Cases, tmp_path: Path) -> None:
    frame = read_xes(export(world), tmp_path)
    numbers = {
        name: world.engine.cases.record(case_id).case_number for name, case_id in world.ids.items()
    }
    assert set(frame["case:concept:name"]) == set(numbers.values())
    assert frame["case:concept:name"].nunique() == 4
    # as many events as the per-case reference reading of each history gives
    expected = {
        numbers[name]: len(list(activities(reference(world, case_id))))
        for name, case_id in world.ids.items()
    }
    assert frame.groupby("case:concept:name").size().to_dict() == expected
    assert len(frame) == sum(expected.values()) > 60
    for column in (
        "case:concept:name",
        "concept:name",
        "time:timestamp",
        "lifecycle:transition",
        "org:resource",
        "org:role",
        "org:group",
    ):
        assert column in frame.columns
    assert set(frame["lifecycle:transition"]) == {
        "schedule",
        "assign",
        "reassign",
        "complete",
        "withdraw",
        "ate_abort",
    }
    # a sample event: the township leader assigns the B post's review to liu.yang
    proxy = frame[frame["case:concept:name"] == numbers["proxy"]]
    assigned = proxy[proxy["event_type"] == "task_assigned"]
    assert len(assigned) == 1
    columns = assigned.iloc[0]
    assert columns["concept:name"] == "后台审核（B岗）"
    assert columns["lifecycle:transition"] == "assign"
    assert columns["org:resource"] == "chen.jing"
    assert columns["org:role"] == "township_leader"
    assert columns["org:group"] == "511725201"
    assert columns["assignee"] == "liu.yang"
    with world.engine.store.unit_of_work(write=False) as uow:
        (stored,) = [
            e for e, _ in uow.events.of_case(world.ids["proxy"]) if e.type == "task_assigned"
        ]
    assert columns["time:timestamp"].to_pydatetime() == stored.at
    assert columns["seq"] == stored.seq
    # trace attributes
    first = proxy.iloc[0]
    assert first["case:item_code"] == "MZ004"
    assert first["case:item_name"] == "80周岁以上老年人高龄津贴发放"
    assert first["case:township"] == "511725201"
    assert first["case:village"] == "511725201001"
    assert first["case:department"] == "MZ"
    assert first["case:status"] == "completed"
    assert first["case:due_date"] == str(world.engine.cases.record(world.ids["proxy"]).due_date)
    assert first["on_behalf_of"] == "张三（110105********002X）"


def test_the_proxy_case_as_a_trace(world: Cases) -> None:
    """Every event of the proxy case, hand-checked: what, which lifecycle step, by whom."""
    history = reference(world, world.ids["proxy"])
    got = [(a.activity, a.transition, a.resource) for a in activities(history)]
    entrust, handover = "签订委托书、接件并出具回执", "移交乡镇便民服务中心（填写交接单）"
    check, recheck = "材料审查", "补正材料复核"
    assert got[:21] == [
        ("收件登记", "complete", "tan.xiaoyan"),
        (entrust, "schedule", "tan.xiaoyan"),
        (entrust, "assign", "tan.xiaoyan"),
        (entrust, "complete", "tan.xiaoyan"),
        (handover, "schedule", "tan.xiaoyan"),
        ("时限到期", "complete", "system:timer"),
        ("代办移交超期督办", "schedule", "system:timer"),
        ("黄牌预警", "complete", "system:timer"),
        ("红牌预警", "complete", "system:timer"),
        (handover, "complete", "tan.xiaoyan"),
        ("代办移交超期督办", "withdraw", "tan.xiaoyan"),  # ended by the handover
        (check, "schedule", "tan.xiaoyan"),
        (check, "assign", "wang.fang"),
        (check, "complete", "wang.fang"),
        ("出具一次性告知补正通知书", "schedule", "wang.fang"),
        ("出具一次性告知补正通知书", "complete", "wang.fang"),  # completed unclaimed
        ("收到消息：申请人补正材料", "complete", "wang.fang"),
        (recheck, "schedule", "wang.fang"),
        (recheck, "assign", "wang.fang"),
        (recheck, "complete", "wang.fang"),
        ("窗口初审（A岗）", "schedule", "wang.fang"),
    ]
    # the department decides by its task in daiban (its route), no callback is awaited
    decision = got.index(("县级部门审批决定", "complete", "deng.hui"))
    assert got[decision - 1] == ("县级部门审批决定", "schedule", "wang.fang")
    assert not [g for g in got if g[0] == "收到消息：县级部门办理结果"]
    assert got[-1] == ("收到消息：办事评价", "complete", "resident")  # by the link
    steps = list(activities(history))
    # the same task instance from schedule to complete
    review = [s for s in steps if s.activity == "后台审核（B岗）"]
    assert [s.transition for s in review] == ["schedule", "assign", "complete"]
    assert len({s.task.id for s in review if s.task}) == 1
    assert review[-1].resource == "liu.yang" and review[-1].role == "township_backoffice"


def test_released_and_cancelled_tasks(world: Cases) -> None:
    window = list(activities(reference(world, world.ids["window"])))
    first = window[1]
    assert first.transition == "schedule"
    same = [(s.transition, s.resource) for s in window if s.task and s.task.id == first.task.id]
    assert same[:4] == [
        ("schedule", "wang.fang"),
        ("assign", "wang.fang"),
        ("reassign", "wang.fang"),  # released back to the queue
        ("assign", "wang.fang"),
    ]
    assert same[-1] == ("complete", "wang.fang")
    cancelled = list(activities(reference(world, world.ids["cancelled"])))
    assert [(s.activity, s.transition, s.resource) for s in cancelled[-2:]] == [
        ("撤件", "complete", "chen.jing"),
        ("材料审查", "ate_abort", "chen.jing"),  # held by wang.fang when the case was cancelled
    ]


def test_xes_validates_against_the_standard_schema(world: Cases) -> None:
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.fromstring(export(world))
    assert schema.validate(etree.ElementTree(document)), schema.error_log
    assert document.get("xes.version") == "1849.2016"
    prefixes = {e.get("prefix") for e in document.findall("extension")}
    assert prefixes == {"concept", "time", "lifecycle", "org"}
    declared = {g.get("scope"): {a.get("key") for a in g} for g in document.findall("global")}
    assert declared["trace"] == {"concept:name"}
    assert declared["event"] == {
        "concept:name",
        "time:timestamp",
        "lifecycle:transition",
        "org:resource",
    }
    for event in document.iter("event"):  # every event has what the globals promise
        assert {a.get("key") for a in event} >= declared["event"]
    timestamps = [d.get("value") for d in document.iter("date") if d.get("key") == "time:timestamp"]
    assert timestamps[0] == "1970-01-01T00:00:00.000+00:00"  # the globals' default
    assert all(t.endswith("+08:00") for t in timestamps[1:])


def test_text_is_escaped_and_cleaned(world: Cases, tmp_path: Path) -> None:
    """The cancelled case's applicant is named with markup and a control character: the
    document stays well-formed and the name comes back (the control character replaced)."""
    data = export(world, item_code="MZ004", township="511725201")
    frame = read_xes(data, tmp_path)
    number = world.engine.cases.record(world.ids["cancelled"]).case_number
    names = set(frame[frame["case:concept:name"] == number]["on_behalf_of"].dropna())
    assert names == {'O\'Brien <&> "x"\ufffd（110105********002X）'}
    assert xml_text("a\x00b\ud800c\n") == "a\ufffdb\ufffdc\n"


def test_attribute_values_read_back_exactly() -> None:
    """Whatever a value holds, the attribute written for it parses back to the value
    (characters XML cannot carry replaced by U+FFFD), whitespace included."""
    rng = random.Random(1849)
    pools = [(0, 0x7F), (0x80, 0xFFFF), (0x10000, 0x10FFFF)]
    samples = ["a&b<c>\"d'e", "tab\there\nnew\rline  ", "\x00\x01\x1f\ud800\ufffe\uffff", "&amp;"]
    for _ in range(3000):
        chars = []
        for _ in range(rng.randrange(0, 24)):
            low, high = rng.choice(pools)
            chars.append(chr(rng.randint(low, high)))
        samples.append("".join(chars))
    for value in samples:
        element = etree.fromstring(f'<x a="{attr(value)}"/>'.encode())
        assert element.get("a") == xml_text(value), repr(value)


def test_filters_and_scope(world: Cases) -> None:
    def traces(scope: CaseScope = EVERYTHING, **where: Any) -> set[int]:
        document = etree.fromstring(export(world, scope, **where))
        return {
            int(trace.find("int[@key='case_id']").get("value"))  # type: ignore[union-attr]
            for trace in document.iter("trace")
        }

    ids = world.ids
    assert traces() == set(ids.values())
    assert traces(item_code="ZF002") == {ids["window"]}
    assert traces(township="511725202") == {ids["fengle"]}
    assert traces(village="511725201001") == {ids["proxy"]}
    # registered from the day B was: B, C and D (A was registered on the first day)
    b_day = world.engine.cases.record(ids["window"]).created_at.astimezone(SHANGHAI)
    start = datetime.combine(b_day.date(), datetime.min.time(), SHANGHAI)
    assert traces(registered_from=start) == {ids["window"], ids["cancelled"], ids["fengle"]}
    assert traces(registered_to=start) == {ids["proxy"]}
    # scopes: a village, a township, a department (the case handed to it), nothing
    assert traces(CaseScope(villages=frozenset({"511725201001"}))) == {ids["proxy"]}
    assert traces(CaseScope(townships=frozenset({"511725202"}))) == {ids["fengle"]}
    assert traces(CaseScope(departments=frozenset({"MZ"}))) == {ids["proxy"]}
    assert traces(CaseScope()) == set()


def test_batched_reading_equals_the_auditor(world: Cases) -> None:
    """The batched store read rebuilds each history exactly as Auditor.history does, in
    batches of any size, and the document does not depend on the batch size."""
    store = world.engine.store
    for batch in (1, 3, 200):
        got = list(ExportSource(store, EVERYTHING, batch=batch))
        assert [h.case.id for h in got] == sorted(world.ids.values())
        for history in got:
            assert history.entries == reference(world, history.case.id).entries
    one = b"".join(xes_chunks(ExportSource(store, EVERYTHING, batch=1)))
    many = b"".join(xes_chunks(ExportSource(store, EVERYTHING, batch=200)))
    assert one == many


def test_a_case_is_exported_as_its_row_stood(world: Cases) -> None:
    """Events and task changes written after the case row was read are left out."""
    history = reference(world, world.ids["proxy"])
    with world.engine.store.unit_of_work(write=False) as uow:
        events = [e for e, _ in uow.events.of_case(world.ids["proxy"])]
        tasks = uow.tasks.of_case(world.ids["proxy"])
    cut = replace(history.case, last_seq=8)  # as if read right after the claim at seq 8
    early = history_of(cut, events, tasks)
    assert [e.event.seq for e in early.entries] == list(range(1, 9))
    check = next(t for e in early.entries for t in e.opened if t.spec_id == "Task_check_materials")
    assert check.closed_seq is None  # completed at seq 9: still open as of seq 8
    assert not any(t.created_seq > 8 for e in early.entries for t in e.opened)


def test_streamed_one_trace_at_a_time(world: Cases) -> None:
    """The first bytes go out before the second case is even read."""
    pulled: list[int] = []

    def source() -> Iterator[CaseHistory]:
        for history in ExportSource(world.engine.store, EVERYTHING, batch=1):
            pulled.append(history.case.id)
            yield history

    chunks = xes_chunks(source(), chunk=1)
    head = next(chunks)
    assert head.startswith(b"<?xml") and b"<trace>" in head
    assert len(pulled) == 1
    rest = b"".join(chunks)
    assert len(pulled) == 4 and rest.endswith(b"</log>\n")
    ocel = ocel_chunks(source(), chunk=1)
    next(ocel)
    assert len(pulled) == 5  # 4 from before, one more


# -- OCEL 2.0 ---------------------------------------------------------------------------


def test_ocel_loads_in_pm4py(world: Cases, tmp_path: Path) -> None:
    path = tmp_path / "log.jsonocel"
    with path.open("wb") as out:
        counts = write_ocel(ExportSource(world.engine.store, EVERYTHING), out, org=world.engine.org)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert counts.cases == 4 and counts.events == len(document["events"])
    total = sum(len(list(activities(reference(world, i)))) for i in world.ids.values())
    assert counts.events == total
    import pm4py

    ocel = pm4py.read_ocel2_json(str(path))
    assert len(ocel.events) == total
    types = set(ocel.objects["ocel:type"])
    assert {"办件", "任务", "人员", "单位"} <= types
    cases = ocel.objects[ocel.objects["ocel:type"] == "办件"]
    assert len(cases) == 4
    # the event of the leader's assignment: its case, task, user and unit
    proxy = world.engine.cases.record(world.ids["proxy"]).case_number
    (assigned,) = [
        e
        for e in document["events"]
        if e["type"] == "后台审核（B岗）（认领）" and e["id"].startswith(f"{proxy}/")
    ]
    related = {r["qualifier"]: r["objectId"] for r in assigned["relationships"]}
    assert related["办件"] == f"case:{proxy}"
    assert related["经办人"] == "user:chen.jing"
    assert related["经办单位"] == "unit:511725201"
    assert related["任务"].startswith("task:")
    attributes = {a["name"]: a["value"] for a in assigned["attributes"]}
    assert attributes["lifecycle"] == "assign" and attributes["assignee"] == "liu.yang"
    # the completed case's status changed when it was closed
    changes = ocel.object_changes
    closed = changes[changes["ocel:oid"] == f"case:{proxy}"]
    assert list(closed["status"]) == ["completed"]
    users = {o["id"]: o for o in document["objects"] if o["type"] == "人员"}
    assert users["user:chen.jing"]["attributes"][0]["value"] == "陈静"


# -- command line -----------------------------------------------------------------------


def test_command_line_exports(
    world: Cases, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    url = world.engine.store.url
    target = tmp_path / "out.xes"
    code = main(["--database-url", url, "export-xes", "--item", "MZ004", "--out", str(target)])
    out, err = capsysbinary.readouterr()
    assert code == 0, err.decode()
    document = etree.parse(str(target))
    assert len(document.findall("trace")) == 3
    assert "已导出 3 个办件" in err.decode()
    code = main(["--database-url", url, "export-ocel", "--township", "511725202"])
    out, err = capsysbinary.readouterr()
    assert code == 0, err.decode()
    events = json.loads(out)["events"]
    assert {e["id"].split("/")[0] for e in events} == {
        world.engine.cases.record(world.ids["fengle"]).case_number
    }
    code = main(["--database-url", url, "export-xes", "--from", "2026-10-02", "--to", "2026-10-01"])
    assert code == 2
    assert "早于起日" in capsysbinary.readouterr().err.decode()
