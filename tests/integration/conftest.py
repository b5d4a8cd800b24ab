"""The services' harnesses and shared fixtures, from their kits."""

from tests.integration.countingkit import thirty
from tests.integration.intakekit import intake, pg_intake
from tests.integration.notifykit import make_notify, notify
from tests.integration.reportingkit import reporting
from tests.integration.workflowkit import make_workflow, workflow

__all__ = [
    "intake",
    "make_notify",
    "make_workflow",
    "notify",
    "pg_intake",
    "reporting",
    "thirty",
    "workflow",
]
