"""Lay out a BPMN file's diagram interchange (DI) from its process, so that it opens and reads in
bpmn.io or Camunda Modeler: `python -m services.workflow.engine.layout bpmn/<name>.bpmn …`.

The process part is what people write; this replaces only the file's `bpmndi:BPMNDiagram` (the
process text, its comments and formatting are kept byte for byte) with one derived from it:

- flow nodes in columns by their longest distance from the start (loops drawn backwards), in
  rows within the band of their lane, a node on the row of the step before it when it is free;
- boundary events on their host's lower edge, the host wide enough for their labels;
- data object references below the task that writes them;
- sequence flows and data associations as orthogonal lines through the free channels between
  columns and rows, each chosen among a few candidate routes so that it passes through no shape
  it does not connect and crosses as few lines drawn before it as it can;
- a label of its own for every named event, gateway, flow and data object, moved until it
  overlaps no other label.

A process owner may move shapes afterwards in a modeler; the engine never reads DI.
`geometry` reads a drawn diagram back (shapes, edges, labels) for the checks in
tests/unit/test_diagram_drawings.py and for `python -m services.workflow.engine.layout --count`.
"""

from __future__ import annotations

import math
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from xml.etree import ElementTree as ET

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
_DI_PREFIXES = {BPMNDI: "bpmndi", DC: "dc", DI: "di"}

Box = tuple[float, float, float, float]  # x, y, width, height
Point = tuple[float, float]

_TASK = (100.0, 80.0)
_EVENT = (36.0, 36.0)
_GATEWAY = (50.0, 50.0)
_DATA = (36.0, 50.0)
_BOUNDARY_STEP = 46.0  # between boundary events on one host
_POOL_LEFT = 20.0
_LANE_HEADER = 30.0
_COLUMN_GAP = 40.0
_LABELLED_GAP = 80.0  # after a column whose flows carry names
_ROW_GAP = 70.0
_BOUNDARY_ROW_GAP = 110.0  # below a row with boundary events and their labels
_LANE_MARGIN = 30.0
_TRACK = 7.0  # between parallel lines in one channel
_LABEL_WIDTH = 90.0
_LINE = 14.0
_CHAR = 6.5  # estimated width of a character of an 11px label

_NOT_FLOW_NODES = frozenset(
    {
        "laneSet",
        "sequenceFlow",
        "boundaryEvent",
        "dataObject",
        "dataObjectReference",
        "dataStoreReference",
        "textAnnotation",
        "association",
        "documentation",
        "extensionElements",
        "ioSpecification",
    }
)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _size(kind: str) -> tuple[float, float]:
    if kind.endswith("Event"):
        return _EVENT
    if kind.endswith("Gateway"):
        return _GATEWAY
    if kind.startswith("data"):
        return _DATA
    return _TASK


# -- text ----------------------------------------------------------------------------------------
def text_width(text: str) -> float:
    return len(text) * _CHAR


def label_size(text: str, width: float = _LABEL_WIDTH) -> tuple[float, float]:
    """Estimated size of a label wrapped at `width`, as a modeler draws it (11px)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(lines[-1] + " " + word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    lines = lines or [""]
    return min(width, max(text_width(line) for line in lines)) + 4, len(lines) * _LINE


# -- reading the process -------------------------------------------------------------------------
@dataclass
class _Flow:
    id: str
    source: str
    target: str
    name: str = ""
    association: bool = False


@dataclass
class _Process:
    root: ET.Element
    process: ET.Element
    nodes: dict[str, str] = field(default_factory=dict)  # id -> kind (local tag)
    names: dict[str, str] = field(default_factory=dict)
    boundaries: dict[str, str] = field(default_factory=dict)  # boundary id -> host id
    data: list[str] = field(default_factory=list)
    flows: list[_Flow] = field(default_factory=list)
    lanes: list[tuple[str, str]] = field(default_factory=list)  # (lane id, name)
    lane_of: dict[str, str] = field(default_factory=dict)


def _read(xml: bytes) -> _Process:
    root = ET.fromstring(xml)
    process = root.find(f"{{{BPMN}}}process")
    if process is None:
        raise ValueError("no bpmn:process")
    model = _Process(root, process)
    for el in process:
        kind, element_id = _local(el.tag), el.get("id", "")
        if not element_id:
            continue
        if el.get("name"):
            model.names[element_id] = el.get("name", "")
        if kind == "boundaryEvent":
            model.boundaries[element_id] = el.get("attachedToRef", "")
        elif kind in ("dataObjectReference", "dataStoreReference"):
            model.data.append(element_id)
            model.nodes[element_id] = kind
        elif kind == "sequenceFlow":
            model.flows.append(
                _Flow(
                    element_id, el.get("sourceRef", ""), el.get("targetRef", ""), el.get("name", "")
                )
            )
        elif kind not in _NOT_FLOW_NODES:
            model.nodes[element_id] = kind
        for out in el.findall(f"{{{BPMN}}}dataOutputAssociation"):
            target = (out.findtext(f"{{{BPMN}}}targetRef") or "").strip()
            model.flows.append(_Flow(out.get("id", ""), element_id, target, association=True))
        for into in el.findall(f"{{{BPMN}}}dataInputAssociation"):
            source = (into.findtext(f"{{{BPMN}}}sourceRef") or "").strip()
            model.flows.append(_Flow(into.get("id", ""), source, element_id, association=True))
    for lane in process.findall(f"{{{BPMN}}}laneSet/{{{BPMN}}}lane"):
        model.lanes.append((lane.get("id", ""), lane.get("name", "")))
        for ref in lane.findall(f"{{{BPMN}}}flowNodeRef"):
            if ref.text:
                model.lane_of[ref.text.strip()] = lane.get("id", "")
    return model


# -- placing the shapes --------------------------------------------------------------------------
@dataclass
class _Placed:
    boxes: dict[str, Box]
    lanes: dict[str, Box]
    pool: Box | None
    gaps_x: list[float]  # centres of the channels between columns (and before the first)
    corridors_y: list[float]  # centres of the channels between rows
    hosted: dict[str, list[str]]  # a host's boundary events, lower edge then upper, left to right
    on_top: set[str]  # the boundary events on their host's upper edge


def _columns(model: _Process) -> dict[str, int]:
    """Longest distance from a start along flows that are not loops (a boundary event's flows
    count from its host)."""

    def node_of(element: str) -> str:
        return model.boundaries.get(element, element)

    successors: dict[str, list[str]] = defaultdict(list)
    for flow in model.flows:
        if not flow.association and flow.source and flow.target in model.nodes:
            successors[node_of(flow.source)].append(flow.target)
    flow_nodes = [n for n, kind in model.nodes.items() if not kind.startswith("data")]
    starts = [n for n in flow_nodes if model.nodes[n] == "startEvent"] + flow_nodes
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 on the path, 2 done
    for start in starts:
        if start in state:
            continue
        stack = [(start, iter(successors[start]))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(successors[child])))
    order: list[str] = []
    seen: set[str] = set()
    for start in starts:  # topological order of the acyclic rest
        if start in seen:
            continue
        stack2 = [(start, iter(successors[start]))]
        seen.add(start)
        while stack2:
            node, children = stack2[-1]
            child = next(children, None)
            if child is None:
                order.append(node)
                stack2.pop()
            elif (node, child) not in back and child not in seen:
                seen.add(child)
                stack2.append((child, iter(successors[child])))
    column = {n: 0 for n in flow_nodes}
    for node in reversed(order):
        for child in successors[node]:
            if (node, child) not in back:
                column[child] = max(column[child], column[node] + 1)
    return column


def _place(model: _Process) -> _Placed:
    column = _columns(model)
    lane_ids = [lane for lane, _name in model.lanes] or [""]
    lane_of = {n: model.lane_of.get(n, lane_ids[0]) for n in model.nodes}
    hosted: dict[str, list[str]] = defaultdict(list)
    for boundary, host in model.boundaries.items():
        if host in model.nodes:
            hosted[host].append(boundary)
    predecessors: dict[str, list[str]] = defaultdict(list)
    for flow in model.flows:
        if not flow.association:
            predecessors[flow.target].append(flow.source)
    writer: dict[str, str] = {}
    for flow in model.flows:
        if flow.association:
            task = flow.source if flow.target in model.data else flow.target
            writer.setdefault(flow.target if flow.target in model.data else flow.source, task)
    for data in model.data:
        owner = writer.get(data)
        column[data] = column.get(owner, 0) if owner else 0
        lane_of[data] = lane_of.get(owner, lane_ids[0]) if owner else lane_ids[0]

    # Rows: a node takes the row of the step before it (the row below a boundary event's host)
    # when that is free in its lane and column, else the next free row below.
    row: dict[str, int] = {}
    taken: set[tuple[str, int, int]] = set()
    index = {n: i for i, n in enumerate(model.nodes)}
    flow_nodes = [n for n in model.nodes if n not in model.data]

    def claim_order(node: str) -> tuple[int, int, int, int]:
        # Branches of boundary events only come after the other nodes of their column; among
        # them, the branch whose first host lies furthest right takes the highest free row, so
        # that lines from hosts further left pass below it.
        hosts = [model.boundaries[s] for s in predecessors.get(node, []) if s in model.boundaries]
        if hosts and len(hosts) == len(predecessors[node]):
            return (column[node], 1, -min(column.get(h, 0) for h in hosts), index[node])
        return (column[node], 0, 0, index[node])

    for node in sorted(flow_nodes, key=claim_order):
        wanted = 0
        for source in predecessors.get(node, []):
            host = model.boundaries.get(source, "")
            origin = host or source
            if (
                origin in row
                and lane_of.get(origin) == lane_of[node]
                and column[origin] < column[node]
            ):
                wanted = row[origin] + (1 if host else 0)
                break
        r = wanted
        while (lane_of[node], column[node], r) in taken:
            r += 1
        row[node] = r
        taken.add((lane_of[node], column[node], r))
    # A data object in the free cell nearest below its writer (then above it).
    columns = max(column.values(), default=0) + 1
    for data in model.data:
        owner = writer.get(data)
        lane, c, r = lane_of[data], column[data], row.get(owner, 0) if owner else 0
        cells = [
            (c + dc, r + dr)
            for dr in (1, 2, -1, 3, 4, 5, 6, 7, 8)
            for dc in (0, 1, -1)
            if 0 <= c + dc < columns and r + dr >= 0
        ]
        cells.append((c, 1 + max([rr for (ll, cc, rr) in taken if ll == lane], default=0)))
        c, r = next(cell for cell in cells if (lane, *cell) not in taken)
        column[data], row[data] = c, r
        taken.add((lane, c, r))

    # A boundary event sits on its host's upper edge when its branch lies above the host (in a
    # lane above, or a row above in the same lane), else on the lower edge.
    lane_index = {lane: i for i, lane in enumerate(lane_ids)}
    target_of = {f.source: f.target for f in model.flows if f.source in model.boundaries}

    def level(node: str) -> tuple[int, int]:
        return (lane_index[lane_of[node]], row[node])

    on_top = {
        b
        for b, host in model.boundaries.items()
        if host in row and target_of.get(b) in row and level(target_of[b]) < level(host)
    }
    top_row = {(lane_of[h], row[h]) for h, bs in hosted.items() if set(bs) & on_top}
    bottom_row = {(lane_of[h], row[h]) for h, bs in hosted.items() if set(bs) - on_top}

    # Column widths: the widest shape, a host wide enough for its boundary events' labels.
    size: dict[str, tuple[float, float]] = {}
    for node, kind in model.nodes.items():
        w, h = _size(kind)
        if hosted.get(node):
            most = max(len(set(hosted[node]) & on_top), len(set(hosted[node]) - on_top))
            w = max(w, 20 + _BOUNDARY_STEP * most)
        size[node] = (w, h)
    widths = [0.0] * columns
    for node, c in column.items():
        widths[c] = max(widths[c], size[node][0])
    labelled = {column[f.source] for f in model.flows if f.name and f.source in column}
    left = _POOL_LEFT + (_LANE_HEADER * 2 if model.lanes else 0) + _COLUMN_GAP
    x_of: list[float] = []
    gaps_x: list[float] = [left - _COLUMN_GAP / 2]
    for c in range(columns):
        x_of.append(left)
        gap = _LABELLED_GAP if c in labelled else _COLUMN_GAP
        left += widths[c] + gap
        gaps_x.append(left - gap / 2)
    right = left - _COLUMN_GAP / 2

    lane_boxes: dict[str, Box] = {}
    corridors: list[float] = []
    y_of_row: dict[tuple[str, int], float] = {}
    top = 20.0
    for lane in lane_ids:
        rows = 1 + max([row[n] for n in model.nodes if lane_of[n] == lane], default=0)
        y = top + _LANE_MARGIN
        corridors.append(top + _LANE_MARGIN / 2)
        for r in range(rows):
            if (lane, r) in top_row:  # room for the labels of the boundary events on top
                y += _BOUNDARY_ROW_GAP - _ROW_GAP
            y_of_row[(lane, r)] = y
            has_boundaries = (lane, r) in bottom_row
            gap = _BOUNDARY_ROW_GAP if has_boundaries else _ROW_GAP
            corridors.append(y + _TASK[1] + (gap - 12 if has_boundaries else gap / 2))
            y += _TASK[1] + gap
        lane_boxes[lane] = (
            _POOL_LEFT + _LANE_HEADER,
            top,
            right - _POOL_LEFT - _LANE_HEADER,
            y - top,
        )
        top = y

    boxes: dict[str, Box] = {}
    for node in model.nodes:
        w, h = size[node]
        c = column[node]
        cx = x_of[c] + widths[c] / 2
        cy = y_of_row[(lane_of[node], row[node])] + _TASK[1] / 2
        boxes[node] = (cx - w / 2, cy - h / 2, w, h)
    for host, boundaries in hosted.items():
        hx, hy, _hw, hh = boxes[host]

        # Below: the lowest branch leftmost; above: the highest leftmost. So their lines do not
        # cross one another.
        def order(boundary: str) -> tuple[bool, float]:
            ty = boxes.get(target_of.get(boundary, ""), (0, 0, 0, 0))[1]
            return (boundary in on_top, ty if boundary in on_top else -ty)

        boundaries.sort(key=order)
        for i, boundary in enumerate(b for b in boundaries if b not in on_top):
            boxes[boundary] = (hx + 10 + i * _BOUNDARY_STEP, hy + hh - 18, 36, 36)
        for i, boundary in enumerate(b for b in boundaries if b in on_top):
            boxes[boundary] = (hx + 10 + i * _BOUNDARY_STEP, hy - 18, 36, 36)
    pool = None
    if model.lanes:
        pool = (_POOL_LEFT, 20.0, right - _POOL_LEFT, top - 20.0)
    else:
        lane_boxes = {}
    return _Placed(boxes, lane_boxes, pool, gaps_x, corridors, dict(hosted), on_top)


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


def _labels(model: _Process, placed: _Placed, edges: dict[str, list[Point]]) -> dict[str, Box]:
    boxes = placed.boxes
    shapes = [_inside(box, 0) for element, box in boxes.items()]
    taken: list[Box] = []
    labels: dict[str, Box] = {}
    hosted_index = {
        b: i
        for bs in placed.hosted.values()
        for side in (False, True)
        for i, b in enumerate(b for b in bs if (b in placed.on_top) == side)
    }
    shaped = [n for n in list(model.nodes) + list(model.boundaries) if n in boxes]
    for element in shaped:
        name = model.names.get(element, "")
        kind = model.nodes.get(element, "boundaryEvent")
        if not name or not _labelled(kind):
            continue
        x, y, w, h = boxes[element]
        lw, lh = label_size(name)
        cx = x + w / 2
        if element in placed.on_top:
            above = y - lh - 2 - (hosted_index[element] % 2) * (lh + 2)
            wanted = [(cx - lw / 2, above, lw, lh)]
        elif element in model.boundaries:
            below = y + h + 2 + (hosted_index[element] % 2) * (lh + 2)
            wanted = [(cx - lw / 2, below, lw, lh)]
        elif kind.endswith("Gateway"):
            wanted = [
                (cx - lw / 2, y - lh - 4, lw, lh),
                (x - lw - 4, y - lh, lw, lh),
                (cx - lw / 2, y + h + 4, lw, lh),
            ]
        else:
            wanted = [(cx - lw / 2, y + h + 4, lw, lh), (cx - lw / 2, y - lh - 4, lw, lh)]
        wanted += [(bx, by + dy, bw, bh) for bx, by, bw, bh in wanted[:1] for dy in (14, 28, 42)]
        labels[element] = _place_label(wanted, taken, shapes)
        taken.append(labels[element])
    for flow in model.flows:
        points = edges.get(flow.id)
        if not flow.name or not points:
            continue
        lw, lh = label_size(flow.name, 110)
        wanted = []
        for a, b in pairwise(points):
            if abs(a[1] - b[1]) < 0.01:  # horizontal: above it, from its start
                start = min(a[0], b[0]) if b[0] >= a[0] else max(a[0], b[0]) - lw
                wanted += [(start + 4, a[1] - lh - 2, lw, lh), (start + 4, a[1] + 3, lw, lh)]
            else:  # vertical: beside it
                top = min(a[1], b[1])
                mid = top + abs(a[1] - b[1]) / 2 - lh / 2
                wanted += [(a[0] + 4, mid, lw, lh), (a[0] - lw - 4, mid, lw, lh)]
        labels[flow.id] = _place_label(wanted, taken, shapes)
        taken.append(labels[flow.id])
    return labels


# -- writing the DI ------------------------------------------------------------------------------
def _number(value: float) -> str:
    return f"{round(value, 1):g}"


def _bounds(box: Box) -> str:
    x, y, w, h = box
    return (
        f'<dc:Bounds x="{_number(x)}" y="{_number(y)}" '
        f'width="{_number(w)}" height="{_number(h)}" />'
    )


def _diagram(model: _Process) -> str:
    placed = _place(model)
    router = _Router(placed)

    def backwards(flow: _Flow) -> bool:
        return placed.boxes[flow.target][0] <= placed.boxes[flow.source][0]

    edges: dict[str, list[Point]] = {}
    order = sorted(
        (f for f in model.flows if f.source in placed.boxes and f.target in placed.boxes),
        key=lambda f: (f.association, backwards(f), f.source not in model.boundaries),
    )
    for _round in range(3):  # then each edge again, knowing all the others
        for flow in order:
            side = ""
            if flow.source in model.boundaries:
                side = "top" if flow.source in placed.on_top else "bottom"
            edges[flow.id] = router.route(flow.id, flow.source, flow.target, side)
    labels = _labels(model, placed, edges)
    collaboration = model.root.find(f"{{{BPMN}}}collaboration")
    plane_element = (collaboration if collaboration is not None else model.process).get("id", "")
    lines = [
        f'  <bpmndi:BPMNDiagram id="diagram_{model.process.get("id")}">',
        f'    <bpmndi:BPMNPlane id="plane_{plane_element}" bpmnElement="{plane_element}">',
    ]

    def shape(element: str, box: Box, extra: str = "", label: Box | None = None) -> None:
        lines.append(f'      <bpmndi:BPMNShape id="{element}_di" bpmnElement="{element}"{extra}>')
        lines.append(f"        {_bounds(box)}")
        if label is not None:
            lines.append("        <bpmndi:BPMNLabel>")
            lines.append(f"          {_bounds(label)}")
            lines.append("        </bpmndi:BPMNLabel>")
        lines.append("      </bpmndi:BPMNShape>")

    if collaboration is not None and placed.pool is not None:
        for participant in collaboration.findall(f"{{{BPMN}}}participant"):
            shape(participant.get("id", ""), placed.pool, ' isHorizontal="true"')
        for lane, box in placed.lanes.items():
            shape(lane, box, ' isHorizontal="true"')
    for element in list(model.nodes) + list(model.boundaries):
        if element not in placed.boxes:
            continue
        kind = model.nodes.get(element, "")
        extra = ' isMarkerVisible="true"' if kind == "exclusiveGateway" else ""
        shape(element, placed.boxes[element], extra, labels.get(element))
    for flow in model.flows:
        if flow.id not in edges:
            continue
        lines.append(f'      <bpmndi:BPMNEdge id="{flow.id}_di" bpmnElement="{flow.id}">')
        for x, y in edges[flow.id]:
            lines.append(f'        <di:waypoint x="{_number(x)}" y="{_number(y)}" />')
        if flow.id in labels:
            lines.append("        <bpmndi:BPMNLabel>")
            lines.append(f"          {_bounds(labels[flow.id])}")
            lines.append("        </bpmndi:BPMNLabel>")
        lines.append("      </bpmndi:BPMNEdge>")
    lines += ["    </bpmndi:BPMNPlane>", "  </bpmndi:BPMNDiagram>"]
    return "\n".join(lines)


_OLD_DIAGRAM = re.compile(
    rb"[ \t]*<(?:[\w.-]+:)?BPMNDiagram\b.*?</(?:[\w.-]+:)?BPMNDiagram>[ \t]*\r?\n?", re.S
)
_ROOT_START = re.compile(rb"<(?:[\w.-]+:)?definitions\b[^>]*>", re.S)
_ROOT_END = re.compile(rb"</(?:[\w.-]+:)?definitions>\s*$")


def layout(xml: bytes) -> bytes:
    """The file with its diagram interchange drawn afresh; everything else is kept as it is."""
    model = _read(xml)
    body = _OLD_DIAGRAM.sub(b"", xml)
    start = _ROOT_START.search(body)
    end = _ROOT_END.search(body)
    if start is None or end is None:
        raise ValueError("no bpmn:definitions")
    declared = dict(
        (uri, prefix)
        for prefix, uri in re.findall(r'xmlns:([\w.-]+)="([^"]+)"', start.group(0).decode())
    )
    diagram = _diagram(model)
    missing = ""
    for uri, prefix in _DI_PREFIXES.items():
        if declared.get(uri) != prefix:
            if prefix in declared.values():
                raise ValueError(f"prefix {prefix} is bound to another namespace")
            missing += f' xmlns:{prefix}="{uri}"'
    head = start.group(0)
    if missing:
        cut = len(head) - (2 if head.endswith(b"/>") else 1)
        head = head[:cut] + missing.encode() + head[cut:]
    before = body[: start.start()] + head + body[start.end() : end.start()]
    if not before.endswith(b"\n"):
        before += b"\n"
    return before + diagram.encode("utf-8") + b"\n" + body[end.start() :].rstrip() + b"\n"


# -- reading a drawing back ----------------------------------------------------------------------
@dataclass
class Geometry:
    shapes: dict[str, Box]  # flow nodes, boundary and data objects (not pools or lanes)
    edges: dict[str, list[Point]]
    ends: dict[str, set[str]]  # an edge's source and target (and a boundary source's host)
    labels: dict[str, Box]  # the DI's label bounds, or estimated below/on the element


def _labelled(kind: str) -> bool:
    """Whether an element of this kind has its name on an external label."""
    return kind.endswith(("Event", "Gateway")) or kind.startswith("data")


def _box_of(bounds: ET.Element) -> Box:
    x, y, w, h = (float(bounds.get(k, 0)) for k in ("x", "y", "width", "height"))
    return (x, y, w, h)


def geometry(xml: bytes) -> Geometry:
    model = _read(xml)
    root = model.root
    containers = {lane for lane, _name in model.lanes} | {
        p.get("id", "") for p in root.iter(f"{{{BPMN}}}participant")
    }
    shapes: dict[str, Box] = {}
    edges: dict[str, list[Point]] = {}
    labels: dict[str, Box] = {}
    for shape in root.iter(f"{{{BPMNDI}}}BPMNShape"):
        element = shape.get("bpmnElement", "")
        bounds = shape.find(f"{{{DC}}}Bounds")
        if element in containers or bounds is None:
            continue
        box = _box_of(bounds)
        shapes[element] = box
        label = shape.find(f"{{{BPMNDI}}}BPMNLabel/{{{DC}}}Bounds")
        name = model.names.get(element, "")
        kind = model.nodes.get(element, "boundaryEvent")
        if label is not None:
            labels[element] = _box_of(label)
        elif name and _labelled(kind):
            lw, lh = label_size(name)
            x, y, w, h = box
            labels[element] = (x + w / 2 - lw / 2, y + h + 5, lw, lh)
    for edge in root.iter(f"{{{BPMNDI}}}BPMNEdge"):
        element = edge.get("bpmnElement", "")
        points = [
            (float(p.get("x", 0)), float(p.get("y", 0))) for p in edge.findall(f"{{{DI}}}waypoint")
        ]
        edges[element] = points
        label = edge.find(f"{{{BPMNDI}}}BPMNLabel/{{{DC}}}Bounds")
        flow = next((f for f in model.flows if f.id == element), None)
        if label is not None:
            labels[element] = _box_of(label)
        elif flow is not None and flow.name and len(points) >= 2:
            lw, lh = label_size(flow.name, 110)
            (ax, ay), (bx, by) = points[0], points[1]
            labels[element] = ((ax + bx) / 2 - lw / 2, (ay + by) / 2 - lh - 2, lw, lh)
    ends: dict[str, set[str]] = {}
    for flow in model.flows:
        ends[flow.id] = {flow.source, flow.target, model.boundaries.get(flow.source, flow.source)}
    return Geometry(shapes, edges, ends, labels)


def crossings(drawing: Geometry) -> int:
    """Proper crossings between segments of different edges."""
    segments = [(edge, a, b) for edge, points in drawing.edges.items() for a, b in pairwise(points)]
    count = 0
    for i, (edge, a, b) in enumerate(segments):
        for other, c, d in segments[i + 1 :]:
            if other != edge and segments_cross(a, b, c, d):
                count += 1
    return count


def label_overlaps(drawing: Geometry) -> list[tuple[str, str]]:
    items = sorted(drawing.labels.items())
    return [
        (a, b)
        for i, (a, box_a) in enumerate(items)
        for b, box_b in items[i + 1 :]
        if _overlaps(box_a, box_b)
    ]


def edges_through_shapes(drawing: Geometry) -> list[tuple[str, str]]:
    """(edge, shape) pairs where a segment passes through a shape the edge does not connect."""
    found = []
    for edge, points in drawing.edges.items():
        for element, box in drawing.shapes.items():
            if element in drawing.ends.get(edge, ()):
                continue
            if any(segment_hits_box(a, b, _inside(box)) for a, b in pairwise(points)):
                found.append((edge, element))
    return found


def _count(paths: list[str]) -> int:
    for name in paths:
        drawing = geometry(Path(name).read_bytes())
        xs = [b[0] + b[2] for b in drawing.shapes.values()]
        ys = [b[1] + b[3] for b in drawing.shapes.values()]
        print(
            f"{Path(name).name}: {crossings(drawing)} crossings, "
            f"{len(label_overlaps(drawing))} overlapping label pairs, "
            f"{len(edges_through_shapes(drawing))} edges through other shapes, "
            f"{math.ceil(max(xs, default=0))}x{math.ceil(max(ys, default=0))} px"
        )
    return 0


def main(paths: list[str]) -> int:
    if paths[:1] == ["--count"]:
        return _count(paths[1:])
    for name in paths:
        path = Path(name)
        path.write_bytes(layout(path.read_bytes()))
        print(f"laid out {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
