"""The services' harnesses, one per service, from their kits."""

from tests.integration.workflowkit import make_workflow, workflow

__all__ = ["make_workflow", "workflow"]
