"""The kinds of process the workflow service runs: a task's lifecycle (task.py) and every
kind of case (one module each, declaring its `CaseKind`; services/workflow/cases.py).

A new kind of case is a diagram in bpmn/, a module here declaring its `CaseKind`, and one line
in `case_kinds` (docs/adding-a-process.md).
"""

from __future__ import annotations

from services.workflow.cases import CaseKind
from services.workflow.kinds import (
    annual_reports,
    commendations,
    correction_requests,
    direction_requests,
    feedback,
    info_requests,
    inspection_plans,
    inspection_requests,
    inspections,
    monthly_accounts,
    office_reports,
    overdue_summaries,
    periodic_reports,
    unit_inspections,
    unit_reports,
)


def case_kinds() -> dict[str, CaseKind]:
    kinds: list[CaseKind] = [
        feedback.KIND,
        monthly_accounts.KIND,
        info_requests.KIND,
        inspections.KIND,
        inspection_plans.KIND,
        inspection_requests.KIND,
        periodic_reports.KIND,
        unit_reports.KIND,
        unit_inspections.KIND,
        office_reports.KIND,
        correction_requests.KIND,
        direction_requests.KIND,
        overdue_summaries.KIND,
        annual_reports.KIND,
        commendations.KIND,
    ]
    return {kind.kind: kind for kind in kinds}
