"""The workflow service on SQLite with a clock the test moves, its test client and consumer:
what the tests of cases and timers drive through the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from services.workflow.app import create_app, create_service
from services.workflow.consumer import create_consumer
from shared.clock import AdjustableClock
from tests.integration.test_workflow_service import NOW, SECRET


def running(tmp_path: Path, namespace: str) -> Iterator[Any]:
    """Yield the service with `.clock` (AdjustableClock at NOW), `.client` and `.consumer`."""
    env = {"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET, "BUS_NAMESPACE": namespace}
    clock = AdjustableClock(NOW)
    service = create_service(env, clock=clock)
    service.migrate()
    service.clock = clock
    service.client = create_app(service).test_client()
    service.consumer = create_consumer(service)
    yield service
    service.runtime.platform.stop()
