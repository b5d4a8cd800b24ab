"""SpiffWorkflow's task state change, without building log records nobody reads.

Private to the engine package (services/workflow/engine/core.py imports it). Spiff 3.2's
`Task._set_state` collects a dict of logging extras (names, ids, the parent looked up) and
formats a message at every state change, before `logger.info` finds the level disabled: ~10 % of
starting an instance. The replacement below does what Spiff's does, and logs what it logs, with
the same extras, whenever the `spiff.task` logger is enabled for that level; it only skips
building them when it is not (the engine sets `spiff` to WARNING unless a level was set). The
time of a change is read once for both `elapsed` and `last_state_change`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

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


def install() -> None:
    """Put the quiet state change on Spiff's Task (idempotent)."""
    _spiff_task.Task._set_state = _set_state
