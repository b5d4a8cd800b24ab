"""SpiffWorkflow's inheritance of a task's data from its parent, without merging what is there.

Private to the engine package (services/workflow/engine/core.py installs it). Spiff's
`Task._inherit_data` deep-merges the parent's data into the task's at every update of the task:
a waiting boundary timer is updated after every step of an action (the waiting tasks are looked
at after each task completes, and the timers once more at the end), each time merging the whole
of the instance's data key by key in Python (`DeepMerge.merge`), though it holds it already.

When every key of the parent's data is in the task's with an equal value (compared as dict
items are: `==`, a value being equal to itself), Spiff's merge changes nothing: for each key it
finds the values equal and goes on, or (the one case where `==` and the items' comparison differ,
a value that is not equal to itself, such as NaN, held by both) sets the very object it holds
again. Such a task keeps its data as it is; any other is merged by Spiff.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge

_spiffs_inherit_data = Task._inherit_data


def _inherit_data(self: Any) -> None:
    """Spiff's `Task._inherit_data`, skipping a merge that would change nothing."""
    above = self.parent.data
    data = self.data
    if above.items() <= data.items():
        return
    self.data = DeepMerge.merge(data, above)


def install() -> None:
    """Put the shortcut on Spiff's Task (idempotent)."""
    Task._inherit_data = _inherit_data


def uninstall() -> None:
    """Spiff's own inheritance again (for tests that compare both)."""
    Task._inherit_data = _spiffs_inherit_data
