"""Two versions of a diagram compared element by element, as a process owner reads a change:
which elements (by id) were added, removed or changed, and what changed in each. The drawing
(BPMN DI: positions, waypoints, label bounds) is left out: moving a shape changes no behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
# Elements a modeler shows on the canvas or in the properties, compared as a whole: everything
# they hold (names, conditions, timers, scripts, properties, documentation) except other such
# elements, which are compared on their own.
SKIPPED = {"definitions", "extensionElements", "incoming", "outgoing"}
# Child elements that belong to their parent's comparison (a timer's definition, a script…).
OWN_PARTS = {
    "documentation",
    "extensionElements",
    "timerEventDefinition",
    "messageEventDefinition",
    "signalEventDefinition",
    "errorEventDefinition",
    "escalationEventDefinition",
    "terminateEventDefinition",
    "conditionalEventDefinition",
    "conditionExpression",
    "script",
    "multiInstanceLoopCharacteristics",
    "standardLoopCharacteristics",
    "flowNodeRef",
}


@dataclass(frozen=True)
class DiagramElement:
    element_id: str
    kind: str  # the BPMN type as a modeler names it: userTask, boundaryEvent…
    name: str | None
    signature: tuple[str, ...]  # what it is and holds, comparable across versions


@dataclass
class DiagramDiff:
    added: list[DiagramElement] = field(default_factory=list)
    removed: list[DiagramElement] = field(default_factory=list)
    changed: list[tuple[DiagramElement, DiagramElement, list[str]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def elements(bpmn_xml: str | bytes) -> dict[str, DiagramElement]:
    """The semantic elements of a diagram with an id, by id (not its drawing)."""
    root = fromstring(bpmn_xml)  # text as the API answers it, whatever its declaration says
    found: dict[str, DiagramElement] = {}
    for child in root:
        if child.tag.startswith(BPMN):
            _collect(child, found)
    return found


def compare(old_xml: str | bytes, new_xml: str | bytes) -> DiagramDiff:
    old, new = elements(old_xml), elements(new_xml)
    diff = DiagramDiff()
    for element_id, element in new.items():
        before = old.get(element_id)
        if before is None:
            diff.added.append(element)
        elif before.signature != element.signature:
            diff.changed.append((before, element, _what_changed(before, element)))
    diff.removed = [element for element_id, element in old.items() if element_id not in new]
    return diff


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _collect(node: Element, found: dict[str, DiagramElement]) -> None:
    kind = _local(node.tag)
    element_id = node.get("id")
    if element_id and kind not in SKIPPED:
        found[element_id] = DiagramElement(
            element_id, kind, node.get("name"), tuple(_signature(node, top=True))
        )
    for child in node:
        if _local(child.tag) not in OWN_PARTS:
            _collect(child, found)


def _signature(node: Element, *, top: bool = False) -> list[str]:
    """The element's own tag, attributes and text, and those of its own parts, as lines."""
    kind = _local(node.tag)
    attrs = " ".join(f"{_local(k)}={v!r}" for k, v in sorted(node.attrib.items()))
    lines = [f"{kind} {attrs}".strip()]
    text = (node.text or "").strip()
    if text:
        lines.append(f"{kind}: {text}")
    for child in node:
        child_kind = _local(child.tag)
        if top and child_kind not in OWN_PARTS and child_kind not in ("incoming", "outgoing"):
            continue  # a nested element is compared on its own
        lines.extend(f"  {line}" for line in _signature(child))
    return lines


def _what_changed(before: DiagramElement, after: DiagramElement) -> list[str]:
    """The lines of the new version that the old one did not have (and the reverse, marked)."""
    old_lines, new_lines = set(before.signature), set(after.signature)
    removed = [f"− {line.strip()}" for line in before.signature if line not in new_lines]
    added = [f"+ {line.strip()}" for line in after.signature if line not in old_lines]
    return removed + added
