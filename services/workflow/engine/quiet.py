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
"""

from __future__ import annotations

import logging
import os
import time
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


def task_id() -> UUID:
    """`uuid.uuid4()`: the same UUID from the same random bytes, without UUID.__init__."""
    made: UUID = object.__new__(UUID)
    object.__setattr__(made, "int", int.from_bytes(os.urandom(16)) & _KEPT | _SET)
    object.__setattr__(made, "is_safe", SafeUUID.unknown)
    return made


def install() -> None:
    """Put the quiet state change, and the direct ids, on Spiff's Task (idempotent)."""
    _spiff_task.Task._set_state = _set_state
    _spiff_task.uuid4 = task_id  # what Spiff's Task.__init__ calls for a new task's id
