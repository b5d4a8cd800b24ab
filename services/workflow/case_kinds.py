"""Every kind of case the workflow service runs, in one place (see services/workflow/cases.py).

A new kind is a diagram in bpmn/, a module declaring its `CaseKind`, and one line here.
"""

from __future__ import annotations

from services.workflow import (
    correction_requests,
    direction_requests,
    feedback,
    info_requests,
    inspection_requests,
    inspections,
    monthly_accounts,
    periodic_reports,
)
from services.workflow.cases import CaseKind


def case_kinds() -> dict[str, CaseKind]:
    kinds: list[CaseKind] = [
        feedback.KIND,
        monthly_accounts.KIND,
        info_requests.KIND,
        inspections.KIND,
        inspection_requests.KIND,
        periodic_reports.KIND,
        correction_requests.KIND,
        direction_requests.KIND,
    ]
    return {kind.kind: kind for kind in kinds}
