"""Diagrams drawn in Camunda Modeler or bpmn.io deploy as they are saved: `camunda:properties`
are read as `spiffworkflow:properties`, and a refused diagram lists every problem at once, in
Vietnamese, each naming the element as the modeler shows it (kind, name, BPMN type, id), never
an id the modeler does not show nor an engine's English text. The element templates in
bpmn/element-templates/ bind what the engine reads."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from services.workflow.engine import DiagramError, Engine
from services.workflow.engine.problems import GENERIC, spiff_message
from shared.clock import FixedClock, PinnableClock
from tests.unit.diagramkit import (
    CAMUNDA,
    NOTICES,
    PROCESS,
    REPO,
    TEMPLATES,
    assert_vietnamese_and_named,
    three_problems,
)

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@pytest.fixture()
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture()
def engine(clock: FixedClock) -> Engine:
    return Engine(clock=PinnableClock(clock), notices=NOTICES)


def _saved() -> bytes:
    return CAMUNDA.read_bytes()


# -- a diagram saved by Camunda Modeler --------------------------------------------------------


def test_a_diagram_saved_by_camunda_modeler_deploys_and_offers_its_declared_actions(engine):
    model = engine.parse(_saved(), PROCESS, 1)
    actions, notices = engine.declared(model)

    assert actions == {("accept", "unit"), ("return", "unit"), ("urge", "office")}
    assert notices == {"task.due_soon"}
    step = engine.start(model, {})
    assert [(offer.action, offer.role) for offer in step.offers] == [
        ("accept", "unit"),
        ("return", "unit"),
        ("urge", "office"),
    ]
    assert step.next_due == NOW + timedelta(days=3)
    assert engine.perform(step, "accept", {}).completed


def test_its_boundary_timer_fires_and_its_script_task_announces_the_notice(engine, clock):
    model = engine.parse(_saved(), PROCESS, 1)
    step = engine.start(model, {})

    clock.advance(timedelta(days=3))
    fired = engine.fire_due(step)

    assert fired.notices == ("task.due_soon",)
    assert [offer.action for offer in fired.offers] == ["accept", "return", "urge"]


def test_spiffworkflow_and_camunda_properties_that_agree_are_one_declaration(engine):
    both = _with_spiffworkflow_role("unit")

    model = engine.parse(both, PROCESS, 1)

    assert ("accept", "unit") in engine.declared(model)[0]


def test_properties_that_disagree_are_refused_naming_the_user_task(engine):
    both = _with_spiffworkflow_role("office")

    with pytest.raises(DiagramError) as refused:
        engine.parse(both, PROCESS, 1)

    (problem,) = refused.value.problems
    assert problem.element_id == "Activity_0d3kq1x"
    assert problem.element_type == "userTask"
    assert problem.text.startswith(
        "Nhiệm vụ người dùng 'Tiếp nhận' (userTask, id: Activity_0d3kq1x): thuộc tính 'role'"
    )
    assert "'unit'" in problem.text and "'office'" in problem.text


def _with_spiffworkflow_role(role: str) -> bytes:
    """The saved diagram with `role` also given in spiffworkflow:properties."""
    spiff = b'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    return (
        _saved()
        .replace(b"<bpmn:definitions ", b"<bpmn:definitions " + spiff)
        .replace(
            b"</camunda:properties>",
            b"</camunda:properties><spiffworkflow:properties>"
            + f'<spiffworkflow:property name="role" value="{role}"/>'.encode()
            + b"</spiffworkflow:properties>",
        )
    )


# -- every problem at once ---------------------------------------------------------------------


def test_a_diagram_with_three_problems_is_refused_with_three_entries_naming_each_element(engine):
    with pytest.raises(DiagramError) as refused:
        engine.parse(three_problems(_saved()), PROCESS, 1)

    problems = refused.value.problems
    assert [(p.element_type, p.element_id, p.element_name) for p in problems] == [
        ("userTask", "Activity_0d3kq1x", "Tiếp nhận"),
        ("serviceTask", "Activity_0svc9x1", "Gọi hệ thống"),
        ("boundaryEvent", "Event_1ab", "Nhắc sắp đến hạn"),
    ]
    texts = [p.text for p in problems]
    assert texts[0].startswith("Nhiệm vụ người dùng 'Tiếp nhận' (userTask, id: Activity_0d3kq1x): ")
    assert "'role'" in texts[0] and "camunda:properties" in texts[0]
    assert texts[1] == (
        "Nhiệm vụ dịch vụ 'Gọi hệ thống' (serviceTask, id: Activity_0svc9x1): "
        "nhiệm vụ dịch vụ không được hỗ trợ"
    )
    assert texts[2].startswith(
        "Sự kiện hẹn giờ biên 'Nhắc sắp đến hạn' (boundaryEvent, id: Event_1ab): "
    )
    assert "timeDuration" in texts[2] and "'Duration'" in texts[2]
    assert_vietnamese_and_named(texts)
    assert all("Task" not in p.message for p in problems)
    assert str(refused.value) == "\n".join(texts)


def test_a_condition_s_problem_names_its_sequence_flow(engine):
    unsafe = _saved().replace(b'action == "return"', b"action.__class__")

    with pytest.raises(DiagramError) as refused:
        engine.parse(unsafe, PROCESS, 1)

    (problem,) = refused.value.problems
    assert problem.element.startswith("Luồng tuần tự 'Trả lại' (sequenceFlow, id: Flow_1return)")
    assert "biểu thức bị từ chối" in problem.message


def test_a_bare_duration_is_told_to_be_quoted(engine):
    bare = _saved().replace(b'>"P3D"<', b">P3D<")

    with pytest.raises(DiagramError) as refused:
        engine.parse(bare, PROCESS, 1)

    assert 'trong ngoặc kép: "P3D"' in refused.value.problems[0].message


def test_an_engine_parse_error_is_told_in_vietnamese_naming_its_element(engine):
    not_executable = _saved().replace(b'isExecutable="true"', b'isExecutable="false"')

    with pytest.raises(DiagramError) as refused:
        engine.parse(not_executable, PROCESS, 1)

    (problem,) = refused.value.problems
    assert problem.element == "Quy trình 'Tiếp nhận hồ sơ' (process, id: Process_1k0h6xa)"
    assert "Executable" in problem.message
    assert_vietnamese_and_named([problem.text])


def test_schema_errors_are_each_told_in_vietnamese_on_their_element(engine):
    odd = _saved().replace(
        b'<bpmn:userTask id="Activity_0d3kq1x"',
        b'<bpmn:userTask colour="red" id="Activity_0d3kq1x"',
    )

    with pytest.raises(DiagramError) as refused:
        engine.parse(odd, PROCESS, 1)

    (problem,) = refused.value.problems
    assert problem.element_id == "Activity_0d3kq1x"
    assert problem.message == "thuộc tính 'colour' không được phép theo lược đồ BPMN 2.0"


def test_a_file_that_is_not_xml_is_told_where_in_vietnamese(engine):
    with pytest.raises(DiagramError) as refused:
        engine.parse(_saved()[:400], PROCESS, 1)

    (problem,) = refused.value.problems
    assert problem.text.startswith("Sơ đồ: tệp không phải XML hợp lệ (dòng ")
    assert_vietnamese_and_named([problem.text])


def test_an_engine_message_not_known_gets_the_generic_vietnamese_one():
    assert spiff_message("Something new went wrong in the parser") == GENERIC
    assert spiff_message("A Service Task must have an operator") == (
        "nhiệm vụ dịch vụ không được hỗ trợ"
    )


# -- the element templates ---------------------------------------------------------------------


def _templates() -> dict[str, dict]:
    loaded = json.loads(TEMPLATES.read_text(encoding="utf-8"))
    assert isinstance(loaded, list)
    return {template["name"]: template for template in loaded}


def test_the_element_templates_have_the_camunda_7_shape():
    templates = _templates()

    assert set(templates) == {"Nhiệm vụ người dùng của Nhiệm vụ", "Thông báo sự kiện của Nhiệm vụ"}
    for template in templates.values():
        assert template["$schema"] == (
            "https://unpkg.com/@camunda/element-templates-json-schema/resources/schema.json"
        )
        assert re.fullmatch(r"vn\.nhiemvu\.[a-z-]+", template["id"])
        assert isinstance(template["version"], int)
        assert template["properties"]
        for prop in template["properties"]:
            assert prop["type"] in {"String", "Text", "Dropdown", "Hidden", "Boolean"}
            assert prop["binding"]["type"] in {"property", "camunda:property"}
            assert prop["binding"]["name"]
            for choice in prop.get("choices", []):
                assert set(choice) == {"name", "value"}
    user_task = templates["Nhiệm vụ người dùng của Nhiệm vụ"]
    assert user_task["appliesTo"] == ["bpmn:UserTask"]
    bound = {p["binding"]["name"]: p["binding"]["type"] for p in user_task["properties"]}
    assert bound == {
        "actions": "camunda:property",
        "role": "camunda:property",
        "actions.office": "camunda:property",
        "actions.office_lead": "camunda:property",
        "actions.coordinating": "camunda:property",
        "actions.unit_head": "camunda:property",
    }
    notice = templates["Thông báo sự kiện của Nhiệm vụ"]
    assert notice["appliesTo"] == ["bpmn:ScriptTask"]
    assert {p["binding"]["name"] for p in notice["properties"]} == {"script", "scriptFormat"}


def test_the_notice_template_offers_every_notice_the_diagrams_announce_and_only_known_ones():
    (script,) = [
        p
        for p in _templates()["Thông báo sự kiện của Nhiệm vụ"]["properties"]
        if p["binding"]["name"] == "script"
    ]
    offered = {
        re.fullmatch(r'notice = "([a-z_.]+)"', c["value"]).group(1) for c in script["choices"]
    }
    announced = {
        found
        for path in (REPO / "bpmn").glob("*.bpmn")
        for found in re.findall(r'notice = "([^"]+)"', path.read_text(encoding="utf-8"))
    }

    assert offered == announced
    assert offered <= set(NOTICES)
    assert script["value"] in [c["value"] for c in script["choices"]]


def _applied(template: dict, element: str, values: dict[str, str]) -> tuple[str, str]:
    """What Camunda Modeler writes for `template` filled with `values` (else its defaults)."""
    attributes = []
    properties = []
    for prop in template["properties"]:
        name = prop["binding"]["name"]
        value = values.get(name, prop.get("value", ""))
        if prop["binding"]["type"] == "camunda:property":
            properties.append(f'<camunda:property name="{name}" value="{value}" />')
        elif name != "script":
            attributes.append(f'{name}="{value}"')
    marks = f'camunda:modelerTemplate="{template["id"]}" camunda:modelerTemplateVersion="1"'
    return (
        f"{element} {' '.join(attributes)} {marks}".strip(),
        "<camunda:properties>" + "".join(properties) + "</camunda:properties>",
    )


def test_a_diagram_using_exactly_what_the_templates_bind_deploys(engine):
    templates = _templates()
    user_task, user_properties = _applied(
        templates["Nhiệm vụ người dùng của Nhiệm vụ"],
        '<bpmn:userTask id="Activity_0d3kq1x" name="Tiếp nhận"',
        {"actions": "accept,return", "actions.office": "urge"},
    )
    notice_template = templates["Thông báo sự kiện của Nhiệm vụ"]
    script_task, _none = _applied(
        notice_template, '<bpmn:scriptTask id="Activity_1n0t1ce" name="Báo sắp đến hạn"', {}
    )
    (script,) = [p for p in notice_template["properties"] if p["binding"]["name"] == "script"]
    xml = _saved().decode()
    xml = re.sub(r"<bpmn:userTask [^>]*>", user_task + ">", xml)
    xml = re.sub(r"<camunda:properties>.*?</camunda:properties>", user_properties, xml, flags=re.S)
    xml = re.sub(r"<bpmn:scriptTask [^>]*>", script_task + ">", xml)
    xml = re.sub(
        r"<bpmn:script>.*?</bpmn:script>", f"<bpmn:script>{script['value']}</bpmn:script>", xml
    )

    model = engine.parse(xml.encode(), PROCESS, 1)

    actions, notices = engine.declared(model)
    assert actions == {("accept", "unit"), ("return", "unit"), ("urge", "office")}
    assert notices == {"task.due_soon"}
