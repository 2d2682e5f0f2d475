"""Step 3: every sequence flow routed again as an orthogonal path, by A* over a sparse
grid of channels around the shapes: few bends, no shape crossed, overlaps with earlier
flows and crossings avoided. A flow leaves its source on the right (or a gateway's
top/bottom, a boundary event's bottom) and enters its target on the left (or top/bottom)."""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from engine.design.layout.geometry import Box, Point, simplify
from engine.design.layout.model import Flow, Node, Pool
from engine.design.layout.pools import HEADER

MARGIN = 12.0  # flows keep this far from shapes
BEND = 30.0  # cost of a bend, in pixels of length
OVERLAP = 4.0  # extra cost per pixel run along another flow
CROSSING = 25.0  # extra cost per crossing of another flow
SOFT = 1.5  # extra cost per pixel run through a label's default place
OFF_CHANNEL = 0.15  # extra cost per pixel of a vertical run off the gaps' middles
POOL_MARGIN = 20.0  # flows keep this far from the pool's border
_T = TypeVar("_T", bool, float)  # a grid segment's mark: blocked, or its extra cost


E, S, W, N = 0, 1, 2, 3
STEP = ((1, 0), (0, 1), (-1, 0), (0, -1))


@dataclass(frozen=True)
class Port:
    side: str  # right, bottom, top, left
    point: Point  # on the shape's outline
    vertex: tuple[int, int]  # graph vertex at MARGIN from the outline
    direction: int  # leaving (sources) or entering (targets) direction
    cost: float


class Router:
    """A* over a sparse orthogonal grid: lines along the shapes' centres and margins and
    the channels between columns and rows; shapes (inflated by MARGIN) are walls."""

    def __init__(self, pool: Pool, soft: Sequence[Box]) -> None:
        self.pool = pool
        inner = Box(
            pool.box.x + HEADER + (HEADER if pool.lanes else 0.0),
            pool.box.y,
            pool.box.w - HEADER - (HEADER if pool.lanes else 0.0),
            pool.box.h,
        )
        self.walls = [n.box.inflate(MARGIN) for n in pool.nodes.values()]
        inner = inner.inflate(-POOL_MARGIN)
        xs = {inner.x, inner.right}
        ys = {inner.y, inner.bottom}
        preferred: set[float] = set()  # vertical runs: gap middles and shape centres
        for wall, node in zip(self.walls, pool.nodes.values(), strict=True):
            xs.update((wall.x, wall.right, node.box.cx))
            ys.update((wall.y, wall.bottom, node.box.cy))
            preferred.add(round(node.box.cx, 1))
        rights = sorted({n.box.right for n in pool.nodes.values() if n.host is None})
        lefts = sorted({n.box.x for n in pool.nodes.values() if n.host is None})
        for r in rights:  # channel in the middle of each column gap
            following = [x for x in lefts if x > r]
            if following:
                xs.add((r + following[0]) / 2)
                preferred.add(round((r + following[0]) / 2, 1))
        tops = sorted({n.box.y for n in pool.nodes.values()})
        bottoms = sorted({n.box.bottom for n in pool.nodes.values()})
        for b in bottoms:
            following = [y for y in tops if y > b]
            if following:
                ys.add((b + following[0]) / 2)
        for lane in pool.lanes:
            ys.update((lane.box.y + MARGIN, lane.box.bottom - MARGIN))
        self.xs = sorted({round(x, 1) for x in xs if inner.x <= x <= inner.right})
        self.ys = sorted({round(y, 1) for y in ys if inner.y <= y <= inner.bottom})
        # running down the middle of a gap leaves room for labels on both sides
        self.vextra = [0.0 if x in preferred else OFF_CHANNEL for x in self.xs]
        nx, ny = len(self.xs), len(self.ys)
        # hblock[j][i]: segment xs[i]..xs[i+1] at ys[j] is blocked; vblock[i][j] likewise
        self.hblock = [[False] * max(nx - 1, 0) for _ in range(ny)]
        self.vblock = [[False] * max(ny - 1, 0) for _ in range(nx)]
        self.hsoft = [[0.0] * max(nx - 1, 0) for _ in range(ny)]
        self.vsoft = [[0.0] * max(ny - 1, 0) for _ in range(nx)]
        self._mark(self.walls, self.hblock, self.vblock, True)
        self._mark(soft, self.hsoft, self.vsoft, SOFT)
        # flows (source, target) on each grid segment and through each vertex; flows that
        # share their source or their target may share a trunk (a fork or a join)
        self.hused: dict[tuple[int, int], list[tuple[str, str]]] = {}
        self.vused: dict[tuple[int, int], list[tuple[str, str]]] = {}
        self.cross_h: dict[tuple[int, int], list[tuple[str, str]]] = {}
        self.cross_v: dict[tuple[int, int], list[tuple[str, str]]] = {}
        self.current = ("", "")
        self.port_use: dict[tuple[str, str], set[str]] = {}

    def _mark(
        self, boxes: Iterable[Box], along_x: list[list[_T]], along_y: list[list[_T]], value: _T
    ) -> None:
        """Set ``value`` on every grid segment that runs through one of ``boxes``:
        ``along_x[j][i]`` for xs[i]..xs[i+1] at ys[j], ``along_y[i][j]`` likewise."""
        for box in boxes:
            for j, i in _inside(self.ys, (box.y, box.bottom), self.xs, (box.x, box.right)):
                along_x[j][i] = value
            for i, j in _inside(self.xs, (box.x, box.right), self.ys, (box.y, box.bottom)):
                along_y[i][j] = value

    def _vertex(self, point: Point) -> tuple[int, int] | None:
        x, y = round(point[0], 1), round(point[1], 1)
        i = bisect.bisect_left(self.xs, x)
        j = bisect.bisect_left(self.ys, y)
        if i < len(self.xs) and j < len(self.ys) and self.xs[i] == x and self.ys[j] == y:
            return i, j
        return None

    def _ports(self, node: Node, outgoing: bool) -> list[Port]:
        b = node.box
        sides: list[tuple[str, Point, Point, int]] = [
            ("right", (b.right, b.cy), (b.right + MARGIN, b.cy), E),
            ("bottom", (b.cx, b.bottom), (b.cx, b.bottom + MARGIN), S),
            ("top", (b.cx, b.y), (b.cx, b.y - MARGIN), N),
            ("left", (b.x, b.cy), (b.x - MARGIN, b.cy), W),
        ]
        ports = []
        for side, point, vertex_point, leaving in sides:
            if outgoing:
                if node.host is not None and side != "bottom":
                    continue
                if side == "left":
                    continue
                cost = 0.0 if side == "right" or node.host else (15.0 if node.is_gateway else 60.0)
                direction = leaving
            else:
                cost = {"left": 0.0, "top": 25.0, "bottom": 25.0, "right": 150.0}[side]
                if node.is_gateway and side in ("top", "bottom"):
                    cost = 10.0
                direction = (leaving + 2) % 4  # entering moves against the side's normal
            used = self.port_use.get((node.id, side), set())
            if used:
                same = "out" if outgoing else "in"
                cost += 300.0 if any(u != same for u in used) else 20.0
            vertex = self._vertex(vertex_point)
            if vertex is not None:
                ports.append(Port(side, point, vertex, direction, cost + MARGIN))
        return ports

    def _step_cost(self, i: int, j: int, d: int) -> float | None:
        """Cost of moving one grid step from (i, j) in direction d; None when blocked."""
        if d in (E, W):
            k = i if d == E else i - 1
            if k < 0 or k >= len(self.xs) - 1 or self.hblock[j][k]:
                return None
            length = self.xs[k + 1] - self.xs[k]
            factor = 1.0 + self.hsoft[j][k] + OVERLAP * self._foreign(self.hused, (j, k))
            ni = i + (1 if d == E else -1)
            crossing = CROSSING * self._foreign(self.cross_v, (ni, j))
        else:
            k = j if d == S else j - 1
            if k < 0 or k >= len(self.ys) - 1 or self.vblock[i][k]:
                return None
            length = self.ys[k + 1] - self.ys[k]
            factor = 1.0 + self.vextra[i] + self.vsoft[i][k]
            factor += OVERLAP * self._foreign(self.vused, (i, k))
            nj = j + (1 if d == S else -1)
            crossing = CROSSING * self._foreign(self.cross_h, (i, nj))
        return length * factor + crossing

    def _foreign(
        self, used: dict[tuple[int, int], list[tuple[str, str]]], key: tuple[int, int]
    ) -> int:
        """Flows at ``key`` that share neither source nor target with the current one."""
        source, target = self.current
        return sum(1 for s, t in used.get(key, ()) if s != source and t != target)

    def route(self, flow: Flow) -> None:
        source, target = self.pool.nodes[flow.source], self.pool.nodes[flow.target]
        self.current = (flow.source, flow.target)
        starts = self._ports(source, outgoing=True)
        goals = self._ports(target, outgoing=False)
        found = self._search(starts, goals) if starts and goals else None
        if found is None:
            flow.points = _fallback(source.box, target.box, source.host is not None)
            return
        start, goal, path = found
        self._occupy(path)
        self.port_use.setdefault((source.id, start.side), set()).add("out")
        self.port_use.setdefault((target.id, goal.side), set()).add("in")
        points = [start.point] + [(self.xs[i], self.ys[j]) for i, j in path] + [goal.point]
        flow.points = simplify(points)

    def _search(
        self, starts: list[Port], goals: list[Port]
    ) -> tuple[Port, Port, list[tuple[int, int]]] | None:
        xs, ys = self.xs, self.ys
        goal_at: dict[tuple[int, int], list[Port]] = {}
        for goal in goals:
            goal_at.setdefault(goal.vertex, []).append(goal)

        def heuristic(i: int, j: int) -> float:
            return min(abs(xs[i] - xs[g.vertex[0]]) + abs(ys[j] - ys[g.vertex[1]]) for g in goals)

        State = tuple[int, int, int]
        best: dict[State, float] = {}
        parent: dict[State, State | None] = {}
        origin: dict[State, Port] = {}
        heap: list[tuple[float, float, int, int, int]] = []
        for port in starts:
            i, j = port.vertex
            state = (i, j, port.direction)
            if port.cost < best.get(state, math.inf):
                best[state] = port.cost
                parent[state] = None
                origin[state] = port
                heapq.heappush(heap, (port.cost + heuristic(i, j), port.cost, i, j, port.direction))
        found: tuple[float, State, Port] | None = None
        while heap:
            f, g, i, j, d = heapq.heappop(heap)
            if found is not None and f >= found[0]:
                break
            state = (i, j, d)
            if g > best.get(state, math.inf):
                continue
            for goal in goal_at.get((i, j), ()):
                if d == goal.direction:
                    total = g + goal.cost
                elif d == (goal.direction + 2) % 4:
                    continue
                else:
                    total = g + goal.cost + BEND
                if found is None or total < found[0]:
                    found = (total, state, goal)
            for nd in (d, (d + 1) % 4, (d + 3) % 4):
                step = self._step_cost(i, j, nd)
                if step is None:
                    continue
                ni, nj = i + STEP[nd][0], j + STEP[nd][1]
                ng = g + step + (BEND if nd != d else 0.0)
                next_state = (ni, nj, nd)
                if ng < best.get(next_state, math.inf):
                    best[next_state] = ng
                    parent[next_state] = state
                    origin[next_state] = origin[state]
                    heapq.heappush(heap, (ng + heuristic(ni, nj), ng, ni, nj, nd))
        if found is None:
            return None
        _, last, goal = found
        path: list[tuple[int, int]] = []
        cursor: State | None = last
        while cursor is not None:
            path.append((cursor[0], cursor[1]))
            cursor = parent[cursor]
        path.reverse()
        return origin[last], goal, path

    def _occupy(self, path: list[tuple[int, int]]) -> None:
        for (i1, j1), (i2, j2) in itertools.pairwise(path):
            if j1 == j2:
                self.hused.setdefault((j1, min(i1, i2)), []).append(self.current)
                for vertex in ((i1, j1), (i2, j2)):
                    self.cross_h.setdefault(vertex, []).append(self.current)
            else:
                self.vused.setdefault((i1, min(j1, j2)), []).append(self.current)
                for vertex in ((i1, j1), (i2, j2)):
                    self.cross_v.setdefault(vertex, []).append(self.current)


def _inside(
    lines: Sequence[float],
    across: tuple[float, float],
    cuts: Sequence[float],
    along: tuple[float, float],
) -> Iterator[tuple[int, int]]:
    """(line, segment) of the grid segments inside a box: on the ``lines`` strictly
    between the box's edges ``across`` them, the segments cuts[k]..cuts[k+1] that overlap
    the box's extent ``along`` them."""
    low, high = along
    first = max(bisect.bisect_right(cuts, low) - 1, 0)
    last = min(bisect.bisect_left(cuts, high), len(cuts) - 1)
    for line in range(bisect.bisect_right(lines, across[0]), bisect.bisect_left(lines, across[1])):
        for k in range(first, last):
            if cuts[k] < high and cuts[k + 1] > low:
                yield line, k


def _fallback(source: Box, target: Box, from_bottom: bool) -> list[Point]:
    """A plain orthogonal path when the router finds none (should not happen)."""
    if from_bottom:
        return simplify([(source.cx, source.bottom), (source.cx, target.cy), (target.x, target.cy)])
    mid = (source.right + target.x) / 2
    return simplify(
        [(source.right, source.cy), (mid, source.cy), (mid, target.cy), (target.x, target.cy)]
    )


def _route_order(pool: Pool) -> list[Flow]:
    def key(flow: Flow) -> tuple[int, float, int]:
        a, b = pool.nodes[flow.source].box, pool.nodes[flow.target].box
        backward = 1 if b.cx <= a.cx else 0
        return (backward, abs(a.cx - b.cx) + abs(a.cy - b.cy), flow.index)

    return sorted(pool.flows, key=key)


def route_flows(pool: Pool, soft: Sequence[Box]) -> None:
    """Route every sequence flow of ``pool``: forward and short flows first, so that the
    main path gets the straight lines; ``soft`` are places to keep clear if possible
    (labels' default places)."""
    router = Router(pool, soft)
    for flow in _route_order(pool):
        router.route(flow)
