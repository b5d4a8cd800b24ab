"""SpiffWorkflow's task state change, without building log records nobody reads.

Private to the engine package (services/workflow/engine/core.py imports it). Spiff 3.2's
`Task._set_state` collects a dict of logging extras (names, ids, the parent looked up) and
formats a message at every state change, before `logger.info` finds the level disabled: ~10 % of
starting an instance. The replacement below does what Spiff's does, and logs what it logs, with
the same extras, whenever the `spiff.task` logger is enabled for that level; it only skips
building them when it is not (the engine sets `spiff` to WARNING unless a level was set). The
time of a change is read once for both `elapsed` and `last_state_change`.

Spiff also gives every task it creates (~40 per instance started, most of them predicted) an id
from `uuid.uuid4()`, whose UUID constructor checks its arguments in Python: `task_id` below makes
the same version-4 UUID from the same 16 bytes of `os.urandom`, built directly (twice as fast).
The random bytes are read from `os.urandom` 4 KiB at a time (one system call for 256 ids rather
than one each, which was a sixth of starting an instance); a forked process starts afresh.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from typing import Any
from uuid import UUID, SafeUUID

from SpiffWorkflow import task as _spiff_task
from SpiffWorkflow.util.task import TaskState

_logger = _spiff_task.logger


def _set_state(self: Any, value: int) -> None:
    """Force set the state on a task (Spiff's `Task._set_state`)."""
    if value != self._state:
        now = time.time()
        elapsed = now - self.last_state_change
        self.last_state_change = now
        self._state = value
        if _logger.isEnabledFor(logging.INFO):
            _logger.info(
                f"State changed to {TaskState.get_name(value)}",
                extra=self.collect_log_extras({"elapsed": elapsed}),
            )
    elif _logger.isEnabledFor(logging.DEBUG):
        _logger.debug(f"State set to {TaskState.get_name(value)}", extra=self.collect_log_extras())


# uuid.uuid4's bits: the RFC 4122 variant (10) and version 4, over 16 random bytes.
_KEPT = ~((0xC000 << 48) | (0xF000 << 64))
_SET = (0x8000 << 48) | (4 << 76)


# Random 128-bit values, from os.urandom 4 KiB at a time. A deque's append and popleft are
# atomic, so threads share it without a lock (a value is taken once); a forked child empties it,
# so that it never makes the ids its parent makes.
_RANDOM: deque[int] = deque()
_BLOCK = 16 * 256
os.register_at_fork(after_in_child=_RANDOM.clear)


def _random128() -> int:
    """A random 128-bit value, as `int.from_bytes(os.urandom(16))` makes one."""
    while True:
        try:
            return _RANDOM.popleft()
        except IndexError:
            block = memoryview(os.urandom(_BLOCK))
            _RANDOM.extend(map(int.from_bytes, (block[i : i + 16] for i in range(0, _BLOCK, 16))))


_new = object.__new__
_set_int = vars(UUID)["int"].__set__  # the slots UUID.__init__ sets
_set_safe = vars(UUID)["is_safe"].__set__
_UNKNOWN = SafeUUID.unknown


def task_id() -> UUID:
    """`uuid.uuid4()`: a UUID made the same way from 16 random bytes, without UUID.__init__."""
    made: UUID = _new(UUID)
    _set_int(made, _random128() & _KEPT | _SET)
    _set_safe(made, _UNKNOWN)
    return made


def install() -> None:
    """Put the quiet state change, and the direct ids, on Spiff's Task (idempotent)."""
    _spiff_task.Task._set_state = _set_state
    _spiff_task.uuid4 = task_id  # what Spiff's Task.__init__ calls for a new task's id
