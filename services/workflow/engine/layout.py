"""Lay out a BPMN file's diagram interchange (DI) from its process, so that it opens and reads in
bpmn.io or Camunda Modeler: `python -m services.workflow.engine.layout bpmn/<name>.bpmn …`.

The process part is what people write; this replaces the file's `bpmndi:BPMNDiagram` with one
derived from it: flow nodes in columns by their distance from the start, in the band of their lane
(a pool with one band per lane when the process has lanes), boundary events on their host's
lower edge, sequence flows as orthogonal lines. A process owner may move shapes afterwards in a
modeler; the engine never reads DI.
"""

from __future__ import annotations

import sys
from collections import defaultdict, deque
from pathlib import Path
from xml.etree import ElementTree as ET

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
NAMESPACES = {
    "bpmn": BPMN,
    "bpmndi": BPMNDI,
    "dc": DC,
    "di": DI,
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}

_SIZES = {
    "task": (100, 80),
    "event": (36, 36),
    "gateway": (50, 50),
}
_COLUMN = 150
_ROW = 110
_LANE_HEADER = 30
_LEFT = 80
_SKIP = {"laneSet", "sequenceFlow", "boundaryEvent", "textAnnotation", "association"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _size(tag: str) -> tuple[int, int]:
    if tag.endswith("Event"):
        return _SIZES["event"]
    if tag.endswith("Gateway"):
        return _SIZES["gateway"]
    return _SIZES["task"]


def layout(xml: bytes) -> bytes:
    for prefix, uri in NAMESPACES.items():
        ET.register_namespace(prefix, uri)
    root = ET.fromstring(xml)
    for old in root.findall(f"{{{BPMNDI}}}BPMNDiagram"):
        root.remove(old)
    process = root.find(f"{{{BPMN}}}process")
    if process is None:
        raise ValueError("no bpmn:process")
    nodes = {el.get("id", ""): el for el in process if _local(el.tag) not in _SKIP and el.get("id")}
    flows = [el for el in process if _local(el.tag) == "sequenceFlow"]
    boundaries = [el for el in process if _local(el.tag) == "boundaryEvent"]
    outgoing: dict[str, list[str]] = defaultdict(list)
    for flow in flows:
        outgoing[flow.get("sourceRef", "")].append(flow.get("targetRef", ""))

    # Columns: breadth-first distance from the start events and the boundary events' hosts.
    column: dict[str, int] = {}
    queue: deque[str] = deque()
    for node_id, el in nodes.items():
        if _local(el.tag) == "startEvent":
            column[node_id] = 0
            queue.append(node_id)
    boundary_host = {b.get("id", ""): b.get("attachedToRef", "") for b in boundaries}
    while queue or boundary_host:
        while queue:
            current = queue.popleft()
            for target in outgoing[current]:
                if target not in column:
                    column[target] = column[current] + 1
                    queue.append(target)
        pending = [(b, h) for b, h in boundary_host.items() if h in column]
        if not pending:
            break
        for boundary_id, host in pending:
            del boundary_host[boundary_id]
            column[boundary_id] = column[host]
            queue.append(boundary_id)
    for node_id in nodes:
        column.setdefault(node_id, 0)

    lanes = process.findall(f"{{{BPMN}}}laneSet/{{{BPMN}}}lane")
    lane_of = {
        ref.text.strip(): lane.get("id", "")
        for lane in lanes
        for ref in lane.findall(f"{{{BPMN}}}flowNodeRef")
        if ref.text
    }
    lane_ids = [lane.get("id", "") for lane in lanes] or [""]
    # Rows within each lane: nodes sharing a column stack downwards.
    rows: dict[str, int] = {}
    used: dict[tuple[str, int], int] = defaultdict(int)
    for node_id in sorted(nodes, key=lambda n: (column[n], list(nodes).index(n))):
        key = (lane_of.get(node_id, lane_ids[0]), column[node_id])
        rows[node_id] = used[key]
        used[key] += 1
    lane_rows = {
        lane: max([used[(lane, c)] for c in set(column.values())] + [1]) for lane in lane_ids
    }
    lane_top: dict[str, int] = {}
    top = 40
    for lane in lane_ids:
        lane_top[lane] = top
        top += lane_rows[lane] * _ROW + 40
    width = _LEFT + (max(column.values(), default=0) + 1) * _COLUMN + 60

    bounds: dict[str, tuple[float, float, float, float]] = {}
    for node_id, el in nodes.items():
        w, h = _size(_local(el.tag))
        cx = _LEFT + _LANE_HEADER + column[node_id] * _COLUMN + 50
        cy = lane_top[lane_of.get(node_id, lane_ids[0])] + rows[node_id] * _ROW + 60
        bounds[node_id] = (cx - w / 2, cy - h / 2, w, h)
    hosted: dict[str, int] = defaultdict(int)
    for boundary in boundaries:
        host_box = bounds.get(boundary.get("attachedToRef", ""))
        if host_box is None:
            continue
        index = hosted[boundary.get("attachedToRef", "")]
        hosted[boundary.get("attachedToRef", "")] += 1
        x = host_box[0] + 10 + index * 40
        bounds[boundary.get("id", "")] = (x, host_box[1] + host_box[3] - 18, 36, 36)

    diagram = ET.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id=f"diagram_{process.get('id')}")
    collaboration = root.find(f"{{{BPMN}}}collaboration")
    plane_element = (collaboration if collaboration is not None else process).get("id", "")
    plane = ET.SubElement(
        diagram, f"{{{BPMNDI}}}BPMNPlane", id=f"plane_{plane_element}", bpmnElement=plane_element
    )
    if collaboration is not None:
        for participant in collaboration.findall(f"{{{BPMN}}}participant"):
            _shape(plane, participant.get("id", ""), (_LEFT - 30, 10, width, top - 10), True)
        for lane_element in lanes:
            lane_id = lane_element.get("id", "")
            height = lane_rows[lane_id] * _ROW + 40
            _shape(plane, lane_id, (_LEFT, lane_top[lane_id] - 30, width - 30, height), True)
    for node_id in nodes:
        _shape(plane, node_id, bounds[node_id])
    for boundary in boundaries:
        if boundary.get("id", "") in bounds:
            _shape(plane, boundary.get("id", ""), bounds[boundary.get("id", "")])
    for flow in flows:
        source_box = bounds.get(flow.get("sourceRef", ""))
        target_box = bounds.get(flow.get("targetRef", ""))
        if source_box is None or target_box is None:
            continue
        flow_id = flow.get("id", "")
        edge = ET.SubElement(
            plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{flow_id}_di", bpmnElement=flow_id
        )
        for x, y in _waypoints(source_box, target_box):
            ET.SubElement(edge, f"{{{DI}}}waypoint", x=f"{x:g}", y=f"{y:g}")
    ET.indent(root, space="  ")
    body: bytes = ET.tostring(root, encoding="utf-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"


def _shape(
    plane: ET.Element,
    element: str,
    box: tuple[float, float, float, float],
    horizontal: bool = False,
) -> None:
    attributes = {"id": f"{element}_di", "bpmnElement": element}
    if horizontal:
        attributes["isHorizontal"] = "true"
    shape = ET.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", attributes)
    x, y, w, h = box
    ET.SubElement(shape, f"{{{DC}}}Bounds", x=f"{x:g}", y=f"{y:g}", width=f"{w:g}", height=f"{h:g}")


def _waypoints(
    source: tuple[float, float, float, float], target: tuple[float, float, float, float]
) -> list[tuple[float, float]]:
    sx, sy, sw, sh = source
    tx, ty, tw, th = target
    if tx >= sx + sw:  # forwards: leave right, enter left
        start = (sx + sw, sy + sh / 2)
        end = (tx, ty + th / 2)
        middle = (start[0] + end[0]) / 2
        return [start, (middle, start[1]), (middle, end[1]), end]
    # same column or backwards: leave below, come round underneath, enter from below
    start = (sx + sw / 2, sy + sh)
    end = (tx + tw / 2, ty + th)
    low = max(sy + sh, ty + th) + 20
    return [start, (start[0], low), (end[0], low), end]


def main(paths: list[str]) -> int:
    for name in paths:
        path = Path(name)
        path.write_bytes(layout(path.read_bytes()))
        print(f"laid out {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
