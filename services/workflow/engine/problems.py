"""What a refused diagram tells the person who drew it: one entry per problem, each naming the
element as a modeler shows it (its Vietnamese kind, its name, its BPMN type and id), in
Vietnamese. A problem found on a part the modeler draws no shape for (a timer's definition, a
flow's condition, a script body, extension properties) names the element that holds it.

SpiffWorkflow's own parse and schema errors are English and name what they were parsing; they
are mapped here to Vietnamese messages, with a generic one for any message not listed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from lxml import etree

# The Vietnamese kind of each element a modeler draws, by BPMN type (local name).
_KINDS: dict[str, str] = {
    "process": "Quy trình",
    "subProcess": "Quy trình con",
    "transaction": "Giao dịch",
    "callActivity": "Hoạt động gọi",
    "task": "Nhiệm vụ",
    "userTask": "Nhiệm vụ người dùng",
    "manualTask": "Nhiệm vụ thủ công",
    "scriptTask": "Nhiệm vụ kịch bản",
    "serviceTask": "Nhiệm vụ dịch vụ",
    "businessRuleTask": "Nhiệm vụ quy tắc nghiệp vụ",
    "sendTask": "Nhiệm vụ gửi",
    "receiveTask": "Nhiệm vụ nhận",
    "startEvent": "Sự kiện bắt đầu",
    "endEvent": "Sự kiện kết thúc",
    "boundaryEvent": "Sự kiện biên",
    "intermediateCatchEvent": "Sự kiện trung gian (chờ)",
    "intermediateThrowEvent": "Sự kiện trung gian (phát)",
    "exclusiveGateway": "Cổng loại trừ",
    "inclusiveGateway": "Cổng bao hàm",
    "parallelGateway": "Cổng song song",
    "eventBasedGateway": "Cổng theo sự kiện",
    "complexGateway": "Cổng phức hợp",
    "sequenceFlow": "Luồng tuần tự",
    "messageFlow": "Luồng thông điệp",
    "dataObject": "Đối tượng dữ liệu",
    "dataObjectReference": "Đối tượng dữ liệu",
    "dataStoreReference": "Kho dữ liệu",
    "lane": "Làn",
    "participant": "Bên tham gia",
    "message": "Thông điệp",
    "signal": "Tín hiệu",
    "error": "Lỗi",
    "escalation": "Chuyển cấp",
    "textAnnotation": "Chú thích",
}
# Events whose definition the modeler shows in their kind's name.
_TIMER_KINDS: dict[str, str] = {
    "startEvent": "Sự kiện bắt đầu hẹn giờ",
    "boundaryEvent": "Sự kiện hẹn giờ biên",
    "intermediateCatchEvent": "Sự kiện hẹn giờ trung gian",
}
_GENERIC_KIND = "Phần tử"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class DiagramProblem:
    """One problem of a diagram, on the element a modeler shows (None: the diagram as a whole)."""

    message: str
    element_id: str | None = None
    element_name: str | None = None
    element_type: str | None = None
    kind: str | None = None  # the element's Vietnamese kind

    @property
    def element(self) -> str:
        """The element as the modeler shows it, e.g. "Sự kiện hẹn giờ biên 'Nhắc sắp đến hạn'
        (boundaryEvent, id: Event_1ab)"; "Sơ đồ" for the diagram as a whole."""
        if self.element_id is None and self.element_type is None:
            return "Sơ đồ"
        named = f" '{self.element_name}'" if self.element_name else ""
        shown_id = f"id: {self.element_id}" if self.element_id else None
        where = ", ".join(part for part in (self.element_type, shown_id) if part)
        return f"{self.kind or _GENERIC_KIND}{named} ({where})"

    @property
    def text(self) -> str:
        return f"{self.element}: {self.message}"

    def as_dict(self) -> dict[str, str | None]:
        """The entry a refused deploy answers: the element, as data and as shown, and the
        problem itself."""
        return {
            "element_id": self.element_id,
            "element_name": self.element_name,
            "element_type": self.element_type,
            "element": self.element,
            "message": self.message,
        }


def _local(element: Any) -> str:
    return str(etree.QName(element).localname)


def owner(element: Any) -> Any:
    """The element a modeler draws that holds `element` (itself when it is one); else the nearest
    element with an id; None when there is neither."""
    found = element
    while found is not None:
        if isinstance(found.tag, str) and _local(found) in _KINDS:
            return found
        found = found.getparent()
    found = element
    while found is not None and found.get("id") is None:
        found = found.getparent()
    return found


def kind_of(element: Any) -> str:
    name = _local(element)
    if name in _TIMER_KINDS and any(
        isinstance(child.tag, str) and _local(child) == "timerEventDefinition" for child in element
    ):
        return _TIMER_KINDS[name]
    return _KINDS.get(name, _GENERIC_KIND)


def problem_at(element: Any, message: str) -> DiagramProblem:
    """A problem found on `element` or on a part of it, naming the element the modeler shows."""
    shown = owner(element) if element is not None else None
    if shown is None:
        return DiagramProblem(_nfc(message))
    name = _SPACES.sub(" ", shown.get("name") or "").strip()
    return DiagramProblem(
        message=_nfc(message),
        element_id=shown.get("id"),
        element_name=_nfc(name) or None,
        element_type=_local(shown),
        kind=kind_of(shown),
    )


def by_id(root: Any, element_id: str | None) -> Any:
    if not element_id:
        return None
    for element in root.iter():
        if isinstance(element.tag, str) and element.get("id") == element_id:
            return element
    return None


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


NOT_EXECUTABLE = (
    'quy trình chưa được đánh dấu thực thi được (isExecutable="true"; trong Camunda Modeler: '
    "ô 'Executable' của quy trình)"
)
# SpiffWorkflow's parse errors (English), as Vietnamese messages. A message not listed gets the
# generic one, so that no English text reaches the person.
_SPIFF_MESSAGES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"A Service Task must have an operator"),
        lambda m: "nhiệm vụ dịch vụ không được hỗ trợ",
    ),
    (
        re.compile(r"There is no support implemented for this task type"),
        lambda m: "loại phần tử này không được hỗ trợ",
    ),
    (
        re.compile(r"Process .* is not executable"),
        lambda m: NOT_EXECUTABLE,
    ),
    (re.compile(r"No start event found"), lambda m: "quy trình không có sự kiện bắt đầu"),
    (
        re.compile(r"Non-default exclusive outgoing sequence flow without condition"),
        lambda m: (
            "luồng ra khỏi cổng loại trừ không có điều kiện mà cũng không phải luồng "
            "mặc định của cổng"
        ),
    ),
    (
        re.compile(r"Exactly one start event is required in a SubWorkflow Task; found (\d+)"),
        lambda m: f"quy trình con phải có đúng một sự kiện bắt đầu (đang có {m.group(1)})",
    ),
    (
        re.compile(r"A SubWorkflow Must contain an End event"),
        lambda m: "quy trình con phải có sự kiện kết thúc",
    ),
    (
        re.compile(r'No "calledElement" attribute for Call Activity'),
        lambda m: "hoạt động gọi chưa nêu quy trình được gọi (calledElement)",
    ),
    (
        re.compile(r"Invalid Script Task.\s+No Script Provided"),
        lambda m: "nhiệm vụ kịch bản chưa có kịch bản",
    ),
    (
        re.compile(r"Conditional event definition with missing condition"),
        lambda m: "sự kiện điều kiện chưa có điều kiện",
    ),
    (
        re.compile(r"Unknown Time Specification"),
        lambda m: (
            'hẹn giờ chưa chọn loại: khoảng thời gian (timeDuration, vd. "P3D"), '
            "thời điểm (timeDate) hoặc chu kỳ (timeCycle)"
        ),
    ),
    (re.compile(r"Time Specification Error"), lambda m: "hẹn giờ không đọc được"),
    (
        re.compile(r"Cannot resolve data(?:In|Out)putAssociation (\S+)"),
        lambda m: f"không tìm thấy đối tượng dữ liệu '{m.group(1)}' mà phần tử dùng",
    ),
    (
        re.compile(r"Duplicate process ID: (\S+)"),
        lambda m: f"id quy trình '{m.group(1)}' bị trùng",
    ),
    (
        re.compile(r"(?:Message|Signal|Error|Escalation|Correlation|Data Store) identifier"),
        lambda m: "một khai báo chung của sơ đồ thiếu id",
    ),
    (
        re.compile(r"The process '([^']+)' was not found"),
        lambda m: f"không tìm thấy quy trình '{m.group(1)}' được gọi",
    ),
    (
        re.compile(r"Could not find messageRef from message event definition: (\S+)"),
        lambda m: f"không tìm thấy thông điệp '{m.group(1)}'",
    ),
]
GENERIC = "bộ máy quy trình không đọc được phần tử này; hãy kiểm tra lại các thuộc tính của nó"


def spiff_message(text: str) -> str:
    for pattern, vietnamese in _SPIFF_MESSAGES:
        found = pattern.search(text)
        if found:
            return vietnamese(found)
    return GENERIC


def spiff_problem(root: Any, exc: Exception) -> DiagramProblem:
    """SpiffWorkflow's parse error as a problem on the element it names, in Vietnamese."""
    message = spiff_message(str(exc))
    element = by_id(root, getattr(exc, "id", None))
    if element is None:
        line = getattr(exc, "line_number", None)
        element = _at_line(root, line)
    return problem_at(element, message)


def schema_problems(root: Any, schema: Any) -> list[DiagramProblem]:
    """Every place the diagram breaks the BPMN 2.0 schema (XSD), on the element at that line."""
    if schema.validate(root):
        return []
    problems = []
    for entry in schema.error_log:
        element = _at_line(root, entry.line)
        problems.append(problem_at(element, _schema_message(entry.message)))
    return _unique(problems)


_SCHEMA_MESSAGES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"Element '(?:\{[^}]*\})?([\w.-]+)': This element is not expected"),
        lambda m: f"phần tử con '{m.group(1)}' không đúng chỗ theo lược đồ BPMN 2.0",
    ),
    (
        re.compile(r"The attribute '([\w:.-]+)' is not allowed"),
        lambda m: f"thuộc tính '{m.group(1)}' không được phép theo lược đồ BPMN 2.0",
    ),
    (
        re.compile(r"The attribute '([\w:.-]+)' is required but missing"),
        lambda m: f"thiếu thuộc tính bắt buộc '{m.group(1)}'",
    ),
    (
        re.compile(r"attribute '([\w:.-]+)': .* is not a valid value"),
        lambda m: f"giá trị của thuộc tính '{m.group(1)}' không hợp lệ",
    ),
    (
        re.compile(r"Missing child element"),
        lambda m: "thiếu phần tử con bắt buộc theo lược đồ BPMN 2.0",
    ),
]


def _schema_message(text: str) -> str:
    for pattern, vietnamese in _SCHEMA_MESSAGES:
        found = pattern.search(text)
        if found:
            return vietnamese(found)
    return "không đúng lược đồ BPMN 2.0"


def _at_line(root: Any, line: Any) -> Any:
    if not isinstance(line, int) or line <= 0:
        return None
    found = None
    for element in root.iter():
        if isinstance(element.tag, str) and element.sourceline == line:
            return element
        if isinstance(element.tag, str) and (element.sourceline or 0) <= line:
            found = element
    return found


def _unique(problems: Iterable[DiagramProblem]) -> list[DiagramProblem]:
    seen: set[DiagramProblem] = set()
    kept = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            kept.append(problem)
    return kept
