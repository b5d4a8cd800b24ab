"""The `when.<action>` conditions of a step's actions and openings (engine/declarations.py) are
answered from what they answered before for the same values of the names they read, when that
is all the answer depends on; any other condition is evaluated at every read, as before. What a
task offers (Đ5.2a accept or return while assigned; Đ5.2c no new extension request while one is
pending; Đ8.1b no difficulty report while one awaits an answer) is the same either way."""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest

from services.workflow.deadlines import deadline_functions
from services.workflow.engine import Engine
from services.workflow.engine import declarations as declarations_module
from services.workflow.engine.declarations import Declarations
from shared.calendar import WorkingCalendar

LIFECYCLE = Path(__file__).resolve().parents[2] / "bpmn" / "task_lifecycle.bpmn"
VALUES: list[Any] = ["assigned", "accepted", "", None, True, False, 0, 1, 2.0, [1], {"a": 1}]


def _work(engine: Engine) -> Any:
    model = engine.parse(LIFECYCLE.read_bytes(), "task_lifecycle", 1)
    return engine._spec_of(model).spec.task_specs["work"]


def _counting(calls: list[str]) -> Any:
    real = declarations_module.evaluated

    def counted(environment: Any, condition: str, data: Any, spec: Any) -> bool | None:
        calls.append(condition)
        return real(environment, condition, data, spec)

    return counted


def test_the_work_step_offers_what_its_conditions_give_for_every_value_remembered_or_not() -> None:
    """Đ5.2a, Đ5.2c, Đ8.1b: the actions and openings of the lead unit's step, for every
    combination of the names its conditions read, read twice (the second from what the first
    answered) against a Declarations that evaluates every time."""
    engine = Engine(deadline_functions(WorkingCalendar.default()))
    spec = _work(engine)
    remembering = engine._declared
    evaluating = Declarations(engine._script_engine.environment)
    _spec, actions, openings, conditions = remembering.of(spec)
    assert {"status", "extension_pending", "difficulty_open"} <= set(
        declarations_module._names_read(conditions, engine._reserved) or ()
    )
    for combo in itertools.product(VALUES, VALUES, VALUES[:6]):
        data = dict(zip(("status", "extension_pending", "difficulty_open"), combo, strict=True))
        task = SimpleNamespace(data=data, task_spec=spec)
        for pairs in (actions, openings):
            with mock.patch.object(Declarations, "_key", lambda *_args: None):
                expected = evaluating.held(pairs, conditions, task)
            assert remembering.held(pairs, conditions, task) == expected, (combo, pairs)
            assert remembering.held(pairs, conditions, task) == expected, (combo, pairs)
    assigned = SimpleNamespace(data={"status": "assigned"}, task_spec=spec)
    offered = remembering.held(actions, conditions, assigned)
    assert {action for action, _role in offered} >= {"accept", "return"}
    assert "report_progress" not in {action for action, _role in offered}


def test_an_answer_is_remembered_only_for_values_that_behave_alike_when_equal() -> None:
    engine = Engine(deadline_functions(WorkingCalendar.default()))
    spec = _work(engine)
    declared = engine._declared
    _spec, actions, _openings, conditions = declared.of(spec)
    calls: list[str] = []
    with mock.patch.object(declarations_module, "evaluated", _counting(calls)):
        for data in ({"status": "accepted"}, {"status": "accepted", "extension_pending": 1}):
            task = SimpleNamespace(data=data, task_spec=spec)
            declared.held(actions, conditions, task)
            first = len(calls)
            assert first > 0
            declared.held(actions, conditions, task)
            assert len(calls) == first  # the same values: answered as before
            calls.clear()
        # True and 1 are equal but not alike; a float, a list are not remembered by.
        for pending in (True, 2.0, [1], [1]):
            task = SimpleNamespace(data={"status": "accepted", "extension_pending": pending})
            task.task_spec = spec
            declared.held(actions, conditions, task)
            assert calls, pending
            calls.clear()


def gated(condition: str) -> bytes:
    """A diagram whose user task offers `go` when `condition` holds."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:userTask id="ask">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="actions" value="go, wait"/>
        <spiffworkflow:property name="role" value="unit"/>
        <spiffworkflow:property name="when.go" value="{condition}"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="ask"/>
    <bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


@pytest.mark.parametrize(
    "condition",
    ["x is None", "x is not None", "len(y) &gt; 0 or x", "flag() and x"],
    ids=["is", "is-not", "builtin-call", "function-call"],
)
def test_a_condition_that_calls_or_asks_is_is_evaluated_at_every_read(condition: str) -> None:
    engine = Engine({"flag": lambda: True})
    model = engine.parse(gated(condition), "p", 1)
    step = engine.start(model, {"x": None, "y": "a"})
    calls: list[str] = []
    with mock.patch.object(declarations_module, "evaluated", _counting(calls)):
        first = engine.load(model, step.state)
        assert len(calls) == 1
        again = engine.load(model, step.state)
        assert len(calls) == 2
    assert first.offers == again.offers


def test_a_condition_that_fails_is_evaluated_and_logged_at_every_read(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = Engine()
    model = engine.parse(gated("x + 1 &gt; 0"), "p", 1)
    step = engine.start(model, {"x": "chữ"})
    with caplog.at_level(logging.ERROR):
        caplog.clear()  # the start's own read failed and logged too
        for read in range(1, 4):
            offers = engine.load(model, step.state).offers
            assert [offer.action for offer in offers] == ["wait"]
            failed = [r for r in caplog.records if "when.* of ask failed" in r.getMessage()]
            assert len(failed) == read


def test_remembered_answers_are_dropped_whole_once_there_are_too_many() -> None:
    engine = Engine(deadline_functions(WorkingCalendar.default()))
    spec = _work(engine)
    declared = engine._declared
    _spec, actions, _openings, conditions = declared.of(spec)
    for n in range(declarations_module._REMEMBERED + 10):
        declared.held(
            actions, conditions, SimpleNamespace(data={"status": f"s{n}"}, task_spec=spec)
        )
    assert len(declared._answers) <= declarations_module._REMEMBERED
