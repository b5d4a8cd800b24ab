"""What the tests of diagrams saved by modelers share: the diagram Camunda Modeler saved, one with
three problems made of it, and the check that a refusal is Vietnamese and names elements as the
modeler shows them."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from shared.event_schemas import CASE_EVENT_TYPES, TASK_EVENT_TYPES

REPO = Path(__file__).resolve().parents[2]
CAMUNDA = REPO / "tests" / "data" / "bpmn" / "camunda_modeler.bpmn"
TEMPLATES = REPO / "bpmn" / "element-templates" / "nhiemvu.json"
PROCESS = "Process_1k0h6xa"
NOTICES = (*TASK_EVENT_TYPES, *CASE_EVENT_TYPES)
# English an engine error would carry; none of it may reach the person.
ENGLISH = ("must", "operator", "Service Task", "not expected", "Element '", "Invalid", "support")


def three_problems(xml: bytes) -> bytes:
    """The Camunda Modeler diagram with three different problems: the user task's role left
    out, a service task on the accepted branch, and a duration put in a timer's date."""
    broken = xml.replace(b'<camunda:property name="role" value="unit" />', b"")
    broken = broken.replace(b"timeDuration", b"timeDate")
    end = '<bpmn:endEvent id="Event_0y7gk1c" name="Đã tiếp nhận">'.encode()
    service = (
        '<bpmn:serviceTask id="Activity_0svc9x1" name="Gọi hệ thống">'
        "<bpmn:incoming>Flow_0accept</bpmn:incoming></bpmn:serviceTask>"
    ).encode()
    broken = broken.replace(end, service + end)
    broken = broken.replace(b'targetRef="Event_0y7gk1c" />', b'targetRef="Activity_0svc9x1" />')
    assert broken.count(b"serviceTask") == 2 and b"timeDuration" not in broken
    return broken


def assert_vietnamese_and_named(problem_texts: list[str]) -> None:
    for text in problem_texts:
        assert unicodedata.normalize("NFC", text) == text
        for english in ENGLISH:
            assert english not in text, (english, text)
        assert "TimerEventDefinition_17x5mb3" not in text
