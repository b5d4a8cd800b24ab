"""The engine's storage helpers: a spec-less serialization of workflows.

Private to the engine package (services/workflow/engine/core.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from services.workflow.engine.expressions import RestrictedScriptEngine


class StateError(ValueError):
    """The stored state does not belong to this process model or cannot be read."""


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its spec, which is two thirds of Spiff's default output and
    most of its load time; the spec is supplied again on load from the ProcessModel.
    `workflow_class`: what a state is read into (a BpmnWorkflow)."""

    workflow_class: type[BpmnWorkflow] = BpmnWorkflow

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["process_id"] = workflow.spec.name
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(
        self,
        dct: dict[str, Any],
        spec: Any = None,
        subprocess_specs: dict[str, Any] | None = None,
        script_engine: RestrictedScriptEngine | None = None,
    ) -> BpmnWorkflow:
        if spec is None or dct.get("process_id") != spec.name:
            raise StateError(
                f"state of process {dct.get('process_id')!r} does not belong to "
                f"model {getattr(spec, 'name', None)!r}"
            )
        workflow = self.workflow_class(
            spec, subprocess_specs, script_engine=script_engine, deserializing=True
        )
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON-able")
