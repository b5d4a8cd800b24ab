"""The workflow engine: the task_lifecycle diagram drives statuses and offers; diagrams are
checked by the restricted evaluator at deploy and at run time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.workflow.deadlines import deadline_functions
from services.workflow.engine import (
    ActionNotOffered,
    DiagramError,
    Engine,
    InvalidPayload,
    Offer,
    ProcessModel,
    StateError,
    Step,
)
from shared.calendar import WorkingCalendar

REPO = Path(__file__).resolve().parents[2]
LIFECYCLE = REPO / "bpmn" / "task_lifecycle.bpmn"


# The host always hands the diagram a due date (None for an undated task) and a reporting
# cadence (None for a dated one): its timers read them.
UNDATED = {"due_on": None, "cadence": None}


def _lifecycle_engine() -> Engine:
    return Engine(deadline_functions(WorkingCalendar.default()))


@pytest.fixture(scope="module")
def engine() -> Engine:
    return _lifecycle_engine()


@pytest.fixture(scope="module")
def model(engine: Engine) -> ProcessModel:
    return engine.parse(LIFECYCLE.read_bytes(), "task_lifecycle", 1)


def _actions(step: Step) -> list[str]:
    return [offer.action for offer in step.offers if not offer.opens]


def _performed(step: Step) -> list[Offer]:
    """The actions the diagram performs (not the cases it offers to open)."""
    return [offer for offer in step.offers if not offer.opens]


def _openings(step: Step) -> set[tuple[str, str]]:
    """The cases the step offers to open, as (action, role)."""
    return {(offer.action, offer.role) for offer in step.offers if offer.opens}


# The corrections every step before the end offers to open (Đ7.1, Đ7.2b).
CORRECTIONS = {
    ("correct_report", "unit"),
    ("correct_report", "coordinating"),
    ("request_correction", "office"),
}


def _diagram(script: str = 'status = "x"', condition: str = 'action == "return"') -> bytes:
    """A one-user-task process whose script and gateway condition the test chooses."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:scriptTask id="run_script">
      <bpmn:script><![CDATA[{script}]]></bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="ask">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="actions" value="go,return"/>
        <spiffworkflow:property name="role" value="unit"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="gw" default="f_go"/>
    <bpmn:endEvent id="e_go"/>
    <bpmn:endEvent id="e_return"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="run_script"/>
    <bpmn:sequenceFlow id="f2" sourceRef="run_script" targetRef="ask"/>
    <bpmn:sequenceFlow id="f3" sourceRef="ask" targetRef="gw"/>
    <bpmn:sequenceFlow id="f_go" sourceRef="gw" targetRef="e_go"/>
    <bpmn:sequenceFlow id="f_return" sourceRef="gw" targetRef="e_return">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
        ><![CDATA[{condition}]]></bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>""".encode()


def test_a_started_task_is_assigned_and_offers_accept_and_return_to_the_unit(engine, model):
    step = engine.start(model, {"task_id": "T-1", **UNDATED})

    assert _openings(step) == CORRECTIONS
    assert _performed(step) == [
        Offer("accept", "unit", "work"),
        Offer("return", "unit", "work"),
        Offer("urge", "office", "work"),
        Offer("withdraw", "office", "work"),
        Offer("assign_officer", "unit_head", "work"),  # Đ21: any time the task is at the unit
    ]
    assert step.data == {"task_id": "T-1", **UNDATED, "status": "assigned"}
    assert not step.completed


def test_accepting_puts_the_task_in_progress_and_offers_submit_result(engine, model):
    step = engine.perform(engine.start(model, UNDATED), "accept", {})

    assert step.status == "in_progress"
    assert _openings(step) == {
        *CORRECTIONS,
        ("report_difficulty", "unit"),
        ("ask_direction", "office"),
    }
    assert _performed(step) == [
        Offer("report_progress", "unit", "work"),
        Offer("request_extension", "unit", "work"),
        Offer("submit_result", "unit", "work"),
        Offer("contribute", "coordinating", "work"),
        Offer("urge", "office", "work"),
        Offer("withdraw", "office", "work"),
        # Đ8.2c: the lead unit hands the task on to a unit under it, which reports to it;
        # Đ8.2a: the department managing the task's sector urges it.
        Offer("hand_on", "parent", "work"),
        Offer("urge_in_sector", "sector", "work"),
        Offer("report_handed_progress", "subordinate", "work"),
        Offer("assign_officer", "unit_head", "work"),  # Đ21: any time the task is at the unit
    ]


def test_submitting_a_result_waits_for_the_office_to_confirm(engine, model):
    step = engine.perform(engine.start(model, UNDATED), "accept", {})
    step = engine.perform(step, "submit_result", {"result": "Đã hoàn thành"})

    assert step.status == "submitted"
    assert _openings(step) == CORRECTIONS
    assert _performed(step) == [
        Offer("confirm", "office", "review"),
        Offer("request_rework", "office", "review"),
        Offer("withdraw", "office", "review"),
    ]
    assert step.data["result"] == "Đã hoàn thành"


def test_confirming_completes_the_task(engine, model):
    step = engine.start(model, UNDATED)
    for action in ("accept", "submit_result", "confirm"):
        step = engine.perform(step, action, {})

    assert step.status == "completed"
    assert _performed(step) == []
    # Đ7.1: the Office may still ask for reported information to be corrected
    assert _openings(step) == {("request_correction", "office")}
    assert not step.offered("request_correction")  # opened by the host, never performed
    assert step.completed


def test_a_returned_task_waits_for_the_office_and_is_assigned_again(engine, model):
    returned = engine.perform(engine.start(model, UNDATED), "return", {"reason": "Sai chức năng"})

    assert returned.status == "returned"
    assert returned.data["action"] == "return"
    assert _performed(returned) == [
        Offer("resolve_return", "office", "resolve_return"),
        Offer("withdraw", "office", "resolve_return"),
    ]

    resent = engine.perform(returned, "resolve_return", {})
    assert resent.status == "assigned"
    assert _actions(resent) == ["accept", "return", "urge", "withdraw", "assign_officer"]


def test_an_action_not_offered_is_refused_with_the_offered_actions(engine, model):
    step = engine.start(model, UNDATED)

    with pytest.raises(ActionNotOffered) as refused:
        engine.perform(step, "confirm", {})

    assert refused.value.action == "confirm"
    assert refused.value.offered == ["accept", "return", "urge", "withdraw", "assign_officer"]


def test_state_round_trips_through_json_text_and_a_fresh_engine(engine, model):
    step = engine.perform(engine.start(model, {"task_id": "T-9", **UNDATED}), "accept", {})
    copied = json.dumps(json.loads(step.state))
    other = _lifecycle_engine()  # no cached workflows, no parsed spec of its own
    rebuilt = ProcessModel("task_lifecycle", 1, LIFECYCLE.read_bytes())

    assert isinstance(step.state, str)
    loaded = other.load(rebuilt, copied)
    assert engine.load(model, step.state).data == loaded.data == step.data
    assert "submit_result" in _actions(loaded)
    submitted = other.perform(loaded, "submit_result", {})
    assert submitted.status == "submitted"


def test_the_state_leaves_the_spec_out(engine, model):
    state = json.loads(engine.start(model, UNDATED).state)

    assert "spec" not in state
    assert state["process_id"] == "task_lifecycle"


def test_a_state_of_another_process_is_refused(engine, model):
    other = engine.parse(_diagram(), "p", 1)

    with pytest.raises(StateError):
        engine.load(other, engine.start(model, UNDATED).state)


def test_a_payload_cannot_shadow_whitelisted_functions_or_use_dunders(engine, model):
    step = engine.start(model, UNDATED)

    for payload in ({"len": 1}, {"__builtins__": {}}):
        with pytest.raises(InvalidPayload):
            engine.perform(step, "accept", payload)


@pytest.mark.parametrize(
    "script",
    [
        "import os",
        "__import__('os')",
        "x = ().__class__",
        "open('x')",
        "f = lambda: 1",
        "x = [y for y in range(3)]",
        "x = 9 ** 9",
        "status.upper()",
    ],
)
def test_a_diagram_with_an_unsafe_script_is_refused_at_deploy(engine, script):
    with pytest.raises(DiagramError, match="run_script"):
        engine.parse(_diagram(script=script), "p", 1)


def test_a_diagram_with_an_unsafe_condition_is_refused_naming_the_flow(engine):
    with pytest.raises(DiagramError, match="f_return"):
        engine.parse(_diagram(condition="action.__class__"), "p", 1)


def test_a_user_task_without_declared_actions_is_refused(engine):
    diagram = _diagram().replace(b'value="go,return"', b'value=""')

    with pytest.raises(DiagramError, match="ask"):
        engine.parse(diagram, "p", 1)


def test_malformed_xml_and_unknown_process_ids_are_refused(engine):
    with pytest.raises(DiagramError):
        engine.parse(b"<bpmn:definitions", "p", 1)
    with pytest.raises(DiagramError, match="missing"):
        engine.parse(_diagram(), "missing", 1)


def test_a_whitelisted_function_can_be_called_from_scripts_and_conditions():
    calls: list[int] = []

    def add_working_days(start: str, days: int) -> str:
        calls.append(days)
        return f"{start}+{days}"

    engine = Engine({"add_working_days": add_working_days})
    model = engine.parse(
        _diagram(
            script="reminder = add_working_days(due_on, -3)\nsize = len(reminder)",
            condition='add_working_days(due_on, 1) == "2026-01-05+1" and action == "return"',
        ),
        "p",
        1,
    )
    step = engine.start(model, {"due_on": "2026-01-05"})

    assert step.data["reminder"] == "2026-01-05+-3"
    assert step.data["size"] == len("2026-01-05+-3")
    assert engine.perform(step, "return", {}).completed
    assert calls == [-3, 1]


def test_a_function_not_given_to_this_engine_is_refused(engine):
    diagram = _diagram(script="reminder = add_working_days(due_on, -3)")

    with pytest.raises(DiagramError, match="add_working_days"):
        engine.parse(diagram, "p", 1)


def test_a_refused_expression_is_refused_again_at_run_time():
    """Defense in depth: a spec altered after parse() still cannot run unsafe code."""
    engine = Engine()
    model = engine.parse(_diagram(), "p", 1)
    gateway = model._parsed.spec.task_specs["gw"]
    gateway.cond_task_specs = [
        (condition if condition is None else type(condition)("().__class__"), target)
        for condition, target in gateway.cond_task_specs
    ]

    with pytest.raises(DiagramError, match="Attribute"):
        engine.perform(engine.start(model, {}), "return", {})


def test_a_difficulty_is_reported_only_while_none_awaits_an_answer_D8_1b(engine, model):
    """The diagram decides (`when.report_difficulty`) from what the host notes in its data."""
    started = engine.start(model, {**UNDATED, "extension_pending": False})
    working = engine.perform(started, "accept", {})
    assert {("report_difficulty", "unit"), ("ask_direction", "office")} <= _openings(working)

    reported = engine.annotate(working, {"difficulty_open": True})
    assert ("report_difficulty", "unit") not in _openings(reported)
    assert reported.status == "in_progress" and _actions(reported) == _actions(working)
    stored = engine.load(model, reported.state)  # the fact is part of the stored state
    assert ("report_difficulty", "unit") not in _openings(stored)
    # progress reported meanwhile keeps it: the fact travels with the instance
    progressed = engine.perform(stored, "report_progress", {"note": "Đang làm"})
    assert ("report_difficulty", "unit") not in _openings(progressed)

    answered = engine.annotate(progressed, {"difficulty_open": False})
    assert ("report_difficulty", "unit") in _openings(answered)


def test_a_withdrawn_task_offers_no_case_to_open_D7_1(engine, model):
    step = engine.perform(engine.start(model, UNDATED), "withdraw", {"reason": "Thu hồi"})

    assert step.status == "withdrawn"
    assert step.offers == ()


@pytest.mark.parametrize(
    ("properties", "said"),
    [
        ('<spiffworkflow:property name="opens.unit" value="Not A Name"/>', "opens.<vai trò>"),
        (
            '<spiffworkflow:property name="opens.unit" value="x"/>'
            '<spiffworkflow:property name="when.y" value="True"/>',
            "when.y",
        ),
        (
            '<spiffworkflow:property name="opens.unit" value="x"/>'
            '<spiffworkflow:property name="when.x" value="__import__(1)"/>',
            "when.x",
        ),
    ],
)
def test_openings_and_their_conditions_are_checked_at_deploy(engine, properties, said):
    xml = _diagram().replace(
        b'<spiffworkflow:property name="role" value="unit"/>',
        b'<spiffworkflow:property name="role" value="unit"/>' + properties.encode(),
    )
    with pytest.raises(DiagramError) as refused:
        engine.parse(xml, "p", 1)
    assert said in str(refused.value)
