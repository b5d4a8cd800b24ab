"""The only door to SpiffWorkflow (see core.py): parse diagrams, start and advance instances."""

from services.workflow.engine.core import (
    ActionNotOffered,
    DiagramError,
    Engine,
    InvalidPayload,
    MigrationRefused,
    Offer,
    ProcessError,
    ProcessModel,
    StateError,
    Step,
)

__all__ = [
    "ActionNotOffered",
    "DiagramError",
    "Engine",
    "InvalidPayload",
    "MigrationRefused",
    "Offer",
    "ProcessError",
    "ProcessModel",
    "StateError",
    "Step",
]
