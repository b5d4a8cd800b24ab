"""Routing a laid-out diagram's lines through the free channels between its shapes, and placing
labels where they overlap nothing.

Part of services/workflow/engine/layout.py (see its docstring).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from services.workflow.engine.layout_place import (
    _LINE,
    _TRACK,
    Box,
    Point,
    _Placed,
)


# -- routing -------------------------------------------------------------------------------------
def _inside(box: Box, margin: float = 1.0) -> Box:
    x, y, w, h = box
    return (x + margin, y + margin, w - 2 * margin, h - 2 * margin)


def segment_hits_box(a: Point, b: Point, box: Box) -> bool:
    """Whether the segment a-b (horizontal or vertical; else its bounding box) meets the box."""
    x, y, w, h = box
    if w <= 0 or h <= 0:
        return False
    lo_x, hi_x = sorted((a[0], b[0]))
    lo_y, hi_y = sorted((a[1], b[1]))
    return lo_x < x + w and hi_x > x and lo_y < y + h and hi_y > y


def segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    """A proper crossing of two segments: they meet at a point inside both (not at an end)."""

    def orient(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    o1, o2 = orient(a, b, c), orient(a, b, d)
    o3, o4 = orient(c, d, a), orient(c, d, b)
    return o1 * o2 < 0 and o3 * o4 < 0


def _shared_length(a: Point, b: Point, c: Point, d: Point) -> float:
    """How long two segments run along one line (less than 3px apart)."""
    if abs(a[1] - b[1]) < 0.01 and abs(c[1] - d[1]) < 0.01 and abs(a[1] - c[1]) < 3:
        lo, hi = max(min(a[0], b[0]), min(c[0], d[0])), min(max(a[0], b[0]), max(c[0], d[0]))
        return max(0.0, hi - lo)
    if abs(a[0] - b[0]) < 0.01 and abs(c[0] - d[0]) < 0.01 and abs(a[0] - c[0]) < 3:
        lo, hi = max(min(a[1], b[1]), min(c[1], d[1])), min(max(a[1], b[1]), max(c[1], d[1]))
        return max(0.0, hi - lo)
    return 0.0


def _tracks(centre: float, used: int) -> float:
    used %= 5  # five tracks a channel: the narrowest channel still holds them
    step = (used + 1) // 2 * _TRACK
    return centre + (step if used % 2 else -step)


class _Router:
    def __init__(self, placed: _Placed) -> None:
        self.placed = placed
        self.routed: dict[str, list[Point]] = {}
        self.ends: dict[str, tuple[str, str]] = {}
        self.gap_use: dict[int, int] = defaultdict(int)
        self.corridor_use: dict[int, int] = defaultdict(int)

    def route(self, edge: str, source: str, target: str, from_boundary: str = "") -> list[Point]:
        """Route an edge (again: its earlier route no longer counts) among those routed."""
        again = self.routed.pop(edge, None) is not None
        boxes = self.placed.boxes
        s, t = boxes[source], boxes[target]
        obstacles = [
            _inside(box) for element, box in boxes.items() if element not in (source, target)
        ]
        best: tuple[float, list[Point], tuple[int | None, int | None, int | None]] | None = None
        unrelated = [
            points
            for other, points in self.routed.items()
            if source not in self.ends[other] and target not in self.ends[other]
        ]
        for points, channels in self._candidates(s, t, from_boundary):
            cost = self._cost(points, obstacles, unrelated)
            if best is None or cost < best[0]:
                best = (cost, points, channels)
        assert best is not None
        _cost, points, (gap_a, gap_b, corridor) = best
        if not again:
            for gap in {gap_a, gap_b} - {None}:
                self.gap_use[gap] += 1  # type: ignore[index]
            if corridor is not None:
                self.corridor_use[corridor] += 1
        self.routed[edge] = points
        self.ends[edge] = (source, target)
        return points

    def _cost(
        self, points: list[Point], obstacles: list[Box], unrelated: list[list[Point]]
    ) -> float:
        """Shapes passed through, then crossings, then lines run along a line of an edge with
        other ends (which would read as one), then bends and length."""
        hits = crossings = 0
        length = shared = 0.0
        for a, b in pairwise(points):
            length += abs(a[0] - b[0]) + abs(a[1] - b[1])
            hits += sum(segment_hits_box(a, b, box) for box in obstacles)
            for other in self.routed.values():
                for c, d in pairwise(other):
                    crossings += segments_cross(a, b, c, d)
            for other in unrelated:
                for c, d in pairwise(other):
                    shared += _shared_length(a, b, c, d)
        return hits * 10000 + crossings * 60 + shared * 2 + (len(points) - 2) * 12 + length / 20

    def _gap_before(self, box: Box) -> int:
        return max(i for i, x in enumerate(self.placed.gaps_x) if x < box[0])

    def _gap_after(self, box: Box) -> int:
        return min(i for i, x in enumerate(self.placed.gaps_x) if x > box[0] + box[2])

    def _candidates(
        self, s: Box, t: Box, from_boundary: str
    ) -> list[tuple[list[Point], tuple[int | None, int | None, int | None]]]:
        sx, sy, sw, sh = s
        tx, ty, tw, th = t
        scx, scy, tcx, tcy = sx + sw / 2, sy + sh / 2, tx + tw / 2, ty + th / 2
        gaps = self.placed.gaps_x
        g_after, g_before = self._gap_after(s), self._gap_before(t)
        xa = _tracks(gaps[g_after], self.gap_use[g_after])
        xb = _tracks(gaps[g_before], self.gap_use[g_before])
        exits: list[tuple[str, Point]] = [
            ("bottom", (scx, sy + sh)),
            ("right", (sx + sw, scy)),
            ("top", (scx, sy)),
        ]
        if from_boundary:  # a boundary event's flow leaves it away from its host
            exits = [exit for exit in exits if exit[0] == from_boundary]
        entries: list[tuple[str, Point]] = [
            ("left", (tx, tcy)),
            ("top", (tcx, ty)),
            ("bottom", (tcx, ty + th)),
        ]
        low, high = min(sy, ty) - 200, max(sy + sh, ty + th) + 200
        corridors = [
            (i, _tracks(y, self.corridor_use[i]))
            for i, y in enumerate(self.placed.corridors_y)
            if low <= y <= high
        ]
        out: list[tuple[list[Point], tuple[int | None, int | None, int | None]]] = []
        for exit_side, e in exits:
            for entry_side, n in entries:
                horizontal_out = exit_side == "right"
                horizontal_in = entry_side == "left"
                if horizontal_out and horizontal_in:
                    if n[0] > e[0]:
                        if abs(e[1] - n[1]) < 0.5:
                            out.append(([e, n], (None, None, None)))
                        out.append(([e, (xb, e[1]), (xb, n[1]), n], (None, g_before, None)))
                        out.append(([e, (xa, e[1]), (xa, n[1]), n], (g_after, None, None)))
                    for i, cy in corridors:
                        out.append(
                            (
                                [e, (xa, e[1]), (xa, cy), (xb, cy), (xb, n[1]), n],
                                (g_after, g_before, i),
                            )
                        )
                elif not horizontal_out and horizontal_in:
                    if n[0] > e[0] and (n[1] > e[1]) == (exit_side == "bottom"):
                        out.append(([e, (e[0], n[1]), n], (None, None, None)))
                    for i, cy in corridors:
                        if (cy > e[1]) == (exit_side == "bottom"):
                            out.append(
                                ([e, (e[0], cy), (xb, cy), (xb, n[1]), n], (None, g_before, i))
                            )
                elif horizontal_out and not horizontal_in:
                    if n[0] > e[0] and (n[1] < e[1]) == (entry_side == "bottom"):
                        out.append(([e, (n[0], e[1]), n], (None, None, None)))
                    for i, cy in corridors:
                        if (cy < n[1]) == (entry_side == "top"):
                            out.append(
                                ([e, (xa, e[1]), (xa, cy), (n[0], cy), n], (g_after, None, i))
                            )
                else:
                    downwards = n[1] > e[1]
                    if (
                        abs(e[0] - n[0]) < 0.5
                        and downwards == (exit_side == "bottom")
                        and downwards == (entry_side == "top")
                    ):
                        out.append(([e, n], (None, None, None)))
                    for i, cy in corridors:
                        if (cy > e[1]) == (exit_side == "bottom") and (cy < n[1]) == (
                            entry_side == "top"
                        ):
                            out.append(([e, (e[0], cy), (n[0], cy), n], (None, None, i)))
        return [(_simplify(points), channels) for points, channels in out]


def _simplify(points: list[Point]) -> list[Point]:
    kept: list[Point] = []
    for p in points:
        if kept and abs(kept[-1][0] - p[0]) < 0.01 and abs(kept[-1][1] - p[1]) < 0.01:
            continue
        kept.append(p)
    result: list[Point] = []
    for p in kept:  # drop the middle of three points on one line
        if len(result) >= 2:
            a, b = result[-2], result[-1]
            if (abs(a[0] - b[0]) < 0.01 and abs(b[0] - p[0]) < 0.01) or (
                abs(a[1] - b[1]) < 0.01 and abs(b[1] - p[1]) < 0.01
            ):
                result[-1] = p
                continue
        result.append(p)
    return result


# -- labels --------------------------------------------------------------------------------------
def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _place_label(wanted: list[Box], taken: list[Box], shapes: list[Box]) -> Box:
    """The first candidate that overlaps no label, preferring one that covers no shape; else
    the first candidate moved down until it overlaps no label."""
    for avoid_shapes in (True, False):
        for box in wanted:
            if any(_overlaps(box, other) for other in taken):
                continue
            if avoid_shapes and any(_overlaps(box, shape) for shape in shapes):
                continue
            return box
    x, y, w, h = wanted[0]
    while any(_overlaps((x, y, w, h), other) for other in taken):
        y += _LINE / 2
    return (x, y, w, h)
