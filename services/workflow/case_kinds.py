"""Every kind of case the workflow service runs, in one place (see services/workflow/cases.py).

A new kind is a diagram in bpmn/, a module declaring its `CaseKind`, and one line here.
"""

from __future__ import annotations

from services.workflow import feedback
from services.workflow.cases import CaseKind


def case_kinds() -> dict[str, CaseKind]:
    kinds: list[CaseKind] = [feedback.KIND]
    return {kind.kind: kind for kind in kinds}
