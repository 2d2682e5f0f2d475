"""Small BPMN processes built in code for the engine-bounds tests: loops, cycles without a
wait state, multi-instances."""

from __future__ import annotations

import itertools

FORM = (
    "<bpmn:extensionElements><daiban:form>"
    '<daiban:field name="note" label="意见" type="text"/>'
    "</daiban:form></bpmn:extensionElements>"
)


def document(pid: str, *nodes: str, flows: list[tuple[str, str, str | None]]) -> bytes:
    """A process of ``nodes`` (XML, one per line) joined by ``flows`` (source, target,
    condition), every node in one lane (``village_agent``)."""
    ids = [n.split('id="', 1)[1].split('"', 1)[0] for n in nodes]
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:daiban="urn:daiban:bpmn:1" id="Defs" targetNamespace="urn:daiban:test">',
        f'<bpmn:process id="{pid}" name="测试" isExecutable="true">',
        f'<bpmn:laneSet id="Lanes"><bpmn:lane id="Lane" name="village_agent">{refs}'
        "</bpmn:lane></bpmn:laneSet>",
    ]
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for n, (source, target, _) in enumerate(flows, 1):
        outgoing.setdefault(source, []).append(f"F{n}")
        incoming.setdefault(target, []).append(f"F{n}")
    for ident, node in zip(ids, nodes, strict=True):
        refs = "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in incoming.get(ident, []))
        refs += "".join(f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing.get(ident, []))
        # after the opening tag and its extension elements, as the BPMN schema orders them
        close = node.index(">", node.index(f'id="{ident}"')) + 1
        if "</bpmn:extensionElements>" in node:
            close = node.index("</bpmn:extensionElements>") + len("</bpmn:extensionElements>")
        lines.append(node[:close] + refs + node[close:])
    for n, (source, target, condition) in enumerate(flows, 1):
        body = f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>"
        lines.append(
            f'<bpmn:sequenceFlow id="F{n}" sourceRef="{source}" targetRef="{target}">'
            f"{body if condition else ''}</bpmn:sequenceFlow>"
        )
    lines += ["</bpmn:process>", "</bpmn:definitions>"]
    return "\n".join(lines).encode()


START = '<bpmn:startEvent id="Start_1"></bpmn:startEvent>'
END = '<bpmn:endEvent id="End_1"></bpmn:endEvent>'
USER = f'<bpmn:userTask id="Task_a" name="登记">{FORM}</bpmn:userTask>'


def loop(
    pid: str, maximum: int | None, first: str | None = USER, script: str = "n = n + 1"
) -> bytes:
    """A script task with a standard loop whose condition stays true (finding 2)."""
    limit = "" if maximum is None else f' loopMaximum="{maximum}"'
    script = (
        f'<bpmn:scriptTask id="Script_loop" name="循环"><bpmn:standardLoopCharacteristics{limit}>'
        "<bpmn:loopCondition>True</bpmn:loopCondition></bpmn:standardLoopCharacteristics>"
        f"<bpmn:script>{script}</bpmn:script></bpmn:scriptTask>"
    )
    nodes = [START, *([first] if first else []), script, END]
    chain = ["Start_1", *(["Task_a"] if first else []), "Script_loop", "End_1"]
    return document(pid, *nodes, flows=[(a, b, None) for a, b in itertools.pairwise(chain)])


def cycle(pid: str, *, with_user_task: bool = False, scripted: bool = True) -> bytes:
    """A task, then a gateway that leads back to it: no wait state anywhere (finding 3)."""
    body = (
        '<bpmn:scriptTask id="Step" name="加一"><bpmn:script>n = n + 1</bpmn:script>'
        "</bpmn:scriptTask>"
        if scripted
        else '<bpmn:intermediateThrowEvent id="Step" name="空事件"></bpmn:intermediateThrowEvent>'
    )
    gateway = '<bpmn:exclusiveGateway id="Gateway" default="F_default"></bpmn:exclusiveGateway>'
    first = ["Task_a"] if with_user_task else []
    chain = ["Start_1", *first, "Step"]
    flows: list[tuple[str, str, str | None]] = [(a, b, None) for a, b in itertools.pairwise(chain)]
    flows += [("Step", "Gateway", None), ("Gateway", "Step", "True"), ("Gateway", "End_1", None)]
    data = document(
        pid, START, *([USER] if with_user_task else []), body, gateway, END, flows=flows
    )
    n = len(flows)  # the default flow is the last one
    return data.replace(b'default="F_default"', f'default="F{n}"'.encode())


def multi(pid: str, sequential: bool) -> bytes:
    """A multi-instance whose count comes from the case data."""
    flag = "true" if sequential else "false"
    characteristics = (
        f'<bpmn:multiInstanceLoopCharacteristics isSequential="{flag}">'
        "<bpmn:loopCardinality>count</bpmn:loopCardinality>"
        "</bpmn:multiInstanceLoopCharacteristics>"
    )
    if sequential:
        node = (
            f'<bpmn:scriptTask id="Multi" name="逐个">{characteristics}'
            "<bpmn:script>total = total + 1</bpmn:script></bpmn:scriptTask>"
        )
    else:
        node = f'<bpmn:userTask id="Multi" name="逐户">{FORM}{characteristics}</bpmn:userTask>'
    chain = ["Start_1", "Multi", "End_1"]
    return document(
        pid, START, node, END, flows=[(a, b, None) for a, b in itertools.pairwise(chain)]
    )
