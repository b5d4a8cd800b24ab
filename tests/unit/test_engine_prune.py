"""engine/prune.py prunes a workflow whose finished tasks are one chain down from the root (an
instance just started) without its general walks: it drops what they drop, and leaves what
they leave, at every step of a task's life as well as at its start."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from unittest import mock

import pytest
from SpiffWorkflow.util.task import TaskState

import services.workflow.engine.prune as pruning
from services.workflow.domain import workflow_data
from services.workflow.engine import Engine, ProcessModel, Step
from services.workflow.engine.state import dump
from shared.clock import FixedClock
from tests.unit.test_engine_compact import NOW, TASK, _engine


def _both_ways(engine: Engine, model: ProcessModel, state: str) -> bool:
    """Prune two copies of a state, with and without the chain's path; the same result.
    Whether the chain's path applied."""
    fast = engine.load(model, state)._workflow[0]
    general = engine.load(model, state)._workflow[0]
    live = [t for t in fast.tasks.values() if t.state & TaskState.NOT_FINISHED_MASK]
    chained = pruning._chain(fast, live)
    dropped = pruning.prune(fast)
    with mock.patch.object(pruning, "_chain", lambda workflow, live: None):
        assert pruning.prune(general) == dropped
    assert dump(engine._serializer, fast) == dump(engine._serializer, general)
    assert [t.id for t in fast.tasks.values()] == [t.id for t in general.tasks.values()]
    assert [(t._parent, t._children) for t in fast.tasks.values()] == [
        (t._parent, t._children) for t in general.tasks.values()
    ]
    return chained is not None and dropped > 0


@pytest.mark.parametrize(
    ("data", "by_chain"),
    [
        (TASK, True),
        ({**TASK, "due_on": None}, True),
        ({**TASK, "due_on": None, "cadence": "quarterly"}, True),
        # A timer that falls due at once runs its branch: finished tasks beside the chain.
        ({**TASK, "due_on": date(2026, 12, 2)}, False),
        ({**TASK, "due_on": date(2026, 11, 20)}, False),
    ],
)
def test_an_instance_just_started_is_pruned_by_its_chain_as_the_general_walks_prune_it(
    data: dict[str, Any], by_chain: bool
) -> None:
    engine, model = _engine(FixedClock(NOW), compact=False)
    step = engine.start(model, workflow_data(data))
    assert _both_ways(engine, model, step.state) is by_chain


def test_every_step_of_a_task_s_life_is_pruned_as_the_general_walks_prune_it() -> None:
    clock = FixedClock(NOW)
    engine, model = _engine(clock, compact=False)
    step = engine.start(model, workflow_data(TASK))
    chained = [_both_ways(engine, model, step.state)]

    def then(call: Callable[[Step], Step]) -> None:
        nonlocal step
        step = call(step)
        chained.append(_both_ways(engine, model, step.state))

    then(lambda s: engine.perform(s, "accept", {}))
    then(lambda s: engine.perform(s, "report_progress", {"note": "50%"}))
    for _round in range(3):
        assert step.next_due is not None
        clock.advance(max(step.next_due - clock.now(), timedelta(0)))
        then(engine.fire_due)
    asked = (clock.now() + timedelta(days=60)).date().isoformat()
    then(lambda s: engine.perform(s, "request_extension", {"new_due_on": asked}))
    then(lambda s: engine.perform(s, "decide_extension", {"approve": True, "new_due_on": None}))
    then(lambda s: engine.perform(s, "submit_result", {"note": "xong"}))
    then(lambda s: engine.perform(s, "request_rework", {"note": "bổ sung"}))
    then(lambda s: engine.perform(s, "submit_result", {"note": "xong"}))
    then(lambda s: engine.perform(s, "confirm", {}))
    assert step.completed and chained[0]
