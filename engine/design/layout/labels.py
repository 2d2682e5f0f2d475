"""Step 4: the labels of events, gateways and named flows, each put where it overlaps no
shape, flow or other label if such a place is near (bpmn-js draws these names outside
their shapes)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from engine.design.layout.geometry import Box, Point, label_size, segment_box
from engine.design.layout.model import Flow, Node, Pool
from engine.design.layout.pools import HEADER


def _node_label_candidates(node: Node) -> Iterator[Box]:
    w, h = label_size(node.name)
    b = node.box
    if node.host is not None:  # its flow leaves downwards: beside the flow, not on it
        yield Box(b.x - w + 4, b.bottom + 2, w, h)  # below left
        yield Box(b.right - 4, b.bottom + 2, w, h)  # below right
        yield Box(b.cx - w / 2, b.bottom + 4, w, h)  # below
        yield Box(b.x - w + 4, b.bottom + 6 + h, w, h)  # lower left
        yield Box(b.right - 4, b.bottom + 6 + h, w, h)  # lower right
        return
    if node.is_gateway:  # flows leave a gateway right, up and down: labels go aside
        yield Box(b.x - w + 15, b.y - h - 2, w, h)  # above left
        yield Box(b.x - w + 15, b.bottom + 2, w, h)  # below left
        yield Box(b.right - 15, b.y - h - 2, w, h)  # above right
        yield Box(b.right - 15, b.bottom + 2, w, h)  # below right
    yield Box(b.cx - w / 2, b.bottom + 5, w, h)  # below
    yield Box(b.cx - w / 2, b.y - 5 - h, w, h)  # above
    yield Box(b.right + 3, b.y - h + 2, w, h)  # above right
    yield Box(b.x - w - 3, b.y - h + 2, w, h)  # above left
    yield Box(b.right + 3, b.bottom - 2, w, h)  # below right
    yield Box(b.x - w - 3, b.bottom - 2, w, h)  # below left


def _own_pieces(
    a: Point, b: Point, others: Sequence[tuple[Point, Point]]
) -> list[tuple[Point, Point]]:
    """The parts of segment a-b (in its direction) that no other segment runs along."""
    horizontal = a[1] == b[1]
    axis = 0 if horizontal else 1
    lo, hi = sorted((a[axis], b[axis]))
    covered: list[tuple[float, float]] = []
    for c, d in others:
        if (horizontal and c[1] == d[1] == a[1]) or (not horizontal and c[0] == d[0] == a[0]):
            clo, chi = sorted((c[axis], d[axis]))
            if min(hi, chi) - max(lo, clo) > 0:
                covered.append((max(lo, clo), min(hi, chi)))
    pieces: list[tuple[float, float]] = []
    cursor = lo
    for clo, chi in sorted(covered):
        if clo > cursor:
            pieces.append((cursor, clo))
        cursor = max(cursor, chi)
    if cursor < hi:
        pieces.append((cursor, hi))
    forward = b[axis] >= a[axis]
    if not forward:
        pieces = [(p2, p1) for p1, p2 in reversed(pieces)]
    out = []
    for p1, p2 in pieces:
        if abs(p2 - p1) < 20:
            continue
        if horizontal:
            out.append(((p1, a[1]), (p2, a[1])))
        else:
            out.append(((a[0], p1), (a[0], p2)))
    return out


def _flow_label_candidates(flow: Flow, others: Sequence[tuple[Point, Point]]) -> Iterator[Box]:
    """Beside the flow's first segments, on the parts it has to itself (not a shared
    trunk of a fork or join) first."""
    w, h = label_size(flow.name)
    segments = list(zip(flow.points, flow.points[1:], strict=False))[:4]
    own = [piece for seg in segments for piece in _own_pieces(*seg, others)]
    across = [piece for piece in own if piece[0][1] == piece[1][1]]  # read best
    for (x1, y1), (x2, y2) in across + own + segments:
        if y1 == y2:
            forward = x2 >= x1
            start = x1 + 8 if forward else x1 - 8 - w
            middle = (x1 + x2) / 2 - w / 2
            yield Box(start, y1 - 3 - h, w, h)
            yield Box(start, y1 + 3, w, h)
            yield Box(middle, y1 - 3 - h, w, h)
            yield Box(middle, y1 + 3, w, h)
        else:
            down = y2 >= y1
            start = y1 + 10 if down else y1 - 10 - h
            middle = (y1 + y2) / 2 - h / 2
            yield Box(x1 + 5, start, w, h)
            yield Box(x1 - 5 - w, start, w, h)
            yield Box(x1 + 5, middle, w, h)
            yield Box(x1 - 5 - w, middle, w, h)


def place_labels(pools: Sequence[Pool]) -> None:
    """Place the external labels of nodes, then those of named flows (all routed)."""
    shapes = [n.box.inflate(2) for p in pools for n in p.nodes.values()]
    lines = [
        segment_box(a, b, 3)
        for p in pools
        for f in p.flows
        for a, b in zip(f.points, f.points[1:], strict=False)
    ]
    placed: list[Box] = []

    def choose(candidates: Iterable[Box], inside: Box) -> Box:
        best: tuple[float, int, Box] | None = None
        for order, box in enumerate(candidates):
            cost = sum(box.overlap(s) for s in shapes) * 4
            cost += sum(box.overlap(p.inflate(2)) for p in placed) * 4
            cost += sum(box.overlap(line) for line in lines)
            if not inside.contains(box):
                cost += box.w * box.h
            if cost == 0:
                return box
            if best is None or (cost, order) < best[:2]:
                best = (cost, order, box)
        assert best is not None
        return best[2]

    for pool in pools:
        inner = Box(pool.box.x + HEADER, pool.box.y, pool.box.w - HEADER, pool.box.h)
        for node in pool.nodes.values():
            if node.external_label:
                node.label = choose(_node_label_candidates(node), inner)
                placed.append(node.label)
    for pool in pools:
        inner = Box(pool.box.x + HEADER, pool.box.y, pool.box.w - HEADER, pool.box.h)
        for flow in pool.flows:
            if flow.name.strip() and len(flow.points) >= 2:
                others = [
                    seg
                    for f in pool.flows
                    if f is not flow
                    for seg in zip(f.points, f.points[1:], strict=False)
                ]
                flow.label = choose(_flow_label_candidates(flow, others), inner)
                placed.append(flow.label)


def default_label(node: Node) -> Box:
    """Where the label of ``node`` goes if nothing is in the way (the router keeps off it)."""
    return next(_node_label_candidates(node)).inflate(2)
