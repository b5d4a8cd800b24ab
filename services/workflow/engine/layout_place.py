"""Reading a BPMN process for its layout, and placing its shapes: columns by distance from the
start, rows within lanes, boundary events on their hosts, data objects below their writers.

Part of services/workflow/engine/layout.py (see its docstring).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
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
