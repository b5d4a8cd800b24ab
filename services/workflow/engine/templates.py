"""Starts copied from a template: many instances of one diagram started with the same data but
for texts the diagram never reads (a released task's `task_id`, its `lead_unit`).

Private to the engine package (core.py, `Engine.start_like`). The second start of a shape (the
model, which keys vary, the rest of the data) runs the engine with the clock held at one instant
(a start at that instant); its Step is what the caller gets, and its state becomes a template:
the JSON text cut where a task id, a time of a state change (`last_state_change`, a pruned
step's first completion) or a varying value stand. A later start of that shape on the same local
day, before any of the template's waiting timers is due, is that text with fresh task ids (made
as Spiff makes them, `quiet.task_id`), the times moved by the time elapsed since the template's
start, and its own varying values: the state, data, offers, next due time and notices the
engine's own start at that instant writes (tests/unit/test_engine_templates.py compares them,
field for field and byte for byte up to the ids, over dated, undated, periodic, nearly due and
past due tasks, across days and timers coming due). A shape's first start is the engine's alone
(making a template costs about half a start, in vain for data seen once).

Why a copy is the engine's start: a start is a function of the diagram, the data, the clock and
the ids and times it draws. A varying key is never named in the diagram (no expression can read
it: expressions reach data by name only, engine/expressions.py), so it only travels in the data,
unread. The clock is read by the diagram's functions by the local day only (the engine's
`start_copies` says so: the deadline functions, services/workflow/deadlines.py) and by the
timers: a time date's value is computed from data and functions, and whether a waiting timer
fires compares its due time with now — a template is made only when no timer fired and none
holds a duration or a cycle (whose values count from now), and is used only while the earliest
due time is still ahead. Anything else (data not scalar, a value that stands elsewhere in the
text, a text the template could not cut cleanly) starts through the engine.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import orjson
from SpiffWorkflow.util.task import TaskState

from services.workflow.engine.prune import PRUNED, pruned_of
from services.workflow.engine.quiet import task_id as _new_task_id
from services.workflow.engine.steps import Offer, ProcessModel, Step
from services.workflow.engine.timers import ClockTimeDate, _ClockTimer
from shared.calendar import local_date

if TYPE_CHECKING:
    from services.workflow.engine.core import Engine

# Where `_template` marked the text: its token, what stands there, its number.
_MARK = re.compile(r'"([0-9a-f]{32})([itv])([0-9]+)"')
# Kept templates: one per (model, data but the varying value); the oldest goes first.
_KEPT = 256
_SEEN = 4096
# A template's key: the model, the varying keys, the data but their values (as JSON).
_Shape = tuple[ProcessModel, tuple[str, ...], bytes]
_SCALARS = (str, int, bool, type(None))


@dataclass(frozen=True)
class Template:
    """A start's state cut at its task ids, times and varying value, with the rest of its Step."""

    day: date  # the local day it was made on
    next_due: datetime | None
    # The text, for %-formatting (its own %s doubled), and what picks each slot's value out of
    # the values (the task ids, then the times, then the varying value).
    text: str
    pick: Callable[[list[str]], tuple[str, ...]]
    ids: int  # how many task ids
    times: tuple[float, ...]
    began: float  # time.time() when its start began
    varying: tuple[str, ...]  # the keys whose values are the slots after the times
    data: bytes  # the Step's data, as JSON
    offers: tuple[Offer, ...]
    notices: tuple[str, ...]
    completed: bool


class Templates:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._kept: dict[_Shape, Template] = {}
        # Shapes started once: a template is made at the second start of its shape (making one
        # costs about half a start, spent in vain on data seen once).
        self._seen: dict[_Shape, None] = {}
        self._unread: dict[ProcessModel, dict[str, bool]] = {}
        # Copies only read the kept templates; what changes them takes turns (an engine may be
        # shared by threads: a web's, a consumer's).
        self._lock = threading.Lock()

    def start(self, model: ProcessModel, data: Mapping[str, Any], key: str | None) -> Step:
        varying = self._varying(model, data)
        shape = self._shape(model, data, varying)
        now = self._engine.clock.now()
        if shape is not None:
            template = self._kept.get(shape)
            if (
                template is not None
                and template.day == local_date(now)
                and (template.next_due is None or template.next_due > now)
            ):
                return _copy(model, template, [data[k] for k in varying], key)
        if shape is None:
            return self._engine.start(model, data, key=key)
        with self._lock:
            first = _first(self._seen, shape)
        if first:
            return self._engine.start(model, data, key=key)
        began = time.time()
        with self._engine.clock.held_at(now):
            step = self._engine.start(model, data, key=key)
        template = _template(step, {k: data[k] for k in varying}, local_date(now), began)
        if template is not None:
            with self._lock:
                self._kept.pop(shape, None)
                if len(self._kept) >= _KEPT:
                    self._kept.pop(next(iter(self._kept)))
                self._kept[shape] = template
        return step

    def _varying(self, model: ProcessModel, data: Mapping[str, Any]) -> tuple[str, ...]:
        """The keys of `data` whose values may differ between copies: those holding a text,
        named nowhere in the diagram (so no expression reads them)."""
        varying = []
        known = self._unread.get(model)
        if known is None:
            known = self._unread[model] = {}
        for name, value in data.items():
            if type(value) is not str:
                continue
            unread = known.get(name)
            if unread is None:  # (two threads may both look: they find the same)
                word = re.compile(rb"\b" + re.escape(name.encode()) + rb"\b")
                unread = known[name] = name.isidentifier() and word.search(model.bpmn_xml) is None
            if unread:
                varying.append(name)
        return tuple(varying)

    def _shape(
        self, model: ProcessModel, data: Mapping[str, Any], varying: tuple[str, ...]
    ) -> _Shape | None:
        """The template's key for this start, or None when it cannot be copied: the data's
        values scalars of plain types; all but the varying ones are the template's."""
        if not all(type(v) in _SCALARS for v in data.values()):
            return None
        try:
            return model, varying, orjson.dumps({**data, **dict.fromkeys(varying)})
        except orjson.JSONEncodeError:  # an integer beyond 64 bits, a lone surrogate
            return None


def _first(seen: dict[_Shape, None], shape: _Shape) -> bool:
    """Whether `shape` is seen for the first time (lately: the oldest are forgotten)."""
    if shape in seen:
        return False
    if len(seen) >= _SEEN:
        seen.pop(next(iter(seen)))
    seen[shape] = None
    return True


def _copy(model: ProcessModel, template: Template, values: list[str], key: str | None) -> Step:
    ids = _quoted([_new_task_id() for _ in range(template.ids)])
    moved = time.time() - template.began
    encoded = orjson.dumps(values).decode()[1:-1].split(",") if values else []
    state = _render(template, [*ids, *_floats([t + moved for t in template.times]), *encoded])
    data = orjson.loads(template.data)
    data.update(zip(template.varying, values, strict=True))
    return Step(
        model=model,
        state=state,
        data=data,
        offers=template.offers,
        next_due=template.next_due,
        notices=template.notices,
        completed=template.completed,
        key=key,
    )


def _render(template: Template, values: list[str]) -> str:
    return template.text % template.pick(values)


def _quoted(ids: list[Any]) -> list[str]:
    """Task ids as the state writes them (quoted), by one orjson call."""
    return orjson.dumps(ids).decode()[1:-1].split(",") if ids else []


def _floats(times: list[float]) -> list[str]:
    """Times as the state writes them, by one orjson call."""
    return orjson.dumps(times).decode()[1:-1].split(",") if times else []


def _template(step: Step, varying: dict[str, str], day: date, began: float) -> Template | None:
    """The template of a start the engine just made, or None when it would not be the engine's
    start at another instant (a timer fired, or counts from now) or the text cannot be cut
    cleanly at its ids, times and varying values (each stands once in the data, nowhere else)."""
    if not step._workflow or not _still(step._workflow[0]):
        return None
    encoded = [orjson.dumps(value).decode() for value in varying.values()]
    written = orjson.dumps(step.data).decode()
    if any(step.data.get(k) != v for k, v in varying.items()) or any(
        written.count(text) != 1 for text in encoded
    ):
        return None
    try:
        stored = orjson.loads(step.state)
    except orjson.JSONDecodeError:
        return None
    if orjson.dumps(stored).decode() != step.state:  # not the compact orjson text `dump` writes
        return None
    token = uuid.uuid4().hex
    if token in step.state:
        return None
    ids = {task_id: f"{token}i{n}" for n, task_id in enumerate(stored.get("tasks", {}))}
    times: list[float] = []

    def at(when: Any) -> Any:
        if type(when) is not float:
            return when
        times.append(when)
        return f"{token}t{len(times) - 1}"

    def task(dct: dict[str, Any]) -> dict[str, Any]:
        out = {**dct, "id": ids[dct["id"]], "last_state_change": at(dct["last_state_change"])}
        out["parent"] = None if dct["parent"] is None else ids[dct["parent"]]
        out["children"] = [ids[child] for child in dct["children"]]
        data = dct.get("data")
        if isinstance(data, dict) and any(k in data for k in varying):
            marks = {k: f"{token}v{n}" for n, k in enumerate(varying) if data.get(k) == varying[k]}
            out["data"] = {**data, **marks}
        return out

    try:
        marked = {
            **stored,
            "tasks": {ids[k]: task(v) for k, v in stored["tasks"].items()},
            "root": ids[stored["root"]],
            "last_task": None if stored["last_task"] is None else ids[stored["last_task"]],
        }
        if PRUNED in stored:
            marked[PRUNED] = {k: [s, at(first)] for k, (s, first) in stored[PRUNED].items()}
    except (KeyError, TypeError, ValueError):
        return None
    parts = _MARK.split(orjson.dumps(marked).decode())
    segments = tuple(parts[0::4])
    if any(mark != token for mark in parts[1::4]):
        return None
    base = {"i": 0, "t": len(ids), "v": len(ids) + len(times)}
    slots = tuple(base[kind] + int(n) for kind, n in zip(parts[2::4], parts[3::4], strict=True))
    joined = "\0".join(segments)  # (a NUL stands in no JSON text: orjson escapes it)
    if any(text in joined for text in (*encoded, token, *ids)):
        return None  # a varying value, or an id, stands somewhere the cut does not see
    kept_data = {**step.data, **dict.fromkeys(varying)}
    if len(slots) < 2:
        return None  # (itemgetter picks a tuple of two or more)
    template = Template(
        day=day,
        next_due=step.next_due,
        text="%s".join(segment.replace("%", "%%") for segment in segments),
        pick=itemgetter(*slots),
        ids=len(ids),
        times=tuple(times),
        began=began,
        varying=tuple(varying),
        data=orjson.dumps(kept_data),
        offers=step.offers,
        notices=step.notices,
        completed=step.completed,
    )
    originals = [*(f'"{i}"' for i in ids), *_floats(times), *encoded]
    if _render(template, originals) != step.state:
        return None
    return template


def _still(workflow: Any) -> bool:
    """Whether no timer of the started workflow fired or counts from now: each timer task is
    predicted with no data of its own, or waits for a time date (or stands off)."""
    if workflow.subprocesses or workflow.bpmn_events:
        return False
    specs = workflow.spec.task_specs
    for name in pruned_of(workflow):
        if isinstance(getattr(specs.get(name), "event_definition", None), _ClockTimer):
            return False
    for task in workflow.tasks.values():
        definition = getattr(task.task_spec, "event_definition", None)
        if not isinstance(definition, _ClockTimer):
            continue
        internal = task.internal_data
        if task.state & TaskState.PREDICTED_MASK or task.state == TaskState.FUTURE:
            fired = bool(internal)  # predicted: not evaluated yet
        else:  # waiting, unfired, for a time date (a duration or a cycle counts from now)
            fired = (
                task.state != TaskState.WAITING
                or bool(internal.get("event_fired"))
                or ("event_value" in internal and type(definition) is not ClockTimeDate)
            )
        if fired:
            return False
    return True
