"""Boxes, points and text sizes in diagram pixels: what placement, routing, labels and the
written diagram share."""

from __future__ import annotations

import math
from dataclasses import dataclass

FONT = 11.0  # bpmn-js external label font size
LABEL_WIDTH = 90.0  # bpmn-js wraps external labels at this width
LINE_HEIGHT = 14.0


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def inflate(self, by: float) -> Box:
        return Box(self.x - by, self.y - by, self.w + 2 * by, self.h + 2 * by)

    def overlap(self, other: Box) -> float:
        """Area shared with ``other`` (0 when they only touch)."""
        dx = min(self.right, other.right) - max(self.x, other.x)
        dy = min(self.bottom, other.bottom) - max(self.y, other.y)
        return dx * dy if dx > 0 and dy > 0 else 0.0

    def contains(self, other: Box) -> bool:
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.right <= self.right
            and other.bottom <= self.bottom
        )


Point = tuple[float, float]


def segment_box(a: Point, b: Point, pad: float) -> Box:
    x1, x2 = sorted((a[0], b[0]))
    y1, y2 = sorted((a[1], b[1]))
    return Box(x1 - pad, y1 - pad, x2 - x1 + 2 * pad, y2 - y1 + 2 * pad)


def simplify(points: list[Point]) -> list[Point]:
    """Drop repeated and collinear points."""
    out: list[Point] = []
    for point in points:
        if out and out[-1] == point:
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if (ax == bx == point[0]) or (ay == by == point[1]):
                out[-1] = point
                continue
        out.append(point)
    return out


def text_width(text: str, size: float = FONT) -> float:
    """Rough width of ``text`` in bpmn-js's sans-serif font (CJK characters are square)."""
    width = 0.0
    for char in text:
        if ord(char) >= 0x2E80 or char in "（），：；。、":
            width += size
        elif char in "il.,:;|!'":
            width += size * 0.3
        elif char.isupper() or char in "mwMW":
            width += size * 0.75
        else:
            width += size * 0.56
    return width


def label_size(text: str) -> tuple[float, float]:
    """Bounds of an external label the way bpmn-js wraps it (at most 90 px wide)."""
    lines = 0
    widest = 0.0
    for paragraph in text.split("\n"):
        width = text_width(paragraph)
        count = max(1, math.ceil(width / LABEL_WIDTH - 0.01))
        lines += count
        widest = max(widest, min(width, LABEL_WIDTH))
    return math.ceil(widest) + 4.0, lines * LINE_HEIGHT
