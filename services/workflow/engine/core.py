"""The only door to SpiffWorkflow: parse diagrams, start instances, offer and perform actions.

An instance's state is a JSON string that the caller stores; the engine keeps no instance in
memory between calls. The process spec is not part of the state: it belongs to the ProcessModel
(a deployed diagram version), so a state stays small and loads without re-building the spec.

Every call answers once, with a `Step`: the state to store and everything the host needs of it
(the diagram's data, the actions offered, the next timer's due time, the events announced by
this call, whether the instance completed). `load` reads a stored state into a Step; `perform`,
`fire_due` and `update` advance a Step and return the next one. A Step keeps the loaded workflow
for the one call that advances it, so reading what an instance offers and then performing one
of those actions loads the state once.

Given the instance's key, the engine also keeps the workflow of its latest Step in a bounded
cache (`cache_size` instances, least recently used out), keyed by the instance and checked
against the stored state: a load whose state is the very string that the cached workflow was
serialized to (or read from) skips deserializing; any other state (another process advanced the
instance, or the transaction that stored it rolled back) is read afresh. A workflow is advanced
only by the one call that took it out of the cache, so threads never share one being changed.

What a Step reports (data, offers, the announcing tasks that ran) is read in one walk over the
task tree, in Spiff's depth-first order.

Timers read the clock given to the Engine (timers.py). SpiffWorkflow never fires a timer by
itself: the host stores `Step.next_due` in an indexed column, and calls `fire_due` once that
time has come.

Notices: a script task that assigns `notice = "<event type>"` announces that event each time it
runs. `Step.notices` lists the events announced by the call that made the Step, in the order
they ran; the host publishes them. The usual shape is a timer's branch: boundary timer, script
task `notice = "task.due_soon"`, end event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from services.workflow.engine.declarations import Declarations as _Declarations
from services.workflow.engine.expressions import (
    RestrictedScriptEngine,
)
from services.workflow.engine.parse import Parsed, parse_diagram
from services.workflow.engine.positions import positions_of as _positions_of
from services.workflow.engine.positions import reached_in as _reached_in
from services.workflow.engine.predict import install as _lay_out_predictions
from services.workflow.engine.prune import prune
from services.workflow.engine.quiet import install as _quiet_spiff_logging
from services.workflow.engine.running import WorkflowCache as _WorkflowCache
from services.workflow.engine.running import advance as _advance
from services.workflow.engine.running import copied as _copied
from services.workflow.engine.running import guarded as _guarded
from services.workflow.engine.running import notices_since as _notices_since
from services.workflow.engine.running import payload_data as _payload_data
from services.workflow.engine.running import task_offering as _task_offering
from services.workflow.engine.running import with_data as _with_data
from services.workflow.engine.state import (
    CompactTaskConverter,
    SpeclessWorkflowConverter,
    StateError,
    dump,
    loads,
)
from services.workflow.engine.steps import (
    MigrationRefused,
    Offer,
    Positions,
    ProcessModel,
    Step,
    _offer,
)
from services.workflow.engine.subtrees import install as _walk_subtrees_plainly
from services.workflow.engine.templates import Templates as _Templates
from services.workflow.engine.timers import due_times, rearm
from services.workflow.engine.walks import OPEN as _OPEN
from services.workflow.engine.walks import Walked as _Walked
from services.workflow.engine.walks import Workflow as _Workflow
from services.workflow.engine.walks import kept as _kept
from services.workflow.engine.walks import rewalk as _rewalk
from services.workflow.engine.walks import walk as _walk
from shared.clock import Clock, PinnableClock, SystemClock

logger = logging.getLogger(__name__)
_quiet_spiff_logging()
_lay_out_predictions()
_walk_subtrees_plainly()


class Engine:
    """`functions`: what diagram expressions may call besides safe builtins; `clock`: what timers
    read (give the functions the same PinnableClock, so that `today()` follows `at`);
    `notices`: the event types a diagram may announce (None: any; checked at deploy);
    `compact`: store states pruned of the finished tasks nothing reads (engine/state.py, `prune`),
    so that they stay the size of where the instance stands; `start_copies`: the functions read
    the clock by the local day only, so `start_like` may copy starts (engine/templates.py)."""

    def __init__(
        self,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        clock: Clock | None = None,
        notices: Collection[str] | None = None,
        cache_size: int = 512,
        compact: bool = True,
        start_copies: bool = False,
    ) -> None:
        given = clock or SystemClock()
        self.clock = given if isinstance(given, PinnableClock) else PinnableClock(given)
        self._script_engine = RestrictedScriptEngine(dict(functions or {}), self.clock)
        self._reserved = self._script_engine.environment.callables
        self._notices = None if notices is None else frozenset(notices)
        self._registry = BpmnWorkflowSerializer.configure(
            {**SPIFF_CONFIG, Task: CompactTaskConverter}
        )
        self._converter = SpeclessWorkflowConverter(BpmnWorkflow, self._registry)
        # Instances are _Workflows, serialized as the BpmnWorkflows they are to Spiff.
        self._converter.workflow_class = _Workflow
        self._registry.typenames[_Workflow] = self._registry.typenames[BpmnWorkflow]
        self._serializer = BpmnWorkflowSerializer(self._registry)
        self._parsed: dict[tuple[str, int, bytes], Parsed] = {}
        self._cache = _WorkflowCache(cache_size)
        self._compact = compact
        self._declared = _Declarations(self._script_engine.environment)
        self._templates = _Templates(self) if start_copies else None
        # Spiff logs every task state change at INFO (~10 lines per instance started), which
        # costs a third of the engine's rate under an INFO root logger; opt in by setting a level.
        spiff_logger = logging.getLogger("spiff")
        if spiff_logger.level == logging.NOTSET:
            spiff_logger.setLevel(logging.WARNING)

    def parse(self, bpmn_xml: bytes, process_id: str, version: int) -> ProcessModel:
        parsed = parse_diagram(bpmn_xml, process_id, self._script_engine, self._notices)
        self._parsed[(process_id, version, bpmn_xml)] = parsed
        return ProcessModel(process_id, version, bpmn_xml, parsed)

    def check(
        self, bpmn_xml: bytes, process_id: str
    ) -> tuple[frozenset[tuple[str, str]], frozenset[str]]:
        """Validate a diagram as a deploy would (DiagramError lists every problem), keeping
        nothing: what it declares, as `declared` answers."""
        parsed = parse_diagram(bpmn_xml, process_id, self._script_engine, self._notices)
        return parsed.actions, parsed.notices

    def declared(self, model: ProcessModel) -> tuple[frozenset[tuple[str, str]], frozenset[str]]:
        """What a diagram declares: the (action, role) pairs its user tasks offer, and the event
        types its script tasks announce."""
        parsed = self._spec_of(model)
        return parsed.actions, parsed.notices

    def openings(self, model: ProcessModel) -> frozenset[tuple[str, str]]:
        """The (action, role) pairs of the cases a diagram's steps offer to open."""
        return self._spec_of(model).openings

    def start(self, model: ProcessModel, data: Mapping[str, Any], key: str | None = None) -> Step:
        """A new instance, run until it waits; its notices are those announced on the way.
        `key`: the instance's, to keep its workflow in the cache (see the module's docstring)."""
        parsed = self._spec_of(model)
        workflow = _Workflow(
            parsed.spec, parsed.subprocess_specs, script_engine=self._script_engine
        )
        workflow.task_tree.data = _payload_data(data, self._reserved)
        _guarded(lambda: _advance(workflow))
        return self._step(model, workflow, frozenset(), key=key)

    def start_like(
        self, model: ProcessModel, data: Mapping[str, Any], key: str | None = None
    ) -> Step:
        """`start`, for many instances whose data differ only in what the diagram never reads
        (a released task's id, its unit): a copy of an earlier start where it is the engine's
        start (engine/templates.py)."""
        if self._templates is None:
            return self.start(model, data, key=key)
        return self._templates.start(model, data, key)

    def load(self, model: ProcessModel, state: str, key: str | None = None) -> Step:
        """A stored instance as it stands (no notices): what it offers, its data, its timers.
        `key`: the instance's, to reuse its cached workflow when `state` is the one it has."""
        cached = None if key is None else self._cache.take(key, state, self._spec_of(model).spec)
        if cached is not None:
            workflow, walked = cached
            return self._step(model, workflow, None, state=state, key=key, walked=walked)
        return self._step(model, self._load(model, state), None, state=state, key=key)

    def perform(self, step: Step, action: str, payload: Mapping[str, Any]) -> Step:
        data = {**_payload_data(payload, self._reserved), "action": action}
        workflow, before, offering = self._take(step)
        task = _task_offering(offering, action)
        task.data.update(data)
        _guarded(task.run)
        _guarded(lambda: _advance(workflow))
        return self._step(step.model, workflow, before, key=step.key)

    def update(self, step: Step, changes: Mapping[str, Any]) -> Step:
        """Correct the data of a running instance from outside (e.g. a new lead unit or due
        date); its waiting timers are evaluated again with the new data.

        A waiting user task with boundary events is entered again, so that its boundary timers,
        including those that already fired, are armed afresh for the new data (a due date moved
        later is reminded again); the diagram's gateways decide whether an announcement that
        went out before goes out again."""
        data = _payload_data(changes, self._reserved)
        workflow, before, _offering = self._take(step)
        reentered = [
            task
            for task, _pairs in self._walk(step.model, workflow).user_tasks
            if isinstance(task.parent.task_spec, BoundaryEventSplit)
        ]
        for task in _with_data(workflow, data):
            rearm(task)
        for task in reentered:
            workflow.reset_from_task_id(task.id, data=dict(task.data))
        _guarded(lambda: _advance(workflow))
        return self._step(step.model, workflow, before, key=step.key)

    def annotate(self, step: Step, changes: Mapping[str, Any]) -> Step:
        """Note a fact from outside in a running instance's data (e.g. that a case opened about
        it is open), for its conditions to read; nothing runs, no timer moves."""
        data = _payload_data(changes, self._reserved)
        workflow, _before, _offering = self._take(step)
        _with_data(workflow, data)
        if workflow.is_completed():
            workflow.data.update(data)
        return self._step(step.model, workflow, None, key=step.key)

    def migrate(self, state: str, source: ProcessModel, target: ProcessModel) -> Step:
        """A stored instance of `source` moved onto `target`, another version of its process: every
        step it has reached or passed must exist in `target` under the same id, else
        MigrationRefused names those that do not (as `source` calls them). Its waiting timers keep
        the times they were armed with; what `target` changes applies from its next step."""
        known = set(self._spec_of(target).spec.task_specs)
        reached = _reached_in(state)
        missing = [name for name in sorted(reached) if name not in known]
        if missing:
            specs = self._spec_of(source).spec.task_specs
            waiting = [n for n in missing if reached[n] & _OPEN]
            passed = [n for n in missing if reached[n] & TaskState.COMPLETED]
            chosen, where = (waiting, "đang chờ ở") if waiting else (passed or missing, "đã qua")
            # Steps as the modeler names them; Spiff's own joins and splits have no name.
            named = [getattr(specs.get(n), "bpmn_name", None) for n in chosen]
            raise MigrationRefused([n for n in named if n] or chosen, where=where)
        workflow = self._load(target, state)
        return self._step(target, workflow, None)

    def positions(self, step: Step) -> Positions:
        """Where an instance stands in its diagram, for people to see (engine/positions.py)."""
        workflow = step._workflow[0] if step._workflow else self._load(step.model, step.state)
        return _positions_of(workflow)

    def at(self, when: datetime) -> AbstractContextManager[datetime]:
        """Hold the engine's clock at `when` in this thread: the scheduler fires each timer at
        its due time, so that timers placed by its branch count from it (`today()`)."""
        return self.clock.held_at(when)

    def fire_due(self, step: Step) -> Step:
        """Fire the timers that are due by the engine's clock and run what follows them."""
        workflow, before, _offering = self._take(step)
        _guarded(lambda: _advance(workflow))
        return self._step(step.model, workflow, before, key=step.key)

    def _spec_of(self, model: ProcessModel) -> Parsed:
        if model._parsed is not None:
            return model._parsed
        key = (model.process_id, model.version, model.bpmn_xml)
        if key not in self._parsed:
            self._parsed[key] = parse_diagram(
                model.bpmn_xml, model.process_id, self._script_engine, self._notices
            )
        return self._parsed[key]

    def _take(self, step: Step) -> tuple[BpmnWorkflow, frozenset[Any], Mapping[str, Any]]:
        """The workflow to advance, the announcing tasks that had run before it and the user
        task offering each action: the Step's own workflow, once, if no other call took it out
        of the cache since; else its state loaded again."""
        workflow = step._workflow.pop() if step._workflow else None
        if (
            workflow is not None
            and step.key is not None
            and not self._cache.release(step.key, workflow, step.state)
        ):
            workflow = None  # another call advances it: start again from this Step's state
        if workflow is not None:
            return workflow, step._announced, step._offering
        workflow = self._load(step.model, step.state)
        walked = self._walk(step.model, workflow)
        return workflow, frozenset(walked.announced), walked.offering

    def _walk(self, model: ProcessModel, workflow: BpmnWorkflow) -> _Walked:
        return _walk(workflow, self._spec_of(model).announcing, self._actions_of)

    def _actions_of(self, task: Any) -> list[tuple[str, str]]:
        """The (action, role) pairs a waiting user task offers now: those it declares (read once
        per task spec) whose `when.<action>` condition, if any, holds for its data."""
        _spec, pairs, _openings, conditions = self._declared.of(task.task_spec)
        return self._declared.held(pairs, conditions, task)

    def _step(
        self,
        model: ProcessModel,
        workflow: BpmnWorkflow,
        before: frozenset[Any] | None,
        state: str | None = None,
        key: str | None = None,
        walked: _Walked | None = None,
    ) -> Step:
        """The Step of a workflow; `before`: announcing tasks that ran before this call (None:
        a state only read, which announces nothing); `key`: cache the workflow under it;
        `walked`: what the walk of this very tree found when it was cached (the user tasks'
        actions are asked again: a condition may read the clock)."""
        if walked is None:
            walked = self._walk(model, workflow)
        else:
            walked = _rewalk(walked, self._actions_of)
        if not walked.unfinished:
            workflow.completed = True  # as Spiff's is_completed() records it
        completed = bool(workflow.completed)
        if completed:
            current = dict(workflow.data)
        else:
            current = {}
            for task in walked.open:
                current.update(task.data)
        data: dict[str, Any] = _copied(current)
        offers = tuple(
            _offer(action, role, task.task_spec.bpmn_id, False)
            for task, pairs in walked.user_tasks
            for action, role in pairs
        ) + tuple(self._openings(model, walked, workflow))
        timers = iter(list(workflow.event_manager.tasks.values()))
        if state is None:
            if self._compact:
                prune(workflow)
            stored = dump(self._serializer, workflow)
        else:
            stored = state
        announced = frozenset(walked.announced)
        if key is not None:
            self._cache.put(key, stored, workflow, _kept(walked, workflow))
        return Step(
            model=model,
            state=stored,
            data=data,
            offers=offers,
            next_due=min(due_times(timers), default=None),
            notices=() if before is None else _notices_since(walked.announced, before),
            completed=completed,
            _workflow=[workflow],
            key=key,
            _announced=announced,
            _offering=walked.offering,
        )

    def _openings(
        self, model: ProcessModel, walked: _Walked, workflow: BpmnWorkflow
    ) -> Iterator[Offer]:
        """The cases the steps where the instance waits (or the end event where it ended) offer
        to open, under their `when.<action>` conditions."""
        if not self._spec_of(model).openings:
            return
        if walked.unfinished:
            resting = [task for task, _pairs in walked.user_tasks]
        else:  # the end event it ended at (end events of timer branches declare none)
            resting = [
                t for t in workflow.get_tasks(state=TaskState.COMPLETED) if not t.task_spec.manual
            ]
        for task in resting:
            _spec, _actions, openings, conditions = self._declared.of(task.task_spec)
            for action, role in self._declared.held(openings, conditions, task):
                yield _offer(action, role, task.task_spec.bpmn_id, True)

    def _load(self, model: ProcessModel, state: str) -> BpmnWorkflow:
        parsed = self._spec_of(model)
        try:
            dct = loads(state)
            version = dct.pop(self._serializer.VERSION_KEY, None)
        except (TypeError, ValueError, AttributeError) as exc:
            raise StateError(f"state is not a workflow serialization: {exc}") from None
        if version != self._serializer.VERSION:
            # Spiff's migrations expect the spec inside the state; ours keeps it outside.
            raise StateError(
                f"state written by serializer {version}, engine reads "
                f"{self._serializer.VERSION}; migrate stored states first"
            )
        return self._converter.from_dict(
            dct, parsed.spec, parsed.subprocess_specs, self._script_engine
        )
