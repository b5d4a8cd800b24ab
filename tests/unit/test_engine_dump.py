"""The engine's direct serializer (engine/state.py, `dump`) writes, at every step of a task's
life, what Spiff's registry walk (`serialize_json`) writes for the same workflow: the same JSON
value, written compactly by orjson (or the very same string, by json, when the data holds what
orjson would write otherwise), and a state it wrote loads back into the same workflow, as does a
state written before by Spiff's serializer."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock
from uuid import UUID, uuid4

import pytest
from SpiffWorkflow.util.task import TaskState

from services.workflow.domain import workflow_data
from services.workflow.engine import Engine, ProcessModel, Step
from services.workflow.engine.core import _copied
from services.workflow.engine.state import dump, jsonable, parsed_ids
from shared.clock import FixedClock
from tests.unit.test_engine_compact import NOW, TASK, _engine


def _same_as_spiff(engine: Engine, model: ProcessModel, step: Step) -> None:
    workflow = step._workflow[0]
    spiff = engine._serializer.serialize_json(workflow)
    assert json.loads(step.state) == json.loads(spiff)
    assert ": " not in step.state[:20]  # written by orjson, compactly
    direct = engine.load(model, step.state)._workflow[0]
    assert json.loads(engine._serializer.serialize_json(direct)) == json.loads(step.state)
    # A state written as Spiff writes it (and as the engine wrote states before) reads the same.
    assert engine.load(model, spiff).data == step.data
    assert engine._serializer.serialize_json(engine.load(model, spiff)._workflow[0]) == spiff
    # The direct reader (SpeclessWorkflowConverter.tasks_from_dict) against Spiff's own.
    converter = engine._converter
    with mock.patch.object(
        converter,
        "tasks_from_dict",
        lambda stored, workflow: converter.mapping_from_dict(stored, UUID, workflow=workflow),
    ):
        generic = engine.load(model, step.state)._workflow[0]
    assert list(direct.tasks) == list(generic.tasks)
    for task_id, task in direct.tasks.items():
        other = generic.tasks[task_id]
        assert (task.id, task._parent, task._children, task.task_spec, task.state) == (
            other.id,
            other._parent,
            other._children,
            other.task_spec,
            other.state,
        )
        assert (task.data, task.internal_data, task.triggered, task.last_state_change) == (
            other.data,
            other.internal_data,
            other.triggered,
            other.last_state_change,
        )
        assert task.id is task_id and all(child in direct.tasks for child in task._children)
    assert list(direct.event_manager.tasks) == list(generic.event_manager.tasks)
    assert direct.task_tree.id == generic.task_tree.id and direct.data == generic.data


def _advance_to_due(clock: FixedClock, step: Step) -> None:
    assert step.next_due is not None
    if step.next_due > clock.now():
        clock.advance(step.next_due - clock.now())


@pytest.mark.parametrize("compact", [True, False])
def test_the_direct_serializer_writes_spiff_s_string_at_every_step_of_a_task_s_life(
    compact: bool,
) -> None:
    clock = FixedClock(NOW)
    engine, model = _engine(clock, compact)
    step = engine.start(model, workflow_data(TASK))
    _same_as_spiff(engine, model, step)
    seen = 1

    def then(call: Any) -> None:
        nonlocal step, seen
        # The engine itself takes the direct path, never Spiff's walk.
        with mock.patch.object(engine._serializer, "serialize_json") as walked:
            step = call(engine.load(model, step.state))
        assert not walked.called
        _same_as_spiff(engine, model, step)
        seen += 1

    then(lambda s: engine.perform(s, "accept", {}))
    then(lambda s: engine.perform(s, "report_progress", {"note": 'Đã xong 10% — "nháp"'}))
    _advance_to_due(clock, step)
    then(engine.fire_due)
    then(
        lambda s: engine.update(
            s, {"due_on": (clock.now() + timedelta(days=30)).date().isoformat()}
        )
    )
    then(lambda s: engine.annotate(s, {"case_open": True, "when": clock.now()}))
    for _round in range(4):
        _advance_to_due(clock, step)
        then(engine.fire_due)
    asked = (clock.now() + timedelta(days=60)).date().isoformat()
    then(lambda s, asked=asked: engine.perform(s, "request_extension", {"new_due_on": asked}))
    then(lambda s: engine.perform(s, "decide_extension", {"approve": True, "new_due_on": None}))
    then(lambda s: engine.perform(s, "submit_result", {"note": "xong"}))
    then(lambda s: engine.perform(s, "request_rework", {"note": "bổ sung"}))
    then(lambda s: engine.perform(s, "submit_result", {"note": "xong", "files": [1, 2]}))
    then(lambda s: engine.perform(s, "confirm", {}))
    assert step.completed and seen == 16


def test_spiff_still_logs_each_state_change_with_its_extras_when_its_logger_is_enabled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The engine skips building Spiff's log records only while nobody reads them
    (engine/quiet.py)."""
    engine, model = _engine(FixedClock(NOW), compact=True)
    with caplog.at_level(logging.INFO, logger="spiff.task"):
        engine.start(model, workflow_data(TASK))
    changes = [r for r in caplog.records if r.getMessage().startswith("State changed to")]
    assert changes and {"task_spec", "task_id", "elapsed", "parent"} <= vars(changes[0]).keys()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="spiff.task"):
        engine.start(model, workflow_data(TASK))
    assert not [r for r in caplog.records if r.name == "spiff.task"]


def test_spiff_still_logs_a_workflow_s_start_with_its_extras_when_its_logger_is_enabled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The engine's workflow makes Spiff's extras for its records (a walk over every task) only
    when `spiff.workflow` logs them (engine/walks.py, `Workflow.collect_log_extras`)."""
    engine, model = _engine(FixedClock(NOW), compact=True)
    with caplog.at_level(logging.DEBUG, logger="spiff.workflow"):
        engine.start(model, workflow_data(TASK))
    started = [r for r in caplog.records if r.getMessage() == "Initialized workflow"]
    assert started and {"workflow_spec", "completed", "root", "tasks"} <= vars(started[0]).keys()
    assert len(started[0].tasks) > 1
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="spiff.workflow"):
        engine.start(model, workflow_data(TASK))
    assert not [r for r in caplog.records if r.name == "spiff.workflow"]


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _level in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "odd",
    [
        UUID("12345678-1234-5678-1234-567812345678"),
        float("nan"),
        2**70,
        {1: "khóa số"},
        "nửa cặp \ud800",
        _nested(300),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    ],
    ids=["uuid", "nan", "big-int", "int-key", "lone-surrogate", "deep", "datetime"],
)
def test_data_orjson_would_write_otherwise_is_written_by_json_as_before(odd: Any) -> None:
    """orjson writes a UUID as a string (Spiff's encoder as a typed object), NaN as null, and
    refuses integers beyond 64 bits, keys that are not strings, lone surrogates and nesting
    deeper than 255: such data is written by
    Spiff's encoder, the very string as before; a datetime goes through Spiff's converter with
    either writer. A Step's data is copied as json copied it (dates as ISO strings)."""
    engine, model = _engine(FixedClock(NOW), compact=True)
    step = engine.start(model, workflow_data(TASK))
    workflow = step._workflow[0]
    for task in [workflow.task_tree, *workflow.get_tasks(state=TaskState.READY)]:
        task.data["odd"] = odd
    spiff = engine._serializer.serialize_json(workflow)
    written = dump(engine._serializer, workflow)
    if isinstance(odd, datetime):
        assert ": " not in written[:20] and json.loads(written) == json.loads(spiff)
    else:
        assert written == spiff
    assert engine._serializer.serialize_json(engine._load(model, written)) == spiff
    data = {"due": odd, "on": date(2026, 1, 2), "list": [odd, None, 1.5]}
    if isinstance(odd, UUID):
        with pytest.raises(TypeError):
            _copied(data)
        return
    expected = json.loads(json.dumps(data, default=jsonable))
    assert json.dumps(_copied(data)) == json.dumps(expected)


@pytest.mark.parametrize("odd", [float("nan"), 2**70], ids=["nan", "big-int"])
def test_data_not_plain_that_tasks_below_the_root_inherit_is_written_by_json_as_before(
    odd: Any,
) -> None:
    """A value that only tasks below the root hold, the same object inherited from task to
    task (a NaN equals itself there, though `!=` finds it changed), is written by Spiff's
    encoder, the very string as before."""
    engine, model = _engine(FixedClock(NOW), compact=True)
    workflow = engine.start(model, workflow_data(TASK))._workflow[0]
    for task in workflow.get_tasks():
        if task is not workflow.task_tree and task.data:
            task.data["odd"] = odd
    spiff = engine._serializer.serialize_json(workflow)
    assert dump(engine._serializer, workflow) == spiff


def test_spiff_s_new_tasks_get_version_4_uuids_as_uuid4_makes_them() -> None:
    """engine/quiet.py builds the ids of the tasks Spiff creates directly: the same kind of
    UUID as `uuid.uuid4()`, equal and hashed as one read from its string."""
    from SpiffWorkflow import task as spiff_task

    from services.workflow.engine.quiet import task_id

    assert spiff_task.uuid4 is task_id
    made = [task_id() for _ in range(2000)]
    assert len(set(made)) == len(made)
    for one in made[:50]:
        again = UUID(str(one))
        assert type(one) is UUID and one.version == 4 and one.variant == again.variant
        assert one == again and hash(one) == hash(again) and one.is_safe == again.is_safe
        assert UUID(str(one), version=4) == one  # uuid4's bits: setting them again changes none
    engine, model = _engine(FixedClock(NOW), compact=True)
    workflow = engine.start(model, workflow_data(TASK))._workflow[0]
    assert all(task_id.version == 4 for task_id in workflow.tasks)


def test_a_forked_process_makes_other_task_ids_than_its_parent() -> None:
    """engine/quiet.py reads random bytes for many ids at once: a forked child, which would
    inherit what its parent has not used yet, reads its own."""
    from services.workflow.engine.quiet import task_id

    task_id()  # the parent holds random bytes for the ids to come
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next id, to the parent
        os.write(write, str(task_id()).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = UUID(os.read(read, 64).decode())
    os.close(read)
    assert child != task_id() and child.version == 4


@pytest.mark.parametrize(
    "text",
    [
        "12345678-1234-5678-1234-567812345678",
        "ABCDEF01-2345-4678-9ABC-DEF012345678",
        "12345678123456781234567812345678",
        "{12345678-1234-5678-1234-567812345678}",
        "urn:uuid:12345678-1234-5678-1234-567812345678",
        "+2345678-1234-5678-1234-567812345678",
        "1_345678-1234-5678-1234-567812345678",
        "g2345678-1234-5678-1234-567812345678",
        "12345678-1234-5678-1234-56781234567",
        "",
    ],
)
def test_stored_task_ids_are_read_as_uuid_reads_them(text: str) -> None:
    """`parsed_ids` (the direct reader's ids) is what `UUID(text)` is, or raises as it does."""
    try:
        expected: UUID | str = UUID(text)
    except ValueError as exc:
        expected = str(exc)
    try:
        got: UUID | str = parsed_ids([text])[text]
    except ValueError as exc:
        got = str(exc)
    assert got == expected
    if isinstance(got, UUID):
        assert isinstance(expected, UUID)
        assert type(got) is UUID and got.is_safe == expected.is_safe and hash(got) == hash(expected)
    random = uuid4()
    assert parsed_ids([str(random)]) == {str(random): random}
