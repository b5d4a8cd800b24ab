"""The engine's workflow cache (keyed by instance, checked against the stored state) and the one
walk that reads a Step: what they change is speed, never the outcome."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.util.task import TaskState

from services.workflow.deadlines import deadline_functions
from services.workflow.domain import workflow_data
from services.workflow.engine import Engine, ProcessModel, Step
from services.workflow.engine.core import _walk
from services.workflow.engine.parse import declared_actions
from shared.calendar import TZ, WorkingCalendar
from shared.clock import FixedClock

LIFECYCLE = Path(__file__).resolve().parents[2] / "bpmn" / "task_lifecycle.bpmn"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
TASK = {"lead_unit": "SO_TC", "due_on": date(2026, 12, 15), "cadence": None}


class CountingEngine(Engine):
    """An engine counting the states it deserializes."""

    loads = 0

    def _load(self, model: ProcessModel, state: str) -> Any:
        self.loads += 1
        return super()._load(model, state)


def _engine(cache_size: int = 512) -> tuple[CountingEngine, ProcessModel]:
    clock = FixedClock(NOW)
    engine = CountingEngine(
        deadline_functions(WorkingCalendar.default(), clock), clock=clock, cache_size=cache_size
    )
    return engine, engine.parse(LIFECYCLE.read_bytes(), "task_lifecycle", 1)


def _start(engine: Engine, model: ProcessModel, key: str | None) -> Step:
    return engine.start(model, workflow_data({"task_id": key or "t", **TASK}), key=key)


def _seen(step: Step) -> tuple[Any, ...]:
    return (step.state, step.data, step.offers, step.next_due, step.notices, step.completed)


def test_back_to_back_actions_on_a_cached_instance_deserialize_nothing() -> None:
    engine, model = _engine()
    stored = _start(engine, model, "t1").state

    step = engine.load(model, stored, key="t1")
    accepted = engine.perform(step, "accept", {})
    again = engine.load(model, accepted.state, key="t1")
    reported = engine.perform(again, "report_progress", {"note": "50%"})

    assert engine.loads == 0
    # The same outcome as an engine without a cache, which reads every state.
    plain, plain_model = _engine(cache_size=0)
    fresh = plain.perform(plain.load(plain_model, stored), "accept", {})
    fresh = plain.perform(plain.load(plain_model, fresh.state), "report_progress", {"note": "50%"})
    assert plain.loads == 2
    assert _seen(reported)[1:] == _seen(fresh)[1:]
    assert reported.status == "in_progress"


def test_a_state_other_than_the_cached_one_is_read_afresh() -> None:
    """Another process advanced the instance, or the transaction that stored the cached state
    rolled back: the row's state decides, never the cache."""
    engine, model = _engine()
    started = _start(engine, model, "t1")
    accepted = engine.perform(engine.load(model, started.state, key="t1"), "accept", {})
    assert accepted.status == "in_progress" and engine.loads == 0

    rolled_back = engine.load(model, started.state, key="t1")  # the row holds the first state

    assert engine.loads == 1
    assert _seen(rolled_back)[:4] == _seen(started)[:4]
    assert rolled_back.status == "assigned" and rolled_back.offered("accept")


def test_a_step_whose_workflow_another_call_advanced_is_advanced_from_its_own_state() -> None:
    engine, model = _engine()
    stored = _start(engine, model, "t1").state
    first = engine.load(model, stored, key="t1")
    second = engine.load(model, stored, key="t1")  # e.g. two threads read the same row

    returned = engine.perform(first, "return", {"reason": "missing"})
    accepted = engine.perform(second, "accept", {})

    assert engine.loads == 1  # `second` had lost its workflow to `first`'s action
    assert (returned.status, accepted.status) == ("returned", "in_progress")


def test_the_cache_keeps_the_most_recently_used_instances() -> None:
    engine, model = _engine(cache_size=2)
    states = {key: _start(engine, model, key).state for key in ("a", "b", "c")}

    engine.load(model, states["b"], key="b")
    engine.load(model, states["c"], key="c")
    assert engine.loads == 0
    engine.load(model, states["a"], key="a")  # the oldest, pushed out by b and c
    assert engine.loads == 1


def test_a_cached_workflow_of_another_version_is_not_reused() -> None:
    engine, model = _engine()
    stored = _start(engine, model, "t1").state
    other = engine.parse(LIFECYCLE.read_bytes(), "task_lifecycle", 2)

    step = engine.load(other, stored, key="t1")

    assert engine.loads == 1 and step.model is other


MASKS = (
    TaskState.READY,
    TaskState.WAITING,
    TaskState.READY | TaskState.WAITING | TaskState.STARTED,
    TaskState.COMPLETED,
    TaskState.FINISHED_MASK,
    TaskState.NOT_FINISHED_MASK,
    TaskState.PREDICTED_MASK,
    TaskState.ANY_MASK,
)
PAYLOADS = {
    "return": {"reason": "missing"},
    "request_extension": {"new_due_on": "2026-12-30", "reason": "Chờ số liệu"},
}


def _spiff_view(workflow: Any, announcing: frozenset[str]) -> tuple[Any, ...]:
    """What Spiff's own filtered walks find, for comparison with the one walk."""
    open_tasks = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED)
    ready = workflow.get_tasks(state=TaskState.READY, manual=True)
    announced = [
        t.id
        for t in workflow.get_tasks()
        if t.state == TaskState.COMPLETED and t.task_spec.name in announcing
    ]
    unfinished = not workflow.is_completed()
    return (
        [t.id for t in open_tasks],
        [(t.id, declared_actions(t.task_spec)) for t in ready],
        announced,
        unfinished,
    )


@pytest.mark.parametrize(
    "actions",
    [
        [],
        ["accept"],
        ["accept", "report_progress", "request_extension"],
        ["accept", "submit_result"],
        ["return"],
        ["accept", "submit_result", "confirm"],
    ],
)
def test_one_walk_finds_what_spiffs_filtered_walks_find_in_the_same_order(
    actions: list[str],
) -> None:
    engine, model = _engine(cache_size=0)
    step = _start(engine, model, None)
    later = [NOW + timedelta(days=days) for days in (0, 9, 16, 40)]
    for index, action in enumerate(actions):
        with engine.at(later[min(index, len(later) - 1)]):
            step = engine.fire_due(step)
        step = engine.perform(step, action, PAYLOADS.get(action, {}))
    workflow = engine._load(model, step.state)
    announcing = model._parsed.announcing if model._parsed else frozenset()

    walked = _walk(workflow, announcing, lambda task: declared_actions(task.task_spec))

    # Spiff's own walks (engine steps, completions, predictions) through the plain walk find
    # the same tasks in the same order as Spiff's iterator.
    for mask in MASKS:
        for manual in (None, True, False):
            spiff = BpmnTaskIterator(workflow.task_tree, state=mask, manual=manual)
            ours = workflow.get_tasks_iterator(state=mask, manual=manual)
            assert [t.id for t in ours] == [t.id for t in spiff], (mask, manual)
    # By spec name, from the root and from a task down (as a catching event looks for its
    # other instances), for every spec the tree holds.
    for name in {t.task_spec.name for t in workflow.tasks.values()}:
        for first in (workflow.task_tree, *workflow.get_tasks(state=TaskState.READY)):
            spiff = BpmnTaskIterator(first, spec_name=name)
            ours = workflow.get_tasks_iterator(first, spec_name=name)
            assert [t.id for t in ours] == [t.id for t in spiff], name

    assert _spiff_view(workflow, announcing) == (
        [t.id for t in walked.open],
        [(t.id, pairs) for t, pairs in walked.user_tasks],
        list(walked.announced),
        walked.unfinished,
    )


SUBPROCESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:subProcess id="inner">
      <bpmn:startEvent id="inner_start"/>
      <bpmn:scriptTask id="inner_script">
        <bpmn:script>status = "inner"</bpmn:script>
      </bpmn:scriptTask>
      <bpmn:userTask id="inner_ask">
        <bpmn:extensionElements><spiffworkflow:properties>
          <spiffworkflow:property name="actions" value="go"/>
          <spiffworkflow:property name="role" value="unit"/>
        </spiffworkflow:properties></bpmn:extensionElements>
      </bpmn:userTask>
      <bpmn:endEvent id="inner_end"/>
      <bpmn:sequenceFlow id="i1" sourceRef="inner_start" targetRef="inner_script"/>
      <bpmn:sequenceFlow id="i2" sourceRef="inner_script" targetRef="inner_ask"/>
      <bpmn:sequenceFlow id="i3" sourceRef="inner_ask" targetRef="inner_end"/>
    </bpmn:subProcess>
    <bpmn:scriptTask id="after"><bpmn:script>status = "done"</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="inner"/>
    <bpmn:sequenceFlow id="f2" sourceRef="inner" targetRef="after"/>
    <bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_user_task_inside_a_subprocess_is_offered_and_performed() -> None:
    engine = Engine()
    model = engine.parse(SUBPROCESS, "p", 1)

    started = engine.start(model, {}, key="s1")
    assert [(o.action, o.task_name) for o in started.offers] == [("go", "inner_ask")]
    assert (started.status, started.completed) == ("inner", False)

    done = engine.perform(engine.load(model, started.state, key="s1"), "go", {})
    assert (done.status, done.completed, done.offers) == ("done", True, ())
