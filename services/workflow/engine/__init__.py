"""The only door to SpiffWorkflow (see core.py): parse diagrams, start and advance instances."""

from services.workflow.engine.core import (
    ActionNotOffered,
    Engine,
    InvalidPayload,
    MigrationRefused,
    Offer,
    Position,
    Positions,
    ProcessError,
    ProcessModel,
    Step,
)
from services.workflow.engine.expressions import DiagramError
from services.workflow.engine.state import StateError

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
