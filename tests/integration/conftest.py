"""The services' harnesses and shared fixtures, from their kits."""

from tests.integration.countingkit import thirty
from tests.integration.workflowkit import make_workflow, workflow

__all__ = ["make_workflow", "thirty", "workflow"]
