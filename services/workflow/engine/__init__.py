"""The only door to SpiffWorkflow (see core.py): parse diagrams, start and advance instances."""

from services.workflow.engine.core import Engine
from services.workflow.engine.expressions import DiagramError
from services.workflow.engine.state import StateError
from services.workflow.engine.steps import (
    ActionNotOffered,
    InvalidPayload,
    MigrationRefused,
    Offer,
    Position,
    Positions,
    ProcessError,
    ProcessModel,
    Step,
)

__all__ = [
    "ActionNotOffered",
    "DiagramError",
    "Engine",
    "InvalidPayload",
    "MigrationRefused",
    "Offer",
    "Position",
    "Positions",
    "ProcessError",
    "ProcessModel",
    "StateError",
    "Step",
]
