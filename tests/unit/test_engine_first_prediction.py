"""engine/walks.py lays a new workflow's first prediction out from the one its spec's first
instance made: the same tasks, created in the same order, with the same states, parents,
children and data as Spiff's own prediction, for every diagram the project ships; a start then
runs and is stored as before."""

from __future__ import annotations

import gc
import re
import weakref
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

import services.workflow.engine.walks as walks
from services.workflow.case_dates import case_date_functions
from services.workflow.deadlines import deadline_functions
from services.workflow.domain import workflow_data
from services.workflow.engine import Engine
from shared.calendar import WorkingCalendar

DIAGRAMS = sorted((Path(__file__).resolve().parents[2] / "bpmn").glob("*.bpmn"))


def _engine() -> Engine:
    calendar = WorkingCalendar.default()
    return Engine({**deadline_functions(calendar), **case_date_functions(calendar)})


def _shape(workflow: Any) -> list[tuple[Any, ...]]:
    tasks = list(workflow.tasks.values())
    index = {task.id: n for n, task in enumerate(tasks)}
    return [
        (
            task.task_spec,  # the very spec object
            task._state,
            index.get(task._parent),
            [index[child] for child in task._children],
            task.thread_id,
            task.triggered,
            task.data,
            task.internal_data,
        )
        for task in tasks
    ] + [workflow.data, workflow.task_tree is tasks[0]]


def _spiffs(self: Any, spec: Any, subprocess_specs: Any = None, script_engine: Any = None) -> None:
    BpmnWorkflow.__init__(self, spec, subprocess_specs, script_engine)


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=lambda path: path.stem)
def test_a_replayed_first_prediction_is_spiffs(diagram, monkeypatch):
    engine = _engine()
    source = diagram.read_bytes()
    found = re.search(rb'<bpmn:process id="([^"]+)"', source)
    assert found is not None
    model = engine.parse(source, found.group(1).decode(), 1)
    parsed = engine._spec_of(model)

    def made() -> Any:
        return walks.Workflow(
            parsed.spec, parsed.subprocess_specs, script_engine=engine._script_engine
        )

    first, replayed = made(), made()
    assert parsed.spec in walks._first_predictions
    with monkeypatch.context() as patched:
        patched.setattr(walks.Workflow, "__init__", _spiffs)
        spiffs = made()
    assert _shape(first) == _shape(replayed) == _shape(spiffs)
    assert replayed.script_engine is engine._script_engine


def test_a_start_on_a_replayed_prediction_is_stored_as_spiffs(monkeypatch):
    engine = _engine()
    diagram = Path(__file__).resolve().parents[2] / "bpmn" / "task_lifecycle.bpmn"
    model = engine.parse(diagram.read_bytes(), "task_lifecycle", 1)
    data = workflow_data({"task_id": "t-1", "lead_unit": "SO_TC", "due_on": None, "cadence": None})
    engine.start(model, data)  # the spec's first instance
    replayed = engine.start(model, data)
    with monkeypatch.context() as patched:
        patched.setattr(walks.Workflow, "__init__", _spiffs)
        spiffs = engine.start(model, data)
    assert _shape(replayed._workflow[0]) == _shape(spiffs._workflow[0])
    assert (replayed.data, replayed.offers, replayed.next_due, replayed.notices) == (
        spiffs.data,
        spiffs.offers,
        spiffs.next_due,
        spiffs.notices,
    )


def test_a_remembered_prediction_goes_with_its_spec():
    engine = _engine()
    diagram = Path(__file__).resolve().parents[2] / "bpmn" / "task_lifecycle.bpmn"
    model = engine.parse(diagram.read_bytes(), "task_lifecycle", 1)
    data = workflow_data({"task_id": "t-1", "lead_unit": "SO_TC", "due_on": None, "cadence": None})
    engine.start(model, data)
    spec = engine._spec_of(model).spec
    assert spec in walks._first_predictions
    held = weakref.ref(spec)
    del engine, model, spec
    gc.collect()
    assert held() is None
