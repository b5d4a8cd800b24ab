"""Every diagram in bpmn/ deploys, and carries diagram interchange for each of its elements, so
that it opens and lays out in bpmn.io or Camunda Modeler."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from services.workflow.app import create_service
from services.workflow.engine.layout import BPMN, BPMNDI, layout

# Process parts that have no shape of their own in a modeler.
_NOT_DRAWN = frozenset(
    {
        "process",
        "laneSet",
        "timerEventDefinition",
        "conditionExpression",
        "documentation",
        "dataObject",
        "messageEventDefinition",
        "signalEventDefinition",
    }
)
DIAGRAMS = sorted((Path(__file__).parents[2] / "bpmn").glob("*.bpmn"))


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_element_of_the_diagram_has_a_shape_or_an_edge(path: Path) -> None:
    root = ET.parse(path).getroot()
    process = root.find(f"{{{BPMN}}}process")
    assert process is not None
    elements = {
        el.get("id")
        for el in process.iter()
        if el.get("id") and el.tag.rsplit("}", 1)[-1] not in _NOT_DRAWN
    }
    drawn = {
        el.get("bpmnElement")
        for el in root.iter()
        if el.tag in (f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge")
    }
    assert elements - drawn == set()


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_the_diagram_deploys(path: Path, tmp_path: Path) -> None:
    service = create_service({"DATA_DIR": str(tmp_path)})
    model = service.engine.parse(path.read_bytes(), path.stem, 1)
    assert model.process_id == path.stem


def test_layout_draws_a_diagram_without_di_and_keeps_the_process() -> None:
    source = DIAGRAMS[0].read_bytes()
    root = ET.fromstring(source)
    for diagram in root.findall(f"{{{BPMNDI}}}BPMNDiagram"):
        root.remove(diagram)
    bare = ET.tostring(root)
    drawn = ET.fromstring(layout(bare))
    shapes = drawn.findall(f".//{{{BPMNDI}}}BPMNShape")
    edges = drawn.findall(f".//{{{BPMNDI}}}BPMNEdge")
    flows = drawn.findall(f".//{{{BPMN}}}sequenceFlow")
    # A script task that writes a data object draws that association as an edge too.
    associations = drawn.findall(f".//{{{BPMN}}}dataOutputAssociation")
    assert len(edges) == len(flows) + len(associations) and len(shapes) > len(flows) / 2
    assert all(float(b.get("width", 0)) > 0 for b in drawn.iter() if b.tag.endswith("Bounds"))
