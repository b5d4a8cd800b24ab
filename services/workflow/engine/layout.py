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
from itertools import pairwise
from pathlib import Path

from services.workflow.engine.layout_check import (
    Geometry,
    _labelled,
    crossings,
    edges_through_shapes,
    geometry,
    label_overlaps,
)
from services.workflow.engine.layout_place import (
    _DI_PREFIXES,
    BPMN,
    BPMNDI,
    DC,
    DI,
    Box,
    Point,
    _Flow,
    _place,
    _Placed,
    _Process,
    _read,
    label_size,
    text_width,
)
from services.workflow.engine.layout_route import (
    _inside,
    _place_label,
    _Router,
    segment_hits_box,
    segments_cross,
)

__all__ = [
    "BPMN",
    "BPMNDI",
    "DC",
    "DI",
    "Geometry",
    "crossings",
    "edges_through_shapes",
    "geometry",
    "label_overlaps",
    "label_size",
    "layout",
    "main",
    "segment_hits_box",
    "segments_cross",
    "text_width",
]


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
