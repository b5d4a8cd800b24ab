"""Reading a drawn diagram back (shapes, edges, labels) and counting what reads badly in it:
lines crossing, labels overlapping, lines through shapes they do not connect.

Part of services/workflow/engine/layout.py (see its docstring).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from xml.etree import ElementTree as ET

from services.workflow.engine.layout_place import (
    BPMN,
    BPMNDI,
    DC,
    DI,
    Box,
    Point,
    _read,
    label_size,
)
from services.workflow.engine.layout_route import (
    _inside,
    _overlaps,
    segment_hits_box,
    segments_cross,
)


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
